"""The /admin dashboard through the real ASGI app: sign in with the login CSRF cookie, queue
pages with cards, form actions with the session CSRF token, audit log and its export, a
strict Content-Security-Policy, and scoping of moderators to their sites."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest
from starlette.testclient import TestClient

from threadline.auth.passwords import fast_passwords
from threadline.domain.models import SiteSettings
from threadline.domain.moderation import Grant, Role
from threadline.service import accounts
from threadline.service.context import ServiceContext
from threadline.service.sites import add_site, configure_site

PASSWORD = "correct horse battery staple"


def _ctx(client: TestClient) -> ServiceContext:
    ctx: ServiceContext = client.app.state.threadline.ctx  # type: ignore[attr-defined]
    return ctx


@pytest.fixture
def desk(client: TestClient) -> dict[str, Any]:
    ctx = _ctx(client)
    ctx.passwords = fast_passwords()
    configure_site(ctx, "demo", changes={"premoderation": "on"})
    other = add_site(ctx, "other", "Other", settings=SiteSettings(premoderation=True))
    with ctx.store.reading() as db:
        demo = db.get_site("demo")
    assert demo is not None
    accounts.create_user(ctx, "mod@example.com", "Mo", PASSWORD, (Grant(Role.MODERATOR, demo.id),))
    accounts.create_user(ctx, "om@example.com", "Om", PASSWORD, (Grant(Role.MODERATOR, other.id),))
    return {"demo": demo.id, "other": other.id}


def _field(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no {name} in the page"
    return found.group(1)


def _sign_in(client: TestClient, email: str = "mod@example.com") -> str:
    """Signs in through the form; the CSRF token the dashboard's forms carry."""
    form = client.get("/admin/login")
    assert form.status_code == 200
    token = _field(form.text, "login_token")
    done = client.post(
        "/admin/login",
        data={"login_token": token, "email": email, "password": PASSWORD},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/admin/queue/pending"
    assert "HttpOnly" in done.headers["set-cookie"]
    page = client.get("/admin/queue/pending")
    return _field(page.text, "csrf_token")


def _post_comment(client: TestClient, body: str, site: str = "demo", name: str = "R") -> int:
    response = client.post(
        "/api/v1/comments",
        json={"site": site, "thread": "article-1", "body": body, "author": {"name": name}},
    )
    assert response.status_code == 201, response.text
    comment_id: int = response.json()["comment"]["id"]
    return comment_id


def test_pages_have_a_strict_csp_and_no_inline_script(client: TestClient, desk: Any) -> None:
    page = client.get("/admin/login")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "<script>" not in page.text and "style=" not in page.text
    assert page.headers["cache-control"] == "no-store"
    for name in ("admin.js", "admin.css"):
        assert client.get(f"/admin/assets/{name}").status_code == 200
    assert client.get("/admin/assets/nope.js").status_code == 404


def test_unsigned_visitors_are_sent_to_the_login_page(client: TestClient, desk: Any) -> None:
    for url in ("/admin/queue/pending", "/admin/audit"):
        response = client.get(url, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/admin/login")
    act = client.post("/admin/act", data={"action": "approve", "id": "1"}, follow_redirects=False)
    assert act.headers["location"] == "/admin/login"


def test_login_needs_the_form_token_and_the_right_password(client: TestClient, desk: Any) -> None:
    forged = client.post(
        "/admin/login",
        data={"login_token": "guess", "email": "mod@example.com", "password": PASSWORD},
    )
    assert forged.status_code == 403
    assert "threadline_session" not in forged.headers.get("set-cookie", "")
    token = _field(client.get("/admin/login").text, "login_token")
    wrong = client.post(
        "/admin/login",
        data={"login_token": token, "email": "mod@example.com", "password": "wrong password"},
    )
    assert wrong.status_code == 401 and "The email or the password is wrong." in wrong.text


def test_approve_reject_and_keyboard_hooks_from_the_pending_queue(
    client: TestClient, desk: Any
) -> None:
    first = _post_comment(client, "A **civil** <b>remark</b>.")
    second = _post_comment(client, "Another remark.")
    csrf = _sign_in(client)
    page = client.get("/admin/queue/pending").text
    assert f'data-id="{first}"' in page and f'data-id="{second}"' in page
    assert "Every comment is pre-moderated here." in page
    assert 'data-key="a"' in page and 'data-key="r"' in page  # admin.js hooks
    assert "<strong>civil</strong>" in page and "<b>remark" not in page  # the sanitized HTML

    no_csrf = client.post(
        "/admin/act", data={"action": "approve", "id": str(first), "back": "/admin/queue/pending"}
    )
    assert no_csrf.status_code == 200 and "CSRF token" in no_csrf.text  # shown after redirect
    approved = client.post(
        "/admin/act",
        data={
            "csrf_token": csrf,
            "action": "approve",
            "id": str(first),
            "back": "/admin/queue/pending",
        },
        follow_redirects=False,
    )
    assert approved.status_code == 303
    assert approved.headers["location"].startswith("/admin/queue/pending?done=")
    rejected = client.post(
        "/admin/act",
        data={
            "csrf_token": csrf,
            "action": "reject",
            "id": str(second),
            "reason": "Off topic",
            "back": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert rejected.headers["location"].startswith("/admin/queue/pending?")  # never off-site
    thread = client.get("/api/v1/threads", params={"site": "demo", "key": "article-1"}).json()
    assert [c["id"] for c in thread["comments"]] == [first]
    assert f'data-id="{second}"' in client.get("/admin/queue/rejected").text


def test_bulk_reject_and_ban_with_rejection(client: TestClient, desk: Any) -> None:
    ids = [_post_comment(client, f"Remark number {n}.", name="Troll") for n in range(3)]
    csrf = _sign_in(client)
    bulk = client.post(
        "/admin/act",
        data={
            "csrf_token": csrf,
            "action": "approve",
            "id": [str(i) for i in ids[:2]],
            "back": "/admin/queue/pending",
        },
    )
    assert "Approved 2 of 2 comments." in bulk.text
    ban = client.post(
        "/admin/act",
        data={
            "csrf_token": csrf,
            "action": "ban",
            "id": str(ids[0]),
            "days": "7",
            "reject_comments": "1",
            "reason": "Abuse",
            "back": "/admin/queue/recent",
        },
    )
    assert "Banned the author; 3 comment(s) rejected." in ban.text
    refused = client.post(
        "/api/v1/comments",
        json={"site": "demo", "thread": "article-1", "body": "Back!", "author": {"name": "troll"}},
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "author_banned"


def test_audit_log_page_and_exports(client: TestClient, desk: Any) -> None:
    comment = _post_comment(client, "=cmd|' /C calc'!A0")
    csrf = _sign_in(client)
    client.post(
        "/admin/act",
        data={"csrf_token": csrf, "action": "reject", "id": str(comment), "reason": "=HYPERLINK()"},
    )
    page = client.get("/admin/audit")
    assert page.status_code == 200 and "reject" in page.text and "Mo" in page.text
    lines = client.get("/admin/audit", params={"format": "jsonl"}).text.splitlines()
    entry = json.loads(lines[0])
    assert (entry["action"], entry["after"], entry["actor"]) == (
        "reject",
        {"status": "rejected"},
        "Mo",
    )
    exported = client.get("/admin/audit", params={"format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    [row] = list(csv.DictReader(io.StringIO(exported.text)))
    assert row["reason"] == "'=HYPERLINK()"  # no formula injection into spreadsheets


def test_a_moderator_sees_only_their_sites_cards(client: TestClient, desk: Any) -> None:
    mine = _post_comment(client, "On demo.")
    theirs = _post_comment(client, "On other.", site="other")
    csrf = _sign_in(client, "om@example.com")
    page = client.get("/admin/queue/pending").text
    assert f'data-id="{theirs}"' in page and f'data-id="{mine}"' not in page
    assert client.get("/admin/queue/pending", params={"site": "demo"}).status_code == 404
    touched = client.post(
        "/admin/act", data={"csrf_token": csrf, "action": "approve", "id": str(mine)}
    )
    assert "There is no such comment or thread on your sites." in touched.text
    thread = client.get("/api/v1/threads", params={"site": "demo", "key": "article-1"}).json()
    assert thread["comments"] == []


def test_sign_out_and_sign_out_everywhere(client: TestClient, desk: Any) -> None:
    csrf = _sign_in(client)
    out = client.post("/admin/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.headers["location"] == "/admin/login"
    client.cookies.clear()
    gone = client.get("/admin/queue/pending", follow_redirects=False)
    assert gone.status_code == 303
    other = TestClient(client.app, base_url="http://testserver")
    _sign_in(other)
    csrf = _sign_in(client)
    client.post("/admin/logout-everywhere", data={"csrf_token": csrf})
    assert other.get("/admin/queue/pending", follow_redirects=False).status_code == 303
