"""The Redis feature backend: one Lua call updates and reads every counter a batch of events touches.

Counters are plain keys per (feature key, bucket) with a time-to-live of the window plus one bucket,
so Redis forgets old buckets by itself. Distinct counts use a sorted set per entity (member -> last
seen), trimmed to the window. Each event first marks its id as seen, so an event resent after a crash
is never counted twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import orjson
import redis
from redis.exceptions import NoScriptError

from trustdesk.risk.features.base import BUCKETS_PER_WINDOW, Touch, empty_features, touches

if TYPE_CHECKING:
    from trustdesk.risk.events import Event

# ARGV: the seen-keys' time-to-live, then one JSON array with an entry per event:
# [seen-key, the event's time (epoch seconds), [touch, …]], each touch being
# [kind (c|s|d), key, bucket, step, update (0|1), ttl, value, window seconds].
# The reply is one string: per event "fresh,value,value,…", events separated by ";".
# One call for many events: the per-call cost (command parsing, script set-up, a reply to read on
# both sides) was most of what Redis and the client spent per event when each event was its own call.
#
# Counts and sums: one counter per bucket, the window's value the sum of its last BUCKETS buckets.
# Distinct counts: one sorted set per entity of member -> last time seen, trimmed to the window on
# each update; ZCOUNT over the window is exact, and bounded by the members active in one window.
# (HyperLogLogs per bucket were tried first: PFCOUNT merging ten dense ones cost more than
# everything else an event does.)
_SCRIPT = """
local ttl_seen = ARGV[1]
local replies = {}
for _, e in ipairs(cjson.decode(ARGV[2])) do
  local fresh = redis.call('SET', e[1], '1', 'NX', 'EX', ttl_seen)
  local at = e[2]
  local out = {fresh and '1' or '0'}
  for _, t in ipairs(e[3]) do
    local kind, key, bucket, step, ttl, value = t[1], t[2], t[3], t[4], t[6], t[7]
    local update = t[5] == 1 and fresh
    if kind == 'd' then
      local since = string.format('%d', at - t[8])
      if update then
        redis.call('ZADD', key, 'GT', at, value)
        redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. since)
        redis.call('EXPIRE', key, ttl)
      end
      out[#out + 1] = tostring(redis.call('ZCOUNT', key, since, '+inf'))
    else
      local keys = {}
      for b = 0, BUCKETS - 1 do keys[b + 1] = key .. ':' .. string.format('%d', bucket - b * step) end
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
  replies[#replies + 1] = table.concat(out, ',')
end
return table.concat(replies, ';')
""".replace("BUCKETS", str(BUCKETS_PER_WINDOW))

SEEN_TTL = 8 * 86400
# Events per script call: a call blocks every other Redis client while it runs (about 30 µs an
# event), so a large batch goes as several calls in one pipelined round trip.
CHUNK = 100
_KIND = {"count": "c", "sum": "s", "distinct": "d"}


class RedisBackend:
    name = "redis"

    def __init__(self, url: str, *, prefix: str) -> None:
        self.client = redis.Redis.from_url(url)
        self.prefix = prefix
        self.script = self.client.register_script(_SCRIPT)

    def _entry(self, event: Event, found: list[Touch]) -> list[Any]:
        prefix = self.prefix
        touched = []
        for t in found:
            spec = t.spec
            kind = _KIND[spec.agg]
            value = t.member if kind == "d" else (t.value if kind == "s" else 1)
            touched.append(
                [
                    kind,
                    prefix + t.key,
                    t.bucket,
                    spec.step,
                    int(t.update),
                    spec.seconds + spec.step,
                    value,
                    spec.seconds,
                ]
            )
        return [f"{prefix}seen:{event.id}", int(event.occurred_at.timestamp()), touched]

    @staticmethod
    def _values(found: list[Touch], reply: bytes) -> dict[str, float]:
        values = empty_features()
        for t, raw in zip(found, reply.split(b",")[1:], strict=True):
            values[t.spec.name] = round(float(raw), 2) if t.spec.agg == "sum" else int(float(raw))
        return values

    def apply(self, event: Event, first_time: bool) -> dict[str, float]:
        return next(iter(self.apply_batch([event])))

    def apply_batch(self, events: Sequence[Event]) -> Iterator[dict[str, float]]:
        """Redis runs the events in order, so each sees the ones before it exactly as if they had been
        sent one by one. All the script calls go out at once; each chunk's values are yielded as its
        reply arrives, so the caller decides one chunk while Redis counts the next."""
        found = [touches(event) for event in events]
        entries = [self._entry(event, touched) for event, touched in zip(events, found, strict=True)]
        chunks = [orjson.dumps(entries[i : i + CHUNK]) for i in range(0, len(entries), CHUNK)]
        done = 0
        for reply in self._call(chunks):
            for answer in reply.split(b";"):
                yield self._values(found[done], answer)
                done += 1

    def _call(self, chunks: list[bytes]) -> Iterator[bytes]:
        pool = self.client.connection_pool
        conn = pool.get_connection()
        unread = 0
        try:
            sent = 0
            while sent < len(chunks):
                conn.send_packed_command(
                    conn.pack_commands([("EVALSHA", self.script.sha, 0, SEEN_TTL, c) for c in chunks[sent:]])
                )
                unread = len(chunks) - sent
                missing = False
                for _ in range(len(chunks) - sent):
                    try:
                        reply = conn.read_response()
                    except NoScriptError:
                        # Not run (a restarted Redis, or SCRIPT FLUSH): neither are the chunks after it.
                        missing = True
                        reply = None
                    unread -= 1
                    if not missing:
                        sent += 1
                        yield reply
                if missing:
                    self.client.script_load(_SCRIPT)
        finally:
            if unread:
                # Left before every reply was read (the caller stopped, or an error): the connection
                # is out of step with its replies, so it must not be reused.
                conn.disconnect()
            pool.release(conn)

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
