"""Property: whatever readers do, a thread reads back as a valid tree in the documented order.

Random sequences of posts (top level, or replies to random existing comments), deletes and
votes go through the real use cases on a real store (SQLite and PostgreSQL); a plain model
of what happened is kept alongside. Then every sort order is read whole and page by page.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Clock
from threadline.domain.errors import Conflict
from threadline.domain.models import Author, Comment, CommentStatus, Site, SiteSettings
from threadline.domain.tree import SortOrder
from threadline.service import comments, votes
from threadline.service.comments import CommentDraft
from threadline.service.context import ServiceContext
from threadline.service.threads import read_page, resolve

from .conftest import CLIENT

VOTERS = [f"property-voter-{n:04d}" for n in range(4)]


@dataclass
class Model:
    """What should be true, kept without any of the code under test."""

    parent: int | None
    depth: int
    created_at: datetime
    name: str
    body: str
    token: str
    published: bool = True
    votes: dict[str, int] = field(default_factory=dict)

    @property
    def up(self) -> int:
        return sum(1 for v in self.votes.values() if v == 1)

    @property
    def down(self) -> int:
        return sum(1 for v in self.votes.values() if v == -1)


def expected_key(order: SortOrder, cid: int, m: Model) -> tuple[Any, ...]:
    if order is SortOrder.OLDEST:
        return (m.created_at, cid)
    if order is SortOrder.NEWEST:
        return (-(m.created_at - datetime.min.replace(tzinfo=m.created_at.tzinfo)), -cid)
    return (-(m.up - m.down), m.created_at, cid)


PICK = st.integers(min_value=0, max_value=10**6)  # an index into whatever exists by then
ADVANCE = st.one_of(st.just(0), st.integers(min_value=1, max_value=90_000_000))  # µs
OPERATION = st.one_of(
    st.tuples(st.just("post"), st.none(), ADVANCE),
    st.tuples(st.just("post"), PICK, ADVANCE),
    st.tuples(st.just("post"), PICK, ADVANCE),
    st.tuples(st.just("delete"), PICK),
    st.tuples(st.just("vote"), PICK, st.integers(0, len(VOTERS) - 1), st.sampled_from([1, -1, 0])),
)
# Hypothesis favours short lists; deep, bushy trees need long histories too.
OPERATIONS = st.one_of(
    st.lists(OPERATION, min_size=1, max_size=8),
    st.lists(OPERATION, min_size=20, max_size=60),
)


class Scenario:
    def __init__(self, ctx: ServiceContext, key: str) -> None:
        self.ctx = ctx
        self.key = key
        self.model: dict[int, Model] = {}
        self.clock = Clock()
        ctx.clock = self.clock
        self.names = itertools.count()

    def published(self) -> list[int]:
        return [cid for cid, m in self.model.items() if m.published]

    def apply(self, op: tuple[Any, ...]) -> None:
        kind = op[0]
        if kind == "post":
            self._post(op[1], op[2])
        elif kind == "delete":
            live = self.published()
            if live:
                target = live[op[1] % len(live)]
                comments.delete_comment(self.ctx, target, self.model[target].token, CLIENT)
                self.model[target].published = False
        else:
            live = self.published()
            if live:
                target = live[op[1] % len(live)]
                voter = VOTERS[op[2]]
                votes.cast_vote(self.ctx, target, op[3], voter, CLIENT)
                self.model[target].votes[voter] = op[3]

    def _post(self, pick: int | None, advance_us: int) -> None:
        self.clock.advance(microseconds=advance_us)
        existing = sorted(self.model)
        parent = existing[pick % len(existing)] if pick is not None and existing else None
        n = next(self.names)
        draft = CommentDraft(
            "demo", self.key, f"comment {n}", Author(f"author {n}"), parent_id=parent
        )
        if parent is not None and not self.model[parent].published:
            with pytest.raises(Conflict) as caught:
                comments.post_comment(self.ctx, draft, CLIENT)
            assert caught.value.code == "parent_unavailable"
            return
        posted = comments.post_comment(self.ctx, draft, CLIENT)
        depth = self.model[parent].depth + 1 if parent is not None else 0
        self.model[posted.comment.id] = Model(
            parent, depth, self.clock.now, f"author {n}", f"comment {n}", posted.edit_token
        )

    # -- checks ----------------------------------------------------------------------------

    def expected_visible(self) -> set[int]:
        visible = {cid for cid, m in self.model.items() if m.published}
        for cid in list(visible):
            parent = self.model[cid].parent
            while parent is not None:
                visible.add(parent)
                parent = self.model[parent].parent
        return visible

    def read(self, order: SortOrder, limit: int, cursor: str | None) -> Any:
        return read_page(self.ctx, resolve(self.ctx, "demo", self.key), order, limit, cursor)

    def check(self) -> None:
        whole = self.read(SortOrder.OLDEST, 10**6, None)
        published = len(self.published())
        if whole.thread is None:
            assert self.model == {}
        else:
            assert whole.thread.comment_count == published
        for order in SortOrder:
            listing = self.read(order, 10**6, None)
            assert listing.next_cursor is None
            self.check_listing(order, listing.comments)
            for limit in (1, 2, 3):
                self.check_pages(order, limit, [c.id for c in listing.comments])

    def check_listing(self, order: SortOrder, listing: list[Comment]) -> None:
        ids = [c.id for c in listing]
        assert len(ids) == len(set(ids)), "duplicates"
        assert set(ids) == self.expected_visible()
        position = {cid: i for i, cid in enumerate(ids)}
        shown_children: dict[int | None, list[int]] = {}
        # Pre-order: walking the listing with a stack of open ancestors, each comment's
        # parent must be open (so it came earlier, and everything between is its subtree).
        stack: list[Comment] = []
        for c in listing:
            m = self.model[c.id]
            assert c.parent_id == m.parent
            while stack and stack[-1].id != c.parent_id:
                stack.pop()
            if c.parent_id is None:
                assert stack == [] and c.depth == 0
            else:
                assert stack, f"{c.id} is not inside its parent's subtree"
                assert position[c.parent_id] < position[c.id]
                assert c.depth == stack[-1].depth + 1
            assert c.depth == m.depth
            stack.append(c)
            shown_children.setdefault(c.parent_id, []).append(c.id)
            if m.published:
                assert c.status is CommentStatus.PUBLISHED
                # Pages carry what readers see: the rendered text, never the source or email.
                assert (c.author.name, c.html) == (m.name, f"<p>{m.body}</p>")
                assert (c.body, c.author.email) == ("", None)
                assert (c.upvotes, c.downvotes) == (m.up, m.down)
            else:
                assert c.status is CommentStatus.DELETED
                assert c.author == Author("", None, None)
                assert (c.body, c.html) == ("", "")
        for c in listing:
            assert c.reply_count == len(shown_children.get(c.id, []))
        for siblings in shown_children.values():
            keys = [expected_key(order, cid, self.model[cid]) for cid in siblings]
            assert keys == sorted(keys), f"siblings out of {order} order"

    def check_pages(self, order: SortOrder, limit: int, whole: list[int]) -> None:
        seen: list[int] = []
        cursor: str | None = None
        for _ in range(len(whole) + 2):
            page = self.read(order, limit, cursor)
            roots = [c for c in page.comments if c.parent_id is None]
            assert len(roots) <= limit
            if page.comments:
                assert page.comments[0].parent_id is None
            seen += [c.id for c in page.comments]
            cursor = page.next_cursor
            if cursor is None:
                break
            assert page.comments, "a cursor after an empty page"
        assert cursor is None, "pagination did not end"
        assert seen == whole


@pytest.fixture
def scenario_factory(ctx: ServiceContext, site: Site) -> Callable[[], Scenario]:
    ctx.limiter.enabled = False
    counter = itertools.count()
    # Each example gets a thread of its own on the one store (examples cannot share
    # function-scoped fixtures, but they can share a database).
    return lambda: Scenario(ctx, f"property-{next(counter)}")


@pytest.mark.parametrize(
    "demo_settings", [SiteSettings(edit_window_seconds=10**9, comments_per_minute_per_ip=0)]
)
def test_any_history_reads_back_as_a_valid_tree(
    backend: str, scenario_factory: Callable[[], Scenario]
) -> None:
    @settings(
        max_examples=40 if backend == "sqlite" else 15,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        database=None,
    )
    @given(OPERATIONS)
    def run(operations: list[tuple[Any, ...]]) -> None:
        scenario = scenario_factory()
        for op in operations:
            scenario.apply(op)
        scenario.check()

    run()


def test_expected_key_orders_newest_first() -> None:
    a = Model(None, 0, datetime(2026, 1, 1, 12, 0, 0, 1), "a", "a", "t")
    b = Model(None, 0, a.created_at + timedelta(microseconds=1), "b", "b", "t")
    assert expected_key(SortOrder.NEWEST, 2, b) < expected_key(SortOrder.NEWEST, 1, a)
    assert expected_key(SortOrder.OLDEST, 1, a) < expected_key(SortOrder.OLDEST, 2, b)
