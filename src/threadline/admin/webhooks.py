"""/admin/sites/{slug}/webhooks, /admin/webhooks/… and /admin/deliveries/… — a site's
webhooks for administrators: list, add (the secret shown once), pause/resume/remove, send a
test, recent deliveries, retry a failed one now.

Handlers stay thin like settings.py's: read the form → one service call → redirect
(POST/redirect/GET), except after adding, whose page shows the new secret once (it never
goes into a URL).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from threadline.admin import webhooks_html as pages
from threadline.admin.settings_html import site_path
from threadline.admin.web import (
    admin_state,
    flash_message,
    form_poster,
    form_value,
    html_page,
    in_thread,
    path_id,
    read_form,
    refused_page,
    see_other,
    signed_in,
    with_query,
)
from threadline.domain.errors import AuthRequired, Conflict, InvalidInput, ThreadlineError
from threadline.domain.models import Site
from threadline.notify.webhook_client import WebhookClient
from threadline.service import webhooks
from threadline.service.accounts import Authenticated
from threadline.service.context import ServiceContext
from threadline.service.sites import get_site
from threadline.service.webhook_delivery import Outcome
from threadline.storage.webhook_queries import Webhook


def _client(request: Request) -> WebhookClient:
    client = admin_state(request).webhooks
    assert client is not None, "create_app gives the dashboard its webhook client"
    return client


def _site_and_hooks(
    ctx: ServiceContext, auth: Authenticated, slug: str
) -> tuple[Site, list[Webhook]]:
    listed = webhooks.list_webhooks(ctx, auth.actor, slug)  # decides access first
    return get_site(ctx, slug), [item.webhook for item in listed]


async def webhooks_page(request: Request) -> Response:
    slug = request.path_params["slug"]
    try:
        auth = await signed_in(request)
    except AuthRequired:
        return see_other("/admin/login")
    try:
        site, hooks = await in_thread(_site_and_hooks, admin_state(request).ctx, auth, slug)
    except ThreadlineError as exc:
        return refused_page(auth, exc)
    message, error = flash_message(request)
    return html_page(
        pages.webhooks_page(auth.actor, auth.csrf_token, site, hooks, message=message, error=error)
    )


async def add_submit(request: Request) -> Response:
    slug = request.path_params["slug"]
    here = site_path(slug, "/webhooks")
    form = await read_form(request)
    auth = await form_poster(request, form, here)
    if isinstance(auth, Response):
        return auth
    ctx = admin_state(request).ctx
    try:
        created = await in_thread(
            webhooks.add_webhook,
            ctx,
            _client(request),
            auth.actor,
            slug,
            form_value(form, "url"),
            form.get("events") or [],
            form_value(form, "description"),
        )
    except InvalidInput as exc:
        try:
            site, hooks = await in_thread(_site_and_hooks, ctx, auth, slug)
        except ThreadlineError as refused:
            return refused_page(auth, refused)
        text = pages.webhooks_page(
            auth.actor,
            auth.csrf_token,
            site,
            hooks,
            message=f"Nothing was added: {exc.message}",
            error=True,
            values=form,
        )
        return html_page(text, 400)
    except ThreadlineError as exc:
        return refused_page(auth, exc)
    site, hooks = await in_thread(_site_and_hooks, ctx, auth, slug)
    text = pages.webhooks_page(
        auth.actor, auth.csrf_token, site, hooks, secret=(created.webhook, created.secret)
    )
    return html_page(text)


def _said(outcome: Outcome | None) -> tuple[str, bool]:
    """What a test or a retry did, and whether that is an error."""
    if outcome is None:
        return "The background worker is sending it; see its state below.", False
    status = outcome.result.status
    answer = f"HTTP {status}" if status is not None else "no answer"
    if outcome.state == "delivered":
        return f"Delivered: the receiver answered {answer}.", False
    return f"Not delivered ({answer}): {outcome.result.error}.", True


async def webhook_submit(request: Request) -> Response:
    webhook_id = path_id(request)
    form = await read_form(request)
    auth = await form_poster(request, form, "/admin/sites")
    if isinstance(auth, Response):
        return auth
    ctx = admin_state(request).ctx
    action = form_value(form, "action")
    try:
        hook, site = await in_thread(webhooks.get_webhook, ctx, auth.actor, webhook_id)
        here = site_path(site, "/webhooks")
        if action in ("pause", "resume"):
            await in_thread(webhooks.set_paused, ctx, auth.actor, webhook_id, action == "pause")
            done, error = (
                ("Paused" if action == "pause" else "Resumed") + f" webhook {hook.id}.",
                False,
            )
        elif action == "remove":
            if form_value(form, "confirm") != "1":  # the box the browser also requires
                return see_other(with_query(here, "error", "Tick the box to remove the webhook."))
            await in_thread(webhooks.remove_webhook, ctx, auth.actor, webhook_id)
            done, error = f"Removed webhook {hook.id}.", False
        elif action == "test":
            outcome = await in_thread(
                webhooks.send_test, ctx, _client(request), auth.actor, webhook_id
            )
            done, error = _said(outcome)
            here = pages.webhook_path(hook.id, "/deliveries")
        else:
            return see_other(with_query(here, "error", "Unknown webhook action."))
    except Conflict as exc:
        return see_other(
            with_query(pages.webhook_path(webhook_id, "/deliveries"), "error", exc.message)
        )
    except ThreadlineError as exc:
        return refused_page(auth, exc)
    return see_other(with_query(here, "error" if error else "done", done))


async def deliveries_page(request: Request) -> Response:
    try:
        auth = await signed_in(request)
    except AuthRequired:
        return see_other("/admin/login")
    ctx = admin_state(request).ctx
    try:
        hook, site = await in_thread(webhooks.get_webhook, ctx, auth.actor, path_id(request))
        _, found = await in_thread(webhooks.recent_deliveries, ctx, auth.actor, hook.id)
    except ThreadlineError as exc:
        return refused_page(auth, exc)
    message, error = flash_message(request)
    return html_page(
        pages.deliveries_page(auth.actor, auth.csrf_token, site, hook, found, message, error)
    )


async def retry_submit(request: Request) -> Response:
    delivery_id = path_id(request)
    form = await read_form(request)
    auth = await form_poster(request, form, "/admin/sites")
    if isinstance(auth, Response):
        return auth
    ctx = admin_state(request).ctx
    try:
        retried = await in_thread(
            webhooks.retry_delivery, ctx, _client(request), auth.actor, delivery_id
        )
    except Conflict as exc:  # not failed (any more): sent meanwhile, or retried twice
        return see_other(with_query("/admin/sites", "error", exc.message))
    except ThreadlineError as exc:
        return refused_page(auth, exc)
    message, error = _said(retried.outcome)
    back = pages.webhook_path(retried.webhook_id, "/deliveries")
    return see_other(with_query(back, "error" if error else "done", message))


def webhook_routes() -> list[BaseRoute]:
    return [
        Route("/admin/sites/{slug}/webhooks", webhooks_page, methods=["GET"]),
        Route("/admin/sites/{slug}/webhooks", add_submit, methods=["POST"]),
        Route("/admin/webhooks/{id:int}", webhook_submit, methods=["POST"]),
        Route("/admin/webhooks/{id:int}/deliveries", deliveries_page, methods=["GET"]),
        Route("/admin/deliveries/{id:int}/retry", retry_submit, methods=["POST"]),
    ]
