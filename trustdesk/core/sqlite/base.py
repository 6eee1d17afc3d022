"""Django's SQLite backend, with write transactions of separate processes taking turns on a lock file.

SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps 1, 2, 5, 10 …
ms between attempts. A web request's write transaction holds the lock for well under a millisecond,
so with two or more server workers a waiting request slept many times longer than the work it
waited for (bench/bench_risk_http.py: two workers decided no more single events per second than
one, with a p99 of 27–39 ms). Here a transaction first takes an exclusive lock on a file beside the
database, checking for it every 100 µs, and only then begins; the lock goes with the commit or
rollback. Writes outside a transaction (autocommit) still meet SQLite's own busy handler.
An in-memory database has one connection per process and needs no lock.

The log is copied into the database (a checkpoint) by a thread of each writing process, woken by a
commit that finds ≈ 10,000 pages not copied yet. SQLite's own automatic checkpoint runs inside a
commit, so the lock file stayed held while it copied: ≈ 25 ms in which no other process could
write, and the committing request's worker served nothing else either; a stall every few hundred
single events, which set the p99 of the events API.
"""

from __future__ import annotations

import collections
import fcntl
import functools
import logging
import os
import sqlite3
import struct
import threading
import time
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base

# First checks close together (a web request's transaction is short), then every millisecond.
_QUICK_CHECKS = 50
_QUICK_INTERVAL = 0.0001
_SLOW_INTERVAL = 0.001
# The log is copied once ≈ 10,000 of its pages are not in the database yet.
CHECKPOINT_AT_PAGES = 10_000
# Written by others while the log was copied: few enough to copy with the turn held.
_TAIL_PAGES = 2_000
_PASSES = 3

logger = logging.getLogger(__name__)
# Where the log's index (the -shm file, https://sqlite.org/walformat.html) keeps the number of the
# last page written to the log (mxFrame) and of the last one copied into the database (nBackfill),
# in the machine's byte order.
_LAST_WRITTEN_AT = 16
_LAST_COPIED_AT = 96


class _Queue:
    """The threads of one process waiting for one lock file, in the order they asked.

    The file lock is not fair: a thread that commits and begins again at once takes it back before a
    thread that waits for it, asleep between checks, looks again. A process writing without pause
    kept its own log copier out for over five seconds that way. So within a process only the thread
    at the head of the queue tries the file; between processes the file decides, as before."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.order: collections.deque[object] = collections.deque()


_queues: dict[tuple[int, str], _Queue] = {}
_queues_lock = threading.Lock()


def _queue_for(path: str) -> _Queue:
    # Per process: a forked worker must not inherit its parent's waiters.
    key = (os.getpid(), path)
    with _queues_lock:
        if key not in _queues:
            _queues[key] = _Queue()
        return _queues[key]


class WriterLock:
    """An exclusive, non-reentrant lock on a file, shared by every connection to one database; the
    threads of one process take it in the order they asked for it."""

    def __init__(self, path: str, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self._fd: int | None = None
        self.held = False

    def acquire(self) -> None:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + self.timeout
        queue = _queue_for(self.path)
        ticket = object()
        with queue.changed:
            queue.order.append(ticket)
            while queue.order[0] is not ticket:
                if not queue.changed.wait(deadline - time.monotonic()):
                    queue.order.remove(ticket)
                    queue.changed.notify_all()
                    raise self._locked()
        try:
            self._take_file(deadline)
        finally:
            with queue.changed:
                queue.order.popleft()
                queue.changed.notify_all()

    def _take_file(self, deadline: float) -> None:
        assert self._fd is not None
        checks = 0
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise self._locked() from None
                checks += 1
                time.sleep(_QUICK_INTERVAL if checks <= _QUICK_CHECKS else _SLOW_INTERVAL)
            else:
                self.held = True
                return

    def _locked(self) -> OperationalError:
        return OperationalError(f"database is locked: another writer held it for over {self.timeout:g} s")

    def release(self) -> None:
        if self.held and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self.held = False

    def close(self) -> None:
        self.release()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class LogIndex:
    """Reads how many of the log's pages are not in the database yet, from the log's index."""

    def __init__(self, database: str) -> None:
        self.path = f"{database}-shm"
        self._fd: int | None = None

    def pages_not_copied(self) -> int:
        written, copied = self._counts()
        return written - copied

    def pages_written(self) -> int:
        """Pages in the log since it last started over (bench_risk_decide counts a batch's)."""
        return self._counts()[0]

    def _counts(self) -> tuple[int, int]:
        # Read without SQLite's locks: a count caught mid-update only moves a copy by one commit.
        try:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDONLY)
            header = os.pread(self._fd, _LAST_COPIED_AT + 4, 0)
        except OSError:
            return 0, 0
        if len(header) < _LAST_COPIED_AT + 4:
            return 0, 0
        (written,) = struct.unpack_from("=I", header, _LAST_WRITTEN_AT)
        (copied,) = struct.unpack_from("=I", header, _LAST_COPIED_AT)
        return written, copied

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class LogCopier:
    """A thread with its own connection that copies the log into the database when asked. The
    copy runs in SQLite's C code, which lets go of the GIL: the process's requests go on."""

    def __init__(self, database: str, timeout: float) -> None:
        self.database = database
        self.timeout = timeout
        self.index = LogIndex(database)
        self.copies = 0
        self._wanted = threading.Event()
        threading.Thread(target=self._run, name="sqlite-log-copier", daemon=True).start()

    def ask(self) -> None:
        self._wanted.set()

    def _run(self) -> None:
        connection = sqlite3.connect(self.database, timeout=self.timeout, isolation_level=None)
        lock = WriterLock(f"{self.database}.writer-lock", self.timeout)
        while True:
            self._wanted.wait()
            self._wanted.clear()
            if self.index.pages_not_copied() < CHECKPOINT_AT_PAGES:
                continue  # another process's copier was first
            try:
                self._copy(connection, lock)
            except (sqlite3.Error, OperationalError) as error:
                logger.warning("copying the SQLite log into the database failed: %s", error)

    def _copy(self, connection: sqlite3.Connection, lock: WriterLock) -> None:
        # Passive: copies what no reader still needs, never waits for or blocks a writer. Each
        # pass is shorter than the one before, so less is written meanwhile (a batch's commit
        # writes thousands of pages at once).
        for _ in range(_PASSES):
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
            if self.index.pages_not_copied() <= _TAIL_PAGES:
                break
        # SQLite starts the log over only once all of it is copied and no reader still reads from
        # it, which other writers and readers prevent under steady load; then the log grows and
        # every read searches a longer index. So the pages others wrote meanwhile are copied with
        # the turn held, waiting (RESTART) for the readers of the moment to finish: a short stall
        # (a few hundred pages under single events), where SQLite's own copy held the turn for
        # all ≈ 10,000.
        if 0 < self.index.pages_not_copied() <= _TAIL_PAGES:
            lock.acquire()
            try:
                connection.execute("PRAGMA wal_checkpoint(RESTART)")
            finally:
                lock.release()
        self.copies += 1


