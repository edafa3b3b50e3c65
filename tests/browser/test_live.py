"""Two readers on the same article see each other's comments, edits and deletions live
(Server-Sent Events), new comments waiting behind the "new comments" button."""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import Route

from tests.browser.support import (
    Api,
    Browsing,
    comment,
    expect,
    item,
    post_comment,
    reply_to,
    score_is,
    submit_form,
)

pytestmark = pytest.mark.slow


def test_two_readers_see_each_other_live(browsing: Browsing, api: Api, key: str) -> None:
    seeded = api.post(key, "The council meets again on Thursday.", name="Desk Editor")["id"]
    alice = browsing.open(key)
    bob = browsing.open(key)  # another browser context: another reader
    for page in (alice, bob):
        expect(comment(page, seeded)).to_be_visible()
        expect(page.locator("button.tl-new")).to_be_hidden()

    # Alice's own comment appears at once on her page; Bob is offered it behind a button.
    mine = post_comment(alice, "I will be there with the traders' petition.", name="Alice")
    expect(comment(alice, mine)).to_be_visible()
    expect(alice.locator("button.tl-new")).to_be_hidden()
    fresh = bob.locator("button.tl-new")
    expect(fresh).to_have_text("1 new comment — show")
    expect(bob.locator(".tl-count")).to_have_text("2 comments")
    expect(comment(bob, mine)).to_have_count(0)  # the page does not move under the reader
    fresh.click()
    expect(comment(bob, mine)).to_be_visible()
    expect(comment(bob, mine)).to_have_class(re.compile(r"\btl-fresh\b"))
    expect(comment(bob, mine).locator(".tl-author")).to_have_text("Alice")
    expect(fresh).to_be_hidden()
    expect(bob.locator(".tl-toast[role=status]")).to_have_text("1 new comment shown.")

    # Bob answers; the reply reaches Alice under the right parent.
    answer = reply_to(bob, mine, "Count me in, I can bring a printer.", name="Bob")
    expect(alice.locator("button.tl-new")).to_have_text("1 new comment — show")
    alice.locator("button.tl-new").click()
    expect(
        item(alice, mine).locator(f":scope > ul.tl-replies > li.tl-item[data-id='{answer}']")
    ).to_be_visible()
    expect(alice.locator(".tl-count")).to_have_text("3 comments")

    # Two comments from elsewhere wait together.
    api.post(key, "A third voice.", name="Carol")
    api.post(key, "And a fourth.", name="Dave")
    expect(alice.locator("button.tl-new")).to_have_text("2 new comments — show")
    expect(bob.locator("button.tl-new")).to_have_text("2 new comments — show")
    bob.locator("button.tl-new").click()
    expect(bob.locator("ul.tl-list > li.tl-item")).to_have_count(4)

    # Alice edits her comment: Bob's page shows the new text in place, no button needed.
    comment(alice, mine).locator("button.tl-edit").click()
    form = comment(alice, mine).locator(".tl-editslot form.tl-form-edit")
    form.locator("textarea.tl-input-body").fill("I will be there with the petition (412 names).")
    with alice.expect_response(lambda r: r.request.method == "PATCH"):
        form.locator("button.tl-submit").click()
    expect(comment(bob, mine).locator(".tl-content > .tl-body")).to_have_text(
        "I will be there with the petition (412 names)."
    )
    expect(comment(bob, mine).locator(".tl-edited")).to_be_visible()

    # Bob deletes his reply: it disappears from Alice's page.
    comment(bob, answer).locator("button.tl-delete").click()
    comment(bob, answer).locator("button.tl-confirm-delete").click()
    expect(comment(bob, answer)).to_have_count(0)
    expect(comment(alice, answer)).to_have_count(0)
    expect(alice.locator(".tl-count")).to_have_text("4 comments")


