"""Managing a site's webhooks: add (the secret is shown once), list, pause, resume, remove,
send a test `ping`, list recent deliveries and retry a failed one now.

Administrators only (auth/permissions.py); the command line acts as one. Every change is
one write job that also writes the audit entry (who, before → after; never the secret).
Events are recorded by service/webhook_events.py, sent by service/webhook_delivery.py.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from threadline.auth import permissions
from threadline.domain.errors import Conflict, InvalidInput, NotFound
from threadline.domain.models import Site
from threadline.domain.moderation import Actor
from threadline.notify.webhook_client import WebhookAddressError, WebhookClient, resolve_checked
from threadline.service.context import ServiceContext
from threadline.service.sites import get_site
from threadline.service.webhook_delivery import Outcome, deliver_now
from threadline.service.webhook_events import GIVE_UP_AFTER, SUBSCRIBABLE, WebhookEvent
from threadline.storage.gateway import Gateway
from threadline.storage.webhook_queries import Delivery, Webhook

MAX_URL_LENGTH = 2000
MAX_DESCRIPTION_LENGTH = 200
MAX_DELIVERIES_SHOWN = 200
SECRET_PREFIX = "whsec_"


@dataclass(frozen=True, slots=True)
class CommandLine:
    """Whoever runs `threadline webhook …` holds the database: they act as an administrator."""

    name: str = "command line"


COMMAND_LINE = CommandLine()
Manager = Actor | CommandLine | None


@dataclass(frozen=True, slots=True)
class NewWebhook:
    webhook: Webhook
    secret: str  # shown once, when added


@dataclass(frozen=True, slots=True)
class WebhookListing:
    webhook: Webhook
    site_slug: str


def _who(actor: Manager) -> tuple[int | None, str]:
    """(user id, name) of an allowed manager, for the audit log."""
    if isinstance(actor, CommandLine):
        return None, actor.name
    who = permissions.check_can_manage_webhooks(actor)
    return who.user.id, who.user.display_name


def _audit(
    db: Gateway,
    ctx: ServiceContext,
    who: tuple[int | None, str],
    hook: Webhook,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    db.insert_audit(
        now=ctx.clock(),
        actor_id=who[0],
        actor_name=who[1],
        site_id=hook.site_id,
        action=action,
        target_type="webhook",
        target_id=str(hook.id),
        before=before,
        after=after,
    )


def _shown(hook: Webhook) -> dict[str, Any]:
    """A webhook as the audit log keeps it: never its secret."""
    return {"url": hook.url, "events": list(hook.events), "active": hook.active}


def clean_events(given: Sequence[str] | None) -> tuple[str, ...]:
    """The events asked for (every one when none is named), in their documented order."""
    if not given:
        return tuple(e.value for e in SUBSCRIBABLE)
    known = {e.value for e in SUBSCRIBABLE}
    wanted = {g.strip() for g in given if g.strip()}
    unknown = sorted(wanted - known)
    if unknown:
        raise InvalidInput(
            f"Unknown event {unknown[0]!r}; events: {', '.join(sorted(known))}.",
            code="invalid_event",
            field="events",
        )
    return tuple(e.value for e in SUBSCRIBABLE if e.value in wanted)


def clean_url(url: str, client: WebhookClient) -> str:
    """An http(s) URL whose host resolves to addresses webhooks may reach."""
    value = url.strip()
    if not value or len(value) > MAX_URL_LENGTH:
        raise InvalidInput(
            f"Give the receiver's URL (at most {MAX_URL_LENGTH} characters).",
            code="invalid_url",
            field="url",
        )
    try:
        resolve_checked(value, client.allow_private)
    except WebhookAddressError as exc:
        raise InvalidInput(
            f"This URL cannot be used: {exc}.", code="invalid_url", field="url"
        ) from None
    return value


def add_webhook(
    ctx: ServiceContext,
    client: WebhookClient,
    actor: Manager,
    site_slug: str,
    url: str,
    events: Sequence[str] | None = None,
    description: str = "",
) -> NewWebhook:
    who = _who(actor)
    site = get_site(ctx, site_slug)
    wanted = clean_events(events)
    text = " ".join(description.split())
    if len(text) > MAX_DESCRIPTION_LENGTH:
        raise InvalidInput(
            f"A description has at most {MAX_DESCRIPTION_LENGTH} characters.",
            code="invalid_description",
            field="description",
        )
    target = clean_url(url, client)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    now = ctx.clock()

    def job(db: Gateway) -> Webhook:
        hook = db.insert_webhook(
            site_id=site.id,
            url=target,
            secret=secret,
            events=wanted,
            description=text,
            now=now,
            created_by=who[0],
            created_by_name=who[1],
        )
        _audit(db, ctx, who, hook, "webhook_add", {}, {**_shown(hook), "description": text})
        return hook

    return NewWebhook(ctx.store.write(job), secret)


def list_webhooks(
    ctx: ServiceContext, actor: Manager, site_slug: str | None = None
) -> list[WebhookListing]:
    _who(actor)
    with ctx.store.reading() as db:
        slugs = {s.id: s.slug for s in db.list_sites()}
    site_ids = [get_site(ctx, site_slug).id] if site_slug else None
    with ctx.store.reading() as db:
        hooks = db.site_webhooks(site_ids)
    return [WebhookListing(h, slugs.get(h.site_id, "?")) for h in hooks]


def get_webhook(ctx: ServiceContext, actor: Manager, webhook_id: int) -> tuple[Webhook, Site]:
    """A webhook with its site."""
    _who(actor)
    hook = _found(ctx, webhook_id)
    with ctx.store.reading() as db:
        site = db.get_site_by_id(hook.site_id)
    assert site is not None
    return hook, site


def _found(ctx: ServiceContext, webhook_id: int) -> Webhook:
    with ctx.store.reading() as db:
        hook = db.get_webhook(webhook_id) if 1 <= webhook_id <= 2**53 else None
    if hook is None:
        raise NotFound(f"There is no webhook {webhook_id}.", code="webhook_not_found")
    return hook


def set_paused(ctx: ServiceContext, actor: Manager, webhook_id: int, paused: bool) -> Webhook:
    """Pause (no events are queued for it, pending ones wait) or resume (which also clears
    a disabling by the server)."""
    who = _who(actor)
    _found(ctx, webhook_id)
    now = ctx.clock()

    def job(db: Gateway) -> Webhook:
        before = db.get_webhook(webhook_id)
        if before is None:
            raise NotFound(f"There is no webhook {webhook_id}.", code="webhook_not_found")
        db.set_webhook_active(webhook_id, not paused, None)
        if paused:
            db.park_deliveries(webhook_id)
        else:
            db.unpark_deliveries(webhook_id, now, now + GIVE_UP_AFTER)
        after = db.get_webhook(webhook_id)
        assert after is not None
        action = "webhook_pause" if paused else "webhook_resume"
        _audit(db, ctx, who, after, action, _shown(before), _shown(after))
        return after

    return ctx.store.write(job)


def remove_webhook(ctx: ServiceContext, actor: Manager, webhook_id: int) -> Webhook:
    """The webhook goes with its deliveries, pending ones included."""
    who = _who(actor)
    hook = _found(ctx, webhook_id)

    def job(db: Gateway) -> None:
        dropped = db.delete_webhook(webhook_id)
        _audit(db, ctx, who, hook, "webhook_remove", _shown(hook), {"deliveries_dropped": dropped})

    ctx.store.write(job)
    return hook


def send_test(
    ctx: ServiceContext, client: WebhookClient, actor: Manager, webhook_id: int
) -> Outcome:
    """Queue a `ping` to the webhook and send it now (paused or not); the outcome."""
    who = _who(actor)
    hook = _found(ctx, webhook_id)
    now = ctx.clock()

    def job(db: Gateway) -> int:
        delivery_id = db.insert_delivery(hook.id, WebhookEvent.PING.value, now, now)
        _audit(db, ctx, who, hook, "webhook_test", {}, {"delivery": delivery_id})
        return delivery_id

    delivery_id = ctx.store.write(job)
    outcome = deliver_now(ctx, client, delivery_id)
    if outcome is None:  # a background worker took it first: its outcome is in the list
        with ctx.store.reading() as db:
            found = db.get_delivery(delivery_id)
        raise Conflict(
            f"The test was sent by the background worker ({found.state if found else 'gone'}).",
            code="delivery_busy",
        )
    return outcome


def recent_deliveries(
    ctx: ServiceContext, actor: Manager, webhook_id: int, limit: int = 50
) -> tuple[Webhook, list[Delivery]]:
    _who(actor)
    hook = _found(ctx, webhook_id)
    with ctx.store.reading() as db:
        return hook, db.recent_deliveries(webhook_id, max(1, min(limit, MAX_DELIVERIES_SHOWN)))


@dataclass(frozen=True, slots=True)
class Retried:
    webhook_id: int
    outcome: Outcome | None  # None: the background worker took it first


def retry_delivery(
    ctx: ServiceContext, client: WebhookClient, actor: Manager, delivery_id: int
) -> Retried:
    """A failed delivery due again now (with a fresh give-up time), and sent at once."""
    who = _who(actor)
    with ctx.store.reading() as db:
        delivery = db.get_delivery(delivery_id) if 1 <= delivery_id <= 2**53 else None
        hook = db.get_webhook(delivery.webhook_id) if delivery else None
    if delivery is None or hook is None:
        raise NotFound(f"There is no delivery {delivery_id}.", code="delivery_not_found")
    now = ctx.clock()

    def job(db: Gateway) -> None:
        if not db.retry_delivery(delivery_id, now, now + GIVE_UP_AFTER):
            raise Conflict("Only a failed delivery can be retried.", code="delivery_not_failed")
        _audit(db, ctx, who, hook, "webhook_retry", {"delivery": delivery_id}, {"state": "pending"})

    ctx.store.write(job)
    return Retried(hook.id, deliver_now(ctx, client, delivery_id))
