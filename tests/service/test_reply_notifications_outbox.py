"""The reply-mail outbox on SQLite and PostgreSQL, with a real SMTP server (aiosmtpd): a mail
is due from the transaction that published the reply, survives a mail server that is down
(sent once it is up), is claimed under a lease (two senders over one database send it once;
a crashed sender's claim runs out), and is given up after a day."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import threading
from collections.abc import Callable, Iterator

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import Clock
from tests.service.conftest import CLIENT, VOTER
from tests.smtp_server import Inbox, free_port, smtp_inbox
from threadline.app import build_context, open_store
from threadline.config import Settings
from threadline.domain.models import Author, Site
from threadline.domain.moderation import Actor
from threadline.notify.mail import Mailer, MailSettings
from threadline.service import flags, mail_outbox, moderation
from threadline.service.comments import CommentDraft, PostedComment, post_comment
from threadline.service.context import ServiceContext
from threadline.service.sites import configure_site
from threadline.service.sweeper import Sweeper
from threadline.storage.times import from_us

__all__ = ["smtp_inbox"]  # the fixture

BASE = "https://comments.news.example"
PAULA = "paula@example.org"
RETRY_S = 60


def _mailer(port: int) -> Mailer:
    return Mailer(MailSettings("127.0.0.1", port, "", "", False, "comments@news.example"), ())


def _post(
    ctx: ServiceContext,
    body: str,
    parent: int | None = None,
    email: str | None = None,
    notify: bool = False,
) -> PostedComment:
    draft = CommentDraft(
        "demo",
        "https://news.example/a",
        body,
        Author("Rita" if parent else "Paula", email),
        parent_id=parent,
        notify_replies=notify,
    )
    return post_comment(ctx, draft, CLIENT)


def _waiting(ctx: ServiceContext) -> int:
    with ctx.store.reading() as db:
        return db.reply_mails_waiting()


@pytest.fixture
def parent(ctx: ServiceContext, site: Site) -> int:
    return _post(ctx, "Tell me", email=PAULA, notify=True).comment.id


@pytest.fixture
def late_inbox() -> Iterator[tuple[Inbox, Controller]]:
    """A mail server that is down until the test starts it (on a port chosen now)."""
    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    yield inbox, controller
    with contextlib.suppress(AssertionError):  # "not running": it never came up
        controller.stop()


def test_only_a_reply_to_a_parent_who_asked_is_due(
    ctx: ServiceContext, site: Site, parent: int, people: dict[str, Actor]
) -> None:
    quiet = _post(ctx, "Quiet", email="q@example.org").comment.id
    _post(ctx, "To the quiet one", parent=quiet)
    assert _waiting(ctx) == 0  # an ordinary comment and a reply nobody asked about
    _post(ctx, "To Paula", parent=parent)
    assert _waiting(ctx) == 1
    configure_site(ctx, "demo", changes={"premoderation": "true"})
    held = _post(ctx, "Held", parent=parent).comment.id
    assert _waiting(ctx) == 1  # not while it is held
    moderation.approve(ctx, people["mod"], held)
    assert _waiting(ctx) == 2  # due with the approval, in its transaction
    held_quiet = _post(ctx, "Held, to the quiet one", parent=quiet).comment.id
    moderation.approve(ctx, people["mod"], held_quiet)
    assert _waiting(ctx) == 2


def test_smtp_down_then_up_the_mail_arrives_once(
    ctx: ServiceContext,
    clock: Clock,
    parent: int,
    late_inbox: tuple[Inbox, Controller],
    caplog: pytest.LogCaptureFixture,
) -> None:
    inbox, server = late_inbox
    mailer = _mailer(inbox.port)
    reply = _post(ctx, "An answer worth a mail", parent=parent).comment.id
    with caplog.at_level(logging.WARNING, logger="threadline.service.mail_outbox"):
        first = mail_outbox.send_due(ctx, mailer, BASE, RETRY_S)
    assert (first.sent, first.failed) == (0, 1)
    assert f"could not be mailed (comment {reply}, attempt 1, next in 60 s)" in caplog.text
    assert _waiting(ctx) == 1
    # Not due again before its delay, even with the server up.
    server.start()
    assert mail_outbox.send_due(ctx, mailer, BASE, RETRY_S).sent == 0
    clock.advance(seconds=RETRY_S)
    assert mail_outbox.send_due(ctx, mailer, BASE, RETRY_S).sent == 1
    [message] = inbox.wait(1)
    assert message["To"] == PAULA and "An answer worth a mail" in str(message.get_body())
    assert _waiting(ctx) == 0
    clock.advance(hours=2)
    assert mail_outbox.send_due(ctx, mailer, BASE, RETRY_S).sent == 0
    assert len(inbox.messages) == 1


def test_retries_back_off_and_give_up_after_a_day(
    ctx: ServiceContext, clock: Clock, parent: int, caplog: pytest.LogCaptureFixture
) -> None:
    mailer = _mailer(free_port())  # nothing ever listens there
    reply = _post(ctx, "Never delivered", parent=parent).comment.id
    waits = []
    with caplog.at_level(logging.WARNING, logger="threadline.service.mail_outbox"):
        for _ in range(30):
            report = mail_outbox.send_due(ctx, mailer, BASE, RETRY_S)
            if report.given_up:
                break
            assert report.failed == 1
            with ctx.store.reading() as db:
                row = db._one("SELECT due_at FROM reply_mail_outbox")
            assert row is not None
            due = int(row["due_at"])
            waits.append(due)
            # Jump to just when it is due again.
            clock.now = from_us(due) or clock.now
    deltas = [(b - a) // 1_000_000 for a, b in itertools.pairwise(waits)]
    assert deltas[:3] == [120, 240, 480] and max(deltas) == 3600  # doubling, at most an hour
    assert f"gave up the reply notification for comment {reply}" in caplog.text
    assert _waiting(ctx) == 0


def test_a_crashed_senders_claim_runs_out_then_the_mail_goes_once(
    ctx: ServiceContext, clock: Clock, parent: int, smtp_inbox: Inbox
) -> None:
    _post(ctx, "Claimed, then the sender died", parent=parent)
    now = clock()
    held = ctx.store.write(lambda db: db.claim_reply_mails(now, now + mail_outbox.LEASE, 10))
    assert len(held) == 1  # a sender took it and crashed before it sent anything
    mailer = _mailer(smtp_inbox.port)
    assert mail_outbox.send_due(ctx, mailer, BASE, RETRY_S).sent == 0
    clock.advance(seconds=mail_outbox.LEASE.total_seconds())
    assert mail_outbox.send_due(ctx, mailer, BASE, RETRY_S).sent == 1
    assert len(smtp_inbox.wait(1)) == 1


def test_two_senders_over_one_database_send_each_mail_once(
    settings: Settings, ctx: ServiceContext, parent: int, smtp_inbox: Inbox
) -> None:
    replies = [_post(ctx, f"Reply {n}", parent=parent).comment.id for n in range(12)]
    # A second store on the same database: another server process (SQLite) or instance.
    other_store = open_store(settings)
    try:
        other = build_context(settings, other_store)
        other.clock = ctx.clock  # one time for both: leases are compared across senders
        other.limiter.enabled = ctx.limiter.enabled = False  # the hourly cap is not the point
        start = threading.Barrier(2)
        reports: list[mail_outbox.OutboxReport] = []

        def sender(context: ServiceContext) -> None:
            start.wait()
            # Two at a time: the senders take turns and race for the same rows.
            mailer = _mailer(smtp_inbox.port)
            reports.append(mail_outbox.send_due(context, mailer, BASE, 60, batch=2))

        threads = [threading.Thread(target=sender, args=(c,)) for c in (ctx, other)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        other_store.close()
    assert sum(r.sent for r in reports) == len(replies)
    messages = smtp_inbox.wait(len(replies))
    assert len(smtp_inbox.wait(len(replies) + 1, timeout=0.3)) == len(replies)
    bodies = sorted(str(m.get_body()) for m in messages)
    assert all(sum(f"Reply {n}\n" in b for b in bodies) == 1 for n in range(12))
    assert _waiting(ctx) == 0


def test_a_reply_hidden_by_flags_and_approved_again_is_not_mailed_twice(
    ctx: ServiceContext, parent: int, smtp_inbox: Inbox, people: dict[str, Actor]
) -> None:
    configure_site(ctx, "demo", changes={"flags_to_hold": "1"})
    reply = _post(ctx, "Contested", parent=parent).comment.id
    mailer = _mailer(smtp_inbox.port)
    assert mail_outbox.send_due(ctx, mailer, BASE, RETRY_S).sent == 1
    held = flags.flag_comment(ctx, reply, "spam", VOTER, None, CLIENT)
    assert held.held
    moderation.approve(ctx, people["mod"], reply)
    assert _waiting(ctx) == 1  # due again by the approval …
    report = mail_outbox.send_due(ctx, mailer, BASE, RETRY_S)
    assert (report.sent, report.not_due) == (0, 1)  # … and found sent already
    assert len(smtp_inbox.wait(2, timeout=0.3)) == 1
    assert _waiting(ctx) == 0


def test_the_sweep_runs_at_start_on_each_cue_and_stops_after_the_one_in_progress() -> None:
    """The outbox's sender (service/sweeper.py) on a real event loop: no interval here, so
    every sweep after the first comes from a cue; a cue during a sweep is not lost; stopping
    waits for the sweep in progress (the store is closed right after)."""
    runs: list[int] = []
    inside = threading.Event()
    release = threading.Event()

    def sweep() -> None:
        runs.append(len(runs))
        if len(runs) in (2, 5):  # these sweeps block until released
            inside.set()
            release.wait(5)

    async def until(condition: Callable[[], bool]) -> None:
        deadline = asyncio.get_running_loop().time() + 5
        while not condition():
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.005)

    async def main() -> None:
        sweeper = Sweeper("test", sweep, interval_s=0)
        sweeper.start()
        await until(lambda: len(runs) == 1)  # at start: what a restart left over
        threading.Thread(target=sweeper.wake).start()  # a cue from another thread
        await until(inside.is_set)
        sweeper.wake()  # during the sweep: served by one more
        release.set()
        await until(lambda: len(runs) == 3)
        sweeper.wake()
        await until(lambda: len(runs) == 4)
        inside.clear()
        release.clear()
        sweeper.wake()
        await until(inside.is_set)  # the fifth sweep is running …
        stopping = asyncio.create_task(sweeper.stop())
        await asyncio.sleep(0.05)
        assert not stopping.done() and not sweeper.keep_going()  # … stop waits for it
        release.set()
        await until(stopping.done)
        sweeper.wake()  # after stop: nothing
        await asyncio.sleep(0.05)
        assert len(runs) == 5

    asyncio.run(main())
