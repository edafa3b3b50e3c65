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
from threadline.admin.settings import _message, _path_id, _refused
from threadline.admin.settings_html import site_path
from threadline.admin.views import (
    _call,
    _form,
    _form_poster,
    _one,
    _page,
    _redirect,
    _signed_in,
    _state,
    _with,
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
    client = _state(request).webhooks
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
        auth = await _signed_in(request)
    except AuthRequired:
        return _redirect("/admin/login")
    try:
        site, hooks = await _call(_site_and_hooks, _state(request).ctx, auth, slug)
    except ThreadlineError as exc:
        return _refused(auth, exc)
    message, error = _message(request)
    return _page(
        pages.webhooks_page(auth.actor, auth.csrf_token, site, hooks, message=message, error=error)
    )


async def add_submit(request: Request) -> Response:
    slug = request.path_params["slug"]
    here = site_path(slug, "/webhooks")
    form = await _form(request)
    auth = await _form_poster(request, form, here)
    if isinstance(auth, Response):
        return auth
    ctx = _state(request).ctx
    try:
        created = await _call(
            webhooks.add_webhook,
            ctx,
            _client(request),
            auth.actor,
            slug,
            _one(form, "url"),
            form.get("events") or [],
            _one(form, "description"),
        )
    except InvalidInput as exc:
        try:
            site, hooks = await _call(_site_and_hooks, ctx, auth, slug)
        except ThreadlineError as refused:
            return _refused(auth, refused)
        text = pages.webhooks_page(
            auth.actor,
            auth.csrf_token,
            site,
            hooks,
            message=f"Nothing was added: {exc.message}",
            error=True,
            values=form,
        )
        return _page(text, 400)
    except ThreadlineError as exc:
        return _refused(auth, exc)
    site, hooks = await _call(_site_and_hooks, ctx, auth, slug)
    text = pages.webhooks_page(
        auth.actor, auth.csrf_token, site, hooks, secret=(created.webhook, created.secret)
    )
    return _page(text)


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
    webhook_id = _path_id(request)
    form = await _form(request)
    auth = await _form_poster(request, form, "/admin/sites")
    if isinstance(auth, Response):
        return auth
    ctx = _state(request).ctx
    action = _one(form, "action")
    try:
        hook, site = await _call(webhooks.get_webhook, ctx, auth.actor, webhook_id)
        here = site_path(site, "/webhooks")
        if action in ("pause", "resume"):
            await _call(webhooks.set_paused, ctx, auth.actor, webhook_id, action == "pause")
            done, error = (
                ("Paused" if action == "pause" else "Resumed") + f" webhook {hook.id}.",
                False,
            )
        elif action == "remove":
            if _one(form, "confirm") != "1":  # the box the browser also requires
                return _redirect(_with(here, "error", "Tick the box to remove the webhook."))
            await _call(webhooks.remove_webhook, ctx, auth.actor, webhook_id)
            done, error = f"Removed webhook {hook.id}.", False
        elif action == "test":
            outcome = await _call(webhooks.send_test, ctx, _client(request), auth.actor, webhook_id)
            done, error = _said(outcome)
            here = pages.webhook_path(hook.id, "/deliveries")
        else:
            return _redirect(_with(here, "error", "Unknown webhook action."))
    except Conflict as exc:
        return _redirect(_with(pages.webhook_path(webhook_id, "/deliveries"), "error", exc.message))
    except ThreadlineError as exc:
        return _refused(auth, exc)
    return _redirect(_with(here, "error" if error else "done", done))


async def deliveries_page(request: Request) -> Response:
    try:
        auth = await _signed_in(request)
    except AuthRequired:
        return _redirect("/admin/login")
    ctx = _state(request).ctx
    try:
        hook, site = await _call(webhooks.get_webhook, ctx, auth.actor, _path_id(request))
        _, found = await _call(webhooks.recent_deliveries, ctx, auth.actor, hook.id)
    except ThreadlineError as exc:
        return _refused(auth, exc)
    message, error = _message(request)
    return _page(
        pages.deliveries_page(auth.actor, auth.csrf_token, site, hook, found, message, error)
    )


async def retry_submit(request: Request) -> Response:
    delivery_id = _path_id(request)
    form = await _form(request)
    auth = await _form_poster(request, form, "/admin/sites")
    if isinstance(auth, Response):
        return auth
    ctx = _state(request).ctx
    try:
        retried = await _call(
            webhooks.retry_delivery, ctx, _client(request), auth.actor, delivery_id
        )
    except Conflict as exc:  # not failed (any more): sent meanwhile, or retried twice
        return _redirect(_with("/admin/sites", "error", exc.message))
    except ThreadlineError as exc:
        return _refused(auth, exc)
    message, error = _said(retried.outcome)
    back = pages.webhook_path(retried.webhook_id, "/deliveries")
    return _redirect(_with(back, "error" if error else "done", message))


def webhook_routes() -> list[BaseRoute]:
    return [
        Route("/admin/sites/{slug}/webhooks", webhooks_page, methods=["GET"]),
        Route("/admin/sites/{slug}/webhooks", add_submit, methods=["POST"]),
        Route("/admin/webhooks/{id:int}", webhook_submit, methods=["POST"]),
        Route("/admin/webhooks/{id:int}/deliveries", deliveries_page, methods=["GET"]),
        Route("/admin/deliveries/{id:int}/retry", retry_submit, methods=["POST"]),
    ]
