"""The Redis feature backend: one Lua call per event updates and reads every counter it touches.

Counters are plain keys per (feature key, bucket) with a time-to-live of the window plus one bucket,
so Redis forgets old buckets by itself. Distinct counts use a sorted set per entity (member -> last
seen), trimmed to the window. The first line of the script marks the event id as seen, so an event
resent after a crash is never counted twice. A batch goes in one pipelined round trip.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import redis

from trustdesk.risk.features.base import BUCKETS_PER_WINDOW, Touch, empty_features, touches

if TYPE_CHECKING:
    from trustdesk.risk.events import Event

# ARGV: seen-key, seen-ttl, the event's time (epoch seconds), then the touches as one JSON array of
# [kind (c|s|d), key, bucket, step, update (0|1), ttl, value, window seconds]: one argument instead of
# eight per touch keeps the client's encoding cheap. The reply is one string, "fresh,value,value,…".
#
# Counts and sums: one counter per bucket, the window's value the sum of its last BUCKETS buckets.
# Distinct counts: one sorted set per entity of member -> last time seen, trimmed to the window on
# each update; ZCOUNT over the window is exact, and bounded by the members active in one window.
# (HyperLogLogs per bucket were tried first: PFCOUNT merging ten dense ones cost more than
# everything else an event does.)
_SCRIPT = """
local fresh = redis.call('SET', ARGV[1], '1', 'NX', 'EX', ARGV[2])
local at = tonumber(ARGV[3])
local out = {fresh and '1' or '0'}
for _, t in ipairs(cjson.decode(ARGV[4])) do
  local kind, key, bucket, step, ttl, value = t[1], t[2], t[3], t[4], t[6], t[7]
  local update = t[5] == 1 and fresh
  if kind == 'd' then
    local since = at - t[8]
    if update then
      redis.call('ZADD', key, 'GT', at, value)
      redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. string.format('%d', since))
      redis.call('EXPIRE', key, ttl)
    end
    out[#out + 1] = tostring(redis.call('ZCOUNT', key, string.format('%d', since), '+inf'))
  else
    local keys = {}
    for b = 0, BUCKETS - 1 do keys[#keys + 1] = key .. ':' .. string.format('%d', bucket - b * step) end
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
return table.concat(out, ',')
""".replace("BUCKETS", str(BUCKETS_PER_WINDOW))

SEEN_TTL = 8 * 86400
_KIND = {"count": "c", "sum": "s", "distinct": "d"}


class RedisBackend:
    name = "redis"

    def __init__(self, url: str, *, prefix: str) -> None:
        self.client = redis.Redis.from_url(url)
        self.prefix = prefix
        self.script = self.client.register_script(_SCRIPT)

    def _args(self, event: Event, found: list[Touch]) -> list[Any]:
        touches_ = []
        for t in found:
            kind = _KIND[t.spec.agg]
            value = t.member if kind == "d" else (t.value if kind == "s" else 1)
            ttl = t.spec.seconds + t.spec.step
            touches_.append(
                [kind, self.prefix + t.key, t.bucket, t.spec.step, int(t.update), ttl, value, t.spec.seconds]
            )
        at = int(event.occurred_at.timestamp())
        return [f"{self.prefix}seen:{event.id}", SEEN_TTL, at, json.dumps(touches_, separators=(",", ":"))]

    @staticmethod
    def _values(found: list[Touch], reply: bytes) -> dict[str, float]:
        values = empty_features()
        for t, raw in zip(found, reply.split(b",")[1:], strict=True):
            values[t.spec.name] = round(float(raw), 2) if t.spec.agg == "sum" else int(float(raw))
        return values

    def apply(self, event: Event, first_time: bool) -> dict[str, float]:
        found = touches(event)
        return self._values(found, self.script(args=self._args(event, found)))

    def apply_batch(self, events: Sequence[Event]) -> list[dict[str, float]]:
        """One round trip for a whole batch; Redis runs the scripts in order, so each event sees the
        ones before it exactly as if they had been sent one by one."""
        found = [touches(event) for event in events]
        pipe = self.client.pipeline(transaction=False)
        for event, touched in zip(events, found, strict=True):
            self.script(args=self._args(event, touched), client=pipe)
        replies = pipe.execute()
        return [self._values(t, r) for t, r in zip(found, replies, strict=True)]

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
