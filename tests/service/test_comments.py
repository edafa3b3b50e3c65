"""Posting, editing and deleting comments through the use cases, on both backends."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.conftest import Clock
from threadline.auth.ratelimit import RateLimiter
from threadline.auth.tokens import hash_edit_token
from threadline.domain.errors import (
    AuthRequired,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
)
from threadline.domain.models import Author, CommentStatus, Site, SiteSettings
from threadline.domain.tree import SortOrder
from threadline.service import comments
from threadline.service.comments import CommentDraft
from threadline.service.context import ClientInfo, ServiceContext
from threadline.service.sites import add_site
from threadline.service.threads import read_page, resolve

from .conftest import CLIENT, post


def page_ids(ctx: ServiceContext, key: str = "article-1") -> list[int]:
    page = read_page(ctx, resolve(ctx, "demo", key), SortOrder.OLDEST, 1000, None)
    return [c.id for c in page.comments]


def thread_count(ctx: ServiceContext, key: str = "article-1") -> int:
    page = read_page(ctx, resolve(ctx, "demo", key), SortOrder.OLDEST, 1, None)
    assert page.thread is not None
    return page.thread.comment_count


# -- posting -----------------------------------------------------------------------------


def test_post_creates_the_thread_and_a_published_comment(
    ctx: ServiceContext, site: Site, clock: Clock
) -> None:
    draft = CommentDraft(
        "demo",
        "article-1",
        "Hello *world*",
        Author("  Reader ", "Reader@Example.ORG", "https://reader.example"),
        title="The Article",
        url="https://news.example/article-1",
    )
    posted = comments.post_comment(ctx, draft, CLIENT)
    c = posted.comment
    assert c.status is CommentStatus.PUBLISHED
    assert (c.parent_id, c.depth) == (None, 0)
    assert c.author == Author("Reader", "reader@example.org", "https://reader.example")
    assert c.body == "Hello *world*"
    assert c.html == "<p>Hello <em>world</em></p>"
    assert c.created_at == clock.now
    t = posted.thread
    assert (t.key, t.title, t.url) == ("article-1", "The Article", "https://news.example/article-1")
    assert (t.comment_count, t.version, t.closed) == (1, 1, False)
    with ctx.store.reading() as db:
        assert db.edit_token_hash(c.id) == hash_edit_token(posted.edit_token)
        assert db.get_comment(c.id) == c


def test_each_post_gets_its_own_edit_token(ctx: ServiceContext, site: Site) -> None:
    tokens = {post(ctx).edit_token for _ in range(3)}
    assert len(tokens) == 3 and all(len(t) >= 40 for t in tokens)


def test_reply_depth_is_parent_depth_plus_one(ctx: ServiceContext, site: Site) -> None:
    top = post(ctx).comment
    reply = post(ctx, parent=top.id).comment
    deeper = post(ctx, parent=reply.id).comment
    assert (reply.parent_id, reply.depth) == (top.id, 1)
    assert (deeper.parent_id, deeper.depth) == (reply.id, 2)
    assert thread_count(ctx) == 3


def test_url_keys_are_normalized_to_one_thread(ctx: ServiceContext, site: Site) -> None:
    a = post(ctx, thread="HTTPS://News.Example/story#comments").thread
    b = post(ctx, thread="https://news.example:443/story?utm_source=feed").thread
    assert a.id == b.id and b.key == "https://news.example/story"
    assert b.comment_count == 2


def test_posting_to_a_closed_thread_is_forbidden(ctx: ServiceContext, site: Site) -> None:
    first = post(ctx)
    ctx.store.write(lambda db: db.set_thread_closed(first.thread.id, True))
    with pytest.raises(Forbidden) as caught:
        post(ctx, "Too late")
    assert caught.value.code == "thread_closed"
    with pytest.raises(Forbidden):
        post(ctx, "A late reply", parent=first.comment.id)
    assert page_ids(ctx) == [first.comment.id]
    assert thread_count(ctx) == 1


def test_reply_to_a_comment_of_another_thread_is_refused(ctx: ServiceContext, site: Site) -> None:
    elsewhere = post(ctx, thread="article-2").comment
    post(ctx, thread="article-1")
    with pytest.raises(InvalidInput) as caught:
        post(ctx, "Wrong place", thread="article-1", parent=elsewhere.id)
    assert (caught.value.code, caught.value.field) == ("parent_not_in_thread", "parent_id")
    assert thread_count(ctx, "article-1") == 1


def test_reply_to_a_comment_of_another_site_is_refused(ctx: ServiceContext, site: Site) -> None:
    add_site(ctx, "other", "Other")
    foreign = post(ctx, site="other", thread="article-1").comment
    with pytest.raises(InvalidInput) as caught:
        post(ctx, "Cross-site", thread="article-1", parent=foreign.id)
    assert caught.value.code == "parent_not_in_thread"


def test_reply_to_an_unknown_comment_or_into_a_new_thread_is_refused(
    ctx: ServiceContext, site: Site
) -> None:
    existing = post(ctx, thread="article-1").comment
    with pytest.raises(InvalidInput) as caught:
        post(ctx, parent=existing.id + 1000)
    assert caught.value.code == "parent_not_in_thread"
    with pytest.raises(InvalidInput):
        post(ctx, thread="brand-new", parent=existing.id)
    with ctx.store.reading() as db:
        assert db.get_thread(site.id, "brand-new") is None  # no empty thread left behind


def test_reply_to_a_deleted_comment_is_a_conflict(ctx: ServiceContext, site: Site) -> None:
    parent = post(ctx)
    comments.delete_comment(ctx, parent.comment.id, parent.edit_token, CLIENT)
    with pytest.raises(Conflict) as caught:
        post(ctx, "Reply", parent=parent.comment.id)
    assert caught.value.code == "parent_unavailable"
    assert page_ids(ctx) == []


@pytest.mark.parametrize("demo_settings", [SiteSettings(premoderation=True)])
def test_premoderated_comments_are_pending_and_uncounted(ctx: ServiceContext, site: Site) -> None:
    held = post(ctx)
    assert held.comment.status is CommentStatus.PENDING
    assert held.thread.comment_count == 0
    assert page_ids(ctx) == []
    with pytest.raises(Conflict) as caught:
        post(ctx, "Reply to held", parent=held.comment.id)
    assert caught.value.code == "parent_unavailable"


def test_unknown_site(ctx: ServiceContext, site: Site) -> None:
    with pytest.raises(NotFound) as caught:
        post(ctx, site="nope")
    assert caught.value.code == "site_not_found"


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"body": "   "}, "empty", "comment"),
        ({"body": "x" * 10_001}, "too_long", "comment"),
        ({"body": "bad\x00byte"}, "control_characters", "comment"),
        ({"name": ""}, "empty", "name"),
        ({"name": "two\nlines"}, "invalid_text", "name"),
        ({"name": "n" * 65}, "too_long", "name"),
        ({"email": "not-an-address"}, "invalid_email", "email"),
        ({"website": "javascript:alert(1)"}, "invalid_url", "website"),
        ({"thread": "  "}, "empty", "thread key"),
        ({"thread": "k" * 513}, "too_long", "thread key"),
    ],
)
def test_invalid_input(
    ctx: ServiceContext, site: Site, fields: dict[str, str], code: str, field: str
) -> None:
    given = {"body": "Hello", "thread": "article-1", "name": "Reader"} | fields
    draft = CommentDraft(
        "demo",
        given["thread"],
        given["body"],
        Author(given["name"], given.get("email"), given.get("website")),
    )
    with pytest.raises(InvalidInput) as caught:
        comments.post_comment(ctx, draft, CLIENT)
    assert (caught.value.code, caught.value.field) == (code, field)
    with ctx.store.reading() as db:
        assert db.get_thread(site.id, "article-1") is None


@pytest.mark.parametrize("demo_settings", [SiteSettings(max_comment_length=10)])
def test_site_comment_length_limit(ctx: ServiceContext, site: Site) -> None:
    assert post(ctx, "0123456789").comment.body == "0123456789"
    with pytest.raises(InvalidInput) as caught:
        post(ctx, "0123456789!")
    assert caught.value.code == "too_long"


def test_origin_check(ctx: ServiceContext, site: Site) -> None:
    post(ctx, client=ClientInfo(origin="https://news.example"))
    post(
        ctx,
        client=ClientInfo(origin="https://comments.example", own_origin="https://comments.example"),
    )
    with pytest.raises(Forbidden) as caught:
        post(ctx, client=ClientInfo(origin="https://evil.example"))
    assert caught.value.code == "origin_not_allowed"
    assert thread_count(ctx) == 2


def test_rate_limits_per_author_and_per_ip(ctx: ServiceContext, site: Site) -> None:
    now = [0.0]
    ctx.limiter = RateLimiter(lambda: now[0])  # 5 per IP, 3 per author per minute (defaults)
    for _ in range(3):
        post(ctx, name="Chatty")
    with pytest.raises(RateLimited) as caught:
        post(ctx, name="Chatty")
    assert caught.value.retry_after == 20
    post(ctx, name="Quiet")  # the fifth attempt from this address (refused ones count too)
    with pytest.raises(RateLimited) as by_ip:
        post(ctx, name="Fresh")
    assert by_ip.value.retry_after == 12
    post(ctx, name="Fresh", client=ClientInfo(ip="198.51.100.1"))
    now[0] += 60
    post(ctx, name="Chatty")
    assert thread_count(ctx) == 6


# -- editing -----------------------------------------------------------------------------


def test_edit_with_token_within_window(ctx: ServiceContext, site: Site, clock: Clock) -> None:
    posted = post(ctx, "Before")
    clock.advance(minutes=15)  # the last moment of the default window
    edited = comments.edit_comment(
        ctx, posted.comment.id, "After **bold**", posted.edit_token, CLIENT
    )
    assert (edited.body, edited.html) == ("After **bold**", "<p>After <strong>bold</strong></p>")
    assert edited.edited_at == clock.now
    assert edited.created_at == posted.comment.created_at
    page = read_page(ctx, resolve(ctx, "demo", "article-1"), SortOrder.OLDEST, 10, None)
    assert page.thread is not None and page.thread.version == 2
    assert page.comments[0].html == "<p>After <strong>bold</strong></p>"


def test_edit_after_the_window_is_forbidden(ctx: ServiceContext, site: Site, clock: Clock) -> None:
    posted = post(ctx, "Before")
    clock.advance(minutes=15, seconds=1)
    with pytest.raises(Forbidden) as caught:
        comments.edit_comment(ctx, posted.comment.id, "After", posted.edit_token, CLIENT)
    assert caught.value.code == "edit_window_closed"
    with ctx.store.reading() as db:
        stored = db.get_comment(posted.comment.id)
    assert stored is not None and stored.body == "Before" and stored.edited_at is None


def test_edit_with_a_wrong_or_missing_token(ctx: ServiceContext, site: Site) -> None:
    mine, theirs = post(ctx, "Mine"), post(ctx, "Theirs")
    with pytest.raises(Forbidden) as caught:
        comments.edit_comment(ctx, mine.comment.id, "Hijacked", theirs.edit_token, CLIENT)
    assert caught.value.code == "invalid_edit_token"
    with pytest.raises(Forbidden):
        comments.edit_comment(ctx, mine.comment.id, "Hijacked", "guess", CLIENT)
    with pytest.raises(AuthRequired):
        comments.edit_comment(ctx, mine.comment.id, "Hijacked", None, CLIENT)
    with pytest.raises(AuthRequired):
        comments.edit_comment(ctx, mine.comment.id, "Hijacked", "", CLIENT)
    with ctx.store.reading() as db:
        stored = db.get_comment(mine.comment.id)
    assert stored is not None and stored.body == "Mine"


def test_edit_validates_the_new_body(ctx: ServiceContext, site: Site) -> None:
    posted = post(ctx)
    with pytest.raises(InvalidInput) as caught:
        comments.edit_comment(ctx, posted.comment.id, "  ", posted.edit_token, CLIENT)
    assert caught.value.code == "empty"


def test_edit_unknown_or_deleted_comment(ctx: ServiceContext, site: Site) -> None:
    posted = post(ctx)
    with pytest.raises(NotFound) as caught:
        comments.edit_comment(ctx, posted.comment.id + 1000, "x", posted.edit_token, CLIENT)
    assert caught.value.code == "comment_not_found"
    comments.delete_comment(ctx, posted.comment.id, posted.edit_token, CLIENT)
    with pytest.raises(Conflict) as conflict:
        comments.edit_comment(ctx, posted.comment.id, "Back", posted.edit_token, CLIENT)
    assert conflict.value.code == "comment_deleted"


def test_edit_from_a_foreign_origin_is_forbidden(ctx: ServiceContext, site: Site) -> None:
    posted = post(ctx)
    with pytest.raises(Forbidden) as caught:
        comments.edit_comment(
            ctx,
            posted.comment.id,
            "x",
            posted.edit_token,
            ClientInfo(origin="https://evil.example"),
        )
    assert caught.value.code == "origin_not_allowed"


# -- deleting ----------------------------------------------------------------------------


def test_delete_removes_the_comment_and_its_personal_data(
    ctx: ServiceContext, site: Site, clock: Clock
) -> None:
    posted = post(ctx, "Regret", email="me@example.org", website="https://me.example")
    other = post(ctx, "Stays")
    clock.advance(minutes=1)
    comments.delete_comment(ctx, posted.comment.id, posted.edit_token, CLIENT)
    assert page_ids(ctx) == [other.comment.id]
    assert thread_count(ctx) == 1
    with ctx.store.reading() as db:
        stored = db.get_comment(posted.comment.id)
        assert db.edit_token_hash(posted.comment.id) is None
    assert stored is not None
    assert stored.status is CommentStatus.DELETED
    assert stored.author == Author("", None, None) and stored.body == stored.html == ""
    assert stored.edited_at == clock.now


def test_deleted_comment_with_replies_stays_as_placeholder(ctx: ServiceContext, site: Site) -> None:
    parent = post(ctx, "Parent", name="Alice")
    reply = post(ctx, "Reply", parent=parent.comment.id)
    comments.delete_comment(ctx, parent.comment.id, parent.edit_token, CLIENT)
    page = read_page(ctx, resolve(ctx, "demo", "article-1"), SortOrder.OLDEST, 10, None)
    shown_parent, shown_reply = page.comments
    assert shown_parent.id == parent.comment.id and shown_parent.deleted
    assert (shown_parent.author.name, shown_parent.body, shown_parent.html) == ("", "", "")
    assert shown_parent.reply_count == 1
    assert shown_reply.id == reply.comment.id and shown_reply.html == "<p>Reply</p>"
    assert page.thread is not None and page.thread.comment_count == 1


def test_delete_twice_is_a_conflict_and_counts_once(ctx: ServiceContext, site: Site) -> None:
    posted = post(ctx)
    post(ctx)
    comments.delete_comment(ctx, posted.comment.id, posted.edit_token, CLIENT)
    with pytest.raises(Conflict) as caught:
        comments.delete_comment(ctx, posted.comment.id, posted.edit_token, CLIENT)
    assert caught.value.code == "comment_deleted"
    assert thread_count(ctx) == 1


def test_delete_failure_paths(ctx: ServiceContext, site: Site, clock: Clock) -> None:
    posted, other = post(ctx), post(ctx)
    with pytest.raises(Forbidden):
        comments.delete_comment(ctx, posted.comment.id, other.edit_token, CLIENT)
    with pytest.raises(AuthRequired):
        comments.delete_comment(ctx, posted.comment.id, None, CLIENT)
    with pytest.raises(NotFound):
        comments.delete_comment(ctx, posted.comment.id + 1000, posted.edit_token, CLIENT)
    clock.advance(hours=1)
    with pytest.raises(Forbidden) as caught:
        comments.delete_comment(ctx, posted.comment.id, posted.edit_token, CLIENT)
    assert caught.value.code == "edit_window_closed"
    assert thread_count(ctx) == 2


@pytest.mark.parametrize("demo_settings", [SiteSettings(premoderation=True)])
def test_deleting_a_pending_comment_leaves_the_count_alone(ctx: ServiceContext, site: Site) -> None:
    held = post(ctx)
    comments.delete_comment(ctx, held.comment.id, held.edit_token, CLIENT)
    assert thread_count(ctx) == 0


# -- a comment in context (permalinks) ---------------------------------------------------


def test_comment_in_context(ctx: ServiceContext, site: Site) -> None:
    top = post(ctx, "Top", name="Alice")
    middle = post(ctx, "Middle", parent=top.comment.id)
    leaf = post(ctx, "Leaf", parent=middle.comment.id)
    post(ctx, "Second leaf", parent=middle.comment.id)
    comments.delete_comment(ctx, top.comment.id, top.edit_token, CLIENT)
    found = comments.get_comment_in_context(ctx, middle.comment.id)
    assert found.comment.id == middle.comment.id and found.comment.reply_count == 2
    assert [a.id for a in found.ancestors] == [top.comment.id]
    assert found.ancestors[0].author.name == "" and found.ancestors[0].body == ""
    assert (found.thread.id, found.site.slug) == (top.thread.id, "demo")
    deep = comments.get_comment_in_context(ctx, leaf.comment.id)
    assert [a.id for a in deep.ancestors] == [top.comment.id, middle.comment.id]
    with pytest.raises(NotFound):
        comments.get_comment_in_context(ctx, top.comment.id)
    with pytest.raises(NotFound):
        comments.get_comment_in_context(ctx, 10_000)


def test_reply_count_in_context_matches_the_thread_page(ctx: ServiceContext, site: Site) -> None:
    top = post(ctx, "Top")
    gone = post(ctx, "Gone", parent=top.comment.id)
    post(ctx, "Survivor", parent=gone.comment.id)
    alone = post(ctx, "Gone without replies", parent=top.comment.id)
    post(ctx, "Plain", parent=top.comment.id)
    comments.delete_comment(ctx, gone.comment.id, gone.edit_token, CLIENT)
    comments.delete_comment(ctx, alone.comment.id, alone.edit_token, CLIENT)
    page = read_page(ctx, resolve(ctx, "demo", "article-1"), SortOrder.OLDEST, 10, None)
    on_page = {c.id: c.reply_count for c in page.comments}
    in_context = comments.get_comment_in_context(ctx, top.comment.id).comment.reply_count
    # The placeholder of "Gone" is shown (it has a visible reply), "Gone without replies" not.
    assert on_page[top.comment.id] == 2
    assert in_context == on_page[top.comment.id]


def test_draft_is_not_modified(ctx: ServiceContext, site: Site) -> None:
    draft = CommentDraft("demo", " article-1 ", " Hello ", Author(" Reader "))
    before = replace(draft)
    comments.post_comment(ctx, draft, CLIENT)
    assert draft == before


def test_edit_response_reports_the_shown_reply_count(ctx: ServiceContext, site: Site) -> None:
    parent = post(ctx)
    post(ctx, parent=parent.comment.id)
    held = post(ctx, parent=parent.comment.id)
    comments.delete_comment(ctx, held.comment.id, held.edit_token, CLIENT)  # not shown
    edited = comments.edit_comment(ctx, parent.comment.id, "Edited", parent.edit_token, CLIENT)
    page = read_page(ctx, resolve(ctx, "demo", "article-1"), SortOrder.OLDEST, 10, None)
    assert edited.reply_count == page.comments[0].reply_count == 1