_copiers: dict[tuple[int, str], LogCopier] = {}
_copiers_lock = threading.Lock()


def copier_for(database: str, timeout: float) -> LogCopier:
    """This process's copier of the database's log (a forked process starts its own)."""
    key = (os.getpid(), database)
    with _copiers_lock:
        if key not in _copiers:
            _copiers[key] = LogCopier(database, timeout)
        return _copiers[key]


@functools.lru_cache(maxsize=1024)
def _with_question_marks(query: str) -> str:
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class CursorWrapper(base.SQLiteCursorWrapper):
    """Django rewrites a statement's %s placeholders into SQLite's ? with a regular expression on every
    call. The events path sends the same few statements (some with hundreds of placeholders) thousands
    of times a second, so each statement's rewriting is remembered: 4.7 % of the decider's time went
    to it (a profile under bench/bench_risk_http.py)."""

    def convert_query(self, query: str, *, param_names: Any = None) -> str:
        if param_names is None:
            return _with_question_marks(query)
        return str(super().convert_query(query, param_names=param_names))


class DatabaseWrapper(base.DatabaseWrapper):
    writer_lock: WriterLock | None = None
    log_index: LogIndex | None = None
    _database = ""
    _timeout = 5.0

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        if self.writer_lock is None and not self.is_in_memory_db():
            self._database = str(self.settings_dict["NAME"]).removeprefix("file:").split("?", 1)[0]
            self._timeout = float(conn_params.get("timeout", 5))
            self.writer_lock = WriterLock(f"{self._database}.writer-lock", self._timeout)
            self.log_index = LogIndex(self._database)
        return connection

    def create_cursor(self, name: str | None = None) -> Any:
        return self.connection.cursor(factory=CursorWrapper)

    def _start_transaction_under_autocommit(self) -> None:
        if self.writer_lock is None:
            super()._start_transaction_under_autocommit()  # type: ignore[misc] # private in the stubs
            return
        self.writer_lock.acquire()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc] # private in the stubs
        except BaseException:
            self.writer_lock.release()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc] # private in the stubs
        finally:
            self._release_writer_lock()
        if self.log_index is not None and self.log_index.pages_not_copied() >= CHECKPOINT_AT_PAGES:
            copier_for(self._database, self._timeout).ask()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc] # private in the stubs
        finally:
            self._release_writer_lock()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc] # private in the stubs
        finally:
            if self.writer_lock is not None:
                self.writer_lock.close()
                self.writer_lock = None
            if self.log_index is not None:
                self.log_index.close()
                self.log_index = None

    def _release_writer_lock(self) -> None:
        # A commit that failed leaves the transaction open until its rollback: keep the turn till then.
        if self.writer_lock is not None and not (self.connection and self.connection.in_transaction):
            self.writer_lock.release()
