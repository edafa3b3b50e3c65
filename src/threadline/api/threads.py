"""GET /api/v1/threads — a thread page, served from the page cache with ETag/304 and gzip."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from threadline.api.page_cache import Loaded, ThreadId, compress
from threadline.api.request import query_int, query_required
from threadline.api.schemas import ThreadPageOut, encoder
from threadline.api.serialize import comment_out, thread_out
from threadline.api.state import ApiState, api_state
from threadline.domain.errors import MalformedRequest
from threadline.domain.tree import SortOrder
from threadline.service import threads as thread_service


def _etag(thread_id: int | None, version: int) -> str:
    return f'W/"{thread_id or 0}-{version}"'


def _build(
    api: ApiState, site: str, key: str, order: SortOrder, limit: int | None, cursor: str | None
) -> Loaded:
    ref = thread_service.resolve(api.ctx, site, key)
    page_size = min(limit or ref.site.settings.page_size, api.settings.max_page_size)
    page = thread_service.read_page(api.ctx, ref, order, page_size, cursor)
    body = encoder.encode(
        ThreadPageOut(
            thread=thread_out(page.site, page.key, page.thread),
            comments=[comment_out(c) for c in page.comments],
            next_cursor=page.next_cursor,
        )
    )
    version = page.thread.version if page.thread else 0
    thread_id = page.thread.id if page.thread else None
    return Loaded(
        (ref.site.slug, ref.key), version, _etag(thread_id, version), body, compress(body)
    )


def _version(api: ApiState, thread: ThreadId) -> int:
    ref = thread_service.resolve(api.ctx, *thread)
    return thread_service.thread_version(api.ctx, ref)


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

    async def current_version(thread: ThreadId) -> int:
        return await run_in_threadpool(_version, api, thread)

    page = await api.pages.get((site, key, order, limit, cursor), load, current_version)
    headers = {"ETag": page.etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    if_none_match = request.headers.get("if-none-match")
    if if_none_match and page.etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    if page.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(page.gzipped, media_type="application/json", headers=headers)
    return Response(page.body, media_type="application/json", headers=headers)
