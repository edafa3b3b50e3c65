"""The events webhooks are told about, and how they are recorded: one pending delivery row
per subscribed webhook, written by the use case inside its own write job (`def job(db)`),
so an acknowledged change's event survives a crash. Delivery is service/webhook_delivery.py's.

A write whose event no active webhook of the site wants records nothing and costs nothing:
the site, read by every write anyway, carries the events its webhooks want
(`Site.webhook_events`, kept by the webhook queries). A webhook added while a write is in
flight may miss that write's event. Imports (transfer/) record nothing: they are history.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from threadline.domain.models import CommentStatus, Site
from threadline.storage.gateway import Gateway


class WebhookEvent(StrEnum):
    COMMENT_PUBLISHED = "comment.published"  # visible to readers: posted so, or approved
    COMMENT_HELD = "comment.held"  # waiting for review: posted so, or held by flags/an edit
    COMMENT_REJECTED = "comment.rejected"
    COMMENT_EDITED = "comment.edited"
    COMMENT_DELETED = "comment.deleted"  # by its author, or erased on a reader's request
    COMMENT_FLAGGED = "comment.flagged"  # a reader flagged it
    THREAD_CLOSED = "thread.closed"
    THREAD_REOPENED = "thread.reopened"
    PING = "ping"  # the test button and `threadline webhook test`; never subscribed to


SUBSCRIBABLE: tuple[WebhookEvent, ...] = tuple(
    e for e in WebhookEvent if e is not WebhookEvent.PING
)

# The event a comment's new status announces.
STATUS_EVENTS = {
    CommentStatus.PUBLISHED: WebhookEvent.COMMENT_PUBLISHED,
    CommentStatus.PENDING: WebhookEvent.COMMENT_HELD,
    CommentStatus.REJECTED: WebhookEvent.COMMENT_REJECTED,
    CommentStatus.DELETED: WebhookEvent.COMMENT_DELETED,
}

# Retries after a failed attempt: the n-th failure waits RETRY_DELAYS[n-1] (the last one
# repeats) until the delivery is GIVE_UP_AFTER old, then it is marked failed. The setting
# `webhook_first_retry_s` scales the table (its first entry is FIRST_RETRY_S).
RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=3),
    timedelta(hours=6),
)
GIVE_UP_AFTER = timedelta(hours=24)
FIRST_RETRY_S = 30.0


def next_attempt(
    failures: int, now: datetime, give_up_at: datetime, first_retry_s: float = FIRST_RETRY_S
) -> datetime | None:
    """When to try again after the `failures`-th failed attempt; None: give up."""
    delay = RETRY_DELAYS[min(max(failures, 1), len(RETRY_DELAYS)) - 1]
    when = now + delay * (first_retry_s / FIRST_RETRY_S)
    return when if when <= give_up_at else None


def record(
    db: Gateway,
    site: Site,
    event: WebhookEvent,
    now: datetime,
    *,
    comment_id: int | None = None,
    thread_id: int | None = None,
) -> int:
    """Queue `event` for the site's subscribed webhooks, inside the caller's write job."""
    if event.value not in site.webhook_events:
        return 0
    return db.record_webhook_event(
        site.id, event.value, now, now + GIVE_UP_AFTER, comment_id=comment_id, thread_id=thread_id
    )


def record_status(
    db: Gateway, site: Site, status: CommentStatus, now: datetime, comment_id: int, thread_id: int
) -> int:
    """Queue the event a comment's new status announces."""
    return record(db, site, STATUS_EVENTS[status], now, comment_id=comment_id, thread_id=thread_id)
