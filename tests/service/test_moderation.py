"""Moderators' use cases on real stores: queues, actions, audit entries, scoping by site,
reader flags, and the events that let removals reach live readers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.service.conftest import CLIENT, PASSWORD, VOTER, post
from threadline.domain.errors import AuthRequired, Conflict, Forbidden, InvalidInput, NotFound
from threadline.domain.events import CommentModerated, ThreadChanged
from threadline.domain.models import CommentStatus, SiteSettings
from threadline.domain.moderation import Actor, Queue
from threadline.service import accounts, flags, moderation
from threadline.service.context import ServiceContext
from threadline.service.moderation import QueueFilter


def _events(ctx: ServiceContext) -> list[Any]:
    seen: list[Any] = []
    ctx.bus.subscribe(ThreadChanged, seen.append)
    return seen


def _thread_count(ctx: ServiceContext) -> int:
    with ctx.store.reading() as db:
        thread = db.get_thread(1, "article-1")
    return thread.comment_count if thread else 0


def test_reject_and_approve_are_audited_and_announced(
    ctx: ServiceContext, people: dict[str, Actor]
) -> None:
    comment = post(ctx, "A civil remark.").comment
    seen = _events(ctx)
    rejected = moderation.reject(ctx, people["mod"], comment.id, "Off topic")
    assert rejected.status is CommentStatus.REJECTED and _thread_count(ctx) == 0
    approved = moderation.approve(ctx, people["admin"], comment.id)
    assert approved.status is CommentStatus.PUBLISHED and _thread_count(ctx) == 1
    assert [type(e) for e in seen] == [CommentModerated, CommentModerated]
    assert seen[0].version < seen[1].version
    entries = moderation.audit_log(ctx, people["admin"])
    assert [(e.action, e.actor_name, e.before, e.after, e.reason) for e in entries] == [
        ("approve", "Boss", {"status": "rejected"}, {"status": "published"}, ""),
        ("reject", "Mo", {"status": "published"}, {"status": "rejected"}, "Off topic"),
    ]
    assert entries[0].target_type == "comment" and entries[0].target_id == str(comment.id)


def test_a_rejection_needs_a_reason_and_deleted_comments_stay_deleted(
    ctx: ServiceContext, people: dict[str, Actor]
) -> None:
    posted = post(ctx, "A civil remark.")
    with pytest.raises(InvalidInput):
        moderation.reject(ctx, people["mod"], posted.comment.id, "  ")
    from threadline.service.comments import delete_comment

    delete_comment(ctx, posted.comment.id, posted.edit_token, CLIENT)
    with pytest.raises(Conflict):
        moderation.approve(ctx, people["mod"], posted.comment.id)


def test_a_moderator_of_another_site_can_neither_see_nor_touch_it(
    ctx: ServiceContext, people: dict[str, Actor]
) -> None:
    comment = post(ctx, "A civil remark.").comment
    other = people["other_mod"]
    for act in (
        lambda: moderation.approve(ctx, other, comment.id),
        lambda: moderation.reject(ctx, other, comment.id, "no"),
        lambda: moderation.ban_author(ctx, other, comment.id, "no"),
        lambda: moderation.feature(ctx, other, comment.id),
        lambda: moderation.set_thread_closed(ctx, other, comment.thread_id, True),
        lambda: moderation.queue(ctx, other, Queue.RECENT, QueueFilter(site="demo")),
    ):
        with pytest.raises(NotFound):
            act()
    assert moderation.queue(ctx, other, Queue.RECENT, QueueFilter()) == []
    assert moderation.audit_log(ctx, other) == []
    outcome = moderation.bulk(ctx, other, "reject", [comment.id], "x")
    assert [(o.ok, o.code) for o in outcome] == [(False, "not_found")]
    seen_by_mod = moderation.queue(ctx, people["mod"], Queue.RECENT, QueueFilter())
    assert [i.comment.id for i in seen_by_mod] == [comment.id]


def test_readers_and_staff_cannot_moderate(ctx: ServiceContext, people: dict[str, Actor]) -> None:
    comment = post(ctx, "A civil remark.").comment
    with pytest.raises(AuthRequired):
        moderation.approve(ctx, None, comment.id)
    with pytest.raises(AuthRequired):
        moderation.queue(ctx, None, Queue.PENDING, QueueFilter())
    with pytest.raises(Forbidden):
        moderation.queue(ctx, people["staff"], Queue.PENDING, QueueFilter())
    with pytest.raises(NotFound):
        moderation.reject(ctx, people["staff"], comment.id, "no")
    # …but staff may feature comments of their site.
    moderation.feature(ctx, people["staff"], comment.id)
    with ctx.store.reading() as db:
        info = db.comment_moderation(comment.id)
    assert info is not None and info.featured
    assert moderation.audit_log(ctx, people["mod"])[0].action == "feature"


@pytest.mark.parametrize("demo_settings", [SiteSettings(premoderation=True)])
def test_the_pending_queue_shows_the_comment_in_context(
    ctx: ServiceContext, people: dict[str, Actor]
) -> None:
    parent = post(ctx, "The parent.", email="p@example.com").comment
    moderation.approve(ctx, people["mod"], parent.id)
    reply = post(ctx, "A reply here.", parent=parent.id, email="r@example.com").comment
    items = moderation.queue(ctx, people["mod"], Queue.PENDING, QueueFilter())
    assert [i.comment.id for i in items] == [reply.id]
    card = items[0]
    assert card.parent is not None and card.parent.id == parent.id
    assert card.moderation.reasons == ("Every comment is pre-moderated here.",)
    assert (card.site_slug, card.thread_key) == ("demo", "article-1")
    assert card.history.pending == 1 and card.history.first_seen is not None
    found = moderation.queue(ctx, people["mod"], Queue.RECENT, QueueFilter(text="PARENT"))
    assert [i.comment.id for i in found] == [parent.id]
    by_author = moderation.queue(
        ctx, people["mod"], Queue.RECENT, QueueFilter(author="R@example.com")
    )
    assert [i.comment.id for i in by_author] == [reply.id]


def test_ban_with_rejection_of_existing_comments(
    ctx: ServiceContext, people: dict[str, Actor]
) -> None:
    first = post(ctx, "First civil remark.", name="Troll").comment
    second = post(ctx, "Second civil remark.", name="Troll", thread="article-2").comment
    keep = post(ctx, "Someone else.", name="Other").comment
    seen = _events(ctx)
    result = moderation.ban_author(
        ctx, people["mod"], first.id, "Abuse", days=7, reject_comments=True
    )
    assert sorted(result.rejected) == [first.id, second.id]
    assert result.ban.ends_at is not None
    assert {e.comment_id for e in seen} == {first.id, second.id}
    with ctx.store.reading() as db:
        assert db.get_comment(keep.id).status is CommentStatus.PUBLISHED  # type: ignore[union-attr]
    with pytest.raises(Forbidden) as caught:
        post(ctx, "I am back.", name="troll")
    assert caught.value.code == "author_banned"
    actions = [e.action for e in moderation.audit_log(ctx, people["admin"])]
    assert actions.count("reject") == 2 and "ban" in actions


def test_close_and_premoderate_a_thread(ctx: ServiceContext, people: dict[str, Actor]) -> None:
    comment = post(ctx, "A civil remark.").comment
    closed = moderation.set_thread_closed(ctx, people["mod"], comment.thread_id, True, "Heated")
    assert closed.closed
    with pytest.raises(Forbidden):
        post(ctx, "Too late.")
    moderation.set_thread_closed(ctx, people["mod"], comment.thread_id, False)
    moderation.set_thread_premoderated(ctx, people["mod"], comment.thread_id, True)
    assert post(ctx, "Held now.").comment.status is CommentStatus.PENDING
    actions = [e.action for e in moderation.audit_log(ctx, people["mod"])]
    assert actions == ["premoderate_thread", "reopen_thread", "close_thread"]


def test_bulk_actions_report_each_outcome(ctx: ServiceContext, people: dict[str, Actor]) -> None:
    a = post(ctx, "One remark.").comment
    b = post(ctx, "Two remarks.").comment
    out = moderation.bulk(ctx, people["mod"], "reject", [a.id, b.id, 999_999], "Spam")
    assert [(o.comment_id, o.ok, o.status or o.code) for o in out] == [
        (a.id, True, "rejected"),
        (b.id, True, "rejected"),
        (999_999, False, "comment_not_found"),
    ]
    with pytest.raises(InvalidInput):
        moderation.bulk(ctx, people["mod"], "delete", [a.id])


@pytest.mark.parametrize("demo_settings", [SiteSettings(flags_to_hold=2)])
def test_reader_flags_hold_a_comment_at_the_threshold(
    ctx: ServiceContext, people: dict[str, Actor]
) -> None:
    comment = post(ctx, "A civil remark.").comment
    first = flags.flag_comment(ctx, comment.id, "abusive", VOTER, "Rude", CLIENT)
    again = flags.flag_comment(ctx, comment.id, "spam", VOTER, None, CLIENT)
    assert (first.recorded, first.held, again.recorded) == (True, False, False)
    reported = moderation.queue(ctx, people["mod"], Queue.REPORTED, QueueFilter())
    assert [i.comment.id for i in reported] == [comment.id]
    seen = _events(ctx)
    second = flags.flag_comment(ctx, comment.id, "off_topic", VOTER + "-2", None, CLIENT)
    assert second.held and [type(e) for e in seen] == [CommentModerated]
    assert _thread_count(ctx) == 0
    pending = moderation.queue(ctx, people["mod"], Queue.PENDING, QueueFilter())
    assert pending[0].moderation.reasons[-1] == "Flagged by 2 readers (holds at 2)."
    moderation.approve(ctx, people["mod"], comment.id)
    assert moderation.queue(ctx, people["mod"], Queue.REPORTED, QueueFilter()) == []
    with pytest.raises(InvalidInput) as caught:
        flags.flag_comment(ctx, comment.id, "boring", VOTER + "-3", None, CLIENT)
    assert caught.value.code == "invalid_flag_reason"


def test_sign_in_sessions_csrf_and_logout_everywhere(
    ctx: ServiceContext, people: dict[str, Actor]
) -> None:
    with pytest.raises(AuthRequired):
        accounts.sign_in(ctx, "mod@example.com", "wrong password!", CLIENT)
    with pytest.raises(AuthRequired):
        accounts.sign_in(ctx, "nobody@example.com", PASSWORD, CLIENT)
    one = accounts.sign_in(ctx, " MOD@example.com ", PASSWORD, CLIENT)
    two = accounts.sign_in(ctx, "mod@example.com", PASSWORD, CLIENT)
    me = accounts.authenticate(ctx, one.token, None, changes_state=False)
    assert me.actor.user.email == "mod@example.com" and me.csrf_token == one.csrf_token
    with pytest.raises(Forbidden) as caught:
        accounts.authenticate(ctx, one.token, two.csrf_token, changes_state=True)
    assert caught.value.code == "csrf_failed"
    accounts.authenticate(ctx, one.token, one.csrf_token, changes_state=True)
    accounts.sign_out(ctx, me.session_hash)
    with pytest.raises(AuthRequired):
        accounts.authenticate(ctx, one.token, None, changes_state=False)
    accounts.authenticate(ctx, two.token, None, changes_state=False)
    third = accounts.sign_in(ctx, "mod@example.com", PASSWORD, CLIENT)
    assert accounts.sign_out_everywhere(ctx, me.actor.user) == 2
    for token in (two.token, third.token):
        with pytest.raises(AuthRequired):
            accounts.authenticate(ctx, token, None, changes_state=False)


def test_sessions_expire(ctx: ServiceContext, people: dict[str, Actor], clock: Any) -> None:
    session = accounts.sign_in(ctx, "mod@example.com", PASSWORD, CLIENT)
    clock.advance(days=7, seconds=1)
    with pytest.raises(AuthRequired):
        accounts.authenticate(ctx, session.token, None, changes_state=False)


def test_sign_in_is_throttled_per_account(ctx: ServiceContext, people: dict[str, Actor]) -> None:
    from threadline.domain.errors import RateLimited

    for _ in range(accounts.LOGINS_PER_MINUTE_PER_EMAIL):
        with pytest.raises(AuthRequired):
            accounts.sign_in(ctx, "mod@example.com", "wrong password!", CLIENT)
    with pytest.raises(RateLimited):
        accounts.sign_in(ctx, "mod@example.com", PASSWORD, CLIENT)


def test_accounts_refuse_bad_input(ctx: ServiceContext, people: dict[str, Actor]) -> None:
    from threadline.domain.errors import AlreadyExists

    with pytest.raises(InvalidInput) as caught:
        accounts.create_admin(ctx, "x@example.com", "X", "short")
    assert caught.value.code == "weak_password"
    with pytest.raises(InvalidInput):
        accounts.create_admin(ctx, "not-an-email", "X", PASSWORD)
    with pytest.raises(AlreadyExists):
        accounts.create_admin(ctx, "BOSS@example.com", "Again", PASSWORD)


def test_a_rejection_reaches_live_readers_as_a_removal(
    ctx: ServiceContext, people: dict[str, Actor]
) -> None:
    from threadline.service.changes import ChangeKind, changes_since

    comment = post(ctx, "A civil remark.").comment
    before = changes_since(ctx, "demo", "article-1", None).version
    moderation.reject(ctx, people["mod"], comment.id, "Abusive")
    found = changes_since(ctx, "demo", "article-1", before)
    assert [(c.kind, c.comment.id) for c in found.changes] == [(ChangeKind.REMOVED, comment.id)]
    moderation.approve(ctx, people["mod"], comment.id)
    again = changes_since(ctx, "demo", "article-1", found.version)
    assert [(c.kind, c.comment.id) for c in again.changes] == [(ChangeKind.SHOWN, comment.id)]


def test_calibration_report_compares_scorers_with_moderators(
    ctx: ServiceContext, people: dict[str, Actor]
) -> None:
    from threadline.domain.models import Author
    from threadline.service import calibration
    from threadline.service.comments import CommentDraft, post_comment

    hostile = "You are an idiot and a moron, shut up."
    held = post_comment(
        ctx,
        CommentDraft("demo", "article-1", hostile, Author("H"), acknowledge_nudge=True),
        CLIENT,
    ).comment
    civil = post(ctx, "The bus lanes were a good idea.").comment
    other = post(ctx, "Parking is still hard to find.").comment
    post(ctx, "Nobody decided on this one.")
    moderation.reject(ctx, people["mod"], held.id, "Abusive")
    moderation.reject(ctx, people["mod"], civil.id, "Off topic")
    moderation.approve(ctx, people["mod"], other.id)
    found = calibration.report(ctx, "demo")
    assert (found.decided, found.rejected) == (3, 2)
    toxicity = next(s for s in found.scorers if s.scorer == "toxicity")
    assert (toxicity.flagged, toxicity.true_positives) == (1, 1)
    assert (toxicity.precision, toxicity.recall) == (1.0, 0.5)
