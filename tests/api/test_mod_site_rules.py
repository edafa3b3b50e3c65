"""A site's rules and bans over the moderation API, through the real ASGI app: who may see
and change what, validation errors in the one error shape, the site's own words applying to
the next comment, bans listed and lifted — every response checked against the OpenAPI
document."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from tests.api.support import COMMENTS, assert_documented, assert_error
from threadline.auth.passwords import fast_passwords
from threadline.domain.moderation import Grant, Role
from threadline.service import accounts
from threadline.service.context import ServiceContext
from threadline.service.sites import add_site, get_site

PASSWORD = "correct horse battery staple"
SESSION = "/api/v1/mod/session"
SETTINGS = "/api/v1/mod/settings"
WORDS = "/api/v1/mod/word-lists"
BANS = "/api/v1/mod/bans"


def _ctx(client: TestClient) -> ServiceContext:
    ctx: ServiceContext = client.app.state.threadline.ctx  # type: ignore[attr-defined]
    return ctx


@pytest.fixture
def desk(client: TestClient) -> None:
    ctx = _ctx(client)
    ctx.passwords = fast_passwords()
    other = add_site(ctx, "other", "Other News")
    demo = get_site(ctx, "demo")
    accounts.create_admin(ctx, "boss@example.com", "Boss", PASSWORD)
    accounts.create_user(ctx, "mod@example.com", "Mo", PASSWORD, (Grant(Role.MODERATOR, demo.id),))
    accounts.create_user(ctx, "om@example.com", "Om", PASSWORD, (Grant(Role.MODERATOR, other.id),))
    accounts.create_user(ctx, "staff@example.com", "St", PASSWORD, (Grant(Role.STAFF, demo.id),))


def _as(client: TestClient, email: str) -> tuple[TestClient, dict[str, str]]:
    """A client of its own signed in as `email`, and the headers its writes need."""
    own = TestClient(client.app, base_url="http://testserver")
    response = own.post(SESSION, json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return own, {"X-CSRF-Token": response.json()["csrf_token"]}


def _post(client: TestClient, body: str, name: str = "R") -> httpx.Response:
    payload = {"site": "demo", "thread": "article-1", "body": body, "author": {"name": name}}
    return client.post(COMMENTS, json=payload)


def test_settings_are_shown_to_the_sites_moderators_and_changed_by_admins(
    client: TestClient, desk: None
) -> None:
    mod, mod_headers = _as(client, "mod@example.com")
    shown = mod.get(SETTINGS, params={"site": "demo"})
    assert shown.status_code == 200, shown.text
    assert_documented("GET", SETTINGS, shown)
    data = shown.json()
    assert data["site"] == "demo" and data["can_change_settings"] is False
    assert data["settings"]["toxicity_hold"] == 0.15 and data["settings"]["premoderation"] is False
    assert data["word_lists"]["banned"] == [] and data["word_lists"]["packaged_banned"] > 0
    refused = mod.patch(
        SETTINGS,
        params={"site": "demo"},
        json={"settings": {"premoderation": True}},
        headers=mod_headers,
    )
    assert_error(refused, 403, "not_an_admin")
    assert_documented("PATCH", SETTINGS, refused)

    boss, headers = _as(client, "boss@example.com")
    changed = boss.patch(
        SETTINGS,
        params={"site": "demo"},
        json={
            "settings": {
                "premoderate_new_authors": 2,
                "toxicity_hold": 0.25,
                "keep_url_query": True,
            },
            "reason": "Calibrated",
        },
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    assert_documented("PATCH", SETTINGS, changed)
    assert changed.json()["settings"]["toxicity_hold"] == 0.25
    assert changed.json()["can_change_settings"] is True
    settings = get_site(_ctx(client), "demo").settings
    assert (settings.premoderate_new_authors, settings.keep_url_query) == (2, True)
    audit = boss.get("/api/v1/mod/audit", params={"action": "change_settings"}).json()
    [entry] = audit["entries"]
    assert entry["actor"] == "Boss" and entry["reason"] == "Calibrated"
    assert entry["before"] == {
        "premoderate_new_authors": 0,
        "toxicity_hold": 0.15,
        "keep_url_query": False,
    }
    # The policy applies from the next comment on: a new author's first comment waits.
    held = _post(client, "A civil remark.", name="Newcomer")
    assert held.status_code == 201 and held.json()["comment"]["status"] == "pending"


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"toxicity_hold": 1.5}, "toxicity_hold"),
        ({"premoderation": 1.5}, "premoderation"),
        ({"page_size": True}, "page_size"),
        ({"page_size": 0.5}, "page_size"),
        ({"colour": 1}, "colour"),
    ],
)
def test_refused_settings_answer_422_with_the_field(
    client: TestClient, desk: None, given: dict[str, Any], field: str
) -> None:
    boss, headers = _as(client, "boss@example.com")
    response = boss.patch(
        SETTINGS, params={"site": "demo"}, json={"settings": given}, headers=headers
    )
    error = assert_error(response, 422, "invalid_setting")
    assert error["field"] == field
    assert_documented("PATCH", SETTINGS, response)


def test_requests_without_a_site_or_with_a_bad_body_are_refused(
    client: TestClient, desk: None
) -> None:
    boss, headers = _as(client, "boss@example.com")
    missing = boss.get(SETTINGS)
    assert_error(missing, 400, "malformed_request")
    assert_documented("GET", SETTINGS, missing)
    unknown = boss.put(WORDS, params={"site": "demo"}, json={"banned": [], "x": 1}, headers=headers)
    assert_error(unknown, 422, "unknown_field")
    too_long = boss.put(
        WORDS, params={"site": "demo"}, json={"banned": ["x" * 101]}, headers=headers
    )
    assert_error(too_long, 422, "invalid_input")
    no_csrf = boss.put(WORDS, params={"site": "demo"}, json={"banned": ["zorblax"]})
    assert_error(no_csrf, 403, "csrf_failed")
    assert get_site(_ctx(client), "demo").word_lists.banned == ()


def test_a_moderators_word_list_rejects_the_next_comment(client: TestClient, desk: None) -> None:
    assert _post(client, "What a zorblax this council is.").status_code == 201
    mod, headers = _as(client, "mod@example.com")
    saved = mod.put(
        WORDS,
        params={"site": "demo"},
        json={"banned": ["zorblax"], "suspect": ["flurb*"], "reason": "New insult"},
        headers=headers,
    )
    assert saved.status_code == 200, saved.text
    assert_documented("PUT", WORDS, saved)
    assert saved.json()["word_lists"]["banned"] == ["zorblax"]
    rejected = _post(client, "What a ZORBLAX this council is.")
    assert_error(rejected, 422, "comment_rejected")
    held = _post(client, "Flurbery, all of it.")
    assert held.status_code == 201 and held.json()["comment"]["status"] == "pending"
    refused = mod.put(WORDS, params={"site": "demo"}, json={"suspect": ["ab*"]}, headers=headers)
    error = assert_error(refused, 422, "invalid_word")
    assert error["field"] == "suspect"
    # Keeping one list while replacing the other.
    mod.put(WORDS, params={"site": "demo"}, json={"banned": []}, headers=headers)
    assert get_site(_ctx(client), "demo").word_lists.suspect == ("flurb*",)
    assert _post(client, "What a zorblax this council is!").status_code == 201


def test_bans_are_listed_and_lifted(client: TestClient, desk: None) -> None:
    comment = _post(client, "Hello.", name="Troll").json()["comment"]
    mod, headers = _as(client, "mod@example.com")
    banned = mod.post(
        f"/api/v1/mod/comments/{comment['id']}/ban",
        json={"reason": "Abuse", "days": 7},
        headers=headers,
    )
    assert banned.status_code == 201, banned.text
    listed = mod.get(BANS, params={"site": "demo"})
    assert listed.status_code == 200
    assert_documented("GET", BANS, listed)
    [ban] = listed.json()["bans"]
    assert (ban["author"], ban["reason"], ban["banned_by"]) == ("troll", "Abuse", "Mo")
    assert ban["ends_at"] is not None and ban["lifted_at"] is None
    assert _post(client, "Let me in.", name="Troll").status_code == 403

    lift = f"/api/v1/mod/bans/{ban['id']}/lift"
    lifted = mod.post(lift, json={"reason": "Apologised"}, headers=headers)
    assert lifted.status_code == 200, lifted.text
    assert_documented("POST", "/api/v1/mod/bans/{id}/lift", lifted)
    assert lifted.json()["lifted_at"] is not None
    assert mod.get(BANS, params={"site": "demo"}).json()["bans"] == []
    assert _post(client, "Let me in.", name="Troll").status_code == 201
    again = mod.post(lift, json={}, headers=headers)
    assert_error(again, 409, "ban_not_active")
    assert_documented("POST", "/api/v1/mod/bans/{id}/lift", again)
    [entry] = mod.get("/api/v1/mod/audit", params={"action": "lift_ban"}).json()["entries"]
    assert (entry["actor"], entry["target_type"], entry["reason"]) == ("Mo", "ban", "Apologised")


def test_people_of_other_sites_and_readers_are_refused(client: TestClient, desk: None) -> None:
    comment = _post(client, "Hello.", name="Troll").json()["comment"]
    mod, mod_headers = _as(client, "mod@example.com")
    ban = mod.post(f"/api/v1/mod/comments/{comment['id']}/ban", json={}, headers=mod_headers).json()
    for email in ("om@example.com", "staff@example.com"):
        other, headers = _as(client, email)
        site = {"site": "demo"}
        attempts = [
            ("GET", SETTINGS, other.get(SETTINGS, params=site)),
            ("GET", BANS, other.get(BANS, params=site)),
            (
                "PATCH",
                SETTINGS,
                other.patch(
                    SETTINGS,
                    params=site,
                    json={"settings": {"premoderation": True}},
                    headers=headers,
                ),
            ),
            ("PUT", WORDS, other.put(WORDS, params=site, json={"banned": ["x1"]}, headers=headers)),
            (
                "POST",
                "/api/v1/mod/bans/{id}/lift",
                other.post(f"/api/v1/mod/bans/{ban['ban_id']}/lift", json={}, headers=headers),
            ),
        ]
        for method, path, response in attempts:
            assert response.status_code == 404, (email, method, path, response.text)
            assert response.json()["error"]["code"] in ("site_not_found", "ban_not_found")
            assert_documented(method, path, response)
    # A reader without a session.
    for response in (
        client.get(SETTINGS, params={"site": "demo"}),
        client.get(BANS, params={"site": "demo"}),
        client.post(f"/api/v1/mod/bans/{ban['ban_id']}/lift", json={}),
    ):
        assert_error(response, 401, "auth_required")
    site = get_site(_ctx(client), "demo")
    assert site.word_lists.banned == () and site.settings.premoderation is False
    assert _post(client, "Still banned?", name="Troll").status_code == 403
