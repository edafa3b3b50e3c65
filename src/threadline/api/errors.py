"""One error shape, one table from error class to HTTP status."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import msgspec
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from threadline.api.schemas import ErrorBody, ErrorOut, encoder
from threadline.domain import errors as e

log = logging.getLogger(__name__)

STATUS: dict[type[e.ThreadlineError], int] = {
    e.MalformedRequest: 400,
    e.AuthRequired: 401,
    e.Forbidden: 403,
    e.NotFound: 404,
    e.Conflict: 409,
    e.PayloadTooLarge: 413,
    e.UnsupportedMediaType: 415,
    e.InvalidInput: 422,
    e.RateLimited: 429,
    e.Unavailable: 503,
}

_HTTP_CODES = {
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This address does not accept that method."),
}


def status_for(exc: e.ThreadlineError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body = encoder.encode(ErrorOut(ErrorBody(code, message, field)))
    return Response(body, status_code=status, media_type="application/json", headers=headers)


async def on_threadline_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, e.ThreadlineError)
    headers = {}
    if isinstance(exc, e.RateLimited | e.Unavailable):
        headers["Retry-After"] = str(exc.retry_after)
    field = getattr(exc, "field", None)
    return error_response(status_for(exc), exc.code, exc.message, field, headers)


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code, message = _HTTP_CODES.get(exc.status_code, ("http_error", str(exc.detail)))
    return error_response(exc.status_code, code, message, headers=exc.headers)


def _internal_error() -> Response:
    return error_response(
        500, "internal_error", "Something went wrong on our side; the error has been logged."
    )


class UnexpectedErrors:
    """Answers an unhandled exception with the JSON 500 from inside the CORS middleware, so
    a page on an allowed origin can read it (Starlette's last-resort handler sits outside
    every middleware and would send it without CORS headers)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:
            if started:  # too late for an error response: let the server cut the connection
                raise
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            await _internal_error()(scope, receive, send)


async def on_unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _internal_error()


def validation_error(exc: msgspec.ValidationError) -> e.InvalidInput:
    """msgspec's message names the field path (`$.author.name`); keep it for the reader."""
    text = str(exc)
    code = "unknown_field" if "unknown field" in text else "invalid_input"
    return e.InvalidInput(f"The request body is not valid: {text}.", code=code)
