"""The reply-mail outbox: sends the reply notifications that are due (rows written by the
transaction that made each reply visible), from a background sweep (app.py).

Each mail is claimed with a lease first, so two server processes (SQLite) or instances
(PostgreSQL) never send it at the same time; it is marked sent only once the SMTP server
accepted it. A mail that fails (MailError) is given back with a growing delay and given up,
logged, after a day. A crash between the server's acceptance and the mark sends that one mail
again once the lease ran out: at least once, never lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from threadline.notify.mail import Mailer, MailError
from threadline.service import reply_notifications
from threadline.service.context import ServiceContext
from threadline.storage.notification_queries import ClaimedReplyMail

log = logging.getLogger(__name__)

# Longer than one SMTP conversation can take (its timeouts), so a lease never runs out
# while its holder is still sending; what a crashed sender held waits this long.
LEASE = timedelta(minutes=5)
GIVE_UP_AFTER = timedelta(days=1)
MAX_RETRY_DELAY = timedelta(hours=1)
BATCH = 50


@dataclass
class OutboxReport:
    sent: int = 0
    not_due: int = 0  # not due after all (unsubscribed, erased, sent already) or capped
    failed: int = 0  # given back for a retry
    given_up: int = 0


def retry_delay(attempts: int, first_s: float) -> timedelta:
    """first_s after the first failure, doubling each time, at most an hour."""
    seconds = max(1.0, first_s) * 2 ** min(max(attempts - 1, 0), 20)
    return min(timedelta(seconds=seconds), MAX_RETRY_DELAY)


def send_due(
    ctx: ServiceContext,
    mailer: Mailer,
    base_url: str,
    retry_s: float,
    keep_going: Callable[[], bool] = lambda: True,
    batch: int = BATCH,
) -> OutboxReport:
    """Send what is due now, batch after batch, until nothing is left or `keep_going` says
    stop. Never raises for one mail: it runs in the background, where the log is the
    witness."""
    report = OutboxReport()
    while keep_going():
        claimed = _claim(ctx, batch)
        for claim in claimed:
            if not keep_going():  # stopping: the rest waits for the lease, then a sweep
                break
            _send_one(ctx, mailer, base_url, retry_s, claim, report)
        if len(claimed) < batch:
            break
    return report


def _claim(ctx: ServiceContext, batch: int) -> list[ClaimedReplyMail]:
    now = ctx.clock()
    return ctx.store.write(lambda db: db.claim_reply_mails(now, now + LEASE, batch))


def _send_one(
    ctx: ServiceContext,
    mailer: Mailer,
    base_url: str,
    retry_s: float,
    claim: ClaimedReplyMail,
    report: OutboxReport,
) -> None:
    reply_id = claim.reply_id
    try:
        due = reply_notifications.due_mail(ctx, reply_id, base_url)
        if due is None:
            ctx.store.write(lambda db: db.finish_reply_mail(reply_id, notified=False))
            report.not_due += 1
            return
        # The cap counts a mail once, at its first attempt, not at each retry.
        if claim.attempts == 1 and not reply_notifications.within_hourly_cap(ctx, due):
            log.info("reply notification for comment %d not sent: the address had enough", reply_id)
            ctx.store.write(lambda db: db.finish_reply_mail(reply_id, notified=True))
            report.not_due += 1
            return
        mailer.send(due.mail.to, due.mail.subject, due.mail.body)
    except Exception as exc:
        _failed(ctx, claim, retry_s, exc, report)
        return
    ctx.store.write(lambda db: db.finish_reply_mail(reply_id, notified=True))
    report.sent += 1


def _failed(
    ctx: ServiceContext,
    claim: ClaimedReplyMail,
    retry_s: float,
    exc: Exception,
    report: OutboxReport,
) -> None:
    reply_id = claim.reply_id
    now = ctx.clock()
    if not isinstance(exc, MailError):
        log.exception("a reply notification for comment %d failed", reply_id, exc_info=exc)
    if now - claim.created_at >= GIVE_UP_AFTER:
        log.error(
            "gave up the reply notification for comment %d after %d attempts since %s: %s",
            reply_id,
            claim.attempts,
            claim.created_at.isoformat(timespec="seconds"),
            exc,
        )
        ctx.store.write(lambda db: db.finish_reply_mail(reply_id, notified=False))
        report.given_up += 1
        return
    delay = retry_delay(claim.attempts, retry_s)
    ctx.store.write(lambda db: db.retry_reply_mail(reply_id, claim.lease_until, now + delay))
    log.warning(
        "a reply notification could not be mailed (comment %d, attempt %d, next in %d s): %s",
        reply_id,
        claim.attempts,
        delay.total_seconds(),
        exc,
    )
    report.failed += 1
