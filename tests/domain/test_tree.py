"""The pure tree logic: visibility, placeholders, order, pagination and cursors."""

from __future__ import annotations

import base64
import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest

from threadline.domain.errors import InvalidInput
from threadline.domain.models import Author, Comment, CommentStatus
from threadline.domain.tree import (
    Cursor,
    SortOrder,
    ancestors_of,
    paginate,
    placeholder,
    visible_tree,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PUBLISHED = CommentStatus.PUBLISHED
DELETED = CommentStatus.DELETED
PENDING = CommentStatus.PENDING


def make(
    cid: int,
    parent: int | None = None,
    *,
    at: float | None = None,
    status: CommentStatus = PUBLISHED,
    up: int = 0,
    down: int = 0,
    depth: int | None = None,
) -> Comment:
    """A comment posted `at` seconds after T0 (default: its id, so ids follow time)."""
    return Comment(
        id=cid,
        thread_id=1,
        parent_id=parent,
        depth=depth if depth is not None else (0 if parent is None else 1),
        status=status,
        author=Author(f"author{cid}", f"a{cid}@example.org", "https://example.org"),
        body=f"body {cid}",
        html=f"<p>body {cid}</p>",
        created_at=T0 + timedelta(seconds=cid if at is None else at),
        edited_at=None,
        upvotes=up,
        downvotes=down,
    )


def ids(comments: list[Comment]) -> list[int]:
    return [c.id for c in comments]


def whole(comments: list[Comment], order: SortOrder) -> list[Comment]:
    return paginate(comments, order, limit=10_000).comments


# A small discussion:
#   1            (t=1)
#   ├── 3        (t=3)
#   │   └── 5    (t=5)
#   └── 4        (t=4)
#   2            (t=2)
#   └── 6        (t=6)
DISCUSSION = [make(1), make(2), make(3, 1), make(4, 1), make(5, 3, depth=2), make(6, 2)]


class TestOrder:
    def test_oldest_is_preorder_with_oldest_siblings_first(self) -> None:
        assert ids(whole(DISCUSSION, SortOrder.OLDEST)) == [1, 3, 5, 4, 2, 6]

    def test_newest_reverses_siblings_at_every_depth(self) -> None:
        assert ids(whole(DISCUSSION, SortOrder.NEWEST)) == [2, 6, 1, 4, 3, 5]

    def test_top_orders_siblings_by_score_then_oldest(self) -> None:
        comments = [
            make(1, up=1),
            make(2, up=5, down=1),  # score 4
            make(3, up=2, down=1),  # score 1, ties with 1: older (1) first
            make(4, 2, up=0),
            make(5, 2, up=3),
            make(6, 2, down=2),
        ]
        assert ids(whole(comments, SortOrder.TOP)) == [2, 5, 4, 6, 1, 3]

    def test_same_instant_siblings_are_ordered_by_id(self) -> None:
        comments = [make(7, at=10), make(3, at=10), make(5, at=10)]
        assert ids(whole(comments, SortOrder.OLDEST)) == [3, 5, 7]
        assert ids(whole(comments, SortOrder.NEWEST)) == [7, 5, 3]
        assert ids(whole(comments, SortOrder.TOP)) == [3, 5, 7]

    def test_time_wins_over_id(self) -> None:
        # A comment written later can carry a smaller id (its write committed first).
        comments = [make(1, at=20), make(2, at=10)]
        assert ids(whole(comments, SortOrder.OLDEST)) == [2, 1]
        assert ids(whole(comments, SortOrder.NEWEST)) == [1, 2]

    def test_microseconds_count(self) -> None:
        comments = [make(1, at=0.000002), make(2, at=0.000001)]
        assert ids(whole(comments, SortOrder.OLDEST)) == [2, 1]

    def test_far_dates_keep_microsecond_order(self) -> None:
        # Float arithmetic would map both to the same microsecond; ids then decide wrongly.
        earlier = datetime.fromisoformat("2005-02-13T13:15:42.944284+00:00")  # an import
        comments = [
            dataclasses.replace(make(1), created_at=earlier + timedelta(microseconds=1)),
            dataclasses.replace(make(2), created_at=earlier),
        ]
        assert ids(whole(comments, SortOrder.OLDEST)) == [2, 1]
        assert ids(whole(comments, SortOrder.NEWEST)) == [1, 2]

    def test_reply_count_is_the_number_of_shown_children(self) -> None:
        shown = {c.id: c.reply_count for c in whole(DISCUSSION, SortOrder.OLDEST)}
        assert shown == {1: 2, 2: 1, 3: 1, 4: 0, 5: 0, 6: 0}

    def test_a_very_deep_thread_does_not_recurse(self) -> None:
        chain = [make(1)] + [make(i, i - 1, depth=i - 1) for i in range(2, 5002)]
        listed = whole(chain, SortOrder.OLDEST)
        assert ids(listed) == list(range(1, 5002))
        assert listed[-1].reply_count == 0
        assert all(c.reply_count == 1 for c in listed[:-1])


class TestVisibility:
    def test_removed_leaf_disappears(self) -> None:
        comments = [make(1), make(2, 1, status=DELETED), make(3, 1, status=PENDING)]
        listed = whole(comments, SortOrder.OLDEST)
        assert ids(listed) == [1]
        assert listed[0].reply_count == 0

    def test_removed_comment_with_a_visible_reply_stays_as_placeholder(self) -> None:
        comments = [make(1, status=DELETED), make(2, 1)]
        first, reply = whole(comments, SortOrder.OLDEST)
        assert first.id == 1 and first.status is DELETED
        assert first.author == Author(name="")
        assert first.body == "" and first.html == ""
        assert first.reply_count == 1
        assert reply.author.name == "author2" and reply.body == "body 2"

    def test_pending_comment_with_visible_reply_is_shown_as_placeholder(self) -> None:
        comments = [make(1, status=PENDING), make(2, 1)]
        first, _ = whole(comments, SortOrder.OLDEST)
        assert first.status is DELETED and first.author.name == "" and first.body == ""

    def test_chain_of_removed_comments_stays_only_above_a_visible_one(self) -> None:
        comments = [
            make(1, status=DELETED),
            make(2, 1, status=DELETED),
            make(3, 2, status=PUBLISHED),
            make(4, 1, status=DELETED),
            make(5, 4, status=DELETED),
        ]
        listed = whole(comments, SortOrder.OLDEST)
        assert ids(listed) == [1, 2, 3]
        assert [c.reply_count for c in listed] == [1, 1, 0]

    def test_removed_subtree_without_published_comments_vanishes_entirely(self) -> None:
        comments = [make(1, status=DELETED), make(2, 1, status=DELETED), make(3, 2, status=PENDING)]
        assert whole(comments, SortOrder.OLDEST) == []
        assert visible_tree(comments) == {}

    def test_reply_to_unknown_parent_is_listed_at_top_level(self) -> None:
        comments = [make(1), make(5, 99)]
        assert ids(whole(comments, SortOrder.OLDEST)) == [1, 5]
        assert ids(visible_tree(comments)[None]) == [1, 5]

    def test_placeholder_keeps_identity_and_shape(self) -> None:
        original = make(3, 1, up=2)
        hidden = placeholder(original)
        assert (hidden.id, hidden.parent_id, hidden.depth) == (3, 1, 1)
        assert hidden.created_at == original.created_at
        assert hidden.author.email is None and hidden.author.website is None


class TestPagination:
    def test_pages_split_at_top_level_comments_with_whole_subtrees(self) -> None:
        first = paginate(DISCUSSION, SortOrder.OLDEST, limit=1)
        assert ids(first.comments) == [1, 3, 5, 4]
        assert first.next_cursor is not None
        second = paginate(DISCUSSION, SortOrder.OLDEST, limit=1, cursor=first.next_cursor)
        assert ids(second.comments) == [2, 6]
        assert second.next_cursor is None

    def test_no_cursor_when_everything_fits(self) -> None:
        assert paginate(DISCUSSION, SortOrder.OLDEST, limit=2).next_cursor is None

    @pytest.mark.parametrize("order", list(SortOrder))
    @pytest.mark.parametrize("limit", [1, 2, 3, 7])
    def test_following_cursors_gives_the_whole_listing(self, order: SortOrder, limit: int) -> None:
        comments = [make(i, at=(i * 7) % 5, up=i % 3) for i in range(1, 20)]
        comments += [make(i, (i % 19) + 1, up=i % 2) for i in range(20, 40)]
        expected = ids(whole(comments, order))
        seen: list[int] = []
        cursor: Cursor | None = None
        for _ in range(100):
            page = paginate(comments, order, limit, cursor)
            assert len([c for c in page.comments if c.parent_id is None]) <= limit
            seen += ids(page.comments)
            if page.next_cursor is None:
                break
            # Round-trip through the wire format, as a client would.
            cursor = Cursor.decode(page.next_cursor.encode(), order)
        assert seen == expected

    def test_empty_thread(self) -> None:
        page = paginate([], SortOrder.TOP, limit=5)
        assert page.comments == [] and page.next_cursor is None

    def test_limit_must_be_positive(self) -> None:
        with pytest.raises(ValueError):
            paginate(DISCUSSION, SortOrder.OLDEST, limit=0)


class TestAncestors:
    def test_chain_from_top_level_down(self) -> None:
        by_id = {c.id: c for c in DISCUSSION}
        assert ids(ancestors_of(by_id[5], by_id)) == [1, 3]
        assert ancestors_of(by_id[1], by_id) == []

    def test_stops_at_a_missing_parent(self) -> None:
        comments = [make(2, 1), make(3, 2)]
        by_id = {c.id: c for c in comments}
        assert ids(ancestors_of(by_id[3], by_id)) == [2]

    def test_a_cycle_does_not_loop_forever(self) -> None:
        a, b = make(1, 2), make(2, 1)
        by_id = {1: a, 2: b}
        assert ids(ancestors_of(a, by_id)) == [1, 2]


def _raw_cursor(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


class TestCursor:
    @pytest.mark.parametrize(
        "cursor",
        [
            Cursor(SortOrder.OLDEST, (1772366400123456.0, 42.0)),
            Cursor(SortOrder.NEWEST, (-1772366400123456.0, -42.0)),
            Cursor(SortOrder.TOP, (-3.0, 1772366400000001.0, 7.0)),
        ],
    )
    def test_round_trip(self, cursor: Cursor) -> None:
        text = cursor.encode()
        assert text.isascii() and "=" not in text and "/" not in text and "+" not in text
        assert Cursor.decode(text, cursor.order) == cursor

    def test_cursor_of_another_sort_is_rejected(self) -> None:
        text = Cursor(SortOrder.OLDEST, (1.0, 2.0)).encode()
        with pytest.raises(InvalidInput) as caught:
            Cursor.decode(text, SortOrder.NEWEST)
        assert caught.value.code == "invalid_cursor"
        assert caught.value.field == "cursor"

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "!!!!",
            "not a cursor",
            "é",
            _raw_cursor(None),
            _raw_cursor(5),
            _raw_cursor("oldest"),
            _raw_cursor({"order": "oldest", "after": [1, 2]}),
            _raw_cursor(["oldest"]),
            _raw_cursor(["oldest", [1, 2], 3]),
            _raw_cursor(["sideways", [1, 2]]),
            _raw_cursor(["oldest", 5]),
            _raw_cursor(["oldest", [1, None]]),
            _raw_cursor(["oldest", [1, [2]]]),
            _raw_cursor(["oldest", ["a", "b"]]),
            _raw_cursor(["oldest", [1]]),  # an oldest key has two parts
            _raw_cursor(["oldest", [1, 2, 3]]),
            _raw_cursor(["oldest", [1e400, 2]]),  # infinity
            base64.urlsafe_b64encode(b'["oldest",[NaN,1]]').decode(),
            base64.urlsafe_b64encode(b"[" * 100_000).decode(),  # nesting bomb
            base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        ],
    )
    def test_tampered_cursor_is_invalid_input(self, text: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            Cursor.decode(text, SortOrder.OLDEST)
        assert caught.value.code == "invalid_cursor"

    def test_truncated_cursor_is_invalid_input(self) -> None:
        text = Cursor(SortOrder.TOP, (-3.0, 1772366400000001.0, 7.0)).encode()
        with pytest.raises(InvalidInput) as caught:
            Cursor.decode(text[: len(text) // 2], SortOrder.TOP)
        assert caught.value.code == "invalid_cursor"
