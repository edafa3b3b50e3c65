"""Group commit on both backends: concurrent writes all land, jobs share a transaction,
and one job's failure fails that job alone."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any

import pytest

from threadline.domain.errors import AlreadyExists
from threadline.domain.models import Comment, SiteSettings, Thread
from threadline.storage.base import Store
from threadline.storage.gateway import Gateway
from threadline.storage.writer import GroupCommitWriter, TransactionControl, WriterClosed

from .helpers import T0, add_site, add_thread, later, new_comment

WAIT = 30  # seconds; only a broken writer ever waits this long


class CountingControl:
    """Wraps a backend's transaction control to count its transactions."""

    def __init__(self, inner: TransactionControl) -> None:
        self.inner = inner
        self.begins = 0
        self.commits = 0

    def reset(self) -> None:
        self.begins = self.commits = 0

    def begin(self) -> None:
        self.begins += 1
        self.inner.begin()

    def commit(self) -> None:
        self.commits += 1
        self.inner.commit()

    def rollback(self) -> None:
        self.inner.rollback()

    def savepoint(self) -> None:
        self.inner.savepoint()

    def release_savepoint(self) -> None:
        self.inner.release_savepoint()

    def rollback_to_savepoint(self) -> None:
        self.inner.rollback_to_savepoint()

    def close(self) -> None:
        self.inner.close()

    def retryable(self, exc: BaseException) -> bool:
        return self.inner.retryable(exc)


def writer_of(store: Store) -> GroupCommitWriter[Gateway]:
    writer = store._writer  # type: ignore[attr-defined]
    assert isinstance(writer, GroupCommitWriter)
    return writer


@pytest.fixture
def counting(store: Store) -> CountingControl:
    writer = writer_of(store)
    control = CountingControl(writer._control)
    writer._control = control  # the writer is idle here: no batch is in flight
    return control


@contextmanager
def writer_held(store: Store) -> Iterator[None]:
    """Keep the writer busy with one job until the block ends, so that every job submitted
    meanwhile queues up and goes into the next batch together."""
    started, release = threading.Event(), threading.Event()

    def blocker(db: Gateway) -> None:
        started.set()
        assert release.wait(WAIT)

    future = writer_of(store).submit(blocker)
    assert started.wait(WAIT)
    try:
        yield
    finally:
        release.set()
        future.result(WAIT)


def _insert(thread: Thread, i: int) -> Callable[[Gateway], Comment]:
    def job(db: Gateway) -> Comment:
        comment = db.insert_comment(new_comment(thread, at=later(i), body=f"comment {i}"))
        db.bump_version(thread.id, published_delta=1)
        return comment

    return job


def test_concurrent_writes_from_many_threads_all_land(store: Store) -> None:
    thread = add_thread(store, add_site(store))
    workers, per_worker = 16, 25
    start = threading.Barrier(workers)
    made: list[Comment] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(w: int) -> None:
        try:
            start.wait()
            for n in range(per_worker):
                comment = store.write(_insert(thread, w * 1000 + n))
                # Acknowledged means committed: this thread's own reader sees it at once.
                with store.reading() as db:
                    assert db.get_comment(comment.id) == comment
                with lock:
                    made.append(comment)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    total = workers * per_worker
    assert len({c.id for c in made}) == total
    with store.reading() as db:
        listed = db.thread_comments(thread.id)
        current = db.get_thread_by_id(thread.id)
    assert sorted(c.id for c in listed) == sorted(c.id for c in made)
    assert current is not None
    assert (current.comment_count, current.version) == (total, total)


def test_jobs_queued_together_commit_in_one_transaction(
    store: Store, counting: CountingControl
) -> None:
    thread = add_thread(store, add_site(store))
    writer = writer_of(store)
    counting.reset()
    with writer_held(store):
        futures = [writer.submit(_insert(thread, i)) for i in range(50)]
    results = [f.result(WAIT) for f in futures]
    # One transaction for the blocker, one for the 50 jobs that queued behind it.
    assert (counting.begins, counting.commits) == (2, 2)
    with store.reading() as db:
        assert len(db.thread_comments(thread.id)) == 50
        current = db.get_thread_by_id(thread.id)
    assert current is not None and current.comment_count == 50
    assert [c.body for c in results] == [f"comment {i}" for i in range(50)]


def test_a_batch_is_at_most_write_batch_max_jobs(store: Store, counting: CountingControl) -> None:
    thread = add_thread(store, add_site(store))
    writer = writer_of(store)
    assert writer._max_batch == 128  # the settings default
    counting.reset()
    with writer_held(store):
        futures = [writer.submit(_insert(thread, i)) for i in range(300)]
    for f in futures:
        f.result(WAIT)
    assert counting.commits == 1 + 3  # the blocker, then 128 + 128 + 44


