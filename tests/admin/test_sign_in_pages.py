"""Readers' sign-in on the dashboard (docs/sign-in.md): the settings page shows whether it is
on (never the secret) and toggles `sign_in_required`, refused beside the field without a
secret; a moderation card of a signed-in reader's comment names the account."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.admin.support import PASSWORD, signed_in
from threadline.auth.passwords import fast_passwords
from threadline.service import accounts, reader_sign_in
from threadline.service.context import ServiceContext
from threadline.service.sites import get_site


def _ctx(client: TestClient) -> ServiceContext:
    ctx: ServiceContext = client.app.state.threadline.ctx  # type: ignore[attr-defined]
    return ctx


@pytest.fixture
def boss(client: TestClient) -> tuple[TestClient, str]:
    ctx = _ctx(client)
    ctx.passwords = fast_passwords()
    accounts.create_admin(ctx, "boss@example.com", "Boss", PASSWORD)
    return signed_in(client, "boss@example.com")


def _toggle(browser: TestClient, csrf: str, value: list[str]) -> Any:
    return browser.post(
        "/admin/sites/demo/settings",
        data={"csrf_token": csrf, "sign_in_required": value, "reason": "Subscribers only"},
        follow_redirects=False,
    )


def test_requiring_sign_in_from_the_settings_page(
    client: TestClient, boss: tuple[TestClient, str]
) -> None:
    browser, csrf = boss
    page = browser.get("/admin/sites/demo/settings").text
    assert "Reader sign-in: off" in page and "--new-secret" in page
    assert 'id="s-sign_in_required"' in page and "Only signed-in readers take part" in page

    refused = _toggle(browser, csrf, ["off", "on"])
    assert refused.status_code == 400
    assert 'id="e-sign_in_required"' in refused.text
    assert "threadline site sign-in demo --new-secret" in refused.text
    assert get_site(_ctx(client), "demo").settings.sign_in_required is False

    secret = reader_sign_in.new_reader_secret(_ctx(client), "demo", reader_sign_in.COMMAND_LINE)
    saved = _toggle(browser, csrf, ["off", "on"])
    assert saved.status_code == 303, saved.text
    assert get_site(_ctx(client), "demo").settings.sign_in_required is True
    page = browser.get("/admin/sites/demo/settings").text
    assert "Reader sign-in: on and required" in page and secret not in page
    assert 'id="s-sign_in_required" name="sign_in_required" value="on" checked' in page

    assert _toggle(browser, csrf, ["off"]).status_code == 303
    assert get_site(_ctx(client), "demo").settings.sign_in_required is False


def test_a_card_names_the_signed_in_account(
    client: TestClient, boss: tuple[TestClient, str]
) -> None:
    ctx = _ctx(client)
    reader_sign_in.new_reader_secret(ctx, "demo", reader_sign_in.COMMAND_LINE)
    token = reader_sign_in.mint_reader_token(ctx, "demo", "acct-<7>", "Ada")
    for headers, body in (({"Threadline-Reader": token}, {}), ({}, {"author": {"name": "Bo"}})):
        posted = client.post(
            "/api/v1/comments",
            json={"site": "demo", "thread": "article-1", "body": "Hello there.", **body},
            headers=headers,
        )
        assert posted.status_code == 201, posted.text
    browser, _ = boss
    page = browser.get("/admin/queue/recent").text
    assert page.count("signed in: account") == 1
    assert "signed in: account <code>acct-&lt;7&gt;</code>" in page  # escaped
