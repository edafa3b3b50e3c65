"""Desk alerts below HTTP, on SQLite and PostgreSQL, with the real SMTP server of
tests/smtp_server.py and an injected clock: what an alert lists (exactly the comments of the
right site newly held or reported), to whom (only who may moderate the site, re-checked when
it is sent), when (nothing when nothing is new; "as they come" at most once per batch
interval; digests at their hour), and never twice (a restart, two senders, a failed mail)."""

from __future__ import annotations

import threading
from datetime import timedelta
from email.message import EmailMessage

import pytest

from tests.conftest import Clock
from tests.service.conftest import CLIENT, VOTER, post
from tests.smtp_server import Inbox, free_port, smtp_inbox
from threadline.app import build_context, open_store
from threadline.config import Settings
from threadline.domain.errors import InvalidInput, NotFound
from threadline.domain.models import Site
from threadline.domain.moderation import Actor, Role
from threadline.notify.mail import Mailer, MailSettings
from threadline.service import desk_alerts, flags
from threadline.service.context import ServiceContext
from threadline.service.desk_alerts import AlertSchedule, Every
from threadline.service.sites import configure_site

__all__ = ["smtp_inbox"]  # the fixture

BASE = "https://comments.news.example"
SCHEDULE = AlertSchedule(batch_minutes=10, daily_hour=7)
SETTLED = desk_alerts.SETTLE + timedelta(seconds=1)


def _mailer(port: int) -> Mailer:
    return Mailer(MailSettings("127.0.0.1", port, "", "", False, "desk@news.example"), ())


def _send(ctx: ServiceContext, inbox: Inbox) -> desk_alerts.AlertReport:
    return desk_alerts.send_due(ctx, _mailer(inbox.port), BASE, SCHEDULE)


def _text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def _only_new_mail(inbox: Inbox, before: int) -> EmailMessage:
    messages = inbox.wait(before + 1)
    assert len(inbox.wait(before + 2, timeout=0.2)) == before + 1
    return messages[-1]


@pytest.fixture
def desk(ctx: ServiceContext, site: Site, people: dict[str, Actor]) -> dict[str, Actor]:
    """The 'demo' and 'other' sites pre-moderated: every new comment is held."""
    for slug in ("demo", "other"):
        configure_site(ctx, slug, changes={"premoderation": "true"})
    return people


def _held(ctx: ServiceContext, body: str, site: str = "demo", name: str = "Hal") -> int:
    return post(ctx, body, site=site, name=name, thread="https://news.example/story").comment.id


def _published(ctx: ServiceContext, body: str) -> int:
    configure_site(ctx, "demo", changes={"premoderation": "false"})
    comment_id = post(ctx, body, name="Pub", thread="https://news.example/story").comment.id
    configure_site(ctx, "demo", changes={"premoderation": "true"})
    return comment_id


def test_an_alert_lists_exactly_the_new_held_and_reported_comments_of_its_site(
    ctx: ServiceContext, clock: Clock, desk: dict[str, Actor], smtp_inbox: Inbox
) -> None:
    reported = _published(ctx, "Published, then reported by readers")
    _held(ctx, "Held before the wish: old news")
    desk_alerts.set_alert(ctx, desk["mod"], "demo", "immediate", SCHEDULE)
    clock.advance(minutes=1)
    held = _held(ctx, "A *held* comment, with [a link](https://x.example)")
    _held(ctx, "Held on the other site", site="other")
    flags.flag_comment(ctx, reported, "spam", VOTER, None, CLIENT)
    clock.advance(seconds=SETTLED.total_seconds())

    report = _send(ctx, smtp_inbox)
    assert (report.sent, report.quiet) == (1, 0)
    message = _only_new_mail(smtp_inbox, 0)
    assert message["To"] == "mod@example.com"
    assert message["Subject"] == ("[Demo News] 1 comment held for review, 1 comment reported")
    text = _text(message)
    assert f"#{held} by Hal on “https://news.example/story”" in text
    assert "A held comment, with a link" in text  # plain text excerpt
    assert "Held because: Every comment is pre-moderated here." in text
    story = "thread=https%3A%2F%2Fnews.example%2Fstory"
    assert f"https://comments.news.example/admin/queue/pending?site=demo&{story}" in text
    assert f"#{reported} by Pub" in text and "Reports: spam" in text
    assert f"https://comments.news.example/admin/queue/reported?site=demo&{story}" in text
    assert "old news" not in text and "other site" not in text
    assert "https://comments.news.example/admin/alerts" in text

    # Nothing new: nothing sent, however long one waits.
    clock.advance(hours=3)
    assert _send(ctx, smtp_inbox).sent == 0
    assert len(smtp_inbox.wait(2, timeout=0.2)) == 1


