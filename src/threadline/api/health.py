"""GET /healthz — alive, and the database answers."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from threadline.api.errors import error_response
from threadline.api.schemas import HealthOut
from threadline.api.state import api_state, json_response
from threadline.service.health import database_ok


async def healthz(request: Request) -> Response:
    api = api_state(request)
    if await run_in_threadpool(database_ok, api.ctx):
        return json_response(HealthOut("ok", "ok"))
    return error_response(503, "database_unavailable", "The database is not answering.")
