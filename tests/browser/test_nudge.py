"""Automatic moderation as the author meets it: the civility nudge (revise, or post anyway and
wait for review), civil comments that pass straight through, and readers' reports (flags)."""

from __future__ import annotations

import re

import pytest

from tests.browser.support import (
    Api,
    Browsing,
    comment,
    expect,
    fill_form,
    post_comment,
    submit_form,
)

pytestmark = pytest.mark.slow

HOSTILE = "You are a complete idiot and a disgrace, shut up you moron"
NUDGE = re.compile(r"may come across as hostile")


def test_a_hostile_comment_is_nudged_then_posted_for_review(
    browsing: Browsing, api: Api, key: str
) -> None:
    # The nudge is a 422 answer, which Chromium logs as a failed resource load.
    context = browsing.context(allowed_errors=r"status of 422 \(Unprocessable Entity\)")
    page = browsing.open(key, context=context)
    form = page.locator(".tl-compose form.tl-form-new")
    text = form.locator("textarea.tl-input-body")
    alert = form.locator(".tl-error[role=alert]")
    fill_form(form, HOSTILE, "Angry Reader")

    with page.expect_response(
        lambda r: r.url.endswith("/api/v1/comments") and r.request.method == "POST"
    ) as answered:
        form.locator("button.tl-submit").click()
    assert answered.value.status == 422
    assert answered.value.json()["error"]["code"] == "civility_nudge"
    expect(alert).to_contain_text(NUDGE)
    revise = alert.get_by_role("button", name="Revise")
    anyway = alert.get_by_role("button", name="Post anyway")
    expect(revise).to_be_visible()
    expect(anyway).to_be_visible()
    assert api.thread(key)["comments"] == []  # nothing was stored

    revise.click()
    expect(text).to_be_focused()
    expect(text).to_have_value(HOSTILE)
    expect(revise).to_be_hidden()

    # Submitted unchanged, it is nudged again; this time the author posts it anyway.
    with page.expect_response(lambda r: r.url.endswith("/api/v1/comments")) as answered:
        form.locator("button.tl-submit").click()
    assert answered.value.status == 422
    expect(anyway).to_be_visible()
    with page.expect_response(
        lambda r: r.url.endswith("/api/v1/comments") and r.request.method == "POST"
    ) as answered:
        anyway.click()
    response = answered.value
    assert response.status == 201, response.text()
    assert response.request.post_data_json["acknowledge_nudge"] is True
    assert response.request.post_data_json["body"] == HOSTILE
    held = response.json()["comment"]
    assert held["status"] == "pending"

    art = comment(page, held["id"])
    expect(art).to_be_visible()
    expect(art.locator(".tl-pending-badge")).to_have_text("Awaiting review")
    expect(art.locator(".tl-content > .tl-body")).to_have_text(HOSTILE)
    expect(alert).to_be_empty()
    expect(text).to_have_value("")
    expect(page.locator(".tl-count")).to_have_text("0 comments")  # not published
    assert api.thread(key)["comments"] == []  # others do not see it

    # A civil comment goes straight through, without a nudge.
    fill_form(form, "Thank you for this careful and well researched article.")
    civil = submit_form(page, form)
    assert civil["status"] == "published"
    expect(comment(page, civil["id"]).locator(".tl-pending-badge")).to_have_count(0)
    expect(alert).to_be_empty()
    expect(page.locator(".tl-count")).to_have_text("1 comment")


def test_a_reader_reports_a_comment(browsing: Browsing, api: Api, key: str) -> None:
    posted = api.post(key, "An ordinary comment that someone will report.")
    page = browsing.open(key)
    art = comment(page, posted["id"])
    art.locator("button.tl-flag").click()
    reason = art.locator(".tl-flagbox select.tl-flag-reason")
    expect(reason).to_be_focused()
    reason.select_option("off_topic")
    with page.expect_response(lambda r: r.url.endswith(f"/comments/{posted['id']}/flags")) as sent:
        art.locator("button.tl-flag-send").click()
    assert sent.value.status == 204
    body = sent.value.request.post_data_json
    assert body["reason"] == "off_topic"
    assert 16 <= len(body["reader"]) <= 128
    expect(page.locator(".tl-toast[role=status]")).to_have_text(
        "Thank you: the moderators will take a look."
    )
    expect(art.locator(".tl-flagbox")).to_have_count(0)
    expect(art.locator("button.tl-flag")).to_be_focused()

    # Own comments offer no Report button.
    own = post_comment(page, "My own comment, not mine to report.")
    expect(comment(page, own).locator("button.tl-flag")).to_have_count(0)
