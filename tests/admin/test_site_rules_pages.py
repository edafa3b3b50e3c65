"""The dashboard's site rules and thread tools through the real ASGI app: settings shown to a
site's moderators and changed by admins (errors beside their fields), word lists that take
effect on the next comment posted through the API, bans listed and lifted, threads closed,
reopened and pre-moderated — each audited, each refused to people of other sites."""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.admin.support import PASSWORD, signed_in
from threadline.auth.passwords import fast_passwords
from threadline.domain.models import SiteSettings
from threadline.domain.moderation import Grant, Role
from threadline.service import accounts
from threadline.service.context import ServiceContext
from threadline.service.sites import add_site, get_site


def _ctx(client: TestClient) -> ServiceContext:
    ctx: ServiceContext = client.app.state.threadline.ctx  # type: ignore[attr-defined]
    return ctx


@pytest.fixture
def desk(client: TestClient) -> dict[str, Any]:
    ctx = _ctx(client)
    ctx.passwords = fast_passwords()
    other = add_site(ctx, "other", "Other")
    demo = get_site(ctx, "demo")
    accounts.create_admin(ctx, "boss@example.com", "Boss", PASSWORD)
    accounts.create_user(ctx, "mod@example.com", "Mo", PASSWORD, (Grant(Role.MODERATOR, demo.id),))
    accounts.create_user(ctx, "om@example.com", "Om", PASSWORD, (Grant(Role.MODERATOR, other.id),))
    return {"demo": demo.id, "other": other.id}


def _post(client: TestClient, body: str, name: str = "Reader", thread: str = "article-1") -> Any:
    return client.post(
        "/api/v1/comments",
        json={"site": "demo", "thread": thread, "body": body, "author": {"name": name}},
    )


def _audit(client: TestClient, action: str) -> list[dict[str, Any]]:
    boss, _ = signed_in(client, "boss@example.com")
    import json

    lines = boss.get("/admin/audit", params={"format": "jsonl", "action": action}).text
    return [json.loads(line) for line in lines.splitlines()]


