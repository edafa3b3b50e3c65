"""The storage contract of the moderation and account queries, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from threadline.domain.errors import AlreadyExists
from threadline.domain.models import CommentStatus, Thread
from threadline.domain.moderation import FlagReason, Grant, Queue, Role
from threadline.storage.base import Store

from .helpers import T0, add_comment, add_site, add_thread, new_comment


def test_users_grants_and_sessions(store: Store) -> None:
    site = add_site(store)
    user = store.write(lambda db: db.insert_user("a@example.com", "A", "hash", T0))
    with pytest.raises(AlreadyExists):
        store.write(lambda db: db.insert_user("a@example.com", "B", "hash", T0))
    for _ in range(2):  # granting twice changes nothing, also for the site-less admin role
        store.write(lambda db: db.add_grant(user.id, Role.ADMIN, None))
        store.write(lambda db: db.add_grant(user.id, Role.MODERATOR, site.id))
    with store.reading() as db:
        assert db.grants(user.id) == (Grant(Role.ADMIN), Grant(Role.MODERATOR, site.id))
    store.write(lambda db: db.remove_grant(user.id, Role.ADMIN, None))
    for n in range(3):
        store.write(
            lambda db, n=n: db.insert_session(
                f"s{n}", user.id, T0, T0 + timedelta(hours=1), None, None
            )
        )
    with store.reading() as db:
        assert db.grants(user.id) == (Grant(Role.MODERATOR, site.id),)
        found = db.live_session("s0", T0)
        assert found is not None and found[1] == user
        assert db.live_session("s0", T0 + timedelta(hours=1)) is None  # expired
    store.write(lambda db: db.revoke_session("s0", T0))
    assert store.write(lambda db: db.revoke_user_sessions(user.id, T0)) == 2
    with store.reading() as db:
        assert all(db.live_session(f"s{n}", T0) is None for n in range(3))


def test_flags_are_one_per_reader_and_counted(store: Store) -> None:
    thread = add_thread(store, add_site(store))
    comment = add_comment(store, thread)
    counts = [
        store.write(lambda db, r=r: db.insert_flag(comment.id, r, FlagReason.SPAM, None, T0))
        for r in ("a", "a", "b")
    ]
    assert counts == [1, None, 2]
    with store.reading() as db:
        assert db.flag_reasons(comment.id) == {"spam": 2}
        assert [c.id for c, *_ in db.moderation_queue(Queue.REPORTED, None)] == [comment.id]
    store.write(lambda db: db.mark_flags_reviewed(comment.id))
    with store.reading() as db:
        assert db.moderation_queue(Queue.REPORTED, None) == []


def test_queue_filters_escape_like_wildcards_and_respect_sites(store: Store) -> None:
    site = add_site(store)
    other = add_site(store, "other")
    thread = add_thread(store, site)
    elsewhere = add_thread(store, other)
    percent = add_comment(store, thread, body="Up 100% today")
    add_comment(store, thread, body="Up 100 today")
    under = add_comment(store, elsewhere, body="snake_case")
    add_comment(store, elsewhere, body="snakeXcase")
    with store.reading() as db:

        def ids(**kw: object) -> list[int]:
            return [c.id for c, *_ in db.moderation_queue(Queue.RECENT, **kw)]  # type: ignore[arg-type]

        assert ids(site_ids=None, text="100%") == [percent.id]
        assert ids(site_ids=None, text="E_C") == [under.id]
        assert ids(site_ids=[other.id], text="100") == []
        assert ids(site_ids=[], text="snake") == []
        assert len(ids(site_ids=None)) == 4
        assert len(ids(site_ids=None, limit=1, before_id=under.id)) == 1


def test_bans_end_and_can_be_lifted(store: Store) -> None:
    site = add_site(store)
    ban = store.write(lambda db: db.insert_ban(site.id, "k", "", None, T0, T0 + timedelta(days=1)))
    with store.reading() as db:
        assert db.active_ban(site.id, "k", T0) == ban
        assert db.active_ban(site.id, "k", T0 + timedelta(days=1)) is None
        assert db.active_ban(site.id, "other", T0) is None
    lifted = store.write(lambda db: db.lift_ban(ban.id, T0))
    assert lifted is not None and lifted.lifted_at == T0
    with store.reading() as db:
        assert db.active_ban(site.id, "k", T0) is None


def test_status_changes_and_author_history(store: Store) -> None:
    site = add_site(store)
    thread = add_thread(store, site)
    comment = add_comment(store, thread)
    store.write(
        lambda db: db.set_comment_moderation(
            comment.id,
            author_key="reader",
            fingerprint="fp",
            decision="hold",
            reasons=["Because."],
            signals=[{"scorer": "toxicity", "score": 0.5, "reason": "R.", "count": 0}],
        )
    )
    changed = store.write(
        lambda db: db.set_comment_status(comment.id, CommentStatus.REJECTED, None, T0)
    )
    assert changed.status is CommentStatus.REJECTED
    with store.reading() as db:
        info = db.comment_moderation(comment.id)
        history = db.author_history(site.id, "reader")
        assert db.fingerprint_count("fp") == 1 and db.fingerprint_count("fp", comment.id) == 0
        assert db.recent_comments("reader", None, T0 - timedelta(minutes=1)) == 1
    assert info is not None and info.reasons == ("Because.",) and info.decision == "hold"
    assert (history.approved, history.rejected, history.first_seen) == (0, 1, T0)


def test_a_threads_premoderation_by_id_and_by_key(store: Store) -> None:
    site = add_site(store)
    other = add_site(store, "other")
    thread = add_thread(store, site, "story")
    add_thread(store, other, "story")  # the same key on another site stays unmoderated
    with store.reading() as db:
        assert not db.thread_premoderated(thread.id)
        assert not db.thread_premoderated_by_key(site.id, "story")
    store.write(lambda db: db.set_thread_premoderated(thread.id, True))
    with store.reading() as db:
        assert db.thread_premoderated(thread.id)
        assert db.thread_premoderated_by_key(site.id, "story")
        assert not db.thread_premoderated_by_key(other.id, "story")
        assert not db.thread_premoderated_by_key(site.id, "not-started-yet")


def test_approved_comments_are_counted_per_site_up_to_a_limit(store: Store) -> None:
    site, other = add_site(store), add_site(store, "other")
    here, there = add_thread(store, site, "story"), add_thread(store, other, "story")

    def write(thread: Thread, status: CommentStatus, key: str = "prolific") -> None:
        new = replace(new_comment(thread, status=status), author_key=key)
        store.write(lambda db: db.insert_comment(new))

    for _ in range(5):
        write(here, CommentStatus.PUBLISHED)
    for status in (CommentStatus.REJECTED, CommentStatus.PENDING, CommentStatus.DELETED):
        write(here, status)
    for _ in range(3):
        write(there, CommentStatus.PUBLISHED)
    write(here, CommentStatus.PUBLISHED, key="someone-else")
    with store.reading() as db:
        assert db.approved_comments(site.id, "prolific", 100) == 5
        assert db.approved_comments(site.id, "prolific", 3) == 3  # no need to count further
        assert db.approved_comments(site.id, "prolific", 0) == 0
        assert db.approved_comments(other.id, "prolific", 100) == 3
        assert db.approved_comments(site.id, "nobody", 100) == 0
        history = db.author_history(site.id, "prolific")  # the full history still counts all
    assert (history.approved, history.rejected, history.pending) == (5, 1, 1)
