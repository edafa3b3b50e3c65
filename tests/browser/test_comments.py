"""A reader's actions in a real browser: post, reply deep, edit/delete, vote, sort, collapse,
and opening a permalink to a comment that is not on the first page."""

from __future__ import annotations

import re

import pytest

from tests.browser.support import (
    Api,
    Browsing,
    Page,
    comment,
    expect,
    item,
    post_comment,
    reply_to,
    score_is,
    submit_form,
    wait_loaded,
)

pytestmark = pytest.mark.slow


def has_class(name: str) -> re.Pattern[str]:
    return re.compile(rf"(^|\s){re.escape(name)}(\s|$)")


def test_post_a_top_level_comment(browsing: Browsing, api: Api, key: str) -> None:
    page = browsing.open(key)
    expect(page.locator(".tl-count")).to_have_text("0 comments")
    expect(page.locator(".tl-state")).to_have_text("No comments yet. Start the conversation.")

    form = page.locator(".tl-compose form.tl-form-new")
    text = form.locator("textarea.tl-input-body")
    text.fill("Hello from a **real** browser.")
    expect(form.locator(".tl-counter")).to_have_text("30 / 10,000 characters")
    form.locator("button.tl-tab-preview").click()
    expect(form.locator("button.tl-tab-preview")).to_have_attribute("aria-selected", "true")
    expect(form.locator(".tl-preview strong")).to_have_text("real")
    form.locator("button.tl-tab-write").click()
    expect(text).to_be_visible()
    form.locator("input.tl-input-name").fill("Ada Reader")
    form.locator("input.tl-input-email").fill("ada@example.org")

    posted = submit_form(page, form)
    art = comment(page, posted["id"])
    expect(art).to_be_visible()
    expect(art.locator(".tl-content > .tl-body strong")).to_have_text("real")
    expect(art.locator(".tl-author")).to_have_text("Ada Reader")
    expect(art.locator(".tl-you")).to_be_visible()
    expect(item(page, posted["id"])).to_have_class(has_class("tl-own"))
    expect(item(page, posted["id"])).to_have_attribute("aria-level", "1")
    expect(art.locator("a.tl-permalink > time")).to_have_attribute("datetime", posted["created_at"])
    expect(art).to_be_focused()  # focus moves to what was just posted
    expect(page.locator(".tl-count")).to_have_text("1 comment")
    expect(page.locator(".tl-toast[role=status]")).to_have_text("Your comment was posted.")
    expect(page.locator(".tl-state")).to_be_hidden()
    expect(text).to_have_value("")  # the form is ready for the next comment

    stored = api.comments(key)[posted["id"]]
    assert "<strong>real</strong>" in stored["html"]
    assert stored["author"]["name"] == "Ada Reader"

    page.reload()
    wait_loaded(page)
    expect(art.locator(".tl-content > .tl-body")).to_have_text("Hello from a real browser.")
    expect(art.locator("button.tl-edit")).to_be_visible()  # still the reader's own
    expect(form.locator("input.tl-input-name")).to_have_value("Ada Reader")  # remembered
    expect(form.locator("input.tl-input-email")).to_have_value("ada@example.org")


