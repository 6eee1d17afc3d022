"""Django's SQLite backend, with write transactions of separate processes taking turns on a lock file.

SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps 1, 2, 5, 10 …
ms between attempts. A web request's write transaction holds the lock for well under a millisecond,
so with two or more server workers a waiting request slept many times longer than the work it
waited for (bench/bench_risk_http.py: two workers decided no more single events per second than
one, with a p99 of 27–39 ms). Here a transaction first takes an exclusive lock on a file beside the
database, checking for it every 100 µs, and only then begins; the lock goes with the commit or
rollback. Writes outside a transaction (autocommit) still meet SQLite's own busy handler.
An in-memory database has one connection per process and needs no lock.
"""

from __future__ import annotations

import fcntl
import os
import time
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base

# First checks close together (a web request's transaction is short), then every millisecond.
_QUICK_CHECKS = 50
_QUICK_INTERVAL = 0.0001
_SLOW_INTERVAL = 0.001


class WriterLock:
    """An exclusive, non-reentrant lock on a file, shared by every connection to one database."""

    def __init__(self, path: str, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self._fd: int | None = None
        self.held = False

    def acquire(self) -> None:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + self.timeout
        checks = 0
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise OperationalError(
                        f"database is locked: another writer held it for over {self.timeout:g} s"
                    ) from None
                checks += 1
                time.sleep(_QUICK_INTERVAL if checks <= _QUICK_CHECKS else _SLOW_INTERVAL)
            else:
                self.held = True
                return

    def release(self) -> None:
        if self.held and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self.held = False

    def close(self) -> None:
        self.release()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class DatabaseWrapper(base.DatabaseWrapper):
    writer_lock: WriterLock | None = None

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        if self.writer_lock is None and not self.is_in_memory_db():
            name = str(self.settings_dict["NAME"]).removeprefix("file:").split("?", 1)[0]
            self.writer_lock = WriterLock(f"{name}.writer-lock", float(conn_params.get("timeout", 5)))
        return connection

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

    def _release_writer_lock(self) -> None:
        # A commit that failed leaves the transaction open until its rollback: keep the turn till then.
        if self.writer_lock is not None and not (self.connection and self.connection.in_transaction):
            self.writer_lock.release()
