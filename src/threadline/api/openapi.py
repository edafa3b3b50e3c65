"""The OpenAPI 3.1 document, generated from the route table and the msgspec schemas."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from threadline import __version__
from threadline.api.schemas import ErrorOut

if TYPE_CHECKING:
    from threadline.api.routes import Endpoint

_REF = "#/components/schemas/{name}"
_STATUS_TEXT = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    304: "Not Modified",
    400: "Malformed request",
    401: "Not signed in: the edit token is missing, the reader's sign-in token could not be "
    "verified or has expired, or the site requires sign-in",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    413: "Request body too large",
    415: "Body is not JSON",
    422: "Invalid input",
    429: "Rate limited (see Retry-After)",
    503: "Database unavailable",
}


def _ref(t: type) -> dict[str, str]:
    return {"$ref": _REF.format(name=t.__name__)}


_PATH_PARAMETER = re.compile(r"\{(\w+)\}")
_PATH_SCHEMAS: dict[str, dict[str, Any]] = {"id": {"type": "integer", "minimum": 1}}


def build_document(endpoints: Sequence[Endpoint]) -> dict[str, Any]:
    types: set[type] = {ErrorOut}
    for e in endpoints:
        types.update(t for t in (e.response, e.body) if t is not None)
    _, components = msgspec.json.schema_components(
        sorted(types, key=lambda t: t.__name__), ref_template=_REF
    )
    paths: dict[str, dict[str, Any]] = {}
    for e in endpoints:
        op: dict[str, Any] = {"summary": e.summary, "tags": [e.group], "responses": {}}
        params = [
            {
                "name": n,
                "in": "query",
                "required": req,
                "description": d,
                "schema": {"type": "string"},
            }
            for n, req, d in e.query
        ]
        for name in _PATH_PARAMETER.findall(e.path):
            params.append(
                {
                    "name": name,
                    "in": "path",
                    "required": True,
                    "schema": _PATH_SCHEMAS.get(name, {"type": "string", "minLength": 1}),
                }
            )
        params += [
            {
                "name": n,
                "in": "header",
                "required": req,
                "description": d,
                "schema": {"type": "string"},
            }
            for n, req, d in e.headers
        ]
        if params:
            op["parameters"] = params
        if e.extra.get("description"):
            op["description"] = e.extra["description"]
        if e.body is not None:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _ref(e.body)}},
            }
        if e.auth:
            op["security"] = [{e.auth: []}]
        ok: dict[str, Any] = {"description": _STATUS_TEXT[e.status]}
        if e.response is not None:
            ok["content"] = {e.media_type: {"schema": _ref(e.response)}}
        elif e.media_type != "application/json":
            ok["content"] = {e.media_type: {"schema": {"type": "string"}}}
        op["responses"][str(e.status)] = ok
        if e.path == "/api/v1/threads":
            op["responses"]["304"] = {"description": "Not Modified (If-None-Match matched)"}
        for status in sorted(set(e.errors)):
            op["responses"][str(status)] = {
                "description": _STATUS_TEXT[status],
                "content": {"application/json": {"schema": _ref(ErrorOut)}},
            }
        op["responses"]["500"] = {
            "description": "Internal error (no details disclosed)",
            "content": {"application/json": {"schema": _ref(ErrorOut)}},
        }
        paths.setdefault(e.path, {})[e.method.lower()] = op
    paths["/api/v1/openapi.json"] = {
        "get": {
            "summary": "This document",
            "tags": ["public"],
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": {}}}}
            },
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Threadline API", "version": __version__},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "edit_token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The edit_token returned once when the comment was posted",
                },
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "threadline_session",
                    "description": "Set by POST /api/v1/mod/session; state-changing requests "
                    "also send the session's csrf_token as X-CSRF-Token",
                },
            },
        },
    }


def serve(endpoints: Sequence[Endpoint]) -> Callable[[Request], Awaitable[Response]]:
    body = msgspec.json.encode(build_document(endpoints))

    async def openapi_json(request: Request) -> Response:
        return Response(body, media_type="application/json")

    return openapi_json