def test_replies_nest_to_depth_eight_with_capped_indentation(browsing: Browsing, key: str) -> None:
    page = browsing.open(key)
    ids = [post_comment(page, "Depth 0: where the conversation starts.", name="Reader 0")]
    for depth in range(1, 9):
        ids.append(
            reply_to(
                page, ids[-1], f"Depth {depth}: an answer to the comment above.", f"Reader {depth}"
            )
        )

    xs = []
    for depth, cid in enumerate(ids):
        expect(item(page, cid)).to_have_attribute("aria-level", str(depth + 1))
        box = comment(page, cid).bounding_box()
        assert box is not None
        xs.append(box["x"])
    # Six visual levels (data-max-depth 6): depths 0–5 step right, deeper ones stay level.
    for depth in range(1, 6):
        assert xs[depth] > xs[depth - 1] + 5, (depth, xs)
    for depth in range(6, 9):
        assert xs[depth] == pytest.approx(xs[5], abs=0.5), (depth, xs)

    for depth, cid in enumerate(ids):
        li, art = item(page, cid), comment(page, cid)
        replies = page.locator(f"ul#tl-r-{cid}.tl-replies")
        if depth >= 6:
            expect(li).to_have_class(has_class("tl-deep"))
            link = art.locator(".tl-replyto-link")
            expect(link).to_be_visible()
            expect(link).to_have_attribute("href", f"#comment-{ids[depth - 1]}")
            expect(link).to_have_text(f"Reader {depth - 1}")
            expect(art.locator(".tl-replyto")).to_have_text(f"in reply to Reader {depth - 1}")
        else:
            expect(li).not_to_have_class(has_class("tl-deep"))
            expect(art.locator(".tl-replyto")).to_be_hidden()
        if depth >= 5:
            expect(replies).to_have_class(has_class("tl-flat"))
        else:
            expect(replies).not_to_have_class(has_class("tl-flat"))

    # The "in reply to" link leads to the parent: scrolled to, highlighted, focused.
    comment(page, ids[8]).locator(".tl-replyto-link").click()
    parent = comment(page, ids[7])
    expect(parent).to_have_class(has_class("tl-highlight"))
    expect(parent).to_be_focused()
    expect(parent).to_be_in_viewport()
    assert page.evaluate("location.hash") == f"#comment-{ids[7]}"

    # Narrower than 560 px: three visual levels (data-narrow-depth).
    page.set_viewport_size({"width": 480, "height": 900})
    expect(page.locator(".tl-root")).to_have_class(has_class("tl-narrow"))
    expect(item(page, ids[3])).to_have_class(has_class("tl-deep"))
    expect(item(page, ids[2])).not_to_have_class(has_class("tl-deep"))
    expect(comment(page, ids[3]).locator(".tl-replyto-link")).to_be_visible()


def test_edit_and_delete_own_comments_within_the_window(
    browsing: Browsing, api: Api, key: str
) -> None:
    page = browsing.open(key)
    keep = post_comment(page, "A comment that someone will answer.", name="Edith Editor")
    cid = post_comment(page, "Teh orignal text.")

    comment(page, cid).locator("button.tl-edit").click()
    form = comment(page, cid).locator(".tl-editslot form.tl-form-edit")
    text = form.locator("textarea.tl-input-body")
    expect(text).to_be_focused()
    expect(text).to_have_value("Teh orignal text.")  # the Markdown source, kept locally
    expect(comment(page, cid).locator(".tl-content > .tl-body")).to_be_hidden()
    expect(form.locator("input.tl-input-name")).to_have_count(0)
    text.fill("The original text, with *emphasis*.")
    with page.expect_response(lambda r: r.request.method == "PATCH") as edited:
        form.locator("button.tl-submit").click()
    assert edited.value.status == 200, edited.value.text()
    expect(comment(page, cid).locator(".tl-content > .tl-body em")).to_have_text("emphasis")
    expect(comment(page, cid).locator(".tl-edited")).to_be_visible()
    expect(comment(page, cid)).to_be_focused()
    expect(page.locator(".tl-toast[role=status]")).to_have_text("Your comment was updated.")
    assert "<em>emphasis</em>" in api.comments(key)[cid]["html"]

    # Delete asks first; cancelling keeps the comment.
    comment(page, cid).locator("button.tl-delete").click()
    expect(comment(page, cid).locator("button.tl-confirm-delete")).to_be_focused()
    comment(page, cid).locator("button.tl-confirm-cancel").click()
    expect(comment(page, cid).locator("button.tl-delete")).to_be_focused()
    expect(comment(page, cid).locator("button.tl-confirm-delete")).to_be_hidden()

    comment(page, cid).locator("button.tl-delete").click()
    with page.expect_response(lambda r: r.request.method == "DELETE") as deleted:
        comment(page, cid).locator("button.tl-confirm-delete").click()
    assert deleted.value.status == 204, deleted.value.text()
    expect(comment(page, cid)).to_have_count(0)
    expect(page.locator(".tl-count")).to_have_text("1 comment")
    expect(page.locator(".tl-toast[role=status]")).to_have_text("Your comment was deleted.")
    assert cid not in api.comments(key) or api.comments(key)[cid]["deleted"]

    # A deleted comment with replies stays as a placeholder, its replies in place.
    answer = api.post(key, "An answer from another reader.", name="Other Reader", parent_id=keep)
    page.reload()
    wait_loaded(page)
    comment(page, keep).locator("button.tl-delete").click()
    comment(page, keep).locator("button.tl-confirm-delete").click()
    expect(comment(page, keep)).to_have_class(has_class("tl-deleted"))
    expect(comment(page, keep).locator(".tl-placeholder")).to_have_text("This comment was deleted.")
    expect(comment(page, answer["id"])).to_be_visible()
    expect(page.locator(".tl-count")).to_have_text("1 comment")

    # Outside the edit window (here: a page that allows 0 minutes) nothing is offered.
    mine = post_comment(page, "Posted a moment ago.")
    late = browsing.open(key, context=page.context, edit_window=0)
    expect(comment(late, mine)).to_be_visible()
    expect(comment(late, mine).locator("button.tl-edit")).to_be_hidden()
    expect(comment(late, mine).locator("button.tl-delete")).to_be_hidden()


