"""The storage contract of desk alerts, on SQLite and PostgreSQL: a user's wishes per site
(kept, changed with their high-water mark, turned off), the claim with its lease, and what is
new for a site's desk in a window (held and still waiting; reported and unreviewed)."""

from __future__ import annotations

from threadline.domain.models import CommentStatus
from threadline.domain.moderation import FlagReason
from threadline.storage.base import Store

from .helpers import T0, add_comment, add_site, add_thread, later


def _user(store: Store, email: str = "mod@example.com") -> int:
    user = store.write(lambda db: db.insert_user(email, "Mo", "hash", T0))
    return int(user.id)


def test_wishes_are_kept_changed_and_turned_off(store: Store) -> None:
    daily, weekly = add_site(store, "daily"), add_site(store, "weekly")
    user = _user(store)
    store.write(lambda db: db.set_desk_alert(user, daily.id, "immediate", T0, T0))
    store.write(lambda db: db.set_desk_alert(user, weekly.id, "daily", T0, later(3600)))
    # Changed later: the new frequency and next time, the old high-water mark.
    store.write(lambda db: db.set_desk_alert(user, daily.id, "hourly", later(60), later(3600)))
    with store.reading() as db:
        wishes = db.desk_alerts_of(user)
    assert [(w.site_id, w.every, w.since_at, w.next_at) for w in wishes] == [
        (daily.id, "hourly", T0, later(3600)),
        (weekly.id, "daily", T0, later(3600)),
    ]
    assert wishes[0].last_sent_at is None
    store.write(lambda db: db.set_desk_alert(user, daily.id, None, later(120), later(120)))
    with store.reading() as db:
        assert [w.site_id for w in db.desk_alerts_of(user)] == [weekly.id]
        assert db.desk_alerts_of(user + 1000) == []  # nobody else's


def test_a_claim_excludes_others_until_its_lease_runs_out(store: Store) -> None:
    site = add_site(store)
    user = _user(store)
    store.write(lambda db: db.set_desk_alert(user, site.id, "immediate", T0, later(60)))
    lease = later(60 + 300)
    assert store.write(lambda db: db.claim_desk_alerts(T0, lease, 10)) == []  # not due yet
    [claim] = store.write(lambda db: db.claim_desk_alerts(later(60), lease, 10))
    assert claim.wish.user_id == user and claim.lease_until == lease
    assert store.write(lambda db: db.claim_desk_alerts(later(61), later(400), 10)) == []
    # The lease ran out (its holder crashed): another sender takes it; the first one's
    # late finish changes nothing.
    [again] = store.write(lambda db: db.claim_desk_alerts(lease, later(900), 10))
    assert not store.write(lambda db: db.finish_desk_alert(claim, later(30), later(999), T0))
    assert store.write(lambda db: db.finish_desk_alert(again, later(330), later(960), later(360)))
    with store.reading() as db:
        [wish] = db.desk_alerts_of(user)
    assert (wish.since_at, wish.next_at, wish.last_sent_at) == (later(330), later(960), later(360))
    # A failed alert is given back with its mark, due again later.
    [third] = store.write(lambda db: db.claim_desk_alerts(later(960), later(1260), 10))
    store.write(lambda db: db.retry_desk_alert(third, later(1260)))
    with store.reading() as db:
        [wish] = db.desk_alerts_of(user)
    assert (wish.since_at, wish.next_at) == (later(330), later(1260))


def test_what_is_new_for_the_desk_in_a_window(store: Store) -> None:
    site, other = add_site(store, "daily"), add_site(store, "weekly")
    thread = add_thread(store, site)
    held_before = add_comment(store, thread, status=CommentStatus.PENDING, at=T0)
    held = add_comment(store, thread, status=CommentStatus.PENDING, at=later(10), name="Hal")
    store.write(lambda db: db.set_moderation_reasons(held.id, ["Toxicity 0.91"]))
    handled = add_comment(store, thread, status=CommentStatus.PENDING, at=later(11))
    store.write(lambda db: db.set_comment_status(handled.id, CommentStatus.PUBLISHED, None, T0))
    # Published first, held later by readers' flags: new when it was held.
    flagged_held = add_comment(store, thread, at=T0)
    store.write(
        lambda db: db.set_comment_status(flagged_held.id, CommentStatus.PENDING, None, later(20))
    )
    reported = add_comment(store, thread, at=T0, name="Rep")
    for reader, reason in (
        ("a", FlagReason.SPAM),
        ("b", FlagReason.SPAM),
        ("c", FlagReason.OFF_TOPIC),
    ):
        store.write(
            lambda db, r=reader, why=reason: db.insert_flag(reported.id, r, why, None, later(30))
        )
    reviewed = add_comment(store, thread, at=T0)
    store.write(lambda db: db.insert_flag(reviewed.id, "a", FlagReason.SPAM, None, later(30)))
    store.write(lambda db: db.mark_flags_reviewed(reviewed.id))
    old_report = add_comment(store, thread, at=T0)
    store.write(lambda db: db.insert_flag(old_report.id, "a", FlagReason.SPAM, None, T0))
    elsewhere = add_thread(store, other)
    add_comment(store, elsewhere, status=CommentStatus.PENDING, at=later(10))
    late = add_comment(store, thread, status=CommentStatus.PENDING, at=later(100))

    with store.reading() as db:
        new = db.new_for_desk(site.id, T0, later(60), 20)
        up_to_late = db.new_for_desk(site.id, later(99), later(100), 20)
        after_late = db.new_for_desk(site.id, later(100), later(200), 20)
        few = db.new_for_desk(site.id, T0, later(60), 1)
    assert [c.comment_id for c in new.held] == [held.id, flagged_held.id]
    assert new.held_total == 2 and held_before.id not in [c.comment_id for c in new.held]
    first = new.held[0]
    assert (first.author_name, first.thread_key, first.reasons) == (
        "Hal",
        "article-1",
        ("Toxicity 0.91",),
    )
    assert [(c.comment_id, c.reports, c.reasons) for c in new.reported] == [
        (reported.id, 3, ("off topic", "spam ×2"))
    ]
    assert new.reported_total == 1
    # (after, until]: each moment in exactly one window.
    assert [c.comment_id for c in up_to_late.held] == [late.id]
    assert (after_late.held, after_late.held_total, after_late.reported_total) == ([], 0, 0)
    assert (len(few.held), few.held_total) == (1, 2)
