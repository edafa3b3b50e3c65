"""POST /api/v1/counts — published comment counts for a list of articles, in one request."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from threadline.api.request import read_json
from threadline.api.schemas import CountsIn, CountsOut
from threadline.api.state import api_state, json_response
from threadline.service import threads as thread_service


async def counts(request: Request) -> Response:
    api = api_state(request)
    data = await read_json(request, CountsIn, api.settings.max_request_bytes)
    found = await run_in_threadpool(thread_service.comment_counts, api.ctx, data.site, data.keys)
    return json_response(CountsOut(found))
