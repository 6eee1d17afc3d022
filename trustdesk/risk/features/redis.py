"""The Redis feature backend: one Lua call per event updates and reads every counter it touches.

Counters are plain keys per (feature key, bucket) with a time-to-live of the window plus one bucket,
so Redis forgets old buckets by itself. Distinct counts use HyperLogLogs (exact for the small
cardinalities rules look at, about 1% error beyond). The first line of the script marks the event id
as seen, so an event resent after a crash is never counted twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import redis

from trustdesk.risk.features.base import BUCKETS_PER_WINDOW, Touch, empty_features, touches

if TYPE_CHECKING:
    from trustdesk.risk.events import Event

# ARGV: seen-key, seen-ttl, then per touch: kind (c|s|d), key, bucket, step, update (0|1), ttl, value.
_SCRIPT = """
local n = tonumber(ARGV[1])
local fresh = redis.call('SET', ARGV[2], '1', 'NX', 'EX', ARGV[3])
local out = {fresh and 1 or 0}
local i = 4
for t = 1, n do
  local kind, key, bucket, step = ARGV[i], ARGV[i+1], tonumber(ARGV[i+2]), tonumber(ARGV[i+3])
  local update, ttl, value = ARGV[i+4] == '1' and fresh, ARGV[i+5], ARGV[i+6]
  i = i + 7
  local keys = {}
  for b = 0, BUCKETS - 1 do keys[#keys + 1] = key .. ':' .. (bucket - b * step) end
  if kind == 'd' then
    if update then
      redis.call('PFADD', keys[1], value)
      redis.call('EXPIRE', keys[1], ttl)
    end
    out[#out + 1] = redis.call('PFCOUNT', unpack(keys))
  else
    if update then
      if kind == 's' then redis.call('INCRBYFLOAT', keys[1], value)
      else redis.call('INCR', keys[1]) end
      redis.call('EXPIRE', keys[1], ttl)
    end
    local total = 0
    for _, v in ipairs(redis.call('MGET', unpack(keys))) do
      if v then total = total + tonumber(v) end
    end
    out[#out + 1] = tostring(total)
  end
end
return out
""".replace("BUCKETS", str(BUCKETS_PER_WINDOW))

SEEN_TTL = 8 * 86400


class RedisBackend:
    name = "redis"

    def __init__(self, url: str, *, prefix: str) -> None:
        self.client = redis.Redis.from_url(url)
        self.prefix = prefix
        self.script = self.client.register_script(_SCRIPT)

    def _args(self, event: Event, found: list[Touch]) -> list[Any]:
        args: list[Any] = [len(found), f"{self.prefix}seen:{event.id}", SEEN_TTL]
        for t in found:
            kind = {"count": "c", "sum": "s", "distinct": "d"}[t.spec.agg]
            value = t.member if kind == "d" else (repr(t.value) if kind == "s" else 1)
            ttl = t.spec.seconds + t.spec.step
            args += [kind, self.prefix + t.key, t.bucket, t.spec.step, int(t.update), ttl, value]
        return args

    def apply(self, event: Event, first_time: bool) -> dict[str, float]:
        found = touches(event)
        result = self.script(args=self._args(event, found))
        values = empty_features()
        for t, raw in zip(found, result[1:], strict=True):
            if t.spec.agg == "sum":
                values[t.spec.name] = round(float(raw), 2)
            else:
                values[t.spec.name] = int(float(raw))
        return values

    def forget_seen(self, event_id: str) -> None:
        """Undo the seen-mark of an event whose decision could not be stored, so a resend counts."""
        self.client.delete(f"{self.prefix}seen:{event_id}")

    def prune(self, now_epoch: int) -> int:
        return 0  # Keys expire by themselves.

    def clear(self) -> None:
        cursor = 0
        while True:
            cursor, keys = self.client.scan(cursor, match=f"{self.prefix}*", count=1000)
            if keys:
                self.client.delete(*keys)
            if cursor == 0:
                return
