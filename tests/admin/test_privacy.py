"""/admin/privacy: administrators download and erase a reader's data by email (CSRF-checked
forms, audited under a pseudonym); moderators and visitors cannot."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.admin.test_dashboard import PASSWORD, _ctx, _field, _sign_in
from tests.privacy_scan import find_everywhere
from threadline.auth.passwords import fast_passwords
from threadline.config import Settings
from threadline.domain.moderation import Grant, Role
from threadline.service import accounts

EMAIL = "dana.data@example.org"
NAME = "Dana Datenschutz"


@pytest.fixture
def people(client: TestClient) -> None:
    ctx = _ctx(client)
    ctx.passwords = fast_passwords()
    accounts.create_admin(ctx, "boss@example.com", "Boss", PASSWORD)
    with ctx.store.reading() as db:
        demo = db.get_site("demo")
    assert demo is not None
    accounts.create_user(ctx, "mod@example.com", "Mo", PASSWORD, (Grant(Role.MODERATOR, demo.id),))
    for body in ("First", "Second"):
        response = client.post(
            "/api/v1/comments",
            json={
                "site": "demo",
                "thread": "article-1",
                "body": body,
                "author": {"name": NAME, "email": EMAIL},
            },
        )
        assert response.status_code == 201


def test_admins_download_and_erase_by_email(
    client: TestClient, people: None, settings: Settings
) -> None:
    _sign_in(client, "boss@example.com")
    page = client.get("/admin/privacy")
    assert page.status_code == 200
    assert 'href="/admin/privacy"' in page.text and 'value="demo"' in page.text
    csrf = _field(page.text, "csrf_token")

    form = {"csrf_token": csrf, "site": "demo", "email": EMAIL}
    download = client.post("/admin/privacy/export", data=form)
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment")
    assert [c["body"] for c in download.json()["comments"]] == ["First", "Second"]

    unconfirmed = client.post("/admin/privacy/erase", data=form, follow_redirects=False)
    assert unconfirmed.status_code == 303 and "error=" in unconfirmed.headers["location"]
    erased = client.post("/admin/privacy/erase", data=form | {"confirm": "1"})
    assert erased.status_code == 200 and "2 comment(s) removed" in erased.text
    assert find_everywhere(settings.database_url, [EMAIL, NAME]) == []

    audit = client.get("/admin/audit", params={"action": "privacy_erase"})
    assert "privacy_erase" in audit.text and "person:" in audit.text and "Boss" in audit.text


def test_moderators_and_visitors_cannot(client: TestClient, people: None) -> None:
    assert client.get("/admin/privacy", follow_redirects=False).headers["location"] == (
        "/admin/login"
    )
    csrf = _sign_in(client, "mod@example.com")
    assert 'href="/admin/privacy"' not in client.get("/admin/queue/pending").text
    assert client.get("/admin/privacy").status_code == 403
    form = {"csrf_token": csrf, "site": "demo", "email": EMAIL, "confirm": "1"}
    for action in ("export", "erase"):
        refused = client.post(f"/admin/privacy/{action}", data=form)
        assert refused.status_code == 403 and "administrators" in refused.text
    still = client.get("/api/v1/threads", params={"site": "demo", "key": "article-1"})
    assert [c["author"]["name"] for c in still.json()["comments"]] == [NAME, NAME]


def test_forms_need_the_session_csrf_token(client: TestClient, people: None) -> None:
    _sign_in(client, "boss@example.com")
    form = {"csrf_token": "forged", "site": "demo", "email": EMAIL, "confirm": "1"}
    assert client.post("/admin/privacy/erase", data=form).status_code == 403
    assert client.post("/admin/privacy/export", data=form).status_code == 403
