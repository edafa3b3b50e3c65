"""What handlers reach through `request.app.state`: assembled once by create_app()."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from threadline.api.cors import OriginRegistry
from threadline.api.page_cache import PageCache
from threadline.api.renderings import RenderingCache
from threadline.api.schemas import encoder
from threadline.auth.client_ip import ClientAddressResolver
from threadline.auth.ratelimit import ConcurrencyLimit
from threadline.config import Settings
from threadline.live.hub import Hub
from threadline.service.context import ServiceContext


@dataclass
class ApiState:
    settings: Settings
    ctx: ServiceContext
    pages: PageCache
    addresses: ClientAddressResolver
    origins: OriginRegistry
    live: Hub | None = None  # live updates (SSE); None when not wired
    renderings: RenderingCache = field(default_factory=lambda: RenderingCache(0))
    streams: ConcurrencyLimit = field(default_factory=lambda: ConcurrencyLimit(0))


def api_state(request: Request) -> ApiState:
    state: ApiState = request.app.state.threadline
    return state


def json_response(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        encoder.encode(payload), status_code=status, media_type="application/json", headers=headers
    )
