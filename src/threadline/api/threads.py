"""GET /api/v1/threads — a thread page, served from the page cache with ETag/304 and gzip."""

from __future__ import annotations

from collections.abc import Collection, Hashable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from threadline.api.negotiation import accepts_gzip, not_modified
from threadline.api.page_cache import Loaded, ThreadId, compress
from threadline.api.renderings import RenderingCache
from threadline.api.request import query_int, query_required
from threadline.api.schemas import encoder
from threadline.api.serialize import comment_out, thread_out
from threadline.api.state import ApiState, api_state
from threadline.domain.errors import MalformedRequest
from threadline.domain.tree import SortOrder
from threadline.service import threads as thread_service
from threadline.service.threads import KEY_ID, RenderingKey, ThreadOutline


def _etag(thread_id: int | None, version: int, page_size: int) -> str:
    # The version last: the widget and the live-update docs read it from there.
    return f'W/"{thread_id or 0}-{page_size}-{version}"'


class RenderingLookup:
    """Answers the outline's "which of these renderings do you hold?" from the cache, and
    keeps what it found so the page is assembled from exactly those bytes."""

    def __init__(self, renderings: RenderingCache) -> None:
        self.renderings = renderings
        self.found: dict[Hashable, bytes] = {}

    def __call__(self, keys: list[RenderingKey]) -> Collection[Hashable]:
        self.found = self.renderings.get_many(keys)
        return self.found.keys()


def page_body(outline: ThreadOutline, lookup: RenderingLookup) -> bytes:
    """The page's JSON from the comments' renderings, encoding (and caching) the missing."""
    parts: list[bytes] = []
    made: list[tuple[Hashable, bytes]] = []
    found = lookup.found
    for key in outline.entries:
        rendering = found.get(key)
        if rendering is None:
            comment = outline.missing.get(key[KEY_ID])
            if comment is None:  # removed between the two reads; its thread's version moved
                continue
            rendering = encoder.encode(comment_out(comment))
            made.append((key, rendering))
        parts.append(rendering)
    lookup.renderings.put_many(made)
    # The same bytes as encoding ThreadPageOut whole (tests/api/test_thread_renderings.py).
    return b"".join(
        (
            b'{"thread":',
            encoder.encode(thread_out(outline.site, outline.key, outline.thread)),
            b',"comments":[',
            b",".join(parts),
            b'],"next_cursor":',
            encoder.encode(outline.next_cursor),
            b"}",
        )
    )


def _build(
    api: ApiState, site: str, key: str, order: SortOrder, limit: int | None, cursor: str | None
) -> Loaded:
    ref = thread_service.resolve(api.ctx, site, key)
    page_size = min(limit or ref.site.settings.page_size, api.settings.max_page_size)
    lookup = RenderingLookup(api.renderings)
    outline = thread_service.read_outline(api.ctx, ref, order, page_size, cursor, lookup)
    body = page_body(outline, lookup)
    version = outline.thread.version if outline.thread else 0
    thread_id = outline.thread.id if outline.thread else None
    return Loaded(
        (ref.site.slug, ref.key),
        (version, ref.site.settings.page_size),
        _etag(thread_id, version, page_size),
        body,
        compress(body),
    )


def _version(api: ApiState, thread: ThreadId) -> tuple[int, int]:
    """What a cached page was built from: the thread's version and the site's page size (a
    newsroom changing it must not leave readers on pages of the old size)."""
    ref = thread_service.resolve(api.ctx, *thread)
    return thread_service.thread_version(api.ctx, ref), ref.site.settings.page_size


async def get_thread(request: Request) -> Response:
    api = api_state(request)
    site = query_required(request, "site")
    key = query_required(request, "key")
    try:
        order = SortOrder(request.query_params.get("sort") or "oldest")
    except ValueError:
        raise MalformedRequest("The 'sort' parameter must be oldest, newest or top.") from None
    limit = (
        query_int(request, "limit", 0, 1, api.settings.max_page_size)
        if request.query_params.get("limit")
        else None
    )
    cursor = request.query_params.get("cursor") or None

    async def load() -> Loaded:
        return await run_in_threadpool(_build, api, site, key, order, limit, cursor)

    async def current_version(thread: ThreadId) -> tuple[int, int]:
        return await run_in_threadpool(_version, api, thread)

    page = await api.pages.get((site, key, order, limit, cursor), load, current_version)
    headers = {"ETag": page.etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    if not_modified(request.headers.get("if-none-match"), page.etag):
        return Response(status_code=304, headers=headers)
    if page.gzipped is not None and accepts_gzip(request.headers.get("accept-encoding")):
        headers["Content-Encoding"] = "gzip"
        return Response(page.gzipped, media_type="application/json", headers=headers)
    return Response(page.body, media_type="application/json", headers=headers)
