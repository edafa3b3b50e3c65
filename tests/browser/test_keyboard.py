"""The whole flow with the keyboard alone: write and post a comment, reply to another one,
vote. Only Tab, Shift+Tab, Enter, Space and typing; no clicks."""

from __future__ import annotations

import pytest

from tests.browser.support import Api, Browsing, comment, expect, item, tab_to

pytestmark = pytest.mark.slow


def test_post_reply_and_vote_with_the_keyboard_only(browsing: Browsing, api: Api, key: str) -> None:
    other = api.post(key, "Will the night buses still stop on Harbour Street?", name="Nadia")["id"]
    page = browsing.open(key)
    form = page.locator(".tl-compose form.tl-form-new")

    # Write and post a top-level comment.
    tab_to(page, form.locator("textarea.tl-input-body"))
    page.keyboard.type("They will stop on Quay Road instead, says the timetable.")
    page.keyboard.press("Tab")
    expect(form.locator("input.tl-input-name")).to_be_focused()
    page.keyboard.type("Kim Keys")
    tab_to(page, form.locator("button.tl-submit"))
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.keyboard.press("Enter")
    mine = posted.value.json()["comment"]["id"]
    expect(comment(page, mine)).to_be_focused()  # focus follows the new comment
    expect(comment(page, mine).locator(".tl-author")).to_have_text("Kim Keys")

    # Reply to the other reader's comment (above ours: Shift+Tab back to its Reply button).
    tab_to(page, comment(page, other).locator("button.tl-reply"), backwards=True)
    page.keyboard.press("Enter")
    reply_form = item(page, other).locator(":scope > .tl-replyslot form.tl-form-reply")
    expect(reply_form.locator("textarea.tl-input-body")).to_be_focused()
    page.keyboard.type("Thanks, that is good to know.")
    tab_to(page, reply_form.locator("button.tl-submit"))
    expect(reply_form.locator("input.tl-input-name")).to_have_value("Kim Keys")  # remembered
    with page.expect_response(lambda r: r.request.method == "POST") as replied:
        page.keyboard.press("Space")
    answer = replied.value.json()["comment"]
    assert answer["parent_id"] == other
    expect(comment(page, answer["id"])).to_be_focused()
    expect(reply_form).to_have_count(0)  # the reply form closed

    # Vote the other comment up with Space, then withdraw with Enter.
    up = comment(page, other).locator("button.tl-vote-up")
    tab_to(page, up, backwards=True)
    page.keyboard.press("Space")
    expect(up).to_have_attribute("aria-pressed", "true")
    expect(comment(page, other).locator(".tl-score")).to_have_text("Score: 1")
    page.keyboard.press("Enter")
    expect(up).to_have_attribute("aria-pressed", "false")
    expect(comment(page, other).locator(".tl-score")).to_have_text("Score: 0")

    # Collapse and expand a subthread from the keyboard.
    toggle = comment(page, other).locator("button.tl-toggle")
    tab_to(page, toggle, backwards=True)
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(comment(page, answer["id"])).to_be_hidden()
    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(toggle).to_be_focused()

    stored = api.comments(key)
    assert stored[mine]["author"]["name"] == "Kim Keys"
    assert stored[answer["id"]]["parent_id"] == other
    assert stored[other]["score"] == 0
