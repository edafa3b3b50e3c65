"""/admin/alerts ("My alerts") through the real ASGI app: a moderator sees the sites they
moderate and chooses how often to hear about each; the form needs the session's CSRF token
and our own origin, and a site they do not moderate is refused."""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.testclient import TestClient

from threadline.auth.passwords import fast_passwords
from threadline.domain.moderation import Grant, Role
from threadline.service import accounts
from threadline.service.context import ServiceContext
from threadline.service.sites import add_site

PASSWORD = "correct horse battery staple"


def _ctx(client: TestClient) -> ServiceContext:
    ctx: ServiceContext = client.app.state.threadline.ctx  # type: ignore[attr-defined]
    return ctx


@pytest.fixture
def desk(client: TestClient) -> dict[str, Any]:
    ctx = _ctx(client)
    ctx.passwords = fast_passwords()
    other = add_site(ctx, "other", "Other News")
    with ctx.store.reading() as db:
        demo = db.get_site("demo")
    assert demo is not None
    mod = accounts.create_user(
        ctx, "mod@example.com", "Mo", PASSWORD, (Grant(Role.MODERATOR, demo.id),)
    )
    accounts.create_admin(ctx, "boss@example.com", "Boss", PASSWORD)
    return {"demo": demo.id, "other": other.id, "mod": mod.user.id}


def _sign_in(client: TestClient, email: str = "mod@example.com") -> str:
    form = client.get("/admin/login")
    token = re.search(r'name="login_token" value="([^"]*)"', form.text)
    assert token
    done = client.post(
        "/admin/login",
        data={"login_token": token.group(1), "email": email, "password": PASSWORD},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    page = client.get("/admin/alerts")
    assert page.status_code == 200
    csrf = re.search(r'name="csrf_token" value="([^"]*)"', page.text)
    assert csrf
    return csrf.group(1)


def _wishes(client: TestClient, user_id: int) -> list[tuple[int, str]]:
    with _ctx(client).store.reading() as db:
        return [(w.site_id, w.every) for w in db.desk_alerts_of(user_id)]


def _selected(page: str, slug: str) -> str:
    form = re.search(rf'name="site" value="{slug}">.*?</form>', page, flags=re.DOTALL)
    assert form, page
    chosen = re.search(r'<option value="(\w+)" selected>', form.group(0))
    assert chosen
    return chosen.group(1)


def test_a_moderator_chooses_alerts_for_their_site(client: TestClient, desk: Any) -> None:
    csrf = _sign_in(client)
    page = client.get("/admin/alerts")
    assert '<a href="/admin/alerts">My alerts</a>' in page.text  # in the dashboard's header
    assert "Demo News" in page.text and "Other News" not in page.text
    assert _selected(page.text, "demo") == "off"

    done = client.post(
        "/admin/alerts",
        data={"csrf_token": csrf, "site": "demo", "every": "immediate"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"].startswith("/admin/alerts?done=")
    assert _wishes(client, desk["mod"]) == [(desk["demo"], "immediate")]
    page = client.get(done.headers["location"])
    assert "Alerts for demo: as they come." in page.text
    assert _selected(page.text, "demo") == "immediate"

    client.post("/admin/alerts", data={"csrf_token": csrf, "site": "demo", "every": "off"})
    assert _wishes(client, desk["mod"]) == []


def test_the_form_needs_the_csrf_token_and_our_origin(client: TestClient, desk: Any) -> None:
    csrf = _sign_in(client)
    for data, headers in (
        ({"site": "demo", "every": "daily"}, {}),
        ({"csrf_token": "forged", "site": "demo", "every": "daily"}, {}),
        (
            {"csrf_token": csrf, "site": "demo", "every": "daily"},
            {"Origin": "https://evil.example"},
        ),
    ):
        refused = client.post("/admin/alerts", data=data, headers=headers, follow_redirects=False)
        assert refused.status_code == 303
        assert refused.headers["location"].startswith("/admin/alerts?error=")
    assert _wishes(client, desk["mod"]) == []


def test_a_site_they_do_not_moderate_or_a_bad_choice_is_refused(
    client: TestClient, desk: Any
) -> None:
    csrf = _sign_in(client)
    for site, every in (("other", "daily"), ("nope", "daily"), ("demo", "weekly")):
        refused = client.post(
            "/admin/alerts",
            data={"csrf_token": csrf, "site": site, "every": every},
            follow_redirects=False,
        )
        assert refused.headers["location"].startswith("/admin/alerts?error="), site
    assert _wishes(client, desk["mod"]) == []


def test_an_admin_sees_every_site_and_strangers_sign_in_first(
    client: TestClient, desk: Any
) -> None:
    anonymous = client.get("/admin/alerts", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/admin/login"
    posted = client.post(
        "/admin/alerts", data={"site": "demo", "every": "daily"}, follow_redirects=False
    )
    assert posted.headers["location"] == "/admin/login"
    csrf = _sign_in(client, "boss@example.com")
    page = client.get("/admin/alerts")
    assert "Demo News" in page.text and "Other News" in page.text
    client.post("/admin/alerts", data={"csrf_token": csrf, "site": "other", "every": "hourly"})
    with _ctx(client).store.reading() as db:
        boss = db.user_with_password("boss@example.com")
        assert boss is not None
        assert [(w.site_id, w.every) for w in db.desk_alerts_of(boss[0].id)] == [
            (desk["other"], "hourly")
        ]


def test_the_page_says_when_no_mail_server_would_send_the_alerts(
    client: TestClient, desk: Any, make_client: Any
) -> None:
    _sign_in(client)
    assert "No mail server is configured" in client.get("/admin/alerts").text

    # The same database, served by an app with a mail server.
    mailing = make_client(rate_limits=False, smtp_host="127.0.0.1", mail_from="desk@example.com")
    _ctx(mailing).passwords = fast_passwords()
    _sign_in(mailing)
    page = mailing.get("/admin/alerts").text
    assert "Demo News" in page and "No mail server is configured" not in page
