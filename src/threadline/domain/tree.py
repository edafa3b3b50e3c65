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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

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


class TreeNode(Protocol):
    """What ordering and visibility need of a comment: its place, state and sort fields."""

    @property
    def id(self) -> int: ...
    @property
    def parent_id(self) -> int | None: ...
    @property
    def status(self) -> CommentStatus: ...
    @property
    def score(self) -> int: ...
    @property
    def created_us(self) -> int: ...


N = TypeVar("N", bound=TreeNode)


@dataclass(frozen=True, slots=True)
class CommentShape:
    """A comment without its text: enough to place it on a page, and to tell whether a
    rendering of it made earlier is still current (`changed_version` moves with every
    change of what readers see of it; votes and replies are carried here directly)."""

    id: int
    parent_id: int | None
    status: CommentStatus
    created_us: int
    upvotes: int
    downvotes: int
    changed_version: int

    @property
    def score(self) -> int:
        return self.upvotes - self.downvotes


def node_sort_key(node: TreeNode, order: SortOrder) -> SortKey:
    """Ascending key: smaller comes first."""
    created = node.created_us
    if order is SortOrder.OLDEST:
        return (created, node.id)
    if order is SortOrder.NEWEST:
        return (-created, -node.id)
    return (-node.score, created, node.id)


def sort_key(comment: Comment, order: SortOrder) -> SortKey:
    return node_sort_key(comment, order)


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


def visible_tree(comments: Iterable[N]) -> dict[int | None, list[N]]:
    """Children lists (by parent id, None for top level) of the comments a reader sees.

    Published comments are visible; any other comment is visible, as a placeholder, only
    while it has a visible descendant. Replies whose parent is unknown attach at top level.
    """
    by_id = {c.id: c for c in comments}
    children: dict[int | None, list[N]] = {}
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

    result: dict[int | None, list[N]] = {}
    for parent, kids in children.items():
        shown = [k for k in kids if k.id in visible]
        if shown:
            result[parent] = shown
    return result


@dataclass(frozen=True, slots=True)
class NodePage(Generic[N]):
    """One page as (node, number of visible replies) in display order."""

    entries: list[tuple[N, int]]
    next_cursor: Cursor | None


def paginate_nodes(
    nodes: Sequence[N],
    order: SortOrder,
    limit: int,
    cursor: Cursor | None = None,
) -> NodePage[N]:
    """`limit` visible top-level nodes after `cursor`, each followed by its whole visible
    subtree in pre-order, siblings sorted by `order` at every depth."""
    if limit < 1:
        raise ValueError("limit must be positive")

    def key(node: TreeNode) -> SortKey:
        return node_sort_key(node, order)

    children = visible_tree(nodes)
    roots = sorted(children.get(None, []), key=key)
    if cursor is not None:
        roots = [r for r in roots if key(r) > cursor.after]
    page_roots, rest = roots[:limit], roots[limit:]
    entries: list[tuple[N, int]] = []
    for root in page_roots:
        stack = [root]
        while stack:
            node = stack.pop()
            kids = children.get(node.id, [])
            entries.append((node, len(kids)))
            # Reverse so the first sibling in sort order is popped first.
            stack.extend(sorted(kids, key=key, reverse=True))
    next_cursor = Cursor(order, key(page_roots[-1])) if rest else None
    return NodePage(entries, next_cursor)


def shown(comment: Comment, reply_count: int) -> Comment:
    """The comment as a page shows it: a placeholder unless published, with its count of
    visible replies."""
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
    page = paginate_nodes(comments, order, limit, cursor)
    return Page([shown(c, count) for c, count in page.entries], page.next_cursor)


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
