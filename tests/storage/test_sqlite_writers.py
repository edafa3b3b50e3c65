"""storage/sqlite.py: several writers on one SQLite file (as several server processes have)
take turns through the lock file, in the kernel, instead of polling SQLite's busy handler."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from threadline.domain.errors import Unavailable
from threadline.storage.gateway import Gateway
from threadline.storage.sqlite import SQLiteStore

from .helpers import add_site, add_thread, new_comment, writer_turn_is_free


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'shared.db'}"


def _stores(url: str, n: int) -> list[SQLiteStore]:
    first = SQLiteStore(url)
    first.migrate()
    return [first, *(SQLiteStore(url) for _ in range(n - 1))]


def test_a_writer_waits_for_the_others_turn_and_then_writes(url: str) -> None:
    one, two = _stores(url, 2)
    try:
        site = add_site(one)
        thread = add_thread(one, site)
        inside = threading.Event()
        release = threading.Event()

        def slow(db: Gateway) -> int:
            inside.set()
            assert release.wait(10)
            return db.insert_comment(new_comment(thread, body="first")).id

        first = one._writer.submit(slow)
        assert inside.wait(10)
        assert not writer_turn_is_free(url)  # held for the whole transaction
        second = two._writer.submit(lambda db: db.insert_comment(new_comment(thread)).id)
        time.sleep(0.2)
        assert not second.done()  # waiting for its turn, not failing with "database is locked"
        release.set()
        ids = [first.result(10), second.result(10)]
        assert writer_turn_is_free(url)
        assert ids[0] < ids[1]  # the second writer went after the first had committed
        with two.reading() as db:
            assert [c.id for c in db.thread_comments(thread.id)] == ids
    finally:
        one.close()
        two.close()


def test_concurrent_writers_on_one_file_all_land(url: str) -> None:
    stores = _stores(url, 3)
    try:
        site = add_site(stores[0])
        thread = add_thread(stores[0], site)
        futures = [
            store._writer.submit(
                lambda db, k=k: db.insert_comment(new_comment(thread, body=f"c{k}")).id
            )
            for k in range(60)
            for store in stores
        ]
        ids = [f.result(30) for f in futures]
        assert len(set(ids)) == 180
        with stores[1].reading() as db:
            assert len(db.thread_comments(thread.id)) == 180
    finally:
        for store in stores:
            store.close()


def test_a_failed_transaction_gives_the_turn_back(url: str) -> None:
    one, two = _stores(url, 2)
    try:
        site = add_site(one)
        thread = add_thread(one, site)

        def broken(db: Gateway) -> None:
            db._exec("INSERT INTO no_such_table VALUES (1)")

        with pytest.raises(sqlite3.OperationalError):
            one.write(broken)
        assert writer_turn_is_free(url)
        # The other store gets its turn at once (it would wait forever if the lock were kept).
        done = two._writer.submit(lambda db: db.insert_comment(new_comment(thread)).id)
        assert done.result(10) > 0
        assert one.write(lambda db: db.insert_comment(new_comment(thread)).id) > 0
    finally:
        one.close()
        two.close()


def test_a_database_held_by_another_program_refuses_writes_cleanly(url: str) -> None:
    """Past the busy timeout the batch's writers get a clear, retryable error; nothing of the
    batch is stored, and writes go through again once the other program lets go."""
    store = SQLiteStore(url, busy_timeout_ms=200)
    store.migrate()
    try:
        site = add_site(store)
        thread = add_thread(store, site)
        other = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # an import, a backup tool …
        with pytest.raises(Unavailable) as refused:
            store.write(lambda db: db.insert_comment(new_comment(thread)))
        assert refused.value.retry_after > 0 and "try again" in refused.value.message
        other.execute("ROLLBACK")
        other.close()
        assert writer_turn_is_free(url)
        store.write(lambda db: db.insert_comment(new_comment(thread, body="later")))
        with store.reading() as db:
            assert [c.body for c in db.thread_comments(thread.id)] == ["later"]
    finally:
        store.close()
