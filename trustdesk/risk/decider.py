"""The decider: one process that decides the single events of every web worker, several per transaction.

Why: a single event's decision is a short write transaction. When every web worker writes its own,
SQLite hands its one writer turn from process to process, each turn starting with a page cache
emptied by the other's commit. The decider takes the events the workers sent while it was busy and
decides them in one call of `decisions.decide`, as one batch: one transaction and one commit, with
the answers they would have had one by one in that order (a batch's events each see the ones before
it). `trustdesk serve` runs it on SQLite; on PostgreSQL, where workers write at once, it measured
slower than they do (docs/decisions/0004-decider.md).

The decider is an optimisation, never a dependency. A worker that cannot reach it, or has no answer
in time, decides in-process. Deciding is idempotent by event id, so an event the decider stored
before it died is answered from storage, and one it had not stored is decided afresh.

Steps of the loop (`Decider.serve_forever`):
1. Wait until a worker connects or sends (at most a second, then check the parent is still there).
2. Read every complete request that has arrived: a frame is a 4-byte length, then JSON.
3. Decide all their events in one call, the first of a repeated id deciding it.
4. Answer each worker: its events' answers, or an error that sends it to decide in-process.

The socket is a file only its owner may open: requests are trusted to have been validated.
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import socket
import struct
import threading
import time
from dataclasses import fields
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
from django.conf import settings
from django.db import close_old_connections

from trustdesk.risk import decisions
from trustdesk.risk.events import Event

log = logging.getLogger("trustdesk.risk.decider")

_LENGTH = struct.Struct("!I")
# A worker sends single events; the bound only stops a corrupt length from allocating gigabytes.
MAX_FRAME = 16 * 1024 * 1024
# Events decided in one transaction at most: enough to empty the queue of every worker's requests,
# small enough that the first of them does not wait long for the last.
MAX_GROUP = 256
_FIELDS = tuple(f.name for f in fields(Event))
_AT = _FIELDS.index("occurred_at")
_EXACT = _FIELDS.index("amount_exact")


def encode_events(events: list[Event]) -> bytes:
    rows = []
    for event in events:
        row = [getattr(event, name) for name in _FIELDS]
        row[_AT] = event.occurred_at.isoformat()
        row[_EXACT] = None if event.amount_exact is None else str(event.amount_exact)
        rows.append(row)
    return orjson.dumps(rows)


def decode_events(body: bytes) -> list[Event]:
    events = []
    for row in orjson.loads(body):
        values = dict(zip(_FIELDS, row, strict=True))
        values["occurred_at"] = datetime.fromisoformat(values["occurred_at"])
        if values["amount_exact"] is not None:
            values["amount_exact"] = Decimal(values["amount_exact"])
        events.append(Event(**values))
    return events


def frame(body: bytes) -> bytes:
    return _LENGTH.pack(len(body)) + body


def _body_size(header: bytes | bytearray) -> int:
    """The body length a frame's header gives, refused past the limit."""
    (size,) = _LENGTH.unpack_from(header)
    if size > MAX_FRAME:
        raise ConnectionError(f"a frame of {size} bytes is over the limit")
    return int(size)


# ---- the web worker's side ---------------------------------------------------------------------

_local = threading.local()
# After a failure a worker decides in-process for a while: a decider that hangs would otherwise cost
# every request the whole timeout, and one that is down a connection attempt.
BACK_OFF_SECONDS = 10.0


def decide(events: list[Event]) -> list[dict[str, Any]]:
    """The events' answers: from the decider when one is configured and answers in time, else
    decided here."""
    path = settings.RISK_DECIDER_SOCKET
    if path and time.monotonic() >= getattr(_local, "resume_at", 0.0):
        answers = _ask(path, events)
        if answers is not None:
            return answers
        _local.resume_at = time.monotonic() + BACK_OFF_SECONDS
    return decisions.decide(events)


def _ask(path: str, events: list[Event]) -> list[dict[str, Any]] | None:
    """The decider's answers, or None when it cannot give them (not running, died, too slow, or
    failed on these events)."""
    conn: socket.socket | None = getattr(_local, "conn", None)
    try:
        if conn is None:
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            conn.settimeout(settings.RISK_DECIDER_TIMEOUT)
            conn.connect(path)
            _local.conn = conn
        conn.sendall(frame(encode_events(events)))
        reply = orjson.loads(read_frame(conn))
    except (OSError, ValueError):
        # A connection that timed out may still get the late answer: never reuse it.
        _forget(conn)
        return None
    if "error" in reply:
        return None
    answers: list[dict[str, Any]] = reply["results"]
    return answers


def _forget(conn: socket.socket | None) -> None:
    _local.conn = None
    if conn is not None:
        conn.close()


