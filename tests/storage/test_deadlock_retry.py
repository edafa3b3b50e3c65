"""Two instances' group commits lock rows in opposite orders: PostgreSQL picks a deadlock
victim, and the victim's job is rolled back to its savepoint and run again — both writes
succeed, nobody sees an error."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from threadline.app import open_store
from threadline.config import Settings
from threadline.storage.base import Store
from threadline.storage.gateway import Gateway

from .helpers import T0, add_site, add_thread, new_comment

WAIT = 30.0


@pytest.fixture
def two_stores(postgres_schema_url: str, tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    settings = Settings(database_url=postgres_schema_url, data_dir=str(tmp_path))
    first, second = open_store(settings), open_store(settings)
    try:
        yield first, second
    finally:
        first.close()
        second.close()


def test_a_lost_deadlock_is_retried_not_reported(two_stores: tuple[Store, Store]) -> None:
    first, second = two_stores
    site = add_site(first)
    thread = add_thread(first, site)
    a = first.write(lambda db: db.insert_comment(new_comment(thread, body="a")))
    b = first.write(lambda db: db.insert_comment(new_comment(thread, body="b")))
    both_hold_one = threading.Barrier(2, timeout=WAIT)
    attempts = {"first": 0, "second": 0}

    def crosswise(name: str, mine: int, theirs: int) -> object:
        def job(db: Gateway) -> str:
            attempts[name] += 1
            db.lock_comment(mine)
            if attempts[name] == 1:
                both_hold_one.wait()  # each now holds one lock and asks for the other's
            db.lock_comment(theirs)
            db.update_comment_body(mine, f"by {name}", f"<p>by {name}</p>", T0)
            return name

        return job

    with ThreadPoolExecutor(2) as pool:
        one = pool.submit(first.write, crosswise("first", a.id, b.id))
        two = pool.submit(second.write, crosswise("second", b.id, a.id))
        assert {one.result(timeout=WAIT), two.result(timeout=WAIT)} == {"first", "second"}

    # One of them ran once; the other lost the deadlock and ran again (on a busy machine the
    # rerun can meet the winner's locks once more and lose again before it succeeds).
    once, again = sorted(attempts.values())
    assert once == 1 and again >= 2
    with first.reading() as db:
        assert db.get_comment(a.id).body == "by first"  # type: ignore[union-attr]
        assert db.get_comment(b.id).body == "by second"  # type: ignore[union-attr]


def test_replies_keep_their_parent_together_but_a_change_to_it_waits(
    two_stores: tuple[Store, Store],
) -> None:
    """keep_comment takes a shared row lock: another instance's reply to the same comment
    does not wait for this batch (no cycle for two batches to deadlock on), while a change to
    the comment (lock_comment) waits until the batch that keeps it has committed."""
    first, second = two_stores
    site = add_site(first)
    thread = add_thread(first, site)
    parent = first.write(lambda db: db.insert_comment(new_comment(thread, body="parent")))
    kept, release = threading.Event(), threading.Event()

    def keep_and_hold(db: Gateway) -> None:
        db.keep_comment(parent.id)
        kept.set()
        assert release.wait(WAIT)

    with ThreadPoolExecutor(2) as pool:
        holding = pool.submit(first.write, keep_and_hold)
        assert kept.wait(WAIT)
        # Another instance keeps it too, at once, while the first batch is still open.
        also = second.write(lambda db: db.keep_comment(parent.id))
        assert also is not None and also.id == parent.id
        changing = pool.submit(
            second.write,
            lambda db: db.update_comment_body(parent.id, "edited", "<p>edited</p>", T0),
        )
        with pytest.raises(TimeoutError):
            changing.result(timeout=0.5)  # waits for the first batch's shared lock
        release.set()
        holding.result(timeout=WAIT)
        assert changing.result(timeout=WAIT).body == "edited"
