"""Reading discussions: thread pages, versions for caching, counts for article lists."""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Sequence
from dataclasses import dataclass

from threadline.domain.errors import InvalidInput
from threadline.domain.models import Comment, CommentStatus, Site, Thread
from threadline.domain.tree import CommentShape, Cursor, SortOrder, paginate, paginate_nodes, shown
from threadline.service.comments import clean_thread_key
from threadline.service.context import ServiceContext
from threadline.service.sites import get_site

MAX_COUNT_KEYS = 500


@dataclass(frozen=True, slots=True)
class ThreadRef:
    site: Site
    key: str


@dataclass(frozen=True, slots=True)
class ThreadPageResult:
    site: Site
    key: str
    thread: Thread | None
    comments: list[Comment]
    next_cursor: str | None


def resolve(ctx: ServiceContext, site_slug: str, raw_key: str) -> ThreadRef:
    site = get_site(ctx, site_slug)
    return ThreadRef(site, clean_thread_key(raw_key, site))


def thread_version(ctx: ServiceContext, ref: ThreadRef) -> int:
    """The thread's change counter (0 before its first comment): the cache validator."""
    with ctx.store.reading() as db:
        return db.thread_version(ref.site.id, ref.key) or 0


def read_page(
    ctx: ServiceContext, ref: ThreadRef, order: SortOrder, limit: int, cursor: str | None
) -> ThreadPageResult:
    after = Cursor.decode(cursor, order) if cursor else None
    with ctx.store.reading() as db:
        thread = db.get_thread(ref.site.id, ref.key)
        comments = db.thread_display_comments(thread.id) if thread else []
    page = paginate(comments, order, limit, after)
    return ThreadPageResult(
        ref.site,
        ref.key,
        thread,
        page.comments,
        page.next_cursor.encode() if page.next_cursor else None,
    )


# Everything that can change a comment's rendering on a page: its id and version (text,
# author, status, featuring…), votes, whether it shows as a placeholder, its visible replies.
# (id, changed_version, upvotes, downvotes, published, reply_count): everything a comment's
# cached rendering depends on. A plain tuple (a page builds a thousand of them per cold read);
# the positions callers read are named below.
RenderingKey = tuple[int, int, int, int, bool, int]
KEY_ID = 0
KEY_REPLY_COUNT = 5


def rendering_key(shape: CommentShape, reply_count: int) -> RenderingKey:
    published = shape.status is CommentStatus.PUBLISHED
    return (shape.id, shape.changed_version, shape.upvotes, shape.downvotes, published, reply_count)


@dataclass(frozen=True, slots=True)
class ThreadOutline:
    """A page as the rendering keys of its comments in order, plus the comments (as shown)
    whose rendering the caller did not already have."""

    site: Site
    key: str
    thread: Thread | None
    entries: list[RenderingKey]
    missing: dict[int, Comment]
    next_cursor: str | None


def read_outline(
    ctx: ServiceContext,
    ref: ThreadRef,
    order: SortOrder,
    limit: int,
    cursor: str | None,
    renderings_held: Callable[[list[RenderingKey]], Collection[Hashable]],
) -> ThreadOutline:
    """One page from the thread's narrow shape query, and the text of only those comments
    whose rendering `renderings_held` (asked once, with every key) does not hold."""
    after = Cursor.decode(cursor, order) if cursor else None
    with ctx.store.reading() as db:
        thread = db.get_thread(ref.site.id, ref.key)
        shapes = db.thread_comment_shapes(thread.id) if thread else []
        page = paginate_nodes(shapes, order, limit, after)
        entries = [rendering_key(shape, count) for shape, count in page.entries]
        held = renderings_held(entries)
        wanted = {key[KEY_ID]: key[KEY_REPLY_COUNT] for key in entries if key not in held}
        loaded = db.display_comments(list(wanted)) if wanted else []
    return ThreadOutline(
        ref.site,
        ref.key,
        thread,
        entries,
        {c.id: shown(c, wanted[c.id]) for c in loaded},
        page.next_cursor.encode() if page.next_cursor else None,
    )


def comment_counts(ctx: ServiceContext, site_slug: str, keys: Sequence[str]) -> dict[str, int]:
    """Published comments per requested key, answered under the key as the caller sent it."""
    if len(keys) > MAX_COUNT_KEYS:
        raise InvalidInput(
            f"Ask for at most {MAX_COUNT_KEYS} keys at a time.", code="too_many_keys", field="keys"
        )
    site = get_site(ctx, site_slug)
    normalized = {raw: clean_thread_key(raw, site) for raw in keys}
    with ctx.store.reading() as db:
        counts = db.comment_counts(site.id, normalized.values())
    return {raw: counts.get(key, 0) for raw, key in normalized.items()}
