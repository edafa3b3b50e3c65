"""Delivering webhooks: claim due deliveries under a lease, build each payload from the
stored comment as it is *when sent*, POST it signed, record the outcome, retry on failure.

Runs in the background (app.py starts `delivery_loop` in the server's lifespan; it looks
for due deliveries every second): a slow or
failing receiver never slows or fails a comment. Several server processes and instances
may run it over one database: a delivery is claimed by one UPDATE only one of them wins
(storage/webhook_queries.py), so no row is sent twice at the same time; a worker that dies
mid-delivery leaves its rows due again when the lease ends (a receiver may then see the
same delivery id twice: `Threadline-Delivery` lets it drop the copy). Deliveries are
independent: their order is not guaranteed.

The payload carries the public face of a comment only (display name, website, sanitized
HTML, status and times) — never an email, IP address, user agent or edit token; a deleted
or erased comment carries neither name nor text.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any

from threadline import __version__
from threadline.domain.keys import article_page
from threadline.notify.webhook_client import PostResult, WebhookClient, sign
from threadline.service.context import ServiceContext
from threadline.service.webhook_events import FIRST_RETRY_S, next_attempt
from threadline.storage.gateway import Gateway
from threadline.storage.times import from_us
from threadline.storage.webhook_delivery_queries import DeliveryJob

log = logging.getLogger(__name__)

USER_AGENT = f"Threadline-Webhook/{__version__}"
BATCH = 16  # deliveries claimed at once by one worker
PARALLEL = 4  # of which this many are sent at the same time
POLL_S = 1.0  # how often an idle worker looks for due deliveries
PURGE_EVERY_S = 3600.0
PURGE_BATCH = 2000
DELIVERY_WORKER = "threadline (webhook delivery)"  # the audit log's name for the worker


@dataclass(frozen=True, slots=True)
class Outcome:
    delivery_id: int
    state: str  # delivered, pending (retry later), failed
    result: PostResult


def lease_for(client: WebhookClient) -> timedelta:
    """Long enough to send a whole claimed batch, with room to spare (name lookups are not
    under the timeout); short enough that a crashed worker's rows come back soon."""
    rounds = -(-BATCH // PARALLEL)
    return timedelta(seconds=2 * rounds * client.timeout_s + 10)


def _iso(value: Any) -> str | None:
    moment = from_us(value) if isinstance(value, int) else value
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # as the API writes them


def payload(job: DeliveryJob) -> dict[str, Any]:
    """The JSON body (docs/webhooks.md); from the stored rows as they are now."""
    d = job.delivery
    thread = job.thread
    page = article_page(str(thread["key"]), thread.get("url")) if thread else None
    body: dict[str, Any] = {
        "id": d.id,
        "event": d.event,
        "occurred_at": _iso(d.occurred_at),
        "site": {"slug": job.site_slug, "name": job.site_name},
        "thread": (
            {"key": thread["key"], "url": page, "title": thread.get("title")} if thread else None
        ),
        "comment": None,
    }
    c = job.comment
    if c is not None:
        gone = c["status"] == "deleted"  # deleted or erased: no name, no text
        body["comment"] = {
            "id": c["id"],
            "parent_id": c["parent_id"],
            "author": {
                "name": None if gone else c["author_name"],
                "website": None if gone else c["author_website"],
            },
            "html": None if gone else c["html"],
            "status": c["status"],
            "created_at": _iso(c["created_at"]),
            "edited_at": _iso(c["edited_at"]),
            "permalink": f"{page}#comment-{c['id']}" if page else None,
        }
    return body


def encode(job: DeliveryJob) -> bytes:
    return json.dumps(payload(job), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def headers_for(job: DeliveryJob, body: bytes, unix_s: int) -> dict[str, str]:
    return {
        "Threadline-Event": job.delivery.event,
        "Threadline-Delivery": str(job.delivery.id),
        "Threadline-Signature": sign(job.webhook.secret, unix_s, body),
    }


def _attempt(
    ctx: ServiceContext,
    client: WebhookClient,
    delivery_id: int,
    owner: str,
    first_retry_s: float = FIRST_RETRY_S,
) -> Outcome:
    """Send one claimed delivery and record what happened."""
    with ctx.store.reading() as db:
        job = db.delivery_job(delivery_id)
    if job is None:  # its webhook was removed meanwhile
        return Outcome(delivery_id, "gone", PostResult(None, "the webhook was removed"))
    d, hook = job.delivery, job.webhook
    if not hook.active and d.event != "ping":  # paused after the claim: it waits
        ctx.store.write(lambda db: db.release_delivery(delivery_id, owner))
        return Outcome(delivery_id, "pending", PostResult(None, "the webhook is paused"))
    body = encode(job)
    # Signed with the wall clock: receivers compare it with theirs to refuse old replays.
    result = client.post(hook.url, body, headers_for(job, body, int(time.time())))
    now = ctx.clock()
    failures = d.attempts + 1
    gone = result.status == 410
    if result.delivered:
        state, when = "delivered", now
    else:
        retry = (
            None
            if gone or d.event == "ping"
            else next_attempt(failures, now, d.give_up_at, first_retry_s)
        )
        state, when = ("pending", retry) if retry is not None else ("failed", now)

    def record(db: Gateway) -> bool:
        done = db.finish_attempt(
            delivery_id,
            owner,
            state=state,
            now=now,
            next_attempt_at=when,
            status=result.status,
            error=result.error,
        )
        if done and gone and hook.active:
            reason = f"The receiver answered 410 Gone on {now:%Y-%m-%d %H:%M} UTC."
            db.set_webhook_active(hook.id, False, reason)
            db.park_deliveries(hook.id)
            db.insert_audit(
                now=now,
                actor_id=None,
                actor_name=DELIVERY_WORKER,
                site_id=hook.site_id,
                action="webhook_disable",
                target_type="webhook",
                target_id=str(hook.id),
                before={"active": True},
                after={"active": False},
                reason=reason,
            )
        return bool(done)

    if not ctx.store.write(record):
        log.warning("webhook delivery %d: the lease ran out before its outcome was recorded", d.id)
    _log(job, state, result, failures)
    if gone and hook.active:
        log.warning("webhook %d (%s) answered 410 Gone: it is now disabled", hook.id, hook.url)
    return Outcome(delivery_id, state, result)


def _log(job: DeliveryJob, state: str, result: PostResult, attempt: int) -> None:
    what = f"webhook {job.webhook.id} delivery {job.delivery.id} ({job.delivery.event})"
    if state == "delivered":
        log.info("%s delivered: HTTP %s", what, result.status)
    elif state == "pending":
        log.warning("%s attempt %d failed, retrying later: %s", what, attempt, result.error)
    else:
        log.warning("%s failed for good after %d attempt(s): %s", what, attempt, result.error)


def deliver_due(
    ctx: ServiceContext,
    client: WebhookClient,
    pool: ThreadPoolExecutor | None = None,
    limit: int = BATCH,
    first_retry_s: float = FIRST_RETRY_S,
) -> list[Outcome]:
    """One pass: claim what is due now and send it; the outcomes (none when idle)."""
    now = ctx.clock()
    with ctx.store.reading() as db:
        if not db.delivery_due(now):
            return []
    owner = uuid.uuid4().hex
    ids = ctx.store.write(
        lambda db: db.claim_deliveries(now, now + lease_for(client), owner, limit)
    )

    def attempt(delivery_id: int) -> Outcome:
        try:
            return _attempt(ctx, client, delivery_id, owner, first_retry_s)
        except Exception:  # this one waits for its lease to end; the others go on
            log.exception("webhook delivery %d failed unexpectedly", delivery_id)
            return Outcome(delivery_id, "pending", PostResult(None, "unexpected error"))

    if pool is None or len(ids) < 2:
        return [attempt(i) for i in ids]
    return list(pool.map(attempt, ids))


def deliver_now(ctx: ServiceContext, client: WebhookClient, delivery_id: int) -> Outcome | None:
    """Send one delivery at once (the test button, a retry); None if it is not due or
    another worker holds it."""
    now = ctx.clock()
    owner = uuid.uuid4().hex
    ids = ctx.store.write(
        lambda db: db.claim_deliveries(now, now + lease_for(client), owner, 1, only=delivery_id)
    )
    return _attempt(ctx, client, delivery_id, owner) if ids else None


def purge(ctx: ServiceContext, keep_days: int, batch: int = PURGE_BATCH) -> int:
    """Delete delivered and failed deliveries older than `keep_days`; how many went."""
    if keep_days <= 0:
        return 0
    before = ctx.clock() - timedelta(days=keep_days)
    total = 0
    while True:
        done = ctx.store.write(lambda db: db.purge_deliveries(before, batch))
        total += done
        if done < batch:
            return total


async def delivery_loop(
    ctx: ServiceContext,
    client: WebhookClient,
    keep_days: int,
    first_retry_s: float = FIRST_RETRY_S,
) -> None:
    """Deliver until cancelled: a pass every POLL_S (at once again while passes come back
    full), the purge every PURGE_EVERY_S."""
    loop = asyncio.get_running_loop()
    next_purge = loop.time() + 60.0
    pool = ThreadPoolExecutor(PARALLEL, thread_name_prefix="webhook")
    try:
        while True:
            wait_s = POLL_S
            try:
                outcomes = await asyncio.to_thread(
                    deliver_due, ctx, client, pool, BATCH, first_retry_s
                )
                if loop.time() >= next_purge:
                    next_purge = loop.time() + PURGE_EVERY_S
                    purged = await asyncio.to_thread(purge, ctx, keep_days)
                    if purged:
                        log.info("webhooks: purged %d old deliveries", purged)
            except Exception:
                log.exception("the webhook delivery pass failed; trying again in 10 s")
                outcomes, wait_s = [], 10.0
            if len(outcomes) >= BATCH:
                continue  # more may be due at once
            await asyncio.sleep(wait_s)
    finally:
        # Stopping: attempts under way finish in their threads (their rows' leases cover
        # them); nothing new starts, and the server's shutdown does not wait for receivers.
        pool.shutdown(wait=False, cancel_futures=True)