def test_only_who_may_moderate_the_site_is_alerted(
    ctx: ServiceContext, clock: Clock, desk: dict[str, Actor], smtp_inbox: Inbox
) -> None:
    with pytest.raises(NotFound):
        desk_alerts.set_alert(ctx, desk["mod"], "other", "immediate", SCHEDULE)
    with pytest.raises(NotFound):
        desk_alerts.set_alert(ctx, desk["staff"], "demo", "immediate", SCHEDULE)
    with pytest.raises(InvalidInput):
        desk_alerts.set_alert(ctx, desk["mod"], "demo", "weekly", SCHEDULE)
    assert [(a.site.slug, a.every) for a in desk_alerts.alert_sites(ctx, desk["mod"])] == [
        ("demo", Every.OFF)
    ]
    assert desk_alerts.alert_sites(ctx, desk["staff"]) == []
    # An admin: any site.
    desk_alerts.set_alert(ctx, desk["admin"], "other", "immediate", SCHEDULE)
    desk_alerts.set_alert(ctx, desk["mod"], "demo", "immediate", SCHEDULE)
    assert [(a.site.slug, a.every) for a in desk_alerts.alert_sites(ctx, desk["admin"])] == [
        ("demo", Every.OFF),
        ("other", Every.IMMEDIATE),
    ]
    # The moderator loses the role: the wish stays, no alert goes.
    user_id = desk["mod"].user.id
    demo_id = desk["mod"].grants[0].site_id
    ctx.store.write(lambda db: db.remove_grant(user_id, Role.MODERATOR, demo_id))
    clock.advance(minutes=1)
    _held(ctx, "On demo")
    _held(ctx, "On other", site="other")
    clock.advance(seconds=SETTLED.total_seconds())
    report = _send(ctx, smtp_inbox)
    assert (report.sent, report.quiet) == (1, 1)
    message = _only_new_mail(smtp_inbox, 0)
    assert message["To"] == "boss@example.com" and "On other" in _text(message)
    assert "On demo" not in _text(message)


def test_as_they_come_is_batched_and_a_restart_repeats_nothing(
    settings: Settings,
    ctx: ServiceContext,
    clock: Clock,
    desk: dict[str, Actor],
    smtp_inbox: Inbox,
) -> None:
    desk_alerts.set_alert(ctx, desk["mod"], "demo", "immediate", SCHEDULE)
    clock.advance(minutes=1)
    _held(ctx, "First")
    clock.advance(seconds=SETTLED.total_seconds())
    assert _send(ctx, smtp_inbox).sent == 1
    clock.advance(minutes=2)
    _held(ctx, "Second")
    _held(ctx, "Third")
    clock.advance(minutes=2)
    assert _send(ctx, smtp_inbox).sent == 0  # within the 10 minutes
    assert len(smtp_inbox.wait(2, timeout=0.2)) == 1

    # A restart: another store and context on the same database (no state of the first).
    store = open_store(settings)
    try:
        restarted = build_context(settings, store)
        restarted.clock = clock
        clock.advance(minutes=7)  # 10 minutes after the first alert
        assert _send(restarted, smtp_inbox).sent == 1
        text = _text(_only_new_mail(smtp_inbox, 1))
        assert "Second" in text and "Third" in text and "First" not in text
        assert "2 comments held for review" in smtp_inbox.messages[1]["Subject"]
        clock.advance(hours=1)
        assert _send(restarted, smtp_inbox).sent == 0
    finally:
        store.close()
    assert len(smtp_inbox.messages) == 2


