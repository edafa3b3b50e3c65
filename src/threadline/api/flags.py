"""POST /api/v1/comments/{id}/flags — a reader reports a comment to the moderators."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from threadline.api.mod_schemas import FlagIn
from threadline.api.request import client_info, path_id, read_json, reader_token
from threadline.api.state import api_state
from threadline.service import flags as flag_service


async def flag(request: Request) -> Response:
    api = api_state(request)
    comment_id = path_id(request)
    data = await read_json(request, FlagIn, api.settings.max_request_bytes)
    client = client_info(request, api.addresses)
    await run_in_threadpool(
        flag_service.flag_comment,
        api.ctx,
        comment_id,
        data.reason,
        data.reader,
        data.note,
        client,
        reader_token(request),
    )
    # The same answer whether this reader had flagged it before: flags are not a counter.
    return Response(status_code=204)
