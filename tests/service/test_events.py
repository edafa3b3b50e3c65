"""Events go out after commit, describe the change, and a failing listener fails nothing."""

from __future__ import annotations

import logging

import pytest

from threadline.domain.errors import Forbidden
from threadline.domain.events import (
    CommentDeleted,
    CommentEdited,
    CommentPosted,
    ThreadChanged,
    VoteCast,
)
from threadline.domain.models import Site
from threadline.service import comments
from threadline.service.context import ServiceContext
from threadline.service.votes import cast_vote

from .conftest import CLIENT, VOTER, post


class Recorder:
    """Records each event together with what a fresh reader sees at that moment."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.events: list[ThreadChanged] = []
        self.seen_version: list[int | None] = []
        self.seen_comment: list[object] = []

    def __call__(self, event: ThreadChanged) -> None:
        self.events.append(event)
        # Read on another thread's connection: only committed data is visible there.
        import threading

        def read() -> None:
            with self.ctx.store.reading() as db:
                thread = db.get_thread_by_id(event.thread_id)
                self.seen_version.append(thread.version if thread else None)
                self.seen_comment.append(db.get_comment(getattr(event, "comment_id", 0)))

        t = threading.Thread(target=read)
        t.start()
        t.join()


def test_each_change_publishes_its_event_after_commit(ctx: ServiceContext, site: Site) -> None:
    recorder = Recorder(ctx)
    ctx.bus.subscribe(ThreadChanged, recorder)
    posted = post(ctx, "Hello")
    cid = posted.comment.id
    comments.edit_comment(ctx, cid, "Edited", posted.edit_token, CLIENT)
    cast_vote(ctx, cid, 1, VOTER, CLIENT)
    comments.delete_comment(ctx, cid, posted.edit_token, CLIENT)

    assert [type(e) for e in recorder.events] == [
        CommentPosted,
        CommentEdited,
        VoteCast,
        CommentDeleted,
    ]
    for n, event in enumerate(recorder.events, start=1):
        assert (event.site_slug, event.thread_key, event.thread_id) == (
            "demo",
            "article-1",
            posted.thread.id,
        )
        assert event.version == n
        assert getattr(event, "comment_id", None) == cid
    # When each listener ran, the change it announced was already committed.
    assert recorder.seen_version == [1, 2, 3, 4]
    bodies = [getattr(c, "body", None) for c in recorder.seen_comment]
    assert bodies == ["Hello", "Edited", "Edited", ""]


def test_a_failing_listener_never_fails_the_call(
    ctx: ServiceContext, site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    received: list[object] = []

    def broken(event: object) -> None:
        raise RuntimeError("listener bug")

    ctx.bus.subscribe(CommentPosted, broken)
    ctx.bus.subscribe(CommentPosted, received.append)
    with caplog.at_level(logging.ERROR, logger="threadline.bus"):
        posted = post(ctx)
    assert posted.comment.id > 0
    assert [getattr(e, "comment_id", None) for e in received] == [posted.comment.id]
    assert any("listener" in r.getMessage() for r in caplog.records)


def test_listeners_only_get_the_types_they_subscribed_to(ctx: ServiceContext, site: Site) -> None:
    deleted: list[object] = []
    ctx.bus.subscribe(CommentDeleted, deleted.append)
    posted = post(ctx)
    assert deleted == []
    comments.delete_comment(ctx, posted.comment.id, posted.edit_token, CLIENT)
    assert len(deleted) == 1


def test_failed_changes_publish_nothing(ctx: ServiceContext, site: Site) -> None:
    events: list[object] = []
    first = post(ctx)
    ctx.bus.subscribe(ThreadChanged, events.append)
    ctx.store.write(lambda db: db.set_thread_closed(first.thread.id, True))
    with pytest.raises(Forbidden):
        post(ctx, "Closed")
    with pytest.raises(Forbidden):
        comments.edit_comment(ctx, first.comment.id, "x", "wrong-token", CLIENT)
    with pytest.raises(Forbidden):
        comments.delete_comment(ctx, first.comment.id, "wrong-token", CLIENT)
    assert events == []
