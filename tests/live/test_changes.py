"""`changes_since`: the one query behind live fan-out and Last-Event-ID replay, on SQLite
and PostgreSQL. Every change stamps its comment with the thread version it produced."""

from __future__ import annotations

from threadline.domain.models import Author, CommentStatus, SiteSettings
from threadline.service import comments, flags, votes
from threadline.service.changes import (
    ChangeKind,
    ThreadChanges,
    changes_since,
    live_kind,
    thread_versions,
)
from threadline.service.context import ClientInfo, ServiceContext
from threadline.service.sites import add_site

CLIENT = ClientInfo(ip="192.0.2.1")


def _post(
    ctx: ServiceContext, body: str, parent: int | None = None, site: str = "demo"
) -> tuple[int, str]:
    draft = comments.CommentDraft(site, "article-1", body, Author("Reader"), parent_id=parent)
    posted = comments.post_comment(ctx, draft, CLIENT)
    return posted.comment.id, posted.edit_token


def _summary(found: ThreadChanges) -> list[tuple[int, str, int]]:
    return [(c.version, c.kind.value, c.comment.id) for c in found.changes]


def test_a_thread_not_created_yet_is_at_version_0(ctx: ServiceContext) -> None:
    add_site(ctx, "demo", "Demo")
    assert changes_since(ctx, "demo", "nothing-here", 0) == ThreadChanges(0, [])
    assert changes_since(ctx, "demo", "nothing-here", None) == ThreadChanges(0, [])
    assert changes_since(ctx, "no-such-site", "nothing-here", 0) == ThreadChanges(0, [])


def test_every_change_is_found_once_in_its_latest_state_oldest_first(ctx: ServiceContext) -> None:
    ctx.limiter.enabled = False
    add_site(ctx, "demo", "Demo")
    first, first_token = _post(ctx, "First")  # v1
    second, second_token = _post(ctx, "Second")  # v2
    reply, _ = _post(ctx, "Reply", parent=first)  # v3
    comments.edit_comment(ctx, first, "First, edited", first_token, CLIENT)  # v4
    votes.cast_vote(ctx, reply, 1, "voter-0123456789abcdef", CLIENT)  # v5
    comments.delete_comment(ctx, second, second_token, CLIENT)  # v6

    everything = changes_since(ctx, "demo", "article-1", 0)
    assert everything.version == 6
    # Each comment once, at the version of its last change.
    assert _summary(everything) == [
        (4, "comment", first),
        (5, "comment", reply),
        (6, "deleted", second),
    ]
    by_id = {c.comment.id: c for c in everything.changes}
    assert by_id[first].comment.html == "<p>First, edited</p>"
    assert by_id[first].comment.reply_count == 1  # published direct replies
    assert by_id[reply].comment.upvotes == 1
    assert by_id[second].kind is ChangeKind.REMOVED

    # After v4: only what changed later; after the last version: nothing.
    assert _summary(changes_since(ctx, "demo", "article-1", 4)) == [
        (5, "comment", reply),
        (6, "deleted", second),
    ]
    assert changes_since(ctx, "demo", "article-1", 6) == ThreadChanges(6, [])
    assert changes_since(ctx, "demo", "article-1", None) == ThreadChanges(6, [])
    assert changes_since(ctx, "demo", "article-1", 99) == ThreadChanges(6, [])

    # A reply posted later shows up on its own; the parent's reply count is the reader's job.
    later, _ = _post(ctx, "Later reply", parent=first)  # v7
    assert _summary(changes_since(ctx, "demo", "article-1", 6)) == [(7, "comment", later)]


def test_pending_comments_are_never_announced(ctx: ServiceContext) -> None:
    ctx.limiter.enabled = False
    add_site(ctx, "held", "Held", settings=SiteSettings(premoderation=True))
    _post(ctx, "Waiting for a moderator", site="held")
    found = changes_since(ctx, "held", "article-1", 0)
    assert found == ThreadChanges(1, [])


def test_comments_taken_off_the_page_are_announced_as_removals(ctx: ServiceContext) -> None:
    ctx.limiter.enabled = False
    add_site(ctx, "demo", "Demo", settings=SiteSettings(flags_to_hold=2))
    flagged, _ = _post(ctx, "Readers will flag this")  # v1
    for reader in ("reader-one-0123456789", "reader-two-0123456789"):
        flags.flag_comment(ctx, flagged, "abusive", reader, None, CLIENT)  # v2 at the second
    found = changes_since(ctx, "demo", "article-1", 1)
    assert _summary(found) == [(2, "deleted", flagged)]
    assert found.changes[0].comment.status is CommentStatus.PENDING  # held, not deleted
    assert live_kind(CommentStatus.PENDING) is None  # held from the start: never announced
    assert live_kind(CommentStatus.PENDING, status_changed=True) is ChangeKind.REMOVED


def test_threads_are_kept_apart(ctx: ServiceContext) -> None:
    ctx.limiter.enabled = False
    add_site(ctx, "demo", "Demo")
    add_site(ctx, "other", "Other")
    mine, _ = _post(ctx, "Mine")
    _post(ctx, "Theirs", site="other")
    other_thread = comments.CommentDraft("demo", "article-2", "Elsewhere", Author("R"))
    comments.post_comment(ctx, other_thread, CLIENT)
    assert _summary(changes_since(ctx, "demo", "article-1", 0)) == [(1, "comment", mine)]


def test_thread_versions_of_many_threads_at_once(ctx: ServiceContext) -> None:
    ctx.limiter.enabled = False
    add_site(ctx, "demo", "Demo")
    add_site(ctx, "other", "Other")
    _post(ctx, "One")
    _post(ctx, "Two")
    _post(ctx, "Elsewhere", site="other")
    many = [("demo", f"absent-{n}") for n in range(450)]  # more than one chunk
    found = thread_versions(ctx, [*many, ("demo", "article-1"), ("other", "article-1")])
    assert found == {("demo", "article-1"): 2, ("other", "article-1"): 1}
    assert thread_versions(ctx, []) == {}