def test_signed_out_visitors_go_to_the_login_page(client: TestClient, desk: Any) -> None:
    for url in ("/admin/sites", "/admin/sites/demo/settings", "/admin/sites/demo/bans"):
        response = client.get(url, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/admin/login")
    for url in ("/admin/sites/demo/settings", "/admin/sites/demo/words", "/admin/bans/1/lift"):
        response = client.post(url, data={"premoderation": "on"}, follow_redirects=False)
        assert response.headers["location"] == "/admin/login"
    assert get_site(_ctx(client), "demo").settings.premoderation is False


def test_an_admin_changes_settings_through_the_form(client: TestClient, desk: Any) -> None:
    boss, csrf = signed_in(client, "boss@example.com")
    page = boss.get("/admin/sites/demo/settings")
    assert page.status_code == 200 and "Save settings" in page.text
    assert 'name="toxicity_hold" value="0.15"' in page.text
    assert "Content-Security-Policy" in page.headers and "style=" not in page.text
    saved = boss.post(
        "/admin/sites/demo/settings",
        data={
            "csrf_token": csrf,
            "premoderate_links": ["off", "on"],
            "hold_suspect_words": "off",  # shown, but unticked
            "toxicity_hold": "0.3",
            "edit_window_seconds": "600",
            "reason": "Election week",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert saved.headers["location"].startswith("/admin/sites/demo/settings?done=")
    settings = get_site(_ctx(client), "demo").settings
    assert settings.premoderate_links and not settings.hold_suspect_words
    assert (settings.toxicity_hold, settings.edit_window_seconds) == (0.3, 600)
    shown = boss.get(saved.headers["location"]).text
    assert "Saved the settings." in shown and 'name="toxicity_hold" value="0.3"' in shown
    [entry] = _audit(client, "change_settings")
    assert entry["actor"] == "Boss" and entry["reason"] == "Election week"
    assert entry["before"] == {
        "premoderate_links": False,
        "hold_suspect_words": True,
        "toxicity_hold": 0.15,
        "edit_window_seconds": 900,
    }
    assert entry["after"]["toxicity_hold"] == 0.3
    # The policy applies to the next comment: a link now waits for review.
    held = _post(client, "Read https://example.org/report first.")
    assert held.status_code == 201 and held.json()["comment"]["status"] == "pending"


def test_refused_settings_are_shown_beside_their_fields(client: TestClient, desk: Any) -> None:
    boss, csrf = signed_in(client, "boss@example.com")
    page = boss.post(
        "/admin/sites/demo/settings",
        data={"csrf_token": csrf, "toxicity_hold": "2", "page_size": "0", "spam_hold": "0.5"},
    )
    assert page.status_code == 400
    assert 'id="e-toxicity_hold"' in page.text and "toxicity_hold takes a number from 0 to 1" in (
        page.text
    )
    assert 'id="e-page_size"' in page.text and 'aria-invalid="true"' in page.text
    assert 'name="toxicity_hold" value="2"' in page.text  # what was typed stays in the form
    assert get_site(_ctx(client), "demo").settings.spam_hold == SiteSettings().spam_hold  # unsaved
    assert _audit(client, "change_settings") == []


def test_a_moderator_sees_settings_and_keeps_word_lists_but_cannot_change_settings(
    client: TestClient, desk: Any
) -> None:
    mod, csrf = signed_in(client, "mod@example.com")
    page = mod.get("/admin/sites/demo/settings").text
    assert "only administrators" in page and "Save settings" not in page
    assert re.search(r'name="toxicity_hold" value="0.15"[^>]* disabled', page)
    refused = mod.post(
        "/admin/sites/demo/settings", data={"csrf_token": csrf, "premoderation": "on"}
    )
    assert refused.status_code == 403
    assert get_site(_ctx(client), "demo").settings.premoderation is False

    assert _post(client, "The zorblax council again.").status_code == 201
    saved = mod.post(
        "/admin/sites/demo/words",
        data={"csrf_token": csrf, "banned": "zorblax\n\n", "suspect": "flurb*", "reason": "new"},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("#words")
    rejected = _post(client, "The zorblax council again.")
    assert rejected.status_code == 422
    assert rejected.json()["error"]["code"] == "comment_rejected"
    held = _post(client, "Such flurbery at the town hall.")
    assert held.json()["comment"]["status"] == "pending"
    shown = mod.get("/admin/sites/demo/settings").text
    assert ">zorblax</textarea>" in shown and ">flurb*</textarea>" in shown
    [entry] = _audit(client, "change_word_lists")
    assert (entry["actor"], entry["after"]) == (
        "Mo",
        {"banned": ["zorblax"], "suspect": ["flurb*"]},
    )


def test_a_refused_word_list_keeps_what_was_typed(client: TestClient, desk: Any) -> None:
    mod, csrf = signed_in(client, "mod@example.com")
    page = mod.post(
        "/admin/sites/demo/words", data={"csrf_token": csrf, "banned": "ok\nab*", "suspect": ""}
    )
    assert page.status_code == 400
    assert "Nothing was saved" in page.text and "three letters" in page.text
    assert ">ok\nab*</textarea>" in page.text
    assert get_site(_ctx(client), "demo").word_lists.banned == ()


def test_forms_without_the_csrf_token_change_nothing(client: TestClient, desk: Any) -> None:
    boss, _ = signed_in(client, "boss@example.com")
    response = boss.post(
        "/admin/sites/demo/words", data={"banned": "zorblax"}, follow_redirects=False
    )
    assert response.status_code == 303 and "error=" in response.headers["location"]
    assert get_site(_ctx(client), "demo").word_lists.banned == ()


def test_a_moderator_of_another_site_sees_nothing_of_it(client: TestClient, desk: Any) -> None:
    first = _post(client, "Hello.", name="Troll").json()["comment"]["id"]
    mod, mod_csrf = signed_in(client, "mod@example.com")
    mod.post(
        "/admin/act",
        data={"csrf_token": mod_csrf, "action": "ban", "id": str(first), "reason": "x"},
    )
    [ban] = re.findall(r"/admin/bans/(\d+)/lift", mod.get("/admin/sites/demo/bans").text)
    om, csrf = signed_in(client, "om@example.com")
    sites = om.get("/admin/sites").text
    assert "/admin/sites/other/settings" in sites and "/admin/sites/demo/" not in sites
    for url in ("/admin/sites/demo/settings", "/admin/sites/demo/bans", "/admin/sites/nope/bans"):
        assert om.get(url).status_code == 404
    assert (
        om.post("/admin/sites/demo/words", data={"csrf_token": csrf, "banned": "x"}).status_code
        == 404
    )
    assert om.post(f"/admin/bans/{ban}/lift", data={"csrf_token": csrf}).status_code == 404
    thread = get_thread_id(client)
    assert om.get(f"/admin/threads/{thread}").status_code == 404
    assert (
        om.post(
            f"/admin/threads/{thread}", data={"csrf_token": csrf, "action": "close"}
        ).status_code
        == 404
    )
    assert get_site(_ctx(client), "demo").word_lists.banned == ()
    assert _post(client, "Still banned?", name="Troll").status_code == 403


def get_thread_id(client: TestClient) -> int:
    with _ctx(client).store.reading() as db:
        thread = db.get_thread(1, "article-1")
    assert thread is not None
    return thread.id


def test_bans_are_listed_and_lifted(client: TestClient, desk: Any) -> None:
    first = _post(client, "Hello.", name="Troll").json()["comment"]["id"]
    mod, csrf = signed_in(client, "mod@example.com")
    mod.post(
        "/admin/act",
        data={
            "csrf_token": csrf,
            "action": "ban",
            "id": str(first),
            "days": "7",
            "reason": "Abuse",
        },
    )
    page = mod.get("/admin/sites/demo/bans").text
    assert "troll" in page and "Abuse" in page and "<td>Mo</td>" in page
    [ban] = re.findall(r"/admin/bans/(\d+)/lift", page)
    assert _post(client, "Let me in.", name="Troll").status_code == 403
    lifted = mod.post(
        f"/admin/bans/{ban}/lift",
        data={"csrf_token": csrf, "reason": "Apologised", "back": "/admin/sites/demo/bans"},
    )
    assert "Lifted the ban on troll." in lifted.text and "No bans in force." in lifted.text
    assert _post(client, "Let me in.", name="Troll").status_code == 201
    again = mod.post(
        f"/admin/bans/{ban}/lift",
        data={"csrf_token": csrf, "back": "//evil.example/"},
        follow_redirects=False,
    )
    assert again.headers["location"].startswith("/admin/sites?error=")
    [entry] = _audit(client, "lift_ban")
    assert (entry["actor"], entry["target_id"], entry["reason"]) == ("Mo", ban, "Apologised")


def test_thread_tools_from_a_card_and_from_the_thread_filter(client: TestClient, desk: Any) -> None:
    _post(client, "A civil remark.")
    thread = get_thread_id(client)
    mod, csrf = signed_in(client, "mod@example.com")
    queue = mod.get("/admin/queue/recent").text
    assert f'href="/admin/threads/{thread}"' in queue
    filtered = mod.get("/admin/queue/recent", params={"site": "demo", "thread": "article-1"})
    assert "/admin/thread?site=demo&amp;key=article-1" in filtered.text
    found = mod.get("/admin/thread?site=demo&key=article-1", follow_redirects=False)
    assert found.headers["location"] == f"/admin/threads/{thread}"
    assert mod.get("/admin/thread?site=demo&key=nope").status_code == 404

    closed = mod.post(
        f"/admin/threads/{thread}",
        data={"csrf_token": csrf, "action": "close", "reason": "Off the rails"},
    )
    assert "Closed the thread." in closed.text and "Reopen thread" in closed.text
    refused = _post(client, "More?")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "thread_closed"
    mod.post(f"/admin/threads/{thread}", data={"csrf_token": csrf, "action": "reopen"})
    premod = mod.post(
        f"/admin/threads/{thread}", data={"csrf_token": csrf, "action": "premoderate"}
    )
    assert "pre-moderated" in premod.text and "Stop pre-moderating" in premod.text
    held = _post(client, "Another civil remark.")
    assert held.status_code == 201 and held.json()["comment"]["status"] == "pending"
    actions = [e["action"] for e in _audit(client, "")]
    assert actions[:3] == ["premoderate_thread", "reopen_thread", "close_thread"]
    unknown = mod.post(f"/admin/threads/{thread}", data={"csrf_token": csrf, "action": "nuke"})
    assert "Unknown thread action." in unknown.text
    assert mod.get("/admin/threads/99999999999999999999").status_code == 404
