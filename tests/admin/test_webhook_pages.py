"""The dashboard's webhook pages through the real ASGI app: reachable from a site's settings
page by administrators only; add (the secret shown once, never again), send a test to a real
receiver, pause, resume, remove, see deliveries and retry a failed one — every form with the
session's CSRF token, every change audited; moderators are refused, signed-out visitors sent
to the login page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.admin.support import PASSWORD, signed_in
from tests.webhook_receiver import Receiver, signature_valid
from threadline.auth.passwords import fast_passwords
from threadline.domain.moderation import Grant, Role
from threadline.service import accounts
from threadline.service.context import ServiceContext
from threadline.service.sites import add_site, get_site


@pytest.fixture
def app(make_client: Any) -> TestClient:
    c: TestClient = make_client(rate_limits=False, webhook_allow_private_addresses=True)
    ctx = _ctx(c)
    ctx.passwords = fast_passwords()
    demo = add_site(ctx, "demo", "Demo News", ["https://news.example"])
    accounts.create_admin(ctx, "boss@example.com", "Boss", PASSWORD)
    accounts.create_user(ctx, "mod@example.com", "Mo", PASSWORD, (Grant(Role.MODERATOR, demo.id),))
    return c


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def _ctx(client: TestClient) -> ServiceContext:
    ctx: ServiceContext = client.app.state.threadline.ctx  # type: ignore[attr-defined]
    return ctx


def _add(boss: TestClient, csrf: str, url: str, **extra: Any) -> Any:
    return boss.post(
        "/admin/sites/demo/webhooks",
        data={"csrf_token": csrf, "url": url, "description": "Newsroom bot", **extra},
    )


def _webhook_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr id="webhook-(\d+)"', page)]


def test_an_admin_manages_webhooks_from_the_settings_page(
    app: TestClient, receiver: Receiver
) -> None:
    boss, csrf = signed_in(app, "boss@example.com")
    settings = boss.get("/admin/sites/demo/settings").text
    assert 'href="/admin/sites/demo/webhooks"' in settings
    empty = boss.get("/admin/sites/demo/webhooks")
    assert empty.status_code == 200 and "This site has no webhooks." in empty.text

    added = _add(boss, csrf, receiver.url(), events=["comment.published", "comment.held"])
    assert added.status_code == 200
    secret = re.search(r'class="secret-value">(whsec_[^<]+)<', added.text).group(1)  # type: ignore[union-attr]
    [webhook_id] = _webhook_ids(added.text)
    assert "comment.published, comment.held" in added.text
    listed = boss.get("/admin/sites/demo/webhooks").text
    assert secret not in listed and _webhook_ids(listed) == [webhook_id]  # shown once only

    tested = boss.post(
        f"/admin/webhooks/{webhook_id}",
        data={"csrf_token": csrf, "action": "test"},
        follow_redirects=False,
    )
    assert tested.status_code == 303
    assert tested.headers["location"].startswith(f"/admin/webhooks/{webhook_id}/deliveries?done=")
    [ping] = receiver.wait(1)
    assert signature_valid(secret, ping.headers["Threadline-Signature"], ping.body)
    page = boss.get(tested.headers["location"]).text
    assert "Delivered: the receiver answered HTTP 200." in page
    assert 'class="state">delivered<' in page

    for action, state in (("pause", "Paused"), ("resume", "Active")):
        done = boss.post(
            f"/admin/webhooks/{webhook_id}",
            data={"csrf_token": csrf, "action": action},
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert f"<td>{state}</td>" in boss.get(done.headers["location"]).text

    unconfirmed = boss.post(
        f"/admin/webhooks/{webhook_id}",
        data={"csrf_token": csrf, "action": "remove"},
        follow_redirects=False,
    )
    kept = boss.get(unconfirmed.headers["location"]).text
    assert "Tick the box to remove the webhook." in kept and f'id="webhook-{webhook_id}"' in kept
    removed = boss.post(
        f"/admin/webhooks/{webhook_id}",
        data={"csrf_token": csrf, "action": "remove", "confirm": "1"},
        follow_redirects=False,
    )
    assert "This site has no webhooks." in boss.get(removed.headers["location"]).text

    import json

    lines = boss.get("/admin/audit", params={"format": "jsonl"}).text
    entries = [json.loads(line) for line in lines.splitlines()]
    webhook_entries = [e for e in entries if e["action"].startswith("webhook_")]
    assert {e["action"] for e in webhook_entries} == {
        "webhook_add",
        "webhook_test",
        "webhook_pause",
        "webhook_resume",
        "webhook_remove",
    }
    assert {e["actor"] for e in webhook_entries} == {"Boss"}
    assert secret not in lines


def test_a_failed_delivery_is_retried_from_its_page(app: TestClient, receiver: Receiver) -> None:
    boss, csrf = signed_in(app, "boss@example.com")
    [webhook_id] = _webhook_ids(_add(boss, csrf, receiver.url()).text)
    receiver.answers = [410]  # the ping fails for good and turns the webhook off
    tested = boss.post(f"/admin/webhooks/{webhook_id}", data={"csrf_token": csrf, "action": "test"})
    assert "Not delivered (HTTP 410)" in tested.text and "Retry now" in tested.text
    assert "Disabled: The receiver answered 410 Gone" in tested.text
    delivery_id = int(re.search(r'action="/admin/deliveries/(\d+)/retry"', tested.text).group(1))  # type: ignore[union-attr]
    boss.post(f"/admin/webhooks/{webhook_id}", data={"csrf_token": csrf, "action": "resume"})
    retried = boss.post(
        f"/admin/deliveries/{delivery_id}/retry",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert retried.status_code == 303
    page = boss.get(retried.headers["location"]).text
    assert "Delivered: the receiver answered HTTP 200." in page and "Retry now" not in page
    assert len(receiver.wait(2)) == 2


def test_a_refused_url_keeps_the_form(app: TestClient) -> None:
    boss, csrf = signed_in(app, "boss@example.com")
    refused = _add(boss, csrf, "ftp://files.example.com/")
    assert refused.status_code == 400 and "Nothing was added" in refused.text
    assert 'value="ftp://files.example.com/"' in refused.text
    assert _webhook_ids(refused.text) == []


def test_forms_need_the_csrf_token(app: TestClient, receiver: Receiver) -> None:
    boss, _ = signed_in(app, "boss@example.com")
    forged = _add(boss, "forged", receiver.url())
    assert "CSRF" in forged.text
    assert _webhook_ids(boss.get("/admin/sites/demo/webhooks").text) == []


def test_moderators_and_visitors_are_refused(app: TestClient, receiver: Receiver) -> None:
    boss, boss_csrf = signed_in(app, "boss@example.com")
    [webhook_id] = _webhook_ids(_add(boss, boss_csrf, receiver.url()).text)
    mod, csrf = signed_in(app, "mod@example.com")
    assert "/webhooks" not in mod.get("/admin/sites/demo/settings").text
    page = mod.get("/admin/sites/demo/webhooks")
    assert page.status_code == 403 and "Only administrators" in page.text
    assert receiver.url() not in page.text
    for url, data in (
        ("/admin/sites/demo/webhooks", {"url": receiver.url()}),
        (f"/admin/webhooks/{webhook_id}", {"action": "remove", "confirm": "1"}),
        (f"/admin/webhooks/{webhook_id}", {"action": "test"}),
    ):
        refused = mod.post(url, data={"csrf_token": csrf, **data})
        assert refused.status_code == 403
    assert mod.get(f"/admin/webhooks/{webhook_id}/deliveries").status_code == 403
    assert receiver.received == []
    assert _webhook_ids(boss.get("/admin/sites/demo/webhooks").text) == [webhook_id]
    visitor = TestClient(app.app, base_url="http://testserver")
    for url in ("/admin/sites/demo/webhooks", f"/admin/webhooks/{webhook_id}/deliveries"):
        answer = visitor.get(url, follow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (303, "/admin/login")
    posted = visitor.post(
        f"/admin/webhooks/{webhook_id}",
        data={"action": "remove", "confirm": "1"},
        follow_redirects=False,
    )
    assert posted.headers["location"] == "/admin/login"
    assert get_site(_ctx(app), "demo").slug == "demo"