def test_digests_go_at_their_hour(
    ctx: ServiceContext, clock: Clock, desk: dict[str, Actor], smtp_inbox: Inbox
) -> None:
    # The clock starts at 12:00 UTC.
    desk_alerts.set_alert(ctx, desk["mod"], "demo", "hourly", SCHEDULE)
    desk_alerts.set_alert(ctx, desk["admin"], "demo", "daily", SCHEDULE)
    clock.advance(minutes=10)
    _held(ctx, "Held at ten past")
    clock.advance(minutes=40)
    assert _send(ctx, smtp_inbox).sent == 0  # 12:50
    clock.advance(minutes=10)
    assert _send(ctx, smtp_inbox).sent == 1  # 13:00: the hourly one
    assert _only_new_mail(smtp_inbox, 0)["To"] == "mod@example.com"
    clock.advance(hours=17, minutes=59)
    assert _send(ctx, smtp_inbox).sent == 0  # 06:59 the next day
    clock.advance(minutes=1)
    assert _send(ctx, smtp_inbox).sent == 1  # 07:00: the daily one
    message = _only_new_mail(smtp_inbox, 1)
    assert message["To"] == "boss@example.com" and "Held at ten past" in _text(message)


def test_a_failed_alert_is_sent_later_with_what_came_since(
    ctx: ServiceContext, clock: Clock, desk: dict[str, Actor], smtp_inbox: Inbox
) -> None:
    desk_alerts.set_alert(ctx, desk["mod"], "demo", "immediate", SCHEDULE)
    clock.advance(minutes=1)
    _held(ctx, "Before the outage")
    clock.advance(seconds=SETTLED.total_seconds())
    down = desk_alerts.send_due(ctx, _mailer(free_port()), BASE, SCHEDULE)
    assert (down.sent, down.failed) == (0, 1)
    _held(ctx, "During the outage")
    clock.advance(minutes=4)
    assert _send(ctx, smtp_inbox).sent == 0  # retried after RETRY_AFTER, not before
    clock.advance(seconds=desk_alerts.RETRY_AFTER.total_seconds())
    assert _send(ctx, smtp_inbox).sent == 1
    text = _text(_only_new_mail(smtp_inbox, 0))
    assert "Before the outage" in text and "During the outage" in text


def test_two_senders_send_one_alert(
    settings: Settings,
    ctx: ServiceContext,
    clock: Clock,
    desk: dict[str, Actor],
    smtp_inbox: Inbox,
) -> None:
    desk_alerts.set_alert(ctx, desk["mod"], "demo", "immediate", SCHEDULE)
    clock.advance(minutes=1)
    _held(ctx, "Wanted once")
    clock.advance(seconds=SETTLED.total_seconds())
    store = open_store(settings)
    try:
        other = build_context(settings, store)
        other.clock = clock
        start = threading.Barrier(2)
        sent: list[int] = []

        def sender(context: ServiceContext) -> None:
            start.wait()
            sent.append(_send(context, smtp_inbox).sent)

        threads = [threading.Thread(target=sender, args=(c,)) for c in (ctx, other)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        store.close()
    assert sorted(sent) == [0, 1]
    _only_new_mail(smtp_inbox, 0)


def test_the_listing_stops_at_the_limit_and_counts_the_rest(
    ctx: ServiceContext, clock: Clock, desk: dict[str, Actor], smtp_inbox: Inbox
) -> None:
    desk_alerts.set_alert(ctx, desk["mod"], "demo", "immediate", SCHEDULE)
    clock.advance(minutes=1)
    for n in range(desk_alerts.LISTED + 3):
        _held(ctx, f"Held number {n:02d}", name=f"N{n}")
    clock.advance(seconds=SETTLED.total_seconds())
    assert _send(ctx, smtp_inbox).sent == 1
    message = _only_new_mail(smtp_inbox, 0)
    text = _text(message)
    assert message["Subject"] == "[Demo News] 23 comments held for review"
    assert "Held number 19" in text and "Held number 20" not in text
    assert "… and 3 more: https://comments.news.example/admin/queue/pending?site=demo" in text
