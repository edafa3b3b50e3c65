"""Pure tree logic: which comments a reader sees, in what order, one page at a time.

A thread page lists top-level comments (sorted) each followed by its whole subtree in
pre-order; siblings at every depth follow the same sort. Comments that are not published
but still have visible replies stay as anonymous placeholders so the conversation keeps
its shape; without visible replies they vanish. Depth is unlimited, so nothing here recurses.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import enum
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from threadline.domain.errors import InvalidInput
from threadline.domain.models import Author, Comment, CommentStatus


class SortOrder(enum.StrEnum):
    OLDEST = "oldest"
    NEWEST = "newest"
    TOP = "top"


SortKey = tuple[float, ...]

# Parts of each order's sort key (see sort_key); a cursor with another shape is forged.
_KEY_LENGTH = {SortOrder.OLDEST: 2, SortOrder.NEWEST: 2, SortOrder.TOP: 3}
# Issued cursors are well under 100 characters; anything much longer is not one of ours.
_MAX_CURSOR_LENGTH = 256


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)


def _epoch_us(comment: Comment) -> int:
    # Integer arithmetic: timestamp() * 1e6 maps some neighbouring microseconds to one value.
    return (comment.created_at - _EPOCH) // _ONE_US


def sort_key(comment: Comment, order: SortOrder) -> SortKey:
    """Ascending key: smaller comes first."""
    created = _epoch_us(comment)
    if order is SortOrder.OLDEST:
        return (created, comment.id)
    if order is SortOrder.NEWEST:
        return (-created, -comment.id)
    return (-comment.score, created, comment.id)


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the next page starts: just after the top-level comment with this sort key."""

    order: SortOrder
    after: SortKey

    def encode(self) -> str:
        raw = json.dumps([self.order.value, list(self.after)], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, order: SortOrder) -> Cursor:
        try:
            if len(text) > _MAX_CURSOR_LENGTH:
                raise ValueError("too long")
            padded = text + "=" * (-len(text) % 4)
            name, after = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
            cursor = cls(SortOrder(name), tuple(float(v) for v in after))
            # A key this server built has the sort's shape and finite parts only.
            if len(cursor.after) != _KEY_LENGTH[cursor.order]:
                raise ValueError("wrong key length")
            if not all(math.isfinite(v) for v in cursor.after):
                raise ValueError("not finite")
        except (ValueError, TypeError, binascii.Error, UnicodeError, RecursionError) as exc:
            raise InvalidInput(
                "The cursor is not one this server issued; start again without it.",
                code="invalid_cursor",
                field="cursor",
            ) from exc
        if cursor.order is not order:
            raise InvalidInput(
                "The cursor belongs to a different sort order; start again without it.",
                code="invalid_cursor",
                field="cursor",
            )
        return cursor


@dataclass(frozen=True, slots=True)
class Page:
    comments: list[Comment]
    next_cursor: Cursor | None


def placeholder(comment: Comment) -> Comment:
    """A removed comment kept only for its replies: no author, no text."""
    return dataclasses.replace(
        comment, status=CommentStatus.DELETED, author=Author(name=""), body="", html=""
    )


def visible_tree(comments: Iterable[Comment]) -> dict[int | None, list[Comment]]:
    """Children lists (by parent id, None for top level) of the comments a reader sees.

    Published comments are visible; any other comment is visible, as a placeholder, only
    while it has a visible descendant. Replies whose parent is unknown attach at top level.
    """
    by_id = {c.id: c for c in comments}
    children: dict[int | None, list[Comment]] = {}
    for c in by_id.values():
        parent = c.parent_id if c.parent_id in by_id else None
        children.setdefault(parent, []).append(c)

    # Every published comment is visible, and so is each ancestor above it (as a placeholder
    # when not published). Walking up stops at the first ancestor already marked, so the
    # whole pass is linear and needs no recursion, however deep the thread.
    visible: set[int] = set()
    published = CommentStatus.PUBLISHED
    for c in by_id.values():
        if c.status is not published or c.id in visible:
            continue
        visible.add(c.id)
        parent_id = c.parent_id
        while parent_id is not None and parent_id in by_id and parent_id not in visible:
            visible.add(parent_id)
            parent_id = by_id[parent_id].parent_id

    result: dict[int | None, list[Comment]] = {}
    for parent, kids in children.items():
        shown = [k for k in kids if k.id in visible]
        if shown:
            result[parent] = shown
    return result


def _preorder(
    root: Comment,
    children: dict[int | None, list[Comment]],
    key: Callable[[Comment], SortKey],
) -> Iterable[Comment]:
    stack = [root]
    while stack:
        node = stack.pop()
        kids = children.get(node.id, [])
        yield _shown(node, len(kids))
        # Reverse so the first sibling in sort order is popped first.
        stack.extend(sorted(kids, key=key, reverse=True))


def _shown(comment: Comment, reply_count: int) -> Comment:
    if comment.status is not CommentStatus.PUBLISHED:
        comment = placeholder(comment)
    if comment.reply_count == reply_count:  # most comments are leaves: skip the copy
        return comment
    return dataclasses.replace(comment, reply_count=reply_count)


def paginate(
    comments: Sequence[Comment],
    order: SortOrder,
    limit: int,
    cursor: Cursor | None = None,
) -> Page:
    """One page: `limit` top-level comments after `cursor`, each with its whole subtree."""
    if limit < 1:
        raise ValueError("limit must be positive")

    def key(c: Comment) -> SortKey:
        return sort_key(c, order)

    children = visible_tree(comments)
    roots = sorted(children.get(None, []), key=key)
    if cursor is not None:
        roots = [r for r in roots if key(r) > cursor.after]
    page_roots, rest = roots[:limit], roots[limit:]
    out: list[Comment] = []
    for root in page_roots:
        out.extend(_preorder(root, children, key))
    next_cursor = Cursor(order, key(page_roots[-1])) if rest else None
    return Page(out, next_cursor)


def ancestors_of(comment: Comment, by_id: dict[int, Comment]) -> list[Comment]:
    """The chain from the top-level comment down to (not including) `comment`."""
    chain: list[Comment] = []
    seen: set[int] = set()
    parent_id = comment.parent_id
    while parent_id is not None and parent_id in by_id and parent_id not in seen:
        seen.add(parent_id)
        parent = by_id[parent_id]
        chain.append(parent)
        parent_id = parent.parent_id
    chain.reverse()
    return chain
