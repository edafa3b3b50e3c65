"""CORS: browsers on a site's allowed origins may call the API; nobody else gets the headers.

Which site a request is for is only known after parsing it, so the headers are granted for
any origin some site allows; per-site write checks then happen in auth/permissions.py.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from threadline.api.errors import error_response

log = logging.getLogger(__name__)

ALLOWED_METHODS = "GET, POST, PATCH, DELETE, OPTIONS"
# Threadline-Reader: a reader signed in with the publisher's account (docs/sign-in.md).
ALLOWED_HEADERS = "Content-Type, Authorization, If-None-Match, Last-Event-ID, Threadline-Reader"


class OriginRegistry:
    """The union of every site's allowed origins, refreshed at most every `ttl` seconds."""

    def __init__(self, load: Callable[[], Awaitable[set[str]]], ttl: float = 10.0) -> None:
        self._load = load
        self._ttl = ttl
        self._origins: set[str] = set()
        self._loaded_at = -1e9

    def forget(self) -> None:
        self._loaded_at = -1e9

    async def allows(self, origin: str) -> bool:
        if time.monotonic() - self._loaded_at > self._ttl:
            try:
                self._origins = await self._load()
                self._loaded_at = time.monotonic()
            except Exception:
                # The database is away: keep the origins known last (the request itself
                # will fail with its own error, which the page should be able to read).
                log.warning("could not reload the sites' origins", exc_info=True)
        return origin in self._origins


class CORSMiddleware:
    def __init__(self, app: ASGIApp, registry: OriginRegistry) -> None:
        self.app = app
        self.registry = registry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        host = headers.get("host")
        same_origin = (
            origin is not None and host is not None and origin == f"{scope['scheme']}://{host}"
        )
        allowed = origin is not None and (same_origin or await self.registry.allows(origin))
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            if not allowed:
                response = error_response(
                    403, "origin_not_allowed", f"Pages on {origin} may not call this API."
                )
            else:
                response = Response(
                    status_code=204,
                    headers={
                        "Access-Control-Allow-Origin": origin or "",
                        "Access-Control-Allow-Methods": ALLOWED_METHODS,
                        "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                        "Access-Control-Max-Age": "600",
                        "Vary": "Origin",
                    },
                )
            await response(scope, receive, send)
            return
        if not allowed:
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                out["Access-Control-Allow-Origin"] = origin or ""
                out["Access-Control-Expose-Headers"] = "ETag, Retry-After"
                out.add_vary_header("Origin")
            await send(message)

        await self.app(scope, receive, send_with_cors)
