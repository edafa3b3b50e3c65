"""storage/sqlite.py `write_alone`: a bulk import runs in rollback-journal mode when nothing
else has the database open, and is still all or nothing — on an error, and on a crash."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from threadline.storage.gateway import Gateway
from threadline.storage.sqlite import SQLiteStore

from .helpers import add_site, add_thread, writer_turn_is_free


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bulk.db'}"


@pytest.fixture
def store(url: str) -> SQLiteStore:
    opened = SQLiteStore(url)
    opened.migrate()
    return opened


def _mode(db: Gateway) -> str:
    return str(db._one("PRAGMA journal_mode")[0])  # type: ignore[index]


def _threads(store: SQLiteStore) -> list[str]:
    with store.reading() as db:
        return [r["key"] for r in db._all("SELECT key FROM threads ORDER BY key")]


def _file_mode(url: str) -> str:
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        conn.close()


def _add_threads(db: Gateway, site_id: int, n: int, prefix: str = "k") -> None:
    for i in range(n):
        db._exec(
            "INSERT INTO threads (site_id, key, created_at) VALUES (:s, :k, 0)",
            {"s": site_id, "k": f"{prefix}{i:05d}"},
        )


def test_runs_in_rollback_journal_mode_and_returns_to_wal(store: SQLiteStore, url: str) -> None:
    site = add_site(store)
    add_thread(store, site, "before")
    assert _threads(store) == ["before"]  # this thread has a reader connection open now

    def job(db: Gateway) -> str:
        _add_threads(db, site.id, 3)
        return _mode(db)

    assert store.write_alone(job) == "truncate"
    assert _file_mode(url) == "wal"
    # The store goes on as before: its readers reconnect, its writer was started again.
    assert _threads(store) == ["before", "k00000", "k00001", "k00002"]
    add_thread(store, site, "after")
    assert "after" in _threads(store)
    store.close()


def test_a_failed_job_leaves_everything_as_it_was(store: SQLiteStore, url: str) -> None:
    site = add_site(store)
    add_thread(store, site, "before")

    def job(db: Gateway) -> None:
        _add_threads(db, site.id, 5000)  # more pages than the page cache: spilled to the file
        db._exec("CREATE INDEX threads_by_title ON threads (title)")
        raise RuntimeError("the file ends early")

    with pytest.raises(RuntimeError, match="ends early"):
        store.write_alone(job)
    assert _threads(store) == ["before"]
    assert _file_mode(url) == "wal"
    with store.reading() as db:
        assert db._one("SELECT name FROM sqlite_master WHERE name = 'threads_by_title'") is None
        assert db._one("PRAGMA integrity_check")[0] == "ok"  # type: ignore[index]
    store.close()


def test_falls_back_to_wal_when_another_connection_is_open(store: SQLiteStore, url: str) -> None:
    site = add_site(store)
    other = sqlite3.connect(url.removeprefix("sqlite:///"))  # another process, say
    other.execute("PRAGMA journal_mode = WAL")
    assert other.execute("SELECT COUNT(*) FROM threads").fetchone() == (0,)

    def job(db: Gateway) -> str:
        _add_threads(db, site.id, 2)
        # Servers' writers are not held in their turns for a whole import: waiting on
        # SQLite's lock instead, they give up after its busy timeout (storage/sqlite.py).
        assert writer_turn_is_free(url)
        return _mode(db)

    assert store.write_alone(job) == "wal"
    assert other.execute("SELECT COUNT(*) FROM threads").fetchone() == (2,)
    # And the store's own writer takes turns again afterwards.
    held = store.write(lambda db: writer_turn_is_free(url))
    assert held is False
    other.close()
    assert _file_mode(url) == "wal"
    store.close()


def test_a_crash_in_the_middle_rolls_back(store: SQLiteStore, url: str, tmp_path: Path) -> None:
    """The process dies (no exception handler, no rollback) after spilling thousands of new
    pages to the file: the next connection finds the hot journal and undoes all of it."""
    site = add_site(store)
    add_thread(store, site, "before")
    store.close()
    script = textwrap.dedent(
        f"""
        import os
        from threadline.storage.sqlite import SQLiteStore
        store = SQLiteStore({url!r})
        def job(db):
            assert str(db._one("PRAGMA journal_mode")[0]) == "truncate"
            for i in range(20000):
                db._exec(
                    "INSERT INTO threads (site_id, key, title, created_at) "
                    "VALUES (:s, :k, :t, 0)",
                    {{"s": {site.id}, "k": f"k{{i:06d}}", "t": "x" * 200}},
                )
            db._exec("DELETE FROM threads WHERE key = 'before'")
            os._exit(3)  # a crash: nothing rolls back, nothing is closed
        store.write_alone(job)
        """
    )
    db_file = Path(url.removeprefix("sqlite:///"))
    size_before = db_file.stat().st_size
    crashed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert crashed.returncode == 3, crashed.stderr
    assert db_file.stat().st_size > size_before  # new pages did reach the file
    assert Path(f"{db_file}-journal").stat().st_size > 0  # the hot journal
    again = SQLiteStore(url)
    assert _threads(again) == ["before"]
    with again.reading() as db:
        assert db._one("PRAGMA integrity_check")[0] == "ok"  # type: ignore[index]
    assert _file_mode(url) == "wal"
    again.close()


def test_a_store_opened_during_an_import_waits_for_it_and_says_so(
    store: SQLiteStore, url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A server started while an import has the file to itself waits for the import (told
    why) instead of giving up after SQLite's busy timeout with "database is locked"."""
    site = add_site(store)
    importing, release = threading.Event(), threading.Event()
    modes: list[str] = []

    def job(db: Gateway) -> None:
        modes.append(_mode(db))
        _add_threads(db, site.id, 3)
        importing.set()
        assert release.wait(10)

    importer = threading.Thread(target=store.write_alone, args=(job,))
    importer.start()
    assert importing.wait(10)
    opened: list[SQLiteStore] = []
    # A busy timeout far shorter than the import: only waiting at the fence gets it through.
    opener = threading.Thread(target=lambda: opened.append(SQLiteStore(url, busy_timeout_ms=100)))
    with caplog.at_level(logging.WARNING, logger="threadline.storage.sqlite"):
        opener.start()
        deadline = time.monotonic() + 10
        while "An import is writing" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.01)
        assert "An import is writing" in caplog.text
        time.sleep(0.3)  # three busy timeouts: SQLite alone would have refused by now
        release.set()
        importer.join(10)
        opener.join(10)
    assert modes == ["truncate"]
    assert "The import has finished" in caplog.text
    assert len(opened) == 1
    assert _threads(opened[0]) == ["k00000", "k00001", "k00002"]
    opened[0].close()
    store.close()


def test_an_import_beside_an_open_store_goes_through_the_wal(store: SQLiteStore, url: str) -> None:
    """Another store on the file (a server) holds the fence: the import does not try to take
    the file for itself, and the server keeps reading and writing afterwards."""
    site = add_site(store)
    server = SQLiteStore(url)
    assert store.write_alone(lambda db: _mode(db)) == "wal"
    add_thread(server, site, "after")
    assert _threads(server) == ["after"]
    server.close()
    # Once the server is gone, the next import has the file to itself again.
    assert store.write_alone(lambda db: _mode(db)) == "truncate"
    store.close()