def test_vote_up_switch_and_withdraw(browsing: Browsing, api: Api, key: str) -> None:
    posted = api.post(key, "Should the ferry run all night in summer?", name="Poll Person")
    cid = posted["id"]
    api.vote(cid, 1, "another-reader-000000000001")
    page = browsing.open(key)
    up = comment(page, cid).locator("button.tl-vote-up")
    down = comment(page, cid).locator("button.tl-vote-down")
    shown = comment(page, cid).locator(".tl-score")
    expect(shown).to_have_text(score_is(1))
    expect(up).to_have_attribute("aria-pressed", "false")
    expect(down).to_have_attribute("aria-pressed", "false")

    up.click()
    expect(up).to_have_attribute("aria-pressed", "true")
    expect(shown).to_have_text(score_is(2))
    down.click()  # switch
    expect(down).to_have_attribute("aria-pressed", "true")
    expect(up).to_have_attribute("aria-pressed", "false")
    expect(shown).to_have_text(score_is(0))
    assert api.comments(key)[cid]["score"] == 0
    down.click()  # withdraw
    expect(down).to_have_attribute("aria-pressed", "false")
    expect(up).to_have_attribute("aria-pressed", "false")
    expect(shown).to_have_text(score_is(1))
    down.click()
    # The button turns only when the server has answered and the vote is stored in this browser;
    # the score alone can pass early (a live event from the earlier switch may still be arriving).
    expect(down).to_have_attribute("aria-pressed", "true")
    expect(shown).to_have_text(score_is(0))
    assert api.comments(key)[cid]["score"] == 0

    page.reload()  # the reader's vote is remembered, the score comes from the server
    wait_loaded(page)
    expect(down).to_have_attribute("aria-pressed", "true")
    expect(shown).to_have_text(score_is(0))
    expect(comment(page, cid).locator(".tl-msg")).to_have_text("")


def test_sort_orders(browsing: Browsing, api: Api, key: str) -> None:
    early = api.post(key, "First in time.", name="Early Bird")
    middle = api.post(key, "Second in time.", name="Middle Child")
    late = api.post(key, "Third in time.", name="Late Comer")
    for i in range(3):
        api.vote(middle["id"], 1, f"sort-voter-middle-{i:020d}")
    api.vote(late["id"], 1, "sort-voter-late-00000000000000")
    api.vote(early["id"], -1, "sort-voter-early-0000000000000")

    page = browsing.open(key)
    bodies = page.locator("ul.tl-list > li.tl-item > article.tl-comment > .tl-content > .tl-body")
    select = page.locator("select.tl-sort")
    expect(select).to_have_value("oldest")
    expect(bodies).to_have_text(["First in time.", "Second in time.", "Third in time."])
    select.select_option("newest")
    expect(bodies).to_have_text(["Third in time.", "Second in time.", "First in time."])
    select.select_option("top")
    expect(bodies).to_have_text(["Second in time.", "Third in time.", "First in time."])

    page.reload()  # the reader's last choice is remembered
    wait_loaded(page)
    expect(select).to_have_value("top")
    expect(bodies).to_have_text(["Second in time.", "Third in time.", "First in time."])
    select.select_option("oldest")
    expect(bodies).to_have_text(["First in time.", "Second in time.", "Third in time."])


def test_collapse_and_expand_a_subthread(browsing: Browsing, api: Api, key: str) -> None:
    root = api.post(key, "A comment with a subthread.", name="Thread Starter")["id"]
    first = api.post(key, "The first reply.", name="Replier One", parent_id=root)["id"]
    second = api.post(key, "A reply to the reply.", name="Replier Two", parent_id=first)["id"]
    other = api.post(key, "Another top-level comment.", name="Bystander")["id"]
    page = browsing.open(key)

    toggle = comment(page, root).locator("button.tl-toggle")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_have_attribute("aria-label", "Expand comment by Thread Starter")
    expect(item(page, root)).to_have_class(has_class("tl-collapsed"))
    expect(comment(page, root).locator(".tl-content > .tl-body")).to_be_hidden()
    expect(comment(page, root).locator(".tl-collapsed-info")).to_have_text("2 replies hidden")
    expect(comment(page, first)).to_be_hidden()
    expect(comment(page, second)).to_be_hidden()
    expect(comment(page, other)).to_be_visible()

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(item(page, root)).not_to_have_class(has_class("tl-collapsed"))
    expect(comment(page, root).locator(".tl-collapsed-info")).to_be_hidden()
    expect(comment(page, first)).to_be_visible()
    expect(comment(page, second)).to_be_visible()

    # A nested subthread collapses on its own.
    comment(page, first).locator("button.tl-toggle").click()
    expect(comment(page, second)).to_be_hidden()
    expect(comment(page, first).locator(".tl-collapsed-info")).to_have_text("1 reply hidden")
    expect(comment(page, root).locator(".tl-content > .tl-body")).to_be_visible()


