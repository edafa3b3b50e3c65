"""The moderation API through the real ASGI app: sessions and cookies, CSRF, who may reach
what, queues and actions end to end, readers' flags — every response checked against the
OpenAPI document."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from tests.api.support import COMMENTS, assert_documented, assert_error, comment_url, page_json
from threadline.api.routes import MODERATOR_ENDPOINTS
from threadline.auth.passwords import fast_passwords
from threadline.domain.moderation import Grant, Role
from threadline.service import accounts
from threadline.service.context import ServiceContext
from threadline.service.sites import add_site

PASSWORD = "correct horse battery staple"
HOSTILE = "You are an idiot and a moron, shut up."
SESSION = "/api/v1/mod/session"
QUEUE = "/api/v1/mod/queue"


def _ctx(client: TestClient) -> ServiceContext:
    ctx: ServiceContext = client.app.state.threadline.ctx  # type: ignore[attr-defined]
    return ctx


@pytest.fixture
def desk(client: TestClient) -> dict[str, Any]:
    ctx = _ctx(client)
    ctx.passwords = fast_passwords()
    other = add_site(ctx, "other", "Other News", ["https://other.example"])
    demo_id = ctx.store.reading().__enter__().get_site("demo").id  # type: ignore[union-attr]
    accounts.create_admin(ctx, "boss@example.com", "Boss", PASSWORD)
    accounts.create_user(ctx, "mod@example.com", "Mo", PASSWORD, (Grant(Role.MODERATOR, demo_id),))
    accounts.create_user(ctx, "om@example.com", "Om", PASSWORD, (Grant(Role.MODERATOR, other.id),))
    return {"demo": demo_id, "other": other.id}


def _login(client: TestClient, email: str = "mod@example.com") -> dict[str, str]:
    """Signs the client in; the headers its state-changing requests need."""
    response = client.post(SESSION, json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    assert_documented("POST", SESSION, response)
    return {"X-CSRF-Token": response.json()["csrf_token"]}


def _post(client: TestClient, body: str, **fields: Any) -> httpx.Response:
    payload = {"site": "demo", "thread": "article-1", "body": body, "author": {"name": "R"}}
    return client.post(COMMENTS, json=payload | fields)


def test_login_sets_a_secure_session_cookie(client: TestClient, desk: dict[str, Any]) -> None:
    response = client.post(SESSION, json={"email": "mod@example.com", "password": PASSWORD})
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("threadline_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http here
    body = response.json()
    assert body["user"]["roles"] == ["moderator:demo"]
    assert response.json()["csrf_token"] not in cookie
    over_https = TestClient(client.app, base_url="https://testserver")
    secure = over_https.post(SESSION, json={"email": "mod@example.com", "password": PASSWORD})
    assert "Secure" in secure.headers["set-cookie"]


def test_wrong_passwords_are_refused_and_throttled(
    client: TestClient, desk: dict[str, Any]
) -> None:
    for _ in range(accounts.LOGINS_PER_MINUTE_PER_EMAIL):
        wrong = client.post(SESSION, json={"email": "mod@example.com", "password": "nope"})
        assert_error(wrong, 401, "auth_required")
        assert "set-cookie" not in wrong.headers
    throttled = client.post(SESSION, json={"email": "mod@example.com", "password": PASSWORD})
    assert_error(throttled, 429, "rate_limited")
    assert_documented("POST", SESSION, throttled)


def test_a_reader_reaches_no_moderator_endpoint(client: TestClient, desk: dict[str, Any]) -> None:
    comment = _post(client, "A civil remark.").json()["comment"]
    for e in MODERATOR_ENDPOINTS:
        if e.path == SESSION and e.method == "POST":
            continue
        path = e.path.replace("{id}", str(comment["id"]))
        response = client.request(e.method, path, json={} if e.body else None)
        assert_error(response, 401, "auth_required")
        assert_documented(e.method, e.path, response)


def test_state_changes_need_the_csrf_token_and_our_own_origin(
    client: TestClient, desk: dict[str, Any]
) -> None:
    comment = _post(client, "A civil remark.").json()["comment"]
    headers = _login(client)
    url = f"/api/v1/mod/comments/{comment['id']}/reject"
    assert_error(client.post(url, json={"reason": "x"}), 403, "csrf_failed")
    forged = {"X-CSRF-Token": "0" * 64}
    assert_error(client.post(url, json={"reason": "x"}, headers=forged), 403, "csrf_failed")
    cross = headers | {"Origin": "https://news.example"}
    assert_error(client.post(url, json={"reason": "x"}, headers=cross), 403, "origin_not_allowed")
    # Behind a TLS-terminating proxy the browser's Origin says https: same host, accepted.
    proxied = headers | {"Origin": "https://testserver", "X-Forwarded-Proto": "https"}
    done = client.post(url, json={"reason": "Off topic"}, headers=proxied)
    assert done.status_code == 200 and done.json()["comment"]["status"] == "rejected"
    assert_documented("POST", "/api/v1/mod/comments/{id}/reject", done)


def test_a_moderator_of_site_a_cannot_see_or_touch_site_b(
    client: TestClient, desk: dict[str, Any]
) -> None:
    mine = _post(client, "A civil remark.").json()["comment"]
    theirs = client.post(
        COMMENTS,
        json={"site": "other", "thread": "t", "body": "Elsewhere.", "author": {"name": "R"}},
    ).json()["comment"]
    headers = _login(client, "om@example.com")
    listed = client.get(QUEUE, params={"queue": "recent"})
    assert [c["comment"]["id"] for c in listed.json()["items"]] == [theirs["id"]]
    assert_error(client.get(QUEUE, params={"site": "demo"}), 404, "not_found")
    for action, body in (("approve", {}), ("reject", {"reason": "x"}), ("ban", {})):
        response = client.post(
            f"/api/v1/mod/comments/{mine['id']}/{action}", json=body, headers=headers
        )
        assert_error(response, 404, "not_found")
    thread = client.patch(
        f"/api/v1/mod/threads/{mine['id']}", json={"closed": True}, headers=headers
    )
    assert thread.status_code == 404
    assert client.get("/api/v1/mod/audit").json() == {"entries": []}


def test_nudge_post_anyway_then_approve_from_the_pending_queue(
    client: TestClient, desk: dict[str, Any]
) -> None:
    nudged = _post(client, HOSTILE)
    error = assert_error(nudged, 422, "civility_nudge")
    assert error["field"] == "body"
    held = _post(client, HOSTILE, acknowledge_nudge=True)
    assert held.status_code == 201 and held.json()["comment"]["status"] == "pending"
    comment_id = held.json()["comment"]["id"]
    assert page_json(client)["comments"] == []

    headers = _login(client)
    queue = client.get(QUEUE, params={"queue": "pending"})
    assert_documented("GET", QUEUE, queue)
    [card] = queue.json()["items"]
    assert card["comment"]["id"] == comment_id and card["body"] == HOSTILE
    assert any(r.startswith("Toxicity") for r in card["moderation"]["reasons"])
    assert card["author_history"]["pending"] == 1

    approved = client.post(f"/api/v1/mod/comments/{comment_id}/approve", json={}, headers=headers)
    assert approved.json()["comment"]["status"] == "published"
    assert [c["id"] for c in page_json(client)["comments"]] == [comment_id]
    audit = client.get("/api/v1/mod/audit")
    assert_documented("GET", "/api/v1/mod/audit", audit)
    [entry] = audit.json()["entries"]
    assert (entry["actor"], entry["action"], entry["after"]) == (
        "Mo",
        "approve",
        {"status": "published"},
    )


def test_ban_with_bulk_rejection_and_thread_tools(client: TestClient, desk: dict[str, Any]) -> None:
    one = _post(client, "First remark.", author={"name": "Troll"}).json()["comment"]
    two = _post(client, "Second remark.", author={"name": "Troll"}).json()["comment"]
    headers = _login(client)
    banned = client.post(
        f"/api/v1/mod/comments/{one['id']}/ban",
        json={"reason": "Abuse", "days": 30, "reject_comments": True},
        headers=headers,
    )
    assert banned.status_code == 201, banned.text
    assert_documented("POST", "/api/v1/mod/comments/{id}/ban", banned)
    assert sorted(banned.json()["rejected"]) == [one["id"], two["id"]]
    assert page_json(client)["comments"] == []
    again = _post(client, "I am back.", author={"name": "troll"})
    assert_error(again, 403, "author_banned")

    three = _post(client, "Fine remark.").json()["comment"]
    four = _post(client, "Another fine remark.").json()["comment"]
    bulk = client.post(
        "/api/v1/mod/bulk",
        json={"action": "reject", "ids": [three["id"], four["id"]], "reason": "Spam"},
        headers=headers,
    )
    assert_documented("POST", "/api/v1/mod/bulk", bulk)
    assert [r["ok"] for r in bulk.json()["results"]] == [True, True]

    thread_id = page_json(client)["thread"]["id"]
    closed = client.patch(
        f"/api/v1/mod/threads/{thread_id}",
        json={"closed": True, "premoderated": True},
        headers=headers,
    )
    assert_documented("PATCH", "/api/v1/mod/threads/{id}", closed)
    assert closed.json()["closed"] is True
    assert_error(_post(client, "Closed now."), 403, "thread_closed")


def test_readers_flag_comments_once_each(client: TestClient, desk: dict[str, Any]) -> None:
    comment = _post(client, "A civil remark.").json()["comment"]
    url = comment_url(comment["id"], "/flags")
    flag = {"reason": "abusive", "reader": "browser-0123456789abcdef", "note": "Rude"}
    first = client.post(url, json=flag)
    assert first.status_code == 204
    assert_documented("POST", "/api/v1/comments/{id}/flags", first)
    assert client.post(url, json=flag).status_code == 204
    bad = client.post(url, json=flag | {"reason": "boring"})
    assert_error(bad, 422, "invalid_input")
    _login(client)
    reported = client.get(QUEUE, params={"queue": "reported"}).json()["items"]
    assert [(c["comment"]["id"], c["moderation"]["flags"]) for c in reported] == [
        (comment["id"], 1)
    ]


def test_logout_and_logout_everywhere(client: TestClient, desk: dict[str, Any]) -> None:
    headers = _login(client)
    assert client.get(SESSION).status_code == 200
    other = TestClient(client.app, base_url="http://testserver")
    _login(other)
    out = client.delete(SESSION, headers=headers)
    assert out.status_code == 204 and 'threadline_session=""' in out.headers["set-cookie"]
    client.cookies.clear()
    assert_error(client.get(SESSION), 401, "auth_required")
    assert other.get(SESSION).status_code == 200
    headers = _login(client)
    everywhere = client.post("/api/v1/mod/session/revoke-all", headers=headers)
    assert everywhere.status_code == 204
    assert_error(other.get(SESSION), 401, "auth_required")
