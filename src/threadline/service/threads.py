"""Reading discussions: thread pages, versions for caching, counts for article lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from threadline.domain.errors import InvalidInput
from threadline.domain.models import Comment, Site, Thread
from threadline.domain.tree import Cursor, SortOrder, paginate
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
