"""The dashboard's webhook pages as HTML text: a site's webhooks (with the add form, and the
secret shown once after adding) and one webhook's recent deliveries.

Everything from the database or the form is escaped here; forms post with the session's
CSRF token.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from threadline.admin.html import csrf_input, esc, notice, page, time_html
from threadline.admin.settings_html import site_path
from threadline.domain.models import Site
from threadline.domain.moderation import Actor
from threadline.service.webhook_events import SUBSCRIBABLE
from threadline.storage.webhook_queries import PARKED, Delivery, Webhook


def webhook_path(webhook_id: int, tail: str = "") -> str:
    return f"/admin/webhooks/{webhook_id}{tail}"


def _state(hook: Webhook) -> str:
    if hook.active:
        return "Active"
    if hook.disabled_reason:
        return f"Disabled: {hook.disabled_reason}"
    return "Paused"


def _action(csrf: str, hook: Webhook, action: str, label: str, confirm: str = "") -> str:
    """One button's form; `confirm`: the label of a box that must be ticked first."""
    box = (
        f'<label><input type="checkbox" name="confirm" value="1" required> {esc(confirm)}</label>'
        if confirm
        else ""
    )
    return (
        f'<form method="post" action="{webhook_path(hook.id)}" class="inline webhook-{action}">'
        f'{csrf_input(csrf)}<input type="hidden" name="action" value="{action}">'
        f'{box}<button type="submit">{esc(label)}</button></form>'
    )


def _row(csrf: str, hook: Webhook) -> str:
    toggle = ("pause", "Pause") if hook.active else ("resume", "Resume")
    return (
        f'<tr id="webhook-{hook.id}"><td><code>{esc(hook.url)}</code>'
        f"<br><small>{esc(hook.description)}</small></td>"
        f"<td>{esc(', '.join(hook.events))}</td><td>{esc(_state(hook))}</td>"
        f"<td>{time_html(hook.created_at)}<br><small>{esc(hook.created_by_name)}</small></td>"
        f'<td><a href="{webhook_path(hook.id, "/deliveries")}">Deliveries</a> '
        f"{_action(csrf, hook, 'test', 'Send test')}{_action(csrf, hook, *toggle)}"
        f"{_action(csrf, hook, 'remove', 'Remove', 'with its deliveries')}</td></tr>"
    )


def _add_form(site: Site, csrf: str, values: Mapping[str, Sequence[str]]) -> str:
    chosen = set(values.get("events", ()))
    boxes = "".join(
        f'<label class="event"><input type="checkbox" name="events" value="{e.value}"'
        f"{' checked' if e.value in chosen or not chosen else ''}> {e.value}</label>"
        for e in SUBSCRIBABLE
    )
    url = (values.get("url") or [""])[0]
    description = (values.get("description") or [""])[0]
    return (
        f'<h2 id="add">Add a webhook</h2><form method="post" '
        f'action="{site_path(site, "/webhooks")}" class="webhook-add">{csrf_input(csrf)}'
        f'<label>Receiver URL <input name="url" type="url" required maxlength="2000" '
        f'value="{esc(url)}" placeholder="https://hooks.example.com/threadline"></label>'
        f"<fieldset><legend>Events</legend>{boxes}</fieldset>"
        f'<label>Description <input name="description" maxlength="200" '
        f'value="{esc(description)}"></label><button type="submit">Add webhook</button></form>'
    )


def webhooks_page(
    actor: Actor,
    csrf: str,
    site: Site,
    hooks: Sequence[Webhook],
    *,
    message: str | None = None,
    error: bool = False,
    secret: tuple[Webhook, str] | None = None,
    values: Mapping[str, Sequence[str]] | None = None,
) -> str:
    shown = ""
    if secret is not None:
        hook, value = secret
        shown = (
            f'<div class="notice secret" role="status"><p>Added webhook {hook.id}. Its signing '
            "secret is shown only now: copy it to the receiver, which checks the "
            "<code>Threadline-Signature</code> header with it.</p>"
            f'<p><code class="secret-value">{esc(value)}</code></p></div>'
        )
    rows = "".join(_row(csrf, h) for h in hooks)
    table = (
        "<table><thead><tr><th>Receiver</th><th>Events</th><th>State</th><th>Added</th>"
        f"<th>Actions</th></tr></thead><tbody>{rows}</tbody></table>"
        if hooks
        else '<p class="empty">This site has no webhooks.</p>'
    )
    body = (
        f"{notice(message, error)}{shown}"
        f'<p class="site-links"><a href="{site_path(site, "/settings")}">Settings</a></p>'
        "<p>Webhooks tell the site's own systems about its comments with signed JSON POSTs "
        "(see docs/webhooks.md).</p>"
        f"{table}{_add_form(site, csrf, values or {})}"
    )
    return page(f"{site.name}: webhooks", body, actor, csrf)


def _next(d: Delivery) -> str:
    if d.state != "pending":
        return ""
    return "waits (webhook paused)" if d.next_attempt_at >= PARKED else time_html(d.next_attempt_at)


def deliveries_page(
    actor: Actor,
    csrf: str,
    site: Site,
    hook: Webhook,
    deliveries: Sequence[Delivery],
    message: str | None = None,
    error: bool = False,
) -> str:
    def retry(d: Delivery) -> str:
        if d.state != "failed":
            return ""
        return (
            f'<form method="post" action="/admin/deliveries/{d.id}/retry" class="inline">'
            f'{csrf_input(csrf)}<button type="submit">Retry now</button></form>'
        )

    def about(d: Delivery) -> str:
        if d.comment_id:
            return f"comment {d.comment_id}"
        return f"thread {d.thread_id}" if d.thread_id else "—"

    rows = "".join(
        f'<tr id="delivery-{d.id}" class="state-{esc(d.state)}"><td>{d.id}</td>'
        f"<td>{time_html(d.occurred_at)}</td><td>{esc(d.event)}</td><td>{esc(about(d))}</td>"
        f'<td class="state">{esc(d.state)}</td><td>{d.attempts}</td>'
        f"<td>{esc(d.last_status) if d.last_status is not None else '—'}</td>"
        f"<td>{esc(d.last_error or '')}</td>"
        f"<td>{_next(d)}</td>"
        f"<td>{retry(d)}</td></tr>"
        for d in deliveries
    )
    table = (
        "<table><thead><tr><th>Id</th><th>Happened</th><th>Event</th><th>About</th>"
        "<th>State</th><th>Attempts</th><th>Status</th><th>Error</th><th>Next attempt</th>"
        f"<th></th></tr></thead><tbody>{rows}</tbody></table>"
        if deliveries
        else '<p class="empty">No deliveries yet.</p>'
    )
    back = f'<p><a href="{site_path(site, "/webhooks")}">All webhooks of {esc(site.name)}</a></p>'
    facts = f"<p><code>{esc(hook.url)}</code> · {esc(_state(hook))}</p>"
    body = f"{notice(message, error)}{back}{facts}{table}"
    return page(f"Webhook {hook.id}: deliveries", body, actor, csrf)
