"""Every error path, walked through the real app: its HTTP status, its stable code, the one
error shape {"error": {"code", "message"}} with a message for people, and (for documented
operations) a status the OpenAPI document lists. Then CORS."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from tests.api.support import (
    ALLOWED_ORIGIN,
    COMMENTS,
    COUNTS,
    THREADS,
    assert_documented,
    assert_error,
    bearer,
    comment_url,
    page_json,
)
from tests.conftest import app_clock, post
from threadline.app import create_app
from threadline.auth.ratelimit import RateLimiter
from threadline.config import Settings
from threadline.service.sites import add_site
from threadline.storage.sqlite import SQLiteStore

ONE = "/api/v1/comments/{id}"
VOTE = "/api/v1/comments/{id}/vote"
HUGE = "99999999999999999999"
VOTER = "voter-0123456789abcdef"


def body(**fields: Any) -> dict[str, Any]:
    """A valid comment submission, with some fields replaced."""
    return {
        "site": "demo",
        "thread": "article-1",
        "body": "Hello",
        "author": {"name": "Reader"},
    } | fields


def author(**fields: Any) -> dict[str, Any]:
    return body(author={"name": "Reader"} | fields)


@dataclass
class Env:
    """What a case may use: the app (rate limits off, site 'demo'), a factory for more apps on
    the same database, and a comment posted on first use."""

    client: TestClient
    make_client: Callable[..., TestClient]

    @cached_property
    def posted(self) -> dict[str, Any]:
        return post(self.client, "Hello")

    @property
    def cid(self) -> int:
        comment_id: int = self.posted["comment"]["id"]
        return comment_id

    @property
    def token(self) -> str:
        token: str = self.posted["edit_token"]
        return token

    def raw(
        self, method: str, url: str, content: bytes, content_type: str | None = "application/json"
    ) -> httpx.Response:
        headers = {"Content-Type": content_type} if content_type else {}
        return self.client.request(method, url, content=content, headers=headers)

    def threads(self, **params: str) -> httpx.Response:
        return self.client.get(THREADS, params={"site": "demo", "key": "article-1"} | params)

    def deleted(self) -> dict[str, Any]:
        gone = post(self.client, "soon gone")
        response = self.client.delete(
            comment_url(gone["comment"]["id"]), headers=bearer(gone["edit_token"])
        )
        assert response.status_code == 204
        return gone


@dataclass(frozen=True)
class Case:
    id: str
    status: int
    code: str
    send: Callable[[Env], httpx.Response]
    # (method, path) of the documented operation, None for routing errors
    operation: tuple[str, str] | None
    check: Callable[[httpx.Response], None] | None = None
    headers: dict[str, str] = field(default_factory=dict)


# -- the cases that need more than one request -------------------------------------------------


def _edit_after_window(env: Env, method: str) -> httpx.Response:
    clock = app_clock(env.client)
    mine = post(env.client, "quick")
    clock.advance(minutes=15, seconds=1)
    url = comment_url(mine["comment"]["id"])
    payload = {"body": "late"} if method == "PATCH" else None
    return env.client.request(method, url, json=payload, headers=bearer(mine["edit_token"]))


def _closed_thread(env: Env) -> httpx.Response:
    post(env.client, "before closing", thread="closing-soon")
    thread_id = page_json(env.client, "closing-soon")["thread"]["id"]
    store = env.client.app.state.threadline.ctx.store  # type: ignore[attr-defined]
    store.write(lambda db: db.set_thread_closed(thread_id, True))
    return env.client.post(COMMENTS, json=body(thread="closing-soon"))


def _other_site_origin(env: Env) -> httpx.Response:
    ctx = env.client.app.state.threadline.ctx  # type: ignore[attr-defined]
    add_site(ctx, "other", "Other Paper", ["https://other.example"])
    # other.example may call the API (CORS), but not write to demo's threads.
    return env.client.post(COMMENTS, json=body(), headers={"Origin": "https://other.example"})


def _reply_in_other_thread(env: Env) -> httpx.Response:
    elsewhere = post(env.client, "elsewhere", thread="another-article")
    return env.client.post(COMMENTS, json=body(parent_id=elsewhere["comment"]["id"]))


def _chunked(size: int) -> Iterator[bytes]:
    sent = 0
    while sent < size:
        yield b" " * 4096
        sent += 4096


def _limited_app(env: Env) -> TestClient:
    """An app on the same database (the demo site exists) with rate limits on, whose limiter's
    clock stands still: buckets never refill during the test, however slow the machine."""
    limited = env.make_client(rate_limits=True)
    limited.app.state.threadline.ctx.limiter = RateLimiter(lambda: 0.0)  # type: ignore[attr-defined]
    return limited


def _rate_limited_posts(env: Env, same_author: bool) -> httpx.Response:
    limited = _limited_app(env)
    allowed = 3 if same_author else 5  # per minute: per author, per IP (SiteSettings)
    for i in range(allowed):
        name = "Same" if same_author else f"Reader {i}"
        response = limited.post(COMMENTS, json=author(name=name))
        assert response.status_code == 201, response.text
    return limited.post(COMMENTS, json=author(name="Same" if same_author else "One more"))


def _rate_limited_despite_forwarded_for(env: Env) -> httpx.Response:
    """X-Forwarded-For from a peer that is not a trusted proxy is anyone's to forge: it must
    not give each request a fresh address (and a fresh rate-limit bucket)."""
    limited = _limited_app(env)
    for i in range(5):
        forged = {"X-Forwarded-For": f"203.0.113.{i}"}
        response = limited.post(COMMENTS, json=author(name=f"Reader {i}"), headers=forged)
        assert response.status_code == 201, response.text
    return limited.post(
        COMMENTS, json=author(name="Reader 5"), headers={"X-Forwarded-For": "203.0.113.99"}
    )


def _rate_limited_votes(env: Env) -> httpx.Response:
    cid = env.cid
    limited = _limited_app(env)
    for i in range(60):
        response = limited.post(comment_url(cid, "/vote"), json={"value": i % 2, "voter": VOTER})
        assert response.status_code == 200, response.text
    return limited.post(comment_url(cid, "/vote"), json={"value": 1, "voter": VOTER})


def _rate_limited_edits(env: Env) -> httpx.Response:
    cid, token = env.cid, env.token
    limited = _limited_app(env)
    for i in range(10):  # twice the per-IP comment limit
        response = limited.patch(comment_url(cid), json={"body": f"v{i}"}, headers=bearer(token))
        assert response.status_code == 200, response.text
    return limited.patch(comment_url(cid), json={"body": "again"}, headers=bearer(token))


def _retry_after(seconds: int) -> Callable[[httpx.Response], None]:
    """A bucket of N per minute refills one token every 60/N seconds."""

    def check(response: httpx.Response) -> None:
        assert response.headers["retry-after"] == str(seconds)
        assert f"{seconds} seconds" in response.json()["error"]["message"]

    return check


INTERNALS = ("Traceback", "Error", "Exception", "sqlite", "psycopg", "closed", 'File "', ".py")


def _no_internals(response: httpx.Response) -> None:
    for word in INTERNALS:
        assert word not in response.text, word


def _store_closed_under_the_app(env: Env) -> httpx.Response:
    app = env.make_client(rate_limits=False).app
    app.state.threadline.ctx.store.close()  # type: ignore[attr-defined]
    return TestClient(app, raise_server_exceptions=False).post(COMMENTS, json=body())


class _UnreachableStore:
    """A database that does not answer (as when the server is down)."""

    backend = "unreachable"

    def reading(self) -> Any:
        raise OSError("could not connect to server: Connection refused")

    def write(self, job: Any) -> Any:
        raise OSError("could not connect to server: Connection refused")


def _database_down(env: Env) -> httpx.Response:
    app = env.make_client(rate_limits=False).app
    app.state.threadline.ctx.store = _UnreachableStore()  # type: ignore[attr-defined]
    return TestClient(app, raise_server_exceptions=False).get("/healthz")


def _allow(*methods: str) -> Callable[[httpx.Response], None]:
    def check(response: httpx.Response) -> None:
        allowed = {m.strip() for m in response.headers["allow"].split(",")}
        assert allowed == set(methods), allowed

    return check


def _forged_cursor(payload: Any) -> str:
    import base64

    raw = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


POST = ("POST", COMMENTS)
GET_ONE = ("GET", ONE)
PATCH = ("PATCH", ONE)
DELETE = ("DELETE", ONE)
VOTING = ("POST", VOTE)
LIST = ("GET", THREADS)
COUNTING = ("POST", COUNTS)

# fmt: off
CASES = [
    # 400 malformed requests
    Case("malformed-json", 400, "malformed_request",
         lambda env: env.raw("POST", COMMENTS, b'{"site": "demo",'), POST),
    Case("json-with-nan", 400, "malformed_request",
         lambda env: env.raw("POST", comment_url(env.cid, "/vote"),
                             b'{"value": NaN, "voter": "x"}'), VOTING),
    Case("empty-request-body", 400, "malformed_request",
         lambda env: env.raw("POST", COMMENTS, b""), POST),
    Case("malformed-json-edit", 400, "malformed_request",
         lambda env: env.client.patch(comment_url(env.cid), content=b"{body: 1}",
                                      headers={"Content-Type": "application/json"}
                                      | bearer(env.token)), PATCH),
    Case("malformed-json-counts", 400, "malformed_request",
         lambda env: env.raw("POST", COUNTS, b'{"site": "demo", "keys": ["a",]}'), COUNTING),
    Case("missing-site-param", 400, "malformed_request",
         lambda env: env.client.get(THREADS, params={"key": "a"}), LIST),
    Case("missing-key-param", 400, "malformed_request",
         lambda env: env.client.get(THREADS, params={"site": "demo"}), LIST),
    Case("bad-sort", 400, "malformed_request", lambda env: env.threads(sort="best"), LIST),
    Case("limit-not-a-number", 400, "malformed_request",
         lambda env: env.threads(limit="ten"), LIST),
    Case("limit-zero", 400, "malformed_request", lambda env: env.threads(limit="0"), LIST),
    Case("limit-negative", 400, "malformed_request", lambda env: env.threads(limit="-5"), LIST),
    Case("limit-over-max-page-size", 400, "malformed_request",
         lambda env: env.threads(limit="1001"), LIST),
    Case("limit-absurdly-long", 400, "malformed_request",
         lambda env: env.threads(limit="9" * 5000), LIST),
    # 401 no edit token
    Case("edit-without-token", 401, "auth_required",
         lambda env: env.client.patch(comment_url(env.cid), json={"body": "x"}), PATCH),
    Case("delete-without-token", 401, "auth_required",
         lambda env: env.client.delete(comment_url(env.cid)), DELETE),
    Case("delete-with-basic-auth", 401, "auth_required",
         lambda env: env.client.delete(comment_url(env.cid),
                                       headers={"Authorization": "Basic dXNlcjpwdw=="}), DELETE),
    # 403 forbidden
    Case("edit-wrong-token", 403, "invalid_edit_token",
         lambda env: env.client.patch(comment_url(env.cid), json={"body": "x"},
                                      headers=bearer("not-the-token")), PATCH),
    Case("delete-wrong-token", 403, "invalid_edit_token",
         lambda env: env.client.delete(comment_url(env.cid), headers=bearer("x" * 43)), DELETE),
    Case("edit-window-closed", 403, "edit_window_closed",
         lambda env: _edit_after_window(env, "PATCH"), PATCH),
    Case("delete-window-closed", 403, "edit_window_closed",
         lambda env: _edit_after_window(env, "DELETE"), DELETE),
    Case("post-from-disallowed-origin", 403, "origin_not_allowed",
         lambda env: env.client.post(COMMENTS, json=body(),
                                     headers={"Origin": "https://evil.example"}), POST),
    Case("post-from-another-sites-origin", 403, "origin_not_allowed", _other_site_origin, POST),
    Case("vote-from-disallowed-origin", 403, "origin_not_allowed",
         lambda env: env.client.post(comment_url(env.cid, "/vote"),
                                     json={"value": 1, "voter": VOTER},
                                     headers={"Origin": "https://evil.example"}), VOTING),
    Case("edit-from-disallowed-origin", 403, "origin_not_allowed",
         lambda env: env.client.patch(comment_url(env.cid), json={"body": "x"},
                                      headers={"Origin": "http://evil.example"}
                                      | bearer(env.token)), PATCH),
    Case("delete-from-disallowed-origin", 403, "origin_not_allowed",
         lambda env: env.client.delete(comment_url(env.cid),
                                       headers={"Origin": "null"} | bearer(env.token)), DELETE),
    Case("preflight-from-disallowed-origin", 403, "origin_not_allowed",
         lambda env: env.client.options(COMMENTS, headers={
             "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}), None,
         check=lambda r: _no_cors(r)),
    Case("post-to-closed-thread", 403, "thread_closed", _closed_thread, POST),
    # 404 not found
    Case("threads-unknown-site", 404, "site_not_found",
         lambda env: env.threads(site="no-such-site"), LIST),
    Case("threads-site-with-nul", 404, "site_not_found",
         lambda env: env.threads(site="de\x00mo"), LIST),
    Case("post-unknown-site", 404, "site_not_found",
         lambda env: env.client.post(COMMENTS, json=body(site="nope")), POST),
    Case("post-site-with-nul", 404, "site_not_found",
         lambda env: env.client.post(COMMENTS, json=body(site="\x00")), POST),
    Case("counts-unknown-site", 404, "site_not_found",
         lambda env: env.client.post(COUNTS, json={"site": "nope", "keys": ["a"]}), COUNTING),
    Case("get-unknown-comment", 404, "comment_not_found",
         lambda env: env.client.get(comment_url(987654)), GET_ONE),
    Case("get-deleted-comment", 404, "comment_not_found",
         lambda env: env.client.get(comment_url(env.deleted()["comment"]["id"])), GET_ONE),
    Case("get-comment-zero", 404, "comment_not_found",
         lambda env: env.client.get(comment_url(0)), GET_ONE),
    Case("get-huge-id", 404, "comment_not_found",
         lambda env: env.client.get(comment_url(HUGE)), GET_ONE),
    Case("edit-huge-id", 404, "comment_not_found",
         lambda env: env.client.patch(comment_url(HUGE), json={"body": "x"},
                                      headers=bearer("t")), PATCH),
    Case("edit-unknown-comment", 404, "comment_not_found",
         lambda env: env.client.patch(comment_url(987654), json={"body": "x"},
                                      headers=bearer("t")), PATCH),
    Case("delete-huge-id", 404, "comment_not_found",
         lambda env: env.client.delete(comment_url(HUGE), headers=bearer("t")), DELETE),
    Case("vote-huge-id", 404, "comment_not_found",
         lambda env: env.client.post(comment_url(HUGE, "/vote"),
                                     json={"value": 1, "voter": VOTER}), VOTING),
    Case("vote-unknown-comment", 404, "comment_not_found",
         lambda env: env.client.post(comment_url(987654, "/vote"),
                                     json={"value": 1, "voter": VOTER}), VOTING),
    Case("vote-deleted-comment", 404, "comment_not_found",
         lambda env: env.client.post(comment_url(env.deleted()["comment"]["id"], "/vote"),
                                     json={"value": 1, "voter": VOTER}), VOTING),
    Case("unknown-route", 404, "not_found",
         lambda env: env.client.get("/api/v1/nothing-here"), None),
    Case("unknown-version", 404, "not_found",
         lambda env: env.client.get("/api/v2/threads"), None),
    Case("non-numeric-id", 404, "not_found",
         lambda env: env.client.get(comment_url("abc")), None),
    Case("negative-id", 404, "not_found",
         lambda env: env.client.get(comment_url("-1")), None),
    # 405 method not allowed, with the methods that are
    Case("put-comment", 405, "method_not_allowed",
         lambda env: env.client.put(comment_url(env.cid), json={"body": "x"}), None,
         check=_allow("GET", "HEAD", "PATCH", "DELETE")),
    Case("delete-threads", 405, "method_not_allowed",
         lambda env: env.client.delete(THREADS), None, check=_allow("GET", "HEAD")),
    Case("get-counts", 405, "method_not_allowed",
         lambda env: env.client.get(COUNTS), None, check=_allow("POST")),
    Case("get-vote", 405, "method_not_allowed",
         lambda env: env.client.get(comment_url(env.cid, "/vote")), None,
         check=_allow("POST")),
    Case("post-healthz", 405, "method_not_allowed",
         lambda env: env.client.post("/healthz"), None, check=_allow("GET", "HEAD")),
    # 409 conflicts with the comment's state
    Case("reply-to-deleted", 409, "parent_unavailable",
         lambda env: env.client.post(COMMENTS,
                                     json=body(parent_id=env.deleted()["comment"]["id"])), POST),
    Case("edit-deleted", 409, "comment_deleted",
         lambda env: (lambda gone: env.client.patch(
             comment_url(gone["comment"]["id"]), json={"body": "back"},
             headers=bearer(gone["edit_token"])))(env.deleted()), PATCH),
    Case("delete-twice", 409, "comment_deleted",
         lambda env: (lambda gone: env.client.delete(
             comment_url(gone["comment"]["id"]), headers=bearer(gone["edit_token"])))(
             env.deleted()), DELETE),
    # 413 request body over max_request_bytes
    Case("post-too-large", 413, "payload_too_large",
         lambda env: env.client.post(COMMENTS, json=body(body="x" * 70_000)), POST),
    Case("post-too-large-chunked", 413, "payload_too_large",
         lambda env: env.client.post(COMMENTS, content=_chunked(70_000),
                                     headers={"Content-Type": "application/json"}), POST),
    Case("counts-over-configured-limit", 413, "payload_too_large",
         lambda env: env.make_client(rate_limits=False, max_request_bytes=1000).post(
             COUNTS, json={"site": "demo", "keys": ["k" * 100] * 20}), COUNTING),
    # 415 not JSON
    Case("post-text-plain", 415, "unsupported_media_type",
         lambda env: env.raw("POST", COMMENTS, json.dumps(body()).encode(), "text/plain"), POST),
    Case("post-form-encoded", 415, "unsupported_media_type",
         lambda env: env.client.post(COMMENTS, data={"body": "x"}), POST),
    Case("post-no-content-type", 415, "unsupported_media_type",
         lambda env: env.raw("POST", COMMENTS, json.dumps(body()).encode(), None), POST),
    Case("edit-text-plain", 415, "unsupported_media_type",
         lambda env: env.client.patch(comment_url(env.cid), content=b"new text",
                                      headers={"Content-Type": "text/plain"}
                                      | bearer(env.token)), PATCH),
    Case("vote-form-encoded", 415, "unsupported_media_type",
         lambda env: env.client.post(comment_url(env.cid, "/vote"), data={"value": "1"}),
         VOTING),
    Case("counts-text-plain", 415, "unsupported_media_type",
         lambda env: env.raw("POST", COUNTS, b'{"site": "demo", "keys": []}', "text/plain"),
         COUNTING),
    # 422 invalid input
    Case("empty-text", 422, "empty",
         lambda env: env.client.post(COMMENTS, json=body(body=" \n\t ")), POST),
    Case("text-over-10000-characters", 422, "too_long",
         lambda env: env.client.post(COMMENTS, json=body(body="é" * 10_001)), POST),
    Case("edit-to-empty-text", 422, "empty",
         lambda env: env.client.patch(comment_url(env.cid), json={"body": ""},
                                      headers=bearer(env.token)), PATCH),
    Case("edit-over-10000-characters", 422, "too_long",
         lambda env: env.client.patch(comment_url(env.cid), json={"body": "x" * 10_001},
                                      headers=bearer(env.token)), PATCH),
    Case("unknown-field", 422, "unknown_field",
         lambda env: env.client.post(COMMENTS, json=body(status="published")), POST),
    Case("unknown-author-field", 422, "unknown_field",
         lambda env: env.client.post(COMMENTS, json=author(is_admin=True)), POST),
    Case("unknown-field-in-edit", 422, "unknown_field",
         lambda env: env.client.patch(comment_url(env.cid), json={"body": "x", "html": "<b>"},
                                      headers=bearer(env.token)), PATCH),
    Case("unknown-field-in-vote", 422, "unknown_field",
         lambda env: env.client.post(comment_url(env.cid, "/vote"),
                                     json={"value": 1, "voter": VOTER, "weight": 100}), VOTING),
    Case("missing-field", 422, "invalid_input",
         lambda env: env.client.post(COMMENTS, json={"site": "demo", "thread": "a",
                                                     "body": "x"}), POST),
    Case("wrong-type", 422, "invalid_input",
         lambda env: env.client.post(COMMENTS, json=body(body=["not", "text"])), POST),
    Case("not-an-object", 422, "invalid_input",
         lambda env: env.raw("POST", COMMENTS, b'"just a string"'), POST),
    Case("parent-id-zero", 422, "invalid_input",
         lambda env: env.client.post(COMMENTS, json=body(parent_id=0)), POST),
    Case("parent-id-beyond-any-id", 422, "invalid_input",
         lambda env: env.client.post(COMMENTS, json=body(parent_id=2**63)), POST),
    Case("parent-in-another-thread", 422, "parent_not_in_thread", _reply_in_other_thread, POST),
    Case("parent-does-not-exist", 422, "parent_not_in_thread",
         lambda env: env.client.post(COMMENTS, json=body(parent_id=987654)), POST),
    Case("lone-high-surrogate", 422, "invalid_unicode",
         lambda env: env.raw("POST", COMMENTS,
                             json.dumps(body(body="x\ud800y")).encode()), POST),
    Case("lone-surrogate-at-end", 422, "invalid_unicode",
         lambda env: env.raw("POST", COMMENTS,
                             json.dumps(body(body="x\ud800")).encode()), POST),
    Case("lone-low-surrogate-in-name", 422, "invalid_unicode",
         lambda env: env.raw("POST", COMMENTS,
                             json.dumps(author(name="\udc00")).encode()), POST),
    Case("lone-surrogate-in-site", 422, "invalid_unicode",
         lambda env: env.raw("POST", COUNTS,
                             json.dumps({"site": "\ud800", "keys": []}).encode()), COUNTING),
    Case("invalid-utf8-bytes", 422, "invalid_unicode",
         lambda env: env.raw("POST", COMMENTS,
                             json.dumps(body(body="@")).encode().replace(b"@", b"\xff\xfe")),
         POST),
    Case("nul-in-text", 422, "control_characters",
         lambda env: env.client.post(COMMENTS, json=body(body="a\x00b")), POST),
    Case("escape-in-name", 422, "control_characters",
         lambda env: env.client.post(COMMENTS, json=author(name="\x1b[31mRed")), POST),
    Case("bidi-override-in-name", 422, "control_characters",
         lambda env: env.client.post(COMMENTS, json=author(name="evil\u202etxt.exe")), POST),
    Case("c1-control-in-text", 422, "control_characters",
         lambda env: env.client.post(COMMENTS, json=body(body="a\x85b")), POST),
    Case("control-in-thread-key", 422, "control_characters",
         lambda env: env.threads(key="article\x07"), LIST),
    Case("multi-line-name", 422, "invalid_text",
         lambda env: env.client.post(COMMENTS, json=author(name="Line\nBreak")), POST),
    Case("empty-name", 422, "empty",
         lambda env: env.client.post(COMMENTS, json=author(name="   ")), POST),
    Case("name-too-long", 422, "too_long",
         lambda env: env.client.post(COMMENTS, json=author(name="n" * 65)), POST),
    Case("thread-key-too-long", 422, "too_long",
         lambda env: env.client.post(COMMENTS, json=body(thread="k" * 513)), POST),
    Case("bad-email", 422, "invalid_email",
         lambda env: env.client.post(COMMENTS, json=author(email="not-an-address")), POST),
    Case("javascript-website", 422, "invalid_url",
         lambda env: env.client.post(COMMENTS,
                                     json=author(website="javascript:alert(1)")), POST),
    Case("data-website", 422, "invalid_url",
         lambda env: env.client.post(COMMENTS, json=author(
             website="data:text/html,<script>alert(1)</script>")), POST),
    Case("schemeless-website", 422, "invalid_url",
         lambda env: env.client.post(COMMENTS, json=author(website="example.com")), POST),
    Case("broken-ipv6-website", 422, "invalid_url",
         lambda env: env.client.post(COMMENTS, json=author(website="http://[::1")), POST),
    Case("javascript-article-url", 422, "invalid_url",
         lambda env: env.client.post(COMMENTS, json=body(url="javascript:alert(1)")), POST),
    Case("honeypot-filled", 422, "spam_detected",
         lambda env: env.client.post(COMMENTS, json=body(honeypot="http://spam.example")),
         POST),
    Case("vote-value-two", 422, "invalid_input",
         lambda env: env.client.post(comment_url(env.cid, "/vote"),
                                     json={"value": 2, "voter": VOTER}), VOTING),
    Case("vote-value-word", 422, "invalid_input",
         lambda env: env.client.post(comment_url(env.cid, "/vote"),
                                     json={"value": "up", "voter": VOTER}), VOTING),
    Case("vote-value-true", 422, "invalid_input",
         lambda env: env.client.post(comment_url(env.cid, "/vote"),
                                     json={"value": True, "voter": VOTER}), VOTING),
    Case("voter-too-short", 422, "invalid_voter",
         lambda env: env.client.post(comment_url(env.cid, "/vote"),
                                     json={"value": 1, "voter": "short"}), VOTING),
    Case("counts-too-many-keys", 422, "invalid_input",
         lambda env: env.client.post(COUNTS, json={"site": "demo",
                                                   "keys": [str(i) for i in range(501)]}),
         COUNTING),
    Case("counts-empty-key", 422, "empty",
         lambda env: env.client.post(COUNTS, json={"site": "demo", "keys": ["a", " "]}),
         COUNTING),
    Case("cursor-garbage", 422, "invalid_cursor",
         lambda env: env.threads(cursor="!!not-a-cursor!!"), LIST),
    Case("cursor-not-ascii", 422, "invalid_cursor",
         lambda env: env.threads(cursor="küche"), LIST),
    Case("cursor-of-another-sort", 422, "invalid_cursor",
         lambda env: env.threads(sort="newest", cursor=_forged_cursor(["oldest", [1, 2]])),
         LIST),
    Case("cursor-wrong-shape", 422, "invalid_cursor",
         lambda env: env.threads(cursor=_forged_cursor({"after": 1})), LIST),
    Case("cursor-deeply-nested", 422, "invalid_cursor",
         lambda env: env.threads(cursor=_forged_cursor(b"[" * 5000)), LIST),
    # 429 rate limited, with Retry-After
    Case("posts-per-ip", 429, "rate_limited",
         lambda env: _rate_limited_posts(env, same_author=False), POST,
         check=_retry_after(12)),
    Case("posts-per-ip-forged-forwarded-for", 429, "rate_limited",
         _rate_limited_despite_forwarded_for, POST, check=_retry_after(12)),
    Case("posts-per-author", 429, "rate_limited",
         lambda env: _rate_limited_posts(env, same_author=True), POST,
         check=_retry_after(20)),
    Case("votes-per-ip", 429, "rate_limited", _rate_limited_votes, VOTING,
         check=_retry_after(1)),
    Case("edits-per-ip", 429, "rate_limited", _rate_limited_edits, PATCH,
         check=_retry_after(6)),
    # 5xx without internals
    Case("store-closed", 500, "internal_error", _store_closed_under_the_app, POST,
         check=_no_internals),
    Case("database-down", 503, "database_unavailable", _database_down, ("GET", "/healthz"),
         check=_no_internals),
]
# fmt: on


def _no_cors(response: httpx.Response) -> None:
    assert "access-control-allow-origin" not in response.headers


def test_the_table_is_unique_and_covers_every_error_status() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    statuses = {c.status for c in CASES}
    assert statuses == {400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 503}


def test_every_error_path(
    client: TestClient, make_client: Callable[..., TestClient], subtests: pytest.Subtests
) -> None:
    """One app per backend walks the whole table (an app per case would cost a minute);
    each case reports on its own, and gets a fresh Env and the real clock back."""
    ctx = client.app.state.threadline.ctx  # type: ignore[attr-defined]
    for case in CASES:
        with subtests.test(case.id):
            real_clock = ctx.clock
            try:
                response = case.send(Env(client, make_client))
            finally:
                ctx.clock = real_clock
            assert_error(response, case.status, case.code)
            if case.operation is not None:
                assert_documented(*case.operation, response)
            if case.check is not None:
                case.check(response)


def test_messages_name_the_problem(client: TestClient) -> None:
    """Spot checks that messages are specific, not generic."""
    too_long = client.post(COMMENTS, json=body(body="x" * 10_001)).json()["error"]
    assert "10,001" in too_long["message"] and "10,000" in too_long["message"]
    assert too_long["field"] == "comment"
    unknown = client.post(COMMENTS, json=body(colour="red")).json()["error"]
    assert "colour" in unknown["message"]
    missing = client.get(THREADS, params={"key": "a"}).json()["error"]
    assert "'site'" in missing["message"]
    site = client.post(COMMENTS, json=body(site="nope")).json()["error"]
    assert "'nope'" in site["message"]


# -- CORS ---------------------------------------------------------------------------------------


def _preflight(client: TestClient, origin: str, method: str = "POST") -> httpx.Response:
    return client.options(
        COMMENTS,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type, authorization",
        },
    )


def test_preflight_from_an_allowed_origin_is_granted(client: TestClient) -> None:
    response = _preflight(client, ALLOWED_ORIGIN)
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    methods = {m.strip() for m in response.headers["access-control-allow-methods"].split(",")}
    assert {"GET", "POST", "PATCH", "DELETE"} <= methods
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "content-type" in allowed and "authorization" in allowed
    assert "Origin" in response.headers["vary"]
    assert response.headers["access-control-max-age"].isdigit()


def test_preflight_from_a_disallowed_origin_gets_no_grant(client: TestClient) -> None:
    for origin in ("https://evil.example", "http://news.example", "https://news.example.evil"):
        response = _preflight(client, origin)
        assert_error(response, 403, "origin_not_allowed")
        _no_cors(response)


def test_reads_from_an_allowed_origin_carry_cors_headers_even_on_errors(
    client: TestClient,
) -> None:
    post(client, "hello")
    ok = client.get(
        THREADS, params={"site": "demo", "key": "article-1"}, headers={"Origin": ALLOWED_ORIGIN}
    )
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    exposed = {h.strip() for h in ok.headers["access-control-expose-headers"].split(",")}
    assert {"ETag", "Retry-After"} <= exposed
    assert "Origin" in ok.headers["vary"]
    missing = client.get(comment_url(987654), headers={"Origin": ALLOWED_ORIGIN})
    assert_error(missing, 404, "comment_not_found")
    assert missing.headers["access-control-allow-origin"] == ALLOWED_ORIGIN


def test_reads_from_a_disallowed_origin_get_no_cors_headers(client: TestClient) -> None:
    response = client.get(
        THREADS,
        params={"site": "demo", "key": "article-1"},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 200  # a browser will not let the page read it
    _no_cors(response)


def test_writes_from_the_site_or_the_server_itself_or_without_origin_are_accepted(
    client: TestClient,
) -> None:
    for headers in ({"Origin": ALLOWED_ORIGIN}, {"Origin": "http://testserver"}, {}):
        response = client.post(COMMENTS, json=body(), headers=headers)
        assert response.status_code == 201, (headers, response.text)
    granted = client.post(COMMENTS, json=body(), headers={"Origin": ALLOWED_ORIGIN})
    assert granted.headers["access-control-allow-origin"] == ALLOWED_ORIGIN


def test_an_unexpected_500_still_carries_cors_headers_for_an_allowed_origin(
    make_client: Callable[..., TestClient],
) -> None:
    c = make_client(rate_limits=False)
    from threadline.service.sites import add_site

    add_site(c.app.state.threadline.ctx, "demo", "Demo News", [ALLOWED_ORIGIN])  # type: ignore[attr-defined]
    assert c.post(COMMENTS, json=body(), headers={"Origin": ALLOWED_ORIGIN}).status_code == 201
    c.app.state.threadline.ctx.store.close()  # type: ignore[attr-defined]
    c.app.state.threadline.origins.forget()  # its reload fails: the origins known last hold
    response = TestClient(c.app, raise_server_exceptions=False).post(
        COMMENTS, json=body(), headers={"Origin": ALLOWED_ORIGIN}
    )
    assert_error(response, 500, "internal_error")
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    _no_internals(response)


def test_a_database_held_by_another_program_answers_503_with_retry_after(
    tmp_path: Path,
) -> None:
    """SQLite: past the busy timeout (here 0.2 s) a post is refused with a retryable 503,
    documented, and goes through once the other program lets go. (PostgreSQL has no
    whole-database lock for another program to hold.)"""
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    store = SQLiteStore(url, busy_timeout_ms=200)
    store.migrate()
    settings = Settings(
        database_url=url,
        data_dir=str(tmp_path),
        secret_key="test-secret",
        rate_limits=False,
        moderation_processes=0,
    )
    app = create_app(settings, store)
    with TestClient(app) as c:
        add_site(c.app.state.threadline.ctx, "demo", "Demo News", [ALLOWED_ORIGIN])  # type: ignore[attr-defined]
        holder = sqlite3.connect(store.path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            refused = c.post(COMMENTS, json=body())
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert_error(refused, 503, "database_busy")
        assert int(refused.headers["retry-after"]) > 0
        assert_documented("POST", "/api/v1/comments", refused)
        assert c.post(COMMENTS, json=body()).status_code == 201