def test_own_comment_from_another_tab_appears_directly(browsing: Browsing, key: str) -> None:
    """The same reader in two tabs: their own comment is shown at once in the other tab."""
    first = browsing.open(key)
    second = browsing.open(key, context=first.context)
    form = first.locator(".tl-compose form.tl-form-new")
    form.locator("textarea.tl-input-body").fill("Posted in one tab, seen in the other.")
    form.locator("input.tl-input-name").fill("Tab Reader")
    posted = submit_form(first, form)
    expect(comment(second, posted["id"])).to_be_visible()
    expect(comment(second, posted["id"]).locator("button.tl-edit")).to_be_visible()
    expect(second.locator("button.tl-new")).to_be_hidden()
    expect(second.locator(".tl-count")).to_have_text("1 comment")


def test_a_late_live_event_never_takes_a_vote_back(browsing: Browsing, api: Api, key: str) -> None:
    """The reader's stream and their vote race over the network: an event read before the vote
    can arrive after its answer. That older copy of the comment must not win (the score jumped
    back to the old count). The race is made certain here: every time the widget (re)connects,
    its stream replays the comment as it was when the page loaded."""
    cid = api.post(key, "Should the library open on Sundays?", name="Poll Person")["id"]
    before = api.comments(key)[cid]
    assert before["score"] == 0
    frame = f"retry: 100\nid: {before['version']}\nevent: comment\ndata: {json.dumps(before)}\n\n"
    connects: list[str] = []

    def replay_the_old_copy(route: Route) -> None:
        connects.append(route.request.url)
        route.fulfill(
            status=200,
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"},
            body=frame,
        )

    context = browsing.context()
    context.route(re.compile(r".*/api/v1/threads/events\?.*"), replay_the_old_copy)
    page = browsing.open(key, context=context)
    up = comment(page, cid).locator("button.tl-vote-up")
    shown = comment(page, cid).locator(".tl-score")
    expect(shown).to_have_text(score_is(0))
    up.click()
    expect(up).to_have_attribute("aria-pressed", "true")
    expect(shown).to_have_text(score_is(1))
    voted_at = len(connects)
    # Two reconnects later the old copy has been delivered (and handled) after the vote.
    deadline = time.monotonic() + 15
    while len(connects) < voted_at + 2 and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert len(connects) >= voted_at + 2, connects
    expect(shown).to_have_text(score_is(1))
    assert api.comments(key)[cid]["version"] > before["version"]


def test_a_late_live_event_never_brings_a_deleted_comment_back(
    browsing: Browsing, api: Api, key: str
) -> None:
    """The reader deletes their own comment; an event read before the deletion arrives after
    it. The comment must stay gone (it came back as "1 new comment"). The reader's stream is
    played here: empty at first, then, on every reconnect, the comment as it was posted."""
    api.post(key, "Something to reply to.", name="Desk Editor")
    stream = {"frame": "retry: 100\n\n"}
    connects: list[str] = []

    def replay(route: Route) -> None:
        connects.append(route.request.url)
        route.fulfill(
            status=200,
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"},
            body=stream["frame"],
        )

    context = browsing.context()
    context.route(re.compile(r".*/api/v1/threads/events\?.*"), replay)
    page = browsing.open(key, context=context)
    mine = post_comment(page, "I take this back in a minute.", name="Second Thoughts")
    before = api.comments(key)[mine]
    stream["frame"] = (
        f"retry: 100\nid: {before['version']}\nevent: comment\ndata: {json.dumps(before)}\n\n"
    )
    comment(page, mine).locator("button.tl-delete").click()
    comment(page, mine).locator("button.tl-confirm-delete").click()
    expect(comment(page, mine)).to_have_count(0)
    expect(page.locator(".tl-count")).to_have_text("1 comment")
    deleted_at = len(connects)
    deadline = time.monotonic() + 15
    while len(connects) < deleted_at + 2 and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert len(connects) >= deleted_at + 2, connects
    expect(page.locator("button.tl-new")).to_be_hidden()
    expect(comment(page, mine)).to_have_count(0)
    expect(page.locator(".tl-count")).to_have_text("1 comment")
