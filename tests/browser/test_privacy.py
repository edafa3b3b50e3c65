"""The widget's "Your data" panel in a real browser: a reader downloads what they wrote and
voted here (a JSON file), erases it (after confirming; the browser forgets them too), asks
for a link by email (in the widget's language) — with the keyboard, and without serious
accessibility violations. A reader signed in with the publisher's account downloads what
they wrote from another browser too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.support import (
    Api,
    Browsing,
    axe_serious,
    comment,
    expect,
    fill_form,
    submit_answer,
    submit_form,
)
from tests.live_server import LiveServer
from threadline.app import build_context, open_store
from threadline.config import Settings
from threadline.service.reader_sign_in import mint_reader_token

pytestmark = pytest.mark.slow


def test_download_then_erase_from_the_widget(
    browsing: Browsing, api: Api, key: str, tmp_path: Path
) -> None:
    others = api.post(key, "Someone else's view", name="Other Reader")
    page = browsing.open(key)
    form = page.locator(".tl-compose form.tl-form-new")
    fill_form(form, "Please forget me later", "Forgetful Fiona")
    form.locator("input.tl-input-email").fill("fiona@example.org")
    mine = submit_form(page, form)["id"]
    with page.expect_response(lambda r: r.url.endswith("/vote")):
        comment(page, others["id"]).locator("button.tl-vote-up").click()

    panel = page.locator("details.tl-privacy")
    summary = panel.locator("summary")
    expect(summary).to_have_text("Your data")
    summary.focus()
    page.keyboard.press("Enter")  # a native disclosure: the keyboard opens it
    expect(panel).to_have_attribute("open", "")
    expect(panel).to_contain_text("(1)")

    with page.expect_download() as downloaded:
        panel.locator("button.tl-privacy-download").click()
    target = tmp_path / "data.json"
    downloaded.value.save_as(target)
    assert downloaded.value.suggested_filename == "threadline-demo-data.json"
    data = json.loads(target.read_text(encoding="utf-8"))
    assert [c["body"] for c in data["comments"]] == ["Please forget me later"]
    assert data["emails"] == ["fiona@example.org"]
    assert [(v["comment_id"], v["value"]) for v in data["votes"]] == [(others["id"], 1)]

    panel.locator("button.tl-privacy-erase").click()
    confirm = panel.locator(".tl-privacy-confirm")
    expect(confirm).to_be_visible()
    expect(panel.locator("button.tl-privacy-yes")).to_be_focused()
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_be_hidden()
    expect(panel.locator("button.tl-privacy-erase")).to_be_focused()

    panel.locator("button.tl-privacy-erase").click()
    with page.expect_response(lambda r: r.url.endswith("/api/v1/privacy/erase")) as erased:
        panel.locator("button.tl-privacy-yes").click()
    assert erased.value.status == 200
    status = panel.locator(".tl-privacy-status[role=status]")
    expect(status).to_have_text("Erased: 1 comment(s), 1 vote(s).")
    expect(panel).to_contain_text("(0)")

    # The server forgot them, the live page follows, and so did the browser.
    stored = api.comments(key)
    assert mine not in stored or stored[mine]["deleted"]
    assert stored[others["id"]]["upvotes"] == 0
    expect(comment(page, mine)).to_have_count(0)
    remembered = page.evaluate(
        "() => [localStorage.getItem('threadline:keys'), localStorage.getItem('threadline:author')]"
    )
    assert json.loads(remembered[0]) == {}
    assert json.loads(remembered[1]) == {"name": "", "email": "", "website": ""}


def test_ask_for_a_link_by_email(browsing: Browsing, key: str) -> None:
    page = browsing.open(key, lang="de", wait=False)
    expect(page.locator(".tl-count")).to_have_text("0 Kommentare")
    panel = page.locator("details.tl-privacy")
    panel.locator("summary").click()
    expect(panel.locator("summary")).to_have_text("Ihre Daten")
    panel.get_by_label("Angegebene E-Mail").fill("someone@example.org")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/privacy/requests")) as asked:
        panel.get_by_label("Angegebene E-Mail").press("Enter")
    assert asked.value.status == 202
    # The widget's language goes with the request: the mail and its page will be German.
    assert asked.value.request.post_data_json == {
        "site": "demo",
        "email": "someone@example.org",
        "lang": "de",
    }
    expect(panel.locator(".tl-privacy-status")).to_contain_text("ist ein Link an sie unterwegs")


def test_the_open_panel_has_no_serious_accessibility_violations(
    browsing: Browsing, key: str
) -> None:
    context = browsing.context(bypass_csp=True)  # to inject axe
    page = browsing.open(key, context=context)
    panel = page.locator("details.tl-privacy")
    panel.locator("summary").click()
    panel.locator("button.tl-privacy-erase").click()
    serious = axe_serious(page)
    assert not serious, serious


def _account_token(server: LiveServer, sub: str, name: str) -> str:
    """A token as the publisher's server signs it (the demo site has a secret), minted with
    the live server's database opened beside it."""
    settings = Settings(database_url=server.database_url or "", moderation_processes=0)
    store = open_store(settings)
    try:
        return mint_reader_token(build_context(settings, store), "demo", sub, name)
    finally:
        store.close()


def test_a_signed_in_reader_downloads_what_they_wrote_in_another_browser(
    browsing: Browsing, server: LiveServer, api: Api, key: str, tmp_path: Path
) -> None:
    reader = _account_token(server, "acct-7007", "Priya Raman")
    api.post(key, "Someone else's view", name="Other Reader")
    phone = browsing.open(key, reader_token=reader)
    form = phone.locator(".tl-compose form.tl-form-new")
    form.locator("textarea.tl-input-body").fill("Written on my phone")
    answer = submit_answer(phone, form)
    assert answer.status == 201, answer.text()
    written = answer.json()["comment"]["id"]

    # A laptop: another browser, no edit token of that comment, another article.
    laptop = browsing.open(key + "-other", reader_token=reader)
    panel = laptop.locator("details.tl-privacy")
    panel.locator("summary").click()
    expect(panel).to_contain_text("(0)")
    expect(panel).to_contain_text("Signed in: this covers all comments of your account")
    asked = "/api/v1/privacy/export"
    with (
        laptop.expect_download() as downloaded,
        laptop.expect_request(lambda r: r.url.endswith(asked)) as sent,
    ):
        panel.locator("button.tl-privacy-download").click()
    assert sent.value.all_headers()["threadline-reader"] == reader
    target = tmp_path / "data.json"
    downloaded.value.save_as(target)
    data = json.loads(target.read_text(encoding="utf-8"))
    assert [(c["id"], c["body"]) for c in data["comments"]] == [(written, "Written on my phone")]
    assert (data["identified_by"], data["reader_account"]) == ("reader_account", "acct-7007")

    # Signed out by the page (a single-page site): the panel says so no more.
    laptop.evaluate(
        "() => document.getElementById('threadline').removeAttribute('data-reader-token')"
    )
    expect(panel).not_to_contain_text("Signed in:")
