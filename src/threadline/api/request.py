"""Reading requests: JSON bodies within limits, typed query parameters, the client's identity."""

from __future__ import annotations

import json
from typing import TypeVar

import msgspec
from starlette.requests import Request

from threadline.api.errors import validation_error
from threadline.auth.client_ip import ClientAddressResolver
from threadline.domain.errors import (
    InvalidInput,
    MalformedRequest,
    NotFound,
    PayloadTooLarge,
    ThreadlineError,
    UnsupportedMediaType,
)
from threadline.service.context import ClientInfo

S = TypeVar("S")


async def read_json(request: Request, into: type[S], max_bytes: int) -> S:
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise UnsupportedMediaType(
            "Send the request body as JSON (Content-Type: application/json)."
        )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"The request body is larger than {max_bytes:,} bytes.")
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"The request body is larger than {max_bytes:,} bytes.")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw:
        raise MalformedRequest("The request body is empty; send a JSON object.")
    try:
        return msgspec.json.decode(raw, type=into)
    except msgspec.ValidationError as exc:
        raise validation_error(exc) from exc
    except msgspec.DecodeError as exc:
        raise _decode_error(raw, exc) from exc


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _decode_error(raw: bytes, exc: msgspec.DecodeError) -> ThreadlineError:
    """Text that is not Unicode is invalid input (422), not malformed JSON (400).

    msgspec refuses both bytes that are not UTF-8 and unpaired surrogate escapes (a JSON
    string "\\ud800"), the latter with misleading messages ("Input data was truncated"); the
    standard library accepts lone surrogates, so JSON it parses was refused for them.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return InvalidInput("The request body is not valid UTF-8 text.", code="invalid_unicode")
    try:
        json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return MalformedRequest(f"The request body is not valid JSON: {exc}.")
    return InvalidInput(
        "The request body contains invalid Unicode (an unpaired surrogate escape).",
        code="invalid_unicode",
    )


def query_int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise MalformedRequest(f"The '{name}' parameter must be a whole number.") from None
    if not low <= value <= high:
        raise MalformedRequest(f"The '{name}' parameter must be between {low} and {high}.")
    return value


def query_required(request: Request, name: str) -> str:
    value = request.query_params.get(name)
    if not value:
        raise MalformedRequest(f"The '{name}' query parameter is required.")
    return value


def path_id(request: Request) -> int:
    """Path ids beyond any stored id are simply not found (and never overflow the driver)."""
    value: int = request.path_params["id"]
    if not 1 <= value <= 2**53:
        raise NotFound(f"There is no comment {value}.", code="comment_not_found")
    return value


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def reader_token(request: Request) -> str | None:
    """The `Threadline-Reader` token of a reader signed in with the publisher's account
    (docs/sign-in.md); None when absent or empty. Verified by the use case."""
    token = request.headers.get("threadline-reader", "").strip()
    return token or None


def client_info(request: Request, resolver: ClientAddressResolver) -> ClientInfo:
    peer = request.client.host if request.client else None
    ip = resolver.resolve(peer, request.headers.get("x-forwarded-for"))
    scheme = request.url.scheme
    host = request.headers.get("host", "")
    return ClientInfo(
        ip=ip,
        user_agent=(request.headers.get("user-agent") or "")[:512] or None,
        origin=request.headers.get("origin"),
        own_origin=f"{scheme}://{host}" if host else None,
    )
