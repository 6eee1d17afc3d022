"""The Redis feature backend: one Lua call updates and reads every counter a chunk of events touches.

Counts and sums live in one hash per feature key, a field per bucket, with a time-to-live of the
window plus one bucket. Distinct counts use a sorted set per entity (member -> last seen), trimmed to
the window. Each event first marks its id as seen, so an event resent after a crash is never counted
twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import orjson
import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

from trustdesk.risk.features.base import BUCKETS_PER_WINDOW, FEATURES, Touch, empty_features, touches

if TYPE_CHECKING:
    from trustdesk.risk.events import Event

_KIND = {"count": "c", "sum": "s", "distinct": "d"}

# ARGV: the seen-keys' time-to-live, the key prefix, then one JSON array with an entry per event:
# [seen-key, the event's time (epoch seconds), touches], the touches being one flat array of five
# values per touch: feature number (1-based, in FEATURES' order), key, bucket, update (true|false),
# value. What is the same for every touch of a feature (kind, step, time-to-live, window) is in the
# script itself, so it is neither encoded nor decoded per touch.
# The reply is one string: per event "fresh,value,value,…", events separated by ";".
# One call for many events: the per-call cost (command parsing, script set-up, a reply to read on
# both sides) was most of what Redis and the client spent per event when each event was its own call.
#
# Counts and sums: a hash per feature key of bucket -> value; the window's value is the sum of the
# fields from its oldest bucket on (an event that arrives late also sees what came after it, as the
# database backend and the distinct counts do). An update drops the fields a whole window older
# than that, so a hash holds at most two windows of buckets whatever the entity's history, and an
# event up to one window late still finds the buckets it needs.
# (A key per bucket read with MGET came first: building ten key names and looking each up cost
# Redis about 130 µs an event, most of its time.)
# Distinct counts: one sorted set per entity of member -> last time seen, trimmed to the window on
# each update; ZCOUNT over the window is exact, and bounded by the members active in one window.
# (HyperLogLogs per bucket were tried first: PFCOUNT merging ten dense ones cost more than
# everything else an event does.)
_SCRIPT = """
local features = FEATURES
local ttl_seen, prefix = ARGV[1], ARGV[2]
local replies = {}
for _, e in ipairs(cjson.decode(ARGV[3])) do
  local fresh = redis.call('SET', e[1], '1', 'NX', 'EX', ttl_seen)
  local at = e[2]
  local out = {fresh and '1' or '0'}
  local t = e[3]
  for j = 1, #t, 5 do
    local spec = features[t[j]]
    local kind, step, ttl, seconds = spec[1], spec[2], spec[3], spec[4]
    local key, bucket, value = prefix .. t[j + 1], t[j + 2], t[j + 4]
    local update = t[j + 3] and fresh
    if kind == 'd' then
      local since = string.format('%d', at - seconds)
      if update then
        redis.call('ZADD', key, 'GT', at, value)
        redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. since)
        redis.call('EXPIRE', key, ttl)
      end
      out[#out + 1] = tostring(redis.call('ZCOUNT', key, since, '+inf'))
    else
      if update then
        if kind == 's' then redis.call('HINCRBYFLOAT', key, bucket, value)
        else redis.call('HINCRBY', key, bucket, 1) end
        redis.call('EXPIRE', key, ttl)
      end
      local oldest = bucket - (BUCKETS - 1) * step
      local keep = oldest - BUCKETS * step
      local total, gone = 0, {}
      local fields = redis.call('HGETALL', key)
      for i = 1, #fields, 2 do
        local b = tonumber(fields[i])
        if b >= oldest then
          total = total + tonumber(fields[i + 1])
        elseif b < keep then
          gone[#gone + 1] = fields[i]
        end
      end
      if update and #gone > 0 then redis.call('HDEL', key, unpack(gone)) end
      out[#out + 1] = tostring(total)
    end
  end
  replies[#replies + 1] = table.concat(out, ',')
end
return table.concat(replies, ';')
""".replace("BUCKETS", str(BUCKETS_PER_WINDOW)).replace(
    "FEATURES",
    "{"
    + ", ".join(f"{{'{_KIND[f.agg]}', {f.step}, {f.seconds + f.step}, {f.seconds}}}" for f in FEATURES)
    + "}",
)

SEEN_TTL = 8 * 86400
# Events per script call: a call blocks every other Redis client while it runs (about 30 µs an
# event), so a large batch goes as several calls in one pipelined round trip.
CHUNK = 100
# A feature's number in the script's table, and whether its value is the member counted distinct.
_NUMBER = {f.name: (i, f.agg == "distinct") for i, f in enumerate(FEATURES, 1)}


class RedisBackend:
    name = "redis"
    in_database = False

    def __init__(self, url: str, *, prefix: str) -> None:
        # Timeouts from the settings (TRUSTDESK_REDIS_TIMEOUT_MS), as the cache's. One immediate retry
        # on a fresh connection: a pooled connection that Redis closed (it restarted, or dropped idle
        # clients) fails on its first use, and should not fail the request.
        self.client = redis.Redis.from_url(
            url,
            socket_timeout=settings.REDIS_TIMEOUT,
            socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT,
            retry=Retry(NoBackoff(), 1),
        )
        self.prefix = prefix

    def _entry(self, event: Event, found: list[Touch]) -> list[Any]:
        touched: list[Any] = []
        for t in found:
            number, distinct = _NUMBER[t.spec.name]
            touched += (number, t.key, t.bucket, t.update, t.member if distinct else t.value)
        return [f"{self.prefix}seen:{event.id}", int(event.occurred_at.timestamp()), touched]

    @staticmethod
    def _values(found: list[Touch], reply: bytes) -> dict[str, float]:
        values = empty_features()
        for t, raw in zip(found, reply.split(b",")[1:], strict=True):
            values[t.spec.name] = round(float(raw), 2) if t.spec.agg == "sum" else int(float(raw))
        return values

    def apply(self, event: Event, first_time: bool) -> dict[str, float]:
        [values] = self.apply_batch([event])
        return values

    def apply_batch(
        self, events: Sequence[Event], found: Sequence[list[Touch]] | None = None
    ) -> Iterator[dict[str, float]]:
        """Redis runs the events in order, so each sees the ones before it exactly as if they had been
        sent one by one. Each chunk goes out as soon as it is encoded and its values are yielded as its
        reply arrives, so Redis counts one chunk while this process encodes the next or decides the
        one before."""
        worked_out: list[list[Touch]] = []

        def chunks() -> Iterator[bytes]:
            for start in range(0, len(events), CHUNK):
                entries = []
                for at, event in enumerate(events[start : start + CHUNK], start):
                    touched = found[at] if found is not None else touches(event)
                    worked_out.append(touched)
                    entries.append(self._entry(event, touched))
                yield orjson.dumps(entries)

        done = 0
        for reply in self._call(chunks()):
            for answer in reply.split(b";"):
                yield self._values(worked_out[done], answer)
                done += 1

    def _call(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        # EVAL with the script's text rather than EVALSHA: Redis keeps the compiled script either
        # way, and a Redis restarted (or flushed) between two chunks cannot leave some of them unrun.
        pool = self.client.connection_pool
        conn = pool.get_connection()
        sent: list[Any] = []
        unread = 0
        try:
            try:
                unread = self._send(conn, chunks, sent)
                if not unread:
                    return
                first = conn.read_response()
            except redis.ConnectionError:
                # A connection Redis closed fails on first use: once more, on a fresh one, before any
                # reply was handed on. Sending a chunk again is safe: the events it already counted
                # are marked seen and are read, not counted, the second time.
                conn.disconnect()
                for command in sent:
                    conn.send_packed_command(command)
                unread = len(sent)
                unread += self._send(conn, chunks, sent)
                first = conn.read_response()
            unread -= 1
            yield first
            while unread:
                reply = conn.read_response()
                unread -= 1
                yield reply
        finally:
            if unread:
                # Left before every reply was read (the caller stopped, or an error): the connection
                # is out of step with its replies, so it must not be reused.
                conn.disconnect()
            pool.release(conn)

    def _send(self, conn: Any, chunks: Iterable[bytes], sent: list[Any]) -> int:
        """Send a script call per chunk, keeping each packed command in `sent`; returns how many."""
        count = 0
        for chunk in chunks:
            command = conn.pack_command("EVAL", _SCRIPT, 0, SEEN_TTL, self.prefix, chunk)
            sent.append(command)
            conn.send_packed_command(command)
            count += 1
        return count

    def recount(self, events: Sequence[Event]) -> int:
        """Count stored events read back (trustdesk.risk.recount), each unless already counted; returns
        how many were counted now. The same calls as deciding them, whose replies say per event
        whether it was new."""
        entries = [self._entry(event, touches(event)) for event in events]
        chunks = (orjson.dumps(entries[start : start + CHUNK]) for start in range(0, len(entries), CHUNK))
        return sum(answer.startswith(b"1") for reply in self._call(chunks) for answer in reply.split(b";"))

    def key(self, name: str) -> str:
        """A key of this backend's own, beside the counters (trustdesk.risk.recount's marks)."""
        return f"{self.prefix}{name}"

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
