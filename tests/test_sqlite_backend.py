"""The SQLite backend: write transactions of separate connections take turns on the writer lock file.

Each connection holds its own descriptor of the lock file, as separate server processes do, so two
connections in two threads here contend as two workers would; within one process they also take
their turns in the order they asked. The database is a file in a
temporary directory: an in-memory database has no lock. (Runs on every suite: it is about the SQLite
backend, whatever the suite's own database is.)
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connections

from trustdesk.core.sqlite import base as sqlite_backend
from trustdesk.core.sqlite.base import DatabaseWrapper

pytestmark = pytest.mark.xdist_group("sqlite-backend")


def open_connection(path: Path, timeout: float = 5) -> DatabaseWrapper:
    settings_dict = {
        **connections["default"].settings_dict,
        "ENGINE": "trustdesk.core.sqlite",
        "NAME": str(path),
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": timeout,
            "transaction_mode": "IMMEDIATE",
        },
    }
    wrapper = DatabaseWrapper(settings_dict, alias=f"writer-lock-{threading.get_ident()}")
    wrapper.ensure_connection()
    return wrapper


def begin(wrapper: DatabaseWrapper) -> None:
    # What transaction.atomic() does on entering its outermost block.
    wrapper.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)


def end(wrapper: DatabaseWrapper, *, commit: bool) -> None:
    if commit:
        wrapper.commit()
    else:
        wrapper.rollback()
    wrapper.set_autocommit(True)


def insert(wrapper: DatabaseWrapper, value: str) -> None:
    with wrapper.cursor() as cursor:
        cursor.execute("INSERT INTO note (text) VALUES (%s)", [value])


def stored(path: Path) -> list[str]:
    wrapper = open_connection(path)
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT text FROM note ORDER BY id")
            return [row[0] for row in cursor.fetchall()]
    finally:
        wrapper.close()


@pytest.fixture
def database(tmp_path: Path, django_db_blocker: Any) -> Any:
    # Connections of our own to a scratch file, not the test database: let them open.
    with django_db_blocker.unblock():
        yield _create(tmp_path)


def _create(tmp_path: Path) -> Path:
    path = tmp_path / "lock.sqlite3"
    wrapper = open_connection(path)
    with wrapper.cursor() as cursor:
        cursor.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
    wrapper.close()
    return path


def in_thread(work: Any) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except Exception as error:  # handed to the test to assert on
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_second_writer_waits_for_the_first_and_starts_as_soon_as_it_commits(database: Path) -> None:
    first = open_connection(database)
    begin(first)
    insert(first, "first")

    def second_writer() -> float:
        wrapper = open_connection(database)
        try:
            begin(wrapper)
            began = time.monotonic()
            insert(wrapper, "second")
            end(wrapper, commit=True)
            return began
        finally:
            wrapper.close()

    thread, outcome = in_thread(second_writer)
    time.sleep(0.3)
    assert thread.is_alive(), "the second writer began while the first still held its transaction"
    released_at = time.monotonic()
    end(first, commit=True)
    thread.join(5)
    first.close()

    assert "error" not in outcome, outcome
    waited_after_release = outcome["value"] - released_at
    # SQLite's own busy handler would have been asleep for up to 25 ms at this point of its back-off.
    late_ms = waited_after_release * 1000
    assert late_ms < 20, f"the waiting writer started {late_ms:.1f} ms late"
    assert stored(database) == ["first", "second"]


def test_within_a_process_a_waiting_writer_goes_before_one_that_asks_again_at_once(tmp_path: Path) -> None:
    path = str(tmp_path / "db.writer-lock")
    first, second = sqlite_backend.WriterLock(path, 2), sqlite_backend.WriterLock(path, 2)
    order: list[str] = []

    def wait_then_write() -> None:
        second.acquire()
        order.append("waiting writer")
        second.release()

    first.acquire()
    waiter = threading.Thread(target=wait_then_write)
    waiter.start()
    time.sleep(0.1)  # the waiter is checking the file, asleep between checks
    # The holder commits and begins again at once, as a process writing without pause does.
    first.release()
    first.acquire()
    order.append("holder again")
    first.release()
    waiter.join(5)
    assert order == ["waiting writer", "holder again"]
    first.close()
    second.close()


def test_a_rollback_hands_the_lock_on_and_keeps_nothing_of_its_transaction(database: Path) -> None:
    first = open_connection(database)
    begin(first)
    insert(first, "rolled back")
    end(first, commit=False)

    second = open_connection(database, timeout=0.2)
    begin(second)  # would time out if the rollback had kept the lock
    insert(second, "kept")
    end(second, commit=True)
    first.close()
    second.close()
    assert stored(database) == ["kept"]


def test_a_writer_that_waits_past_its_timeout_gets_a_clear_error_and_loses_nothing_stored(
    database: Path,
) -> None:
    first = open_connection(database)
    begin(first)
    insert(first, "held")

    def impatient_writer() -> None:
        wrapper = open_connection(database, timeout=0.2)
        try:
            begin(wrapper)
        finally:
            wrapper.close()

    thread, outcome = in_thread(impatient_writer)
    thread.join(5)
    end(first, commit=True)
    first.close()

    assert isinstance(outcome.get("error"), OperationalError)
    assert "database is locked" in str(outcome["error"])
    assert stored(database) == ["held"]


def test_closing_a_connection_mid_transaction_frees_the_lock(database: Path) -> None:
    first = open_connection(database)
    begin(first)
    insert(first, "lost with the connection")
    first.close()

    second = open_connection(database, timeout=0.2)
    begin(second)
    insert(second, "after")
    end(second, commit=True)
    second.close()
    assert stored(database) == ["after"]


def in_database_file(path: Path, copy: Path) -> list[str]:
    """The notes in the database file itself, without what its write-ahead log holds yet."""
    shutil.copyfile(path, copy)
    reader = sqlite3.connect(copy)
    try:
        return [row[0] for row in reader.execute("SELECT text FROM note ORDER BY id")]
    finally:
        reader.close()


def test_a_thread_copies_the_log_into_the_database_once_it_is_long_enough(
    database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = open_connection(database)
    copied_by_the_writer: list[str] = []
    writer.connection.set_trace_callback(
        lambda statement: copied_by_the_writer.append(statement) if "checkpoint" in statement else None
    )
    for text in ("one", "two"):
        begin(writer)
        insert(writer, text)
        end(writer, commit=True)
    assert in_database_file(database, tmp_path / "before.sqlite3") == []

    # Two one-row commits left a page or two each in the log: the next one takes it past this.
    monkeypatch.setattr(sqlite_backend, "CHECKPOINT_AT_PAGES", 3)
    begin(writer)
    insert(writer, "three")
    end(writer, commit=True)
    copier = sqlite_backend.copier_for(str(database), 5)
    deadline = time.monotonic() + 5
    while copier.copies == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    writer.close()
    assert in_database_file(database, tmp_path / "after.sqlite3") == ["one", "two", "three"]
    # The committing connection went on at once; the copier's own connection did the copying.
    assert copied_by_the_writer == []


def test_a_process_writing_without_pause_lets_its_own_copier_take_a_turn(
    database: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A worker deciding events back to back holds the lock nearly all the time, and between its
    # transactions it runs Python holding the GIL; its own copier thread must still get the turn it
    # needs to start the log over, well within the lock's timeout, and nothing written is lost.
    monkeypatch.setattr(sqlite_backend, "CHECKPOINT_AT_PAGES", 3)
    writer = open_connection(database, timeout=1)
    copier = sqlite_backend.copier_for(str(database), 1)
    deadline = time.monotonic() + 4
    written = 0
    while copier.copies < 3 and time.monotonic() < deadline:
        begin(writer)
        for _ in range(20):
            insert(writer, f"{written:08d}" + "x" * 500)
            written += 1
        with writer.cursor() as cursor:
            for _ in range(30):
                cursor.execute("SELECT count(*) FROM note WHERE text > %s", ["0"])
        end(writer, commit=True)
    writer.close()
    assert copier.copies >= 3, caplog.text
    assert "failed" not in caplog.text
    assert len(stored(database)) == written


def test_placeholders_and_literal_percent_signs_read_the_same_each_time_a_statement_comes_back(
    database: Path,
) -> None:
    """The rewriting of %s into ? is remembered per statement: a statement sent again reads its own
    new values, and %% stays a literal percent sign, also in named-parameter statements."""
    wrapper = open_connection(database)
    try:
        with wrapper.cursor() as cursor:
            for value in ("50", "75"):
                cursor.execute("SELECT %s || '%%' WHERE %s = %s", [value, 1, 1])
                assert cursor.fetchone() == (f"{value}%",)
            cursor.executemany("INSERT INTO note (text) VALUES (%s || '%%')", [("a",), ("b",)])
            cursor.execute("SELECT %(text)s || '%%'", {"text": "named"})
            assert cursor.fetchone() == ("named%",)
    finally:
        wrapper.close()
    assert stored(database) == ["a%", "b%"]