def test_a_failing_job_fails_alone_and_its_writes_are_undone(
    store: Store, counting: CountingControl
) -> None:
    site = add_site(store)
    thread = add_thread(store, site)
    writer = writer_of(store)

    def raising(db: Gateway) -> None:
        db.insert_comment(new_comment(thread, body="never visible"))
        db.bump_version(thread.id, published_delta=1)
        raise RuntimeError("job failed on purpose")

    def duplicate_site(db: Gateway) -> None:
        # A database-level error: on PostgreSQL it aborts the transaction unless the
        # writer rolls back to the job's savepoint.
        db.insert_site(site.slug, "Again", (), SiteSettings(), T0)

    jobs: list[Callable[[Gateway], Any]] = [_insert(thread, i) for i in range(20)]
    jobs[5] = raising
    jobs[12] = duplicate_site
    counting.reset()
    with writer_held(store):
        futures: list[Future[Any]] = [writer.submit(job) for job in jobs]

    for i, future in enumerate(futures):
        if i == 5:
            with pytest.raises(RuntimeError, match="on purpose"):
                future.result(WAIT)
        elif i == 12:
            with pytest.raises(AlreadyExists):
                future.result(WAIT)
        else:
            assert future.result(WAIT).body == f"comment {i}"
    assert counting.commits == 2  # the failures did not split or abort the batch
    with store.reading() as db:
        bodies = sorted(c.body for c in db.thread_comments(thread.id))
        current = db.get_thread_by_id(thread.id)
        assert [s.name for s in db.list_sites()] == [site.name]
    assert bodies == sorted(f"comment {i}" for i in range(20) if i not in (5, 12))
    assert current is not None and current.comment_count == 18


def test_a_failed_commit_acknowledges_nothing(store: Store, counting: CountingControl) -> None:
    thread = add_thread(store, add_site(store))
    writer = writer_of(store)
    started, release = threading.Event(), threading.Event()

    def blocker(db: Gateway) -> None:
        started.set()
        assert release.wait(WAIT)

    first = writer.submit(blocker)
    assert started.wait(WAIT)
    futures = [writer.submit(_insert(thread, i)) for i in range(10)]
    # The blocker's own commit goes through; make the next one (the ten jobs') fail.
    original_commit = counting.commit
    calls = 0

    def commit_then_fail() -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError("disk full (simulated)")
        original_commit()

    counting.commit = commit_then_fail  # type: ignore[method-assign]
    release.set()
    first.result(WAIT)
    for f in futures:
        with pytest.raises(OSError, match="disk full"):
            f.result(WAIT)
    with store.reading() as db:
        assert db.thread_comments(thread.id) == []
        current = db.get_thread_by_id(thread.id)
    assert current is not None and current.comment_count == 0
    # The writer survives and the next write commits.
    after = store.write(_insert(thread, 99))
    with store.reading() as db:
        assert [c.id for c in db.thread_comments(thread.id)] == [after.id]


def test_a_cancelled_job_does_not_stop_the_writer(store: Store) -> None:
    thread = add_thread(store, add_site(store))
    writer = writer_of(store)
    with writer_held(store):
        cancelled = writer.submit(_insert(thread, 1))
        assert cancelled.cancel()
        kept = writer.submit(_insert(thread, 2))
    assert kept.result(WAIT).body == "comment 2"
    later_write = writer.submit(_insert(thread, 3))
    assert later_write.result(WAIT).body == "comment 3"
    with store.reading() as db:
        assert sorted(c.body for c in db.thread_comments(thread.id)) == ["comment 2", "comment 3"]


def test_write_returns_the_job_result_and_raises_its_error(store: Store) -> None:
    assert store.write(lambda db: 42) == 42
    with pytest.raises(KeyError):
        store.write(lambda db: dict[str, int]()["missing"])
    assert store.write(lambda db: db.ping()) is True


def test_closed_store_refuses_writes(settings: Any) -> None:
    from threadline.app import open_store

    store = open_store(settings)
    site = add_site(store)
    store.close()
    with pytest.raises(WriterClosed):
        store.write(lambda db: db.get_site(site.slug))
    store.close()  # closing twice is harmless
    reopened = open_store(settings)
    try:
        with reopened.reading() as db:
            assert db.get_site(site.slug) == site
    finally:
        reopened.close()
