"""Helpers for the API tests: the error shape, and checking responses against the OpenAPI
document the app itself serves."""

from __future__ import annotations

import copy
import re
from functools import cache
from typing import Any

import httpx2 as httpx
import jsonschema
import msgspec
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from starlette.testclient import TestClient

from threadline.api.openapi import build_document
from threadline.api.routes import ENDPOINTS

THREADS = "/api/v1/threads"
COMMENTS = "/api/v1/comments"
COUNTS = "/api/v1/counts"
ALLOWED_ORIGIN = "https://news.example"
_DOC_URI = "urn:threadline:openapi"


def comment_url(comment_id: int | str, suffix: str = "") -> str:
    return f"{COMMENTS}/{comment_id}{suffix}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def thread_page(client: TestClient, key: str = "article-1", **params: object) -> httpx.Response:
    response = client.get(THREADS, params={"site": "demo", "key": key, **params})
    return response


def page_json(client: TestClient, key: str = "article-1", **params: object) -> dict[str, Any]:
    response = thread_page(client, key, **params)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def is_sentence(text: str) -> bool:
    """A message for people: capitalised, several words, ends like a sentence."""
    return bool(re.fullmatch(r"[A-Z].*[.?!]", text, re.DOTALL)) and len(text.split()) >= 3


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The one error shape: {"error": {"code", "message"[, "field"]}}, JSON, stable code."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert list(body) == ["error"], body
    error: dict[str, Any] = body["error"]
    assert {"code", "message"} <= set(error) <= {"code", "message", "field"}, error
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and is_sentence(error["message"]), error
    validate_schema("ErrorOut", body)
    return error


# -- the OpenAPI document ---------------------------------------------------------------------


@cache
def openapi_document() -> dict[str, Any]:
    """The document as served (built from the route table), decoded from its JSON bytes."""
    doc: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(build_document(ENDPOINTS)))
    return doc


def _closed(schema: Any) -> Any:
    """A copy where every object schema refuses undocumented properties, so validation also
    proves that nothing the API returns is missing from the document."""
    if isinstance(schema, dict):
        out = {k: _closed(v) for k, v in schema.items()}
        if out.get("type") == "object" and "properties" in out:
            out.setdefault("additionalProperties", False)
        return out
    if isinstance(schema, list):
        return [_closed(v) for v in schema]
    return schema


@cache
def _registry() -> Registry[Any]:
    doc = copy.deepcopy(openapi_document())
    doc["components"] = _closed(doc["components"])
    return Registry().with_resource(_DOC_URI, Resource.from_contents(doc, DRAFT202012))


def _validate(schema: dict[str, Any], instance: Any) -> None:
    ref = schema.get("$ref")
    target = {"$ref": f"{_DOC_URI}{ref}"} if ref else schema
    jsonschema.Draft202012Validator(target, registry=_registry()).validate(instance)


def validate_schema(name: str, instance: Any) -> None:
    _validate({"$ref": f"#/components/schemas/{name}"}, instance)


def operation(method: str, path: str) -> dict[str, Any]:
    paths = openapi_document()["paths"]
    assert path in paths, f"{path} is not documented"
    assert method.lower() in paths[path], f"{method} {path} is not documented"
    op: dict[str, Any] = paths[path][method.lower()]
    return op


def assert_documented(method: str, path: str, response: httpx.Response) -> None:
    """The response's status is documented for the operation, with its media type, and the
    body validates against the documented schema."""
    responses = operation(method, path)["responses"]
    status = str(response.status_code)
    assert status in responses, f"{method} {path} answered {status}, not documented"
    content = responses[status].get("content")
    if content is None:
        assert response.content == b"", response.content
        return
    media_type = response.headers["content-type"].split(";")[0].strip()
    assert media_type in content, (media_type, list(content))
    if media_type == "application/json":
        _validate(content[media_type]["schema"], response.json())