def _read_exactly(conn: socket.socket, size: int) -> bytes:
    parts, left = [], size
    while left:
        part = conn.recv(min(left, 1 << 20))
        if not part:
            raise ConnectionError("the decider closed the connection")
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def read_frame(conn: socket.socket) -> bytes:
    return _read_exactly(conn, _body_size(_read_exactly(conn, _LENGTH.size)))


# ---- the decider's side ------------------------------------------------------------------------


class _Peer:
    """A worker's connection: the bytes read so far, cut into requests as they complete."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        self.buffer = bytearray()

    def requests(self) -> list[bytes]:
        found = []
        while len(self.buffer) >= _LENGTH.size:
            end = _LENGTH.size + _body_size(self.buffer)
            if len(self.buffer) < end:
                break
            found.append(bytes(self.buffer[_LENGTH.size : end]))
            del self.buffer[:end]
        return found


class Decider:
    """The loop, in one thread: a thread handing groups to another measured slower, since the two
    then take turns on the interpreter lock for every request read."""

    def __init__(self, path: str, parent: int | None = None) -> None:
        self.path = path
        # The process whose death ends this one: given by `trustdesk serve`, which may die before this
        # process has started.
        self.parent = os.getppid() if parent is None else parent
        self.selector = selectors.DefaultSelector()
        self.listener = _listen(path)
        self.selector.register(self.listener, selectors.EVENT_READ)
        self.stopping = False

    def serve_forever(self) -> None:
        try:
            while not self.stopping and os.getppid() == self.parent:
                # A connection the database server dropped, or past its age, is opened anew.
                close_old_connections()
                self.step(timeout=1.0)
        finally:
            self.close()

    def step(self, timeout: float | None) -> None:
        """One pass of the loop: read what has arrived, decide it, answer."""
        waiting: list[tuple[_Peer, bytes]] = []
        for key, _mask in self.selector.select(timeout):
            if key.fileobj is self.listener:
                for peer in self._accept():
                    waiting += self._read(peer)
            else:
                waiting += self._read(key.data)
        for first in range(0, len(waiting), MAX_GROUP):
            self._decide(waiting[first : first + MAX_GROUP])

    def _accept(self) -> list[_Peer]:
        """Every connection waiting to be accepted (a worker connects once, then sends at once)."""
        peers: list[_Peer] = []
        while True:
            try:
                conn, _ = self.listener.accept()
            except BlockingIOError:
                return peers
            conn.setblocking(False)
            peer = _Peer(conn)
            self.selector.register(conn, selectors.EVENT_READ, peer)
            peers.append(peer)

    def _read(self, peer: _Peer) -> list[tuple[_Peer, bytes]]:
        try:
            data = peer.conn.recv(1 << 20)
            if not data:
                raise ConnectionError("closed")
            peer.buffer += data
            return [(peer, body) for body in peer.requests()]
        except BlockingIOError:
            return []
        except OSError:
            self._drop(peer)
            return []

    def _drop(self, peer: _Peer) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(peer.conn)
        peer.conn.close()

    def _decide(self, waiting: list[tuple[_Peer, bytes]]) -> None:
        requests: list[tuple[_Peer, list[Event] | None]] = []
        unique: dict[str, Event] = {}
        for peer, body in waiting:
            try:
                decoded = decode_events(body)
            except (ValueError, TypeError, KeyError):
                requests.append((peer, None))
                continue
            requests.append((peer, decoded))
            for event in decoded:
                unique.setdefault(event.id, event)
        answers: dict[str, dict[str, Any]] = {}
        failure = ""
        if unique:
            try:
                answers = {a["event_id"]: a for a in decisions.decide(list(unique.values()))}
            except Exception as exc:
                # The workers decide these in-process, where the failing event fails its own request
                # and is logged there; here only the kind, since a message may quote an event's values.
                log.error("deciding %d events together failed: %s", len(unique), type(exc).__name__)
                failure = type(exc).__name__
        for peer, events in requests:
            reply: dict[str, Any]
            if events is None:
                reply = {"error": "unreadable request"}
            elif failure:
                reply = {"error": failure}
            else:
                reply = {"results": [answers[e.id] for e in events]}
            # A reply fits the socket's buffer many times over. A worker so stuck that it does not is
            # cut off (it decides in-process once it wakes) rather than stalling the loop.
            try:
                peer.conn.sendall(frame(orjson.dumps(reply)))
            except OSError:
                self._drop(peer)

    def close(self) -> None:
        for key in list(self.selector.get_map().values()):
            key.fileobj.close()  # type: ignore[union-attr]
        self.selector.close()
        Path(self.path).unlink(missing_ok=True)


def _listen(path: str) -> socket.socket:
    """A listening socket at `path` that only this user can open; a stale file from a decider that
    died is replaced."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    target.unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_mask = os.umask(0o177)
    try:
        listener.bind(path)
    finally:
        os.umask(old_mask)
    listener.listen(128)
    listener.setblocking(False)
    return listener