def test_permalink_to_a_comment_on_page_three(browsing: Browsing, api: Api, key: str) -> None:
    ids = [
        api.post(key, f"Comment {i + 1} of forty-five, about the harbour.", name=f"Reader {i + 1}")[
            "id"
        ]
        for i in range(45)
    ]
    target = ids[41]  # oldest first, 20 a page: the 42nd comment is on page 3

    page: Page = browsing.open(key, fragment=f"#comment-{target}", wait=False, page_size=20)
    art = comment(page, target)
    expect(art).to_have_class(has_class("tl-highlight"))
    expect(art).to_be_focused()
    expect(art).to_be_in_viewport()
    expect(page.locator("article.tl-highlight")).to_have_count(1)
    expect(page.locator("ul.tl-list > li.tl-item")).to_have_count(45)
    expect(page.locator("button.tl-more")).to_be_hidden()
    expect(page.locator(".tl-notice")).to_be_hidden()

    # A permalink to a comment that is not there says so.
    missing = browsing.open(key, fragment="#comment-999999", wait=False, page_size=20)
    expect(missing.locator(".tl-notice")).to_have_text(
        "The linked comment could not be found; it may have been removed."
    )
    expect(missing.locator("ul.tl-list > li.tl-item")).to_have_count(45)


def test_show_more_loads_the_next_page(browsing: Browsing, api: Api, key: str) -> None:
    for i in range(7):
        api.post(key, f"Comment {i + 1} on a long thread.", name=f"Reader {i + 1}")
    page = browsing.open(key, page_size=5)
    items = page.locator("ul.tl-list > li.tl-item")
    expect(items).to_have_count(5)
    more = page.locator("button.tl-more")
    expect(more).to_have_text("Show more comments (2 remaining)")
    more.click()
    expect(items).to_have_count(7)
    expect(more).to_be_hidden()
    expect(items.nth(5).locator("article.tl-comment")).to_be_focused()


def test_copy_a_permalink_and_open_it(browsing: Browsing, api: Api, key: str) -> None:
    cid = api.post(key, "Quote me on this.", name="Linkable Person")["id"]
    context = browsing.context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=browsing.origin)
    page = browsing.open(key, context=context)
    comment(page, cid).locator("button.tl-copy").click()
    expect(page.locator(".tl-toast[role=status]")).to_have_text("Link copied to the clipboard.")
    copied: str = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.url.split("#")[0] + f"#comment-{cid}"

    other = browsing.context().new_page()
    other.goto(copied)
    expect(comment(other, cid)).to_have_class(has_class("tl-highlight"))
    expect(comment(other, cid)).to_be_focused()


def test_reply_notifications_checkbox_needs_an_email(browsing: Browsing, key: str) -> None:
    page = browsing.open(key)
    form = page.locator(".tl-compose form.tl-form-new")
    notify = form.get_by_label("Email me when someone replies")
    email = form.locator("input.tl-input-email")
    email.fill("")
    expect(notify).to_be_disabled()
    email.fill("nora@example.org")
    expect(notify).to_be_enabled()
    notify.check()
    email.fill("")  # taking the address away unticks it
    expect(notify).to_be_disabled()
    expect(notify).not_to_be_checked()
    email.fill("nora@example.org")
    notify.check()
    form.locator("textarea.tl-input-body").fill("Tell me when someone answers.")
    form.locator("input.tl-input-name").fill("Nora Notify")
    with page.expect_request(
        lambda r: r.url.endswith("/api/v1/comments") and r.method == "POST"
    ) as sent:
        submit_form(page, form)
    body = sent.value.post_data_json
    assert body["notify_replies"] is True and body["lang"] == "en"
    assert body["author"]["email"] == "nora@example.org"
