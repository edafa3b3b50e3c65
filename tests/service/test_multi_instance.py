"""Several app instances sharing one PostgreSQL database: concurrent writes to the same
comment from two instances (a double click that a load balancer spread over two servers)
must not double-count or undo a deletion.

Interleavings are forced, not hoped for: a third connection holds the thread's row lock so
the first instance's transaction stays open; the test waits (on conditions, via
pg_blocking_pids) until the second instance is queued behind the first, then lets go.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest

from threadline.app import build_context, open_store
from threadline.config import Settings
from threadline.domain.errors import Conflict, ThreadlineError
from threadline.domain.models import Author, CommentStatus
from threadline.service import comments, votes
from threadline.service.comments import CommentDraft, PostedComment
from threadline.service.context import ClientInfo, ServiceContext
from threadline.service.sites import add_site

CLIENT = ClientInfo(ip="203.0.113.7")
VOTER = "browser-0123456789abcdef"
WAIT = 30.0


@pytest.fixture
def instances(postgres_schema_url: str, tmp_path: Any) -> Iterator[list[ServiceContext]]:
    settings = Settings(
        database_url=postgres_schema_url,
        data_dir=str(tmp_path),
        secret_key="shared-secret",
        rate_limits=False,
        # The engine in a thread, as in the other service tests: a worker process per
        # instance can take longer than the scoring budget to start on a busy machine, and a
        # held comment takes no votes.
        moderation_processes=0,
    )
    stores = [open_store(settings), open_store(settings)]
    try:
        yield [build_context(settings, s) for s in stores]
    finally:
        for s in stores:
            s.close()


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.01)


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None


class Race:
    """Run two calls on two instances with the second queued behind the first's open
    transaction, then release both."""

    def __init__(self, url: str, thread_id: int) -> None:
        self.url = url
        self.thread_id = thread_id

    def _blocked_by(self, monitor: psycopg.Connection[Any], pid: int) -> list[int]:
        rows = monitor.execute(
            "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", (pid,)
        ).fetchall()
        return [r[0] for r in rows]

    def run(self, first: Callable[[], Any], second: Callable[[], Any]) -> tuple[Outcome, Outcome]:
        outcomes = (Outcome(), Outcome())

        def call(fn: Callable[[], Any], out: Outcome) -> None:
            try:
                out.value = fn()
            except BaseException as exc:
                out.error = exc

        with (
            psycopg.connect(self.url) as holder,
            psycopg.connect(self.url, autocommit=True) as monitor,
        ):
            holder.execute("SELECT id FROM threads WHERE id = %s FOR UPDATE", (self.thread_id,))
            holder_pid = holder.info.backend_pid
            a = threading.Thread(target=call, args=(first, outcomes[0]))
            a.start()
            _wait_for(lambda: bool(self._blocked_by(monitor, holder_pid)), "A waits on the holder")
            (a_pid,) = self._blocked_by(monitor, holder_pid)
            b = threading.Thread(target=call, args=(second, outcomes[1]))
            b.start()
            _wait_for(lambda: bool(self._blocked_by(monitor, a_pid)), "B waits on A")
            holder.commit()
            a.join(WAIT)
            b.join(WAIT)
        assert not a.is_alive() and not b.is_alive()
        return outcomes


def _setup(ctx: ServiceContext) -> tuple[PostedComment, int]:
    add_site(ctx, "demo", "Demo")
    posted = comments.post_comment(
        ctx, CommentDraft("demo", "article-1", "Hello", Author("Reader")), CLIENT
    )
    return posted, posted.thread.id


def _counts(ctx: ServiceContext, comment_id: int) -> tuple[int, int, int]:
    with ctx.store.reading() as db:
        comment = db.get_comment(comment_id)
        rows = db._all("SELECT value FROM votes WHERE comment_id = :id", {"id": comment_id})
    assert comment is not None
    return comment.upvotes, comment.downvotes, sum(1 for r in rows if r["value"] == 1)


def test_same_vote_from_two_instances_counts_once(
    instances: list[ServiceContext], postgres_schema_url: str
) -> None:
    a, b = instances
    posted, thread_id = _setup(a)
    cid = posted.comment.id
    first, second = Race(postgres_schema_url, thread_id).run(
        lambda: votes.cast_vote(a, cid, 1, VOTER, CLIENT),
        lambda: votes.cast_vote(b, cid, 1, VOTER, CLIENT),
    )
    assert first.error is None and second.error is None
    upvotes, downvotes, recount = _counts(a, cid)
    assert (upvotes, downvotes) == (1, 0)
    assert recount == 1


def test_up_and_down_from_two_instances_end_in_the_last_vote(
    instances: list[ServiceContext], postgres_schema_url: str
) -> None:
    a, b = instances
    posted, thread_id = _setup(a)
    cid = posted.comment.id
    first, second = Race(postgres_schema_url, thread_id).run(
        lambda: votes.cast_vote(a, cid, 1, VOTER, CLIENT),
        lambda: votes.cast_vote(b, cid, -1, VOTER, CLIENT),
    )
    assert first.error is None and second.error is None
    assert _counts(a, cid)[:2] == (0, 1)


def test_delete_from_two_instances_counts_once(
    instances: list[ServiceContext], postgres_schema_url: str
) -> None:
    a, b = instances
    posted, thread_id = _setup(a)
    # A second comment so a double decrement shows as 0 rather than hiding below it.
    comments.post_comment(a, CommentDraft("demo", "article-1", "More", Author("Other")), CLIENT)
    cid, token = posted.comment.id, posted.edit_token
    first, second = Race(postgres_schema_url, thread_id).run(
        lambda: comments.delete_comment(a, cid, token, CLIENT),
        lambda: comments.delete_comment(b, cid, token, CLIENT),
    )
    assert first.error is None
    assert isinstance(second.error, Conflict) and second.error.code == "comment_deleted"
    with a.store.reading() as db:
        thread = db.get_thread_by_id(thread_id)
    assert thread is not None and thread.comment_count == 1


def test_an_edit_racing_a_delete_does_not_bring_the_text_back(
    instances: list[ServiceContext], postgres_schema_url: str
) -> None:
    a, b = instances
    posted, thread_id = _setup(a)
    cid, token = posted.comment.id, posted.edit_token
    first, second = Race(postgres_schema_url, thread_id).run(
        lambda: comments.delete_comment(a, cid, token, CLIENT),
        lambda: comments.edit_comment(b, cid, "My secret, again", token, CLIENT),
    )
    assert first.error is None
    assert isinstance(second.error, ThreadlineError)
    assert second.error.code == "comment_deleted"
    with a.store.reading() as db:
        stored = db.get_comment(cid)
    assert stored is not None and stored.status is CommentStatus.DELETED
    assert (stored.body, stored.html) == ("", "")


def test_a_vote_racing_a_delete_is_refused(
    instances: list[ServiceContext], postgres_schema_url: str
) -> None:
    a, b = instances
    posted, thread_id = _setup(a)
    cid, token = posted.comment.id, posted.edit_token
    first, second = Race(postgres_schema_url, thread_id).run(
        lambda: comments.delete_comment(a, cid, token, CLIENT),
        lambda: votes.cast_vote(b, cid, 1, VOTER, CLIENT),
    )
    assert first.error is None
    assert isinstance(second.error, Conflict) and second.error.code == "comment_unavailable"
    assert _counts(a, cid) == (0, 0, 0)
