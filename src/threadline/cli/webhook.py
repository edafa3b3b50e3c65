"""`threadline webhook …` — a site's webhooks (docs/webhooks.md). Whoever runs these
commands holds the database: they act as an administrator, audited as "command line"."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from threadline.app import webhook_client
from threadline.cli.context import service_context
from threadline.cli.settings import pass_settings
from threadline.config import Settings
from threadline.domain.errors import ThreadlineError
from threadline.notify.webhook_client import WebhookClient
from threadline.service import webhooks
from threadline.service.context import ServiceContext
from threadline.service.webhook_delivery import Outcome
from threadline.service.webhook_events import SUBSCRIBABLE
from threadline.storage.webhook_queries import Webhook

EVENTS = ", ".join(e.value for e in SUBSCRIBABLE)


@contextmanager
def _opened(settings: Settings) -> Iterator[tuple[ServiceContext, WebhookClient]]:
    client = webhook_client(settings)
    try:
        with service_context(settings) as ctx:
            try:
                yield ctx, client
            except ThreadlineError as exc:
                raise click.ClickException(exc.message) from exc
    finally:
        client.close()


def _state(hook: Webhook) -> str:
    if hook.active:
        return "active"
    return "disabled" if hook.disabled_reason else "paused"


def _outcome(outcome: Outcome) -> str:
    status = f"HTTP {outcome.result.status}" if outcome.result.status is not None else "no answer"
    why = f" ({outcome.result.error})" if outcome.result.error else ""
    return f"{outcome.state}: {status}{why}"


@click.group(
    epilog="\b\nExample:\n  threadline webhook add daily https://hooks.example.com/threadline "
    "--event comment.published\n  threadline webhook list daily\n  threadline webhook test 1"
)
def webhook() -> None:
    """Tell a site's own systems about new, held, edited and deleted comments.

    Each webhook receives signed JSON POSTs; see docs/webhooks.md for the events, the
    payload and how to check the signature."""


@webhook.command(
    "add",
    epilog="\b\nExample:\n  threadline webhook add daily https://hooks.example.com/threadline \\\n"
    "    --event comment.published --event comment.held --description 'Slack bot'",
)
@click.argument("site")
@click.argument("url")
@click.option(
    "--event",
    "events",
    multiple=True,
    metavar="EVENT",
    help=f"An event to send (repeatable; default: all). Events: {EVENTS}.",
)
@click.option("--description", default="", help="What receives them (shown in lists).")
@pass_settings
def add(settings: Settings, site: str, url: str, events: tuple[str, ...], description: str) -> None:
    """Send SITE's events to URL; prints the signing secret once.

    Keep the secret: the receiver checks the Threadline-Signature header with it."""
    with _opened(settings) as (ctx, client):
        created = webhooks.add_webhook(
            ctx, client, webhooks.COMMAND_LINE, site, url, events, description
        )
    hook = created.webhook
    click.echo(f"added webhook {hook.id} for {site}: {hook.url}")
    click.echo(f"events: {' '.join(hook.events)}")
    click.echo(f"secret: {created.secret}")
    click.echo(
        "Keep the secret now: it verifies the Threadline-Signature header and is not shown again."
    )


@webhook.command("list", epilog="Example: threadline webhook list daily")
@click.argument("site", required=False)
@pass_settings
def list_(settings: Settings, site: str | None) -> None:
    """List the webhooks (of SITE, or of every site)."""
    with _opened(settings) as (ctx, _):
        found = webhooks.list_webhooks(ctx, webhooks.COMMAND_LINE, site)
    if not found:
        click.echo("no webhooks; add one with: threadline webhook add SITE URL")
        return
    for item in found:
        hook = item.webhook
        note = f"\t{hook.disabled_reason}" if hook.disabled_reason else ""
        click.echo(
            f"{hook.id}\t{item.site_slug}\t{_state(hook)}\t{hook.url}\t{','.join(hook.events)}"
            f"\t{hook.description or '-'}{note}"
        )


def _pause_or_resume(settings: Settings, webhook_id: int, paused: bool) -> None:
    with _opened(settings) as (ctx, _):
        hook = webhooks.set_paused(ctx, webhooks.COMMAND_LINE, webhook_id, paused)
    click.echo(f"webhook {hook.id} is {_state(hook)}")


@webhook.command("pause", epilog="Example: threadline webhook pause 3")
@click.argument("webhook_id", metavar="ID", type=int)
@pass_settings
def pause(settings: Settings, webhook_id: int) -> None:
    """Stop sending to webhook ID (no new events; waiting ones wait)."""
    _pause_or_resume(settings, webhook_id, True)


@webhook.command("resume", epilog="Example: threadline webhook resume 3")
@click.argument("webhook_id", metavar="ID", type=int)
@pass_settings
def resume(settings: Settings, webhook_id: int) -> None:
    """Send to webhook ID again (also after it answered 410 Gone)."""
    _pause_or_resume(settings, webhook_id, False)


@webhook.command(
    "remove",
    epilog="\b\nExample:\n  threadline webhook remove 3\n  threadline webhook remove 3 --yes",
)
@click.argument("webhook_id", metavar="ID", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_settings
def remove(settings: Settings, webhook_id: int, yes: bool) -> None:
    """Delete webhook ID and its deliveries, waiting ones too; it cannot be undone."""
    with _opened(settings) as (ctx, _):
        if not yes:
            hook, site = webhooks.get_webhook(ctx, webhooks.COMMAND_LINE, webhook_id)
            click.confirm(
                f"Remove webhook {hook.id} ({hook.url}) of {site.slug} and its deliveries, "
                "waiting ones included? This cannot be undone",
                abort=True,
                err=True,
            )
        hook = webhooks.remove_webhook(ctx, webhooks.COMMAND_LINE, webhook_id)
    click.echo(f"removed webhook {hook.id} ({hook.url})")


@webhook.command("test", epilog="Example: threadline webhook test 3")
@click.argument("webhook_id", metavar="ID", type=int)
@pass_settings
def test(settings: Settings, webhook_id: int) -> None:
    """Send a `ping` to webhook ID now and print the receiver's answer."""
    with _opened(settings) as (ctx, client):
        outcome = webhooks.send_test(ctx, client, webhooks.COMMAND_LINE, webhook_id)
    click.echo(f"ping {outcome.delivery_id}: {_outcome(outcome)}")
    if outcome.state != "delivered":
        raise SystemExit(1)


@webhook.command("deliveries", epilog="Example: threadline webhook deliveries 3 --limit 50")
@click.argument("webhook_id", metavar="ID", type=int)
@click.option("--limit", default=20, show_default=True, help="How many, newest first.")
@pass_settings
def deliveries(settings: Settings, webhook_id: int, limit: int) -> None:
    """List webhook ID's recent deliveries, newest first.

    Each with its state, attempts, and the receiver's last status or error."""
    with _opened(settings) as (ctx, _):
        hook, found = webhooks.recent_deliveries(ctx, webhooks.COMMAND_LINE, webhook_id, limit)
    if not found:
        click.echo(f"webhook {hook.id} has no deliveries")
        return
    for d in found:
        about = (
            f"comment {d.comment_id}"
            if d.comment_id
            else (f"thread {d.thread_id}" if d.thread_id else "-")
        )
        status = str(d.last_status) if d.last_status is not None else "-"
        click.echo(
            f"{d.id}\t{d.occurred_at:%Y-%m-%d %H:%M:%S}\t{d.event}\t{about}\t{d.state}\t"
            f"attempts {d.attempts}\tstatus {status}\t{d.last_error or ''}".rstrip()
        )
