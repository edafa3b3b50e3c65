"""GET /api/v1/openapi.json is accurate: the app's routes and the document's operations are
the same set, and real responses (and the requests that produced them) validate against the
documented schemas."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from tests.api.support import (
    COMMENTS,
    COUNTS,
    THREADS,
    assert_documented,
    bearer,
    comment_url,
    openapi_document,
    operation,
    validate_schema,
)
from tests.conftest import app_clock, post

# Routes for browsers rather than API clients (the widget's files, the demo newspaper); the
# document describes the API. A new route must be documented or, deliberately, listed here.
BROWSER_PAGES = {
    ("GET", "/"),
    ("GET", "/demo/{key}"),
    ("GET", "/embed.js"),
    ("GET", "/static/{path}"),
    # the moderation dashboard (admin/views.py), server-rendered pages and their forms
    ("GET", "/admin"),
    ("GET", "/admin/login"),
    ("POST", "/admin/login"),
    ("POST", "/admin/logout"),
    ("POST", "/admin/logout-everywhere"),
    ("GET", "/admin/queue/{queue}"),
    ("POST", "/admin/act"),
    ("GET", "/admin/audit"),
    ("GET", "/admin/assets/{name}"),
    # readers' data rights: the page a mailed link opens, the admins' page (admin/privacy.py)
    ("GET", "/privacy"),
    ("POST", "/privacy"),
    # the page a reply notification's unsubscribe link opens (api/notifications.py)
    ("GET", "/notifications/unsubscribe"),
    ("POST", "/notifications/unsubscribe"),
    ("GET", "/admin/privacy"),
    ("POST", "/admin/privacy/export"),
    ("POST", "/admin/privacy/erase"),
    # a site's rules and a thread's tools (admin/settings.py)
    ("GET", "/admin/sites"),
    ("GET", "/admin/sites/{slug}/settings"),
    ("POST", "/admin/sites/{slug}/settings"),
    ("POST", "/admin/sites/{slug}/words"),
    ("GET", "/admin/sites/{slug}/bans"),
    ("POST", "/admin/bans/{id}/lift"),
    ("GET", "/admin/thread"),
    ("GET", "/admin/threads/{id}"),
    ("POST", "/admin/threads/{id}"),
    # a site's webhooks and their deliveries (admin/webhooks.py)
    ("GET", "/admin/sites/{slug}/webhooks"),
    ("POST", "/admin/sites/{slug}/webhooks"),
    ("POST", "/admin/webhooks/{id}"),
    ("GET", "/admin/webhooks/{id}/deliveries"),
    ("POST", "/admin/deliveries/{id}/retry"),
    # a moderator's own desk alerts (admin/alerts.py)
    ("GET", "/admin/alerts"),
    ("POST", "/admin/alerts"),
}


def _routed_operations(client: TestClient) -> set[tuple[str, str]]:
    found = set()
    for route in client.app.routes:  # type: ignore[attr-defined]
        assert isinstance(route, Route), route
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)  # {id:int} -> {id}
        for method in route.methods or ():
            if method != "HEAD":  # Starlette answers HEAD wherever it answers GET
                found.add((method, path))
    return found


def _documented_operations() -> set[tuple[str, str]]:
    paths = openapi_document()["paths"]
    return {(method.upper(), path) for path, ops in paths.items() for method in ops}


def test_the_served_document_is_openapi_3_1_built_from_the_route_table(
    client: TestClient,
) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    served = response.json()
    assert served == openapi_document()
    assert served["openapi"] == "3.1.0"
    assert served["info"]["title"] == "Threadline API"


def test_every_route_is_documented_and_every_documented_operation_is_routed(
    client: TestClient,
) -> None:
    routed = _routed_operations(client) - BROWSER_PAGES
    documented = _documented_operations()
    assert routed - documented == set(), "routes missing from the document"
    assert documented - routed == set(), "documented operations the app does not route"
    assert all(path.startswith("/api/v1/") or path == "/healthz" for _, path in routed)
    assert len(routed) >= 9


def test_browser_pages_are_routed_but_are_not_api_operations(client: TestClient) -> None:
    assert _routed_operations(client) >= BROWSER_PAGES
    assert BROWSER_PAGES & _documented_operations() == set()


def test_every_documented_operation_answers_rather_than_404_or_405(client: TestClient) -> None:
    for method, path in sorted(_documented_operations()):
        response = client.request(method, path.replace("{id}", "1"))
        assert response.status_code != 405, (method, path)
        if response.status_code == 404:  # a resource not found, never "no such route"
            assert response.json()["error"]["code"] != "not_found", (method, path)


def test_every_ref_in_the_document_resolves_and_error_responses_share_one_schema() -> None:
    doc = openapi_document()
    schemas = doc["components"]["schemas"]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref is not None:
                prefix = "#/components/schemas/"
                assert ref.startswith(prefix) and ref[len(prefix) :] in schemas, ref
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            for status, answer in op["responses"].items():
                if int(status) >= 400:
                    schema = answer["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path)


def test_path_parameters_and_edit_token_security_are_documented() -> None:
    for method in ("get", "patch", "delete"):
        op = operation(method, "/api/v1/comments/{id}")
        assert {"name": "id", "in": "path", "required": True}.items() <= op["parameters"][0].items()
    assert operation("patch", "/api/v1/comments/{id}")["security"] == [{"edit_token": []}]
    assert operation("delete", "/api/v1/comments/{id}")["security"] == [{"edit_token": []}]
    assert "security" not in operation("post", COMMENTS)
    params = {p["name"]: p["required"] for p in operation("get", THREADS)["parameters"]}
    assert params == {"site": True, "key": True, "sort": False, "limit": False, "cursor": False}


def test_every_path_parameter_is_declared() -> None:
    """Each {name} in a path is a required path parameter of each of its operations."""
    for path, methods in openapi_document()["paths"].items():
        named = set(re.findall(r"\{(\w+)\}", path))
        for method, op in methods.items():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == named, (method, path)
            assert all(p["required"] for p in op.get("parameters", []) if p["in"] == "path")
    export = operation("get", "/api/v1/mod/sites/{site}/export")
    assert [p["schema"]["type"] for p in export["parameters"] if p["in"] == "path"] == ["string"]


def _request_schema(method: str, path: str) -> dict[str, Any]:
    body: dict[str, Any] = operation(method, path)["requestBody"]["content"]["application/json"]
    return body


def test_request_schemas_accept_what_the_api_accepts_and_refuse_unknown_fields() -> None:
    good = {
        "site": "demo",
        "thread": "a",
        "body": "Hi",
        "author": {"name": "N", "email": "n@example.com", "website": "https://n.example"},
        "parent_id": 3,
        "title": "T",
        "url": "https://news.example/a",
        "honeypot": "",
    }
    validate_schema("PostCommentIn", good)
    with pytest.raises(jsonschema.ValidationError):
        validate_schema("PostCommentIn", good | {"admin": True})
    with pytest.raises(jsonschema.ValidationError):
        validate_schema("VoteIn", {"value": 2, "voter": "v" * 20})
    assert _request_schema("post", COMMENTS)["schema"]["$ref"].endswith("/PostCommentIn")
    assert _request_schema("patch", "/api/v1/comments/{id}")["schema"]["$ref"].endswith(
        "/EditCommentIn"
    )
    assert _request_schema("post", "/api/v1/comments/{id}/vote")["schema"]["$ref"].endswith(
        "/VoteIn"
    )
    assert _request_schema("post", COUNTS)["schema"]["$ref"].endswith("/CountsIn")


def test_real_responses_of_every_operation_validate_against_the_document(
    client: TestClient,
) -> None:
    app_clock(client)
    payload = {
        "site": "demo",
        "thread": "https://news.example/story",
        "body": "A *documented* comment with a [link](https://example.org)",
        "author": {"name": "Ada", "email": "ada@example.com", "website": "https://ada.example"},
        "title": "The story",
        "url": "https://news.example/story",
    }
    validate_schema("PostCommentIn", payload)
    created = client.post(COMMENTS, json=payload)
    assert created.status_code == 201
    assert_documented("POST", COMMENTS, created)
    root = created.json()
    reply = post(
        client, "Reply", thread="https://news.example/story", parent_id=root["comment"]["id"]
    )
    reply_id = reply["comment"]["id"]

    page = client.get(THREADS, params={"site": "demo", "key": "https://news.example/story"})
    assert_documented("GET", THREADS, page)
    assert len(page.json()["comments"]) == 2
    empty = client.get(THREADS, params={"site": "demo", "key": "no-comments-yet"})
    assert_documented("GET", THREADS, empty)
    not_modified = client.get(
        THREADS,
        params={"site": "demo", "key": "https://news.example/story"},
        headers={"If-None-Match": page.headers["etag"]},
    )
    assert not_modified.status_code == 304
    assert_documented("GET", THREADS, not_modified)

    one = client.get(comment_url(reply_id))
    assert_documented("GET", "/api/v1/comments/{id}", one)
    assert [a["id"] for a in one.json()["ancestors"]] == [root["comment"]["id"]]

    edit = {"body": "Edited"}
    validate_schema("EditCommentIn", edit)
    edited = client.patch(comment_url(reply_id), json=edit, headers=bearer(reply["edit_token"]))
    assert edited.status_code == 200
    assert_documented("PATCH", "/api/v1/comments/{id}", edited)

    vote = {"value": 1, "voter": "voter-0123456789abcdef"}
    validate_schema("VoteIn", vote)
    voted = client.post(comment_url(reply_id, "/vote"), json=vote)
    assert voted.status_code == 200
    assert_documented("POST", "/api/v1/comments/{id}/vote", voted)

    query = {"site": "demo", "keys": ["https://news.example/story", "other"]}
    validate_schema("CountsIn", query)
    counted = client.post(COUNTS, json=query)
    assert_documented("POST", COUNTS, counted)
    assert counted.json() == {"counts": {"https://news.example/story": 2, "other": 0}}

    # A deleted comment kept as a placeholder (author null) still matches the schema.
    deleted = client.delete(comment_url(root["comment"]["id"]), headers=bearer(root["edit_token"]))
    assert deleted.status_code == 204
    assert_documented("DELETE", "/api/v1/comments/{id}", deleted)
    page = client.get(THREADS, params={"site": "demo", "key": "https://news.example/story"})
    assert page.json()["comments"][0]["author"] is None
    assert_documented("GET", THREADS, page)
    with_placeholder = client.get(comment_url(reply_id))
    assert with_placeholder.json()["ancestors"][0]["deleted"] is True
    assert_documented("GET", "/api/v1/comments/{id}", with_placeholder)

    health = client.get("/healthz")
    assert_documented("GET", "/healthz", health)
    assert health.json() == {"status": "ok", "database": "ok"}
    assert_documented("GET", "/api/v1/openapi.json", client.get("/api/v1/openapi.json"))


def test_validation_catches_undocumented_fields() -> None:
    """The checks above can fail: a response with a field the document lacks is refused."""
    comment = {
        "id": 1,
        "parent_id": None,
        "depth": 0,
        "author": {"name": "A", "website": None, "verified": False},
        "html": "<p>x</p>",
        "created_at": "2026-03-01T12:00:00Z",
        "edited_at": None,
        "score": 0,
        "upvotes": 0,
        "downvotes": 0,
        "reply_count": 0,
        "deleted": False,
        "status": "published",
        "featured": False,
        "staff": False,
        "version": 1,
    }
    validate_schema("CommentOnlyOut", {"comment": comment})
    with pytest.raises(jsonschema.ValidationError):
        validate_schema("CommentOnlyOut", {"comment": comment | {"email": "a@example.com"}})
    with pytest.raises(jsonschema.ValidationError):
        validate_schema("CommentOnlyOut", {"comment": comment | {"status": "spam"}})


def _api_md_table() -> set[tuple[str, str]]:
    """The (method, path) rows of docs/api.md's route table."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    row = re.compile(r"^\| (GET|POST|PATCH|DELETE|PUT) \| \[?`([^`]+)`", re.MULTILINE)
    return {(method, path) for method, path in row.findall(text)}


def test_the_route_table_in_docs_api_md_lists_every_operation_but_the_moderation_desks() -> None:
    """docs/api.md summarises the API in one table; the desk's /mod/ routes get one "…" row
    there and their own pages in moderation.md."""
    wanted = {(m, p) for m, p in _documented_operations() if not p.startswith("/api/v1/mod/")}
    wanted |= {("GET", "/api/v1/mod/sites/{site}/export")}
    table = _api_md_table()
    assert wanted - table == set(), "operations missing from docs/api.md's route table"
    assert table - _documented_operations() == set(), "rows for operations that do not exist"
