"""/admin/privacy — administrators download or erase a reader's data by the email they gave
(docs/privacy.md). Administrators only; every export and erasure is audited with the email
under a keyed pseudonym, never in clear."""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from threadline.admin import html
from threadline.admin.html import csrf_input, esc
from threadline.admin.web import (
    HEADERS,
    admin_state,
    form_value,
    html_page,
    in_thread,
    read_form,
    see_other,
    signed_in,
    with_query,
)
from threadline.auth.sessions import CSRF_FIELD
from threadline.domain.errors import AuthRequired, InvalidInput, ThreadlineError
from threadline.domain.moderation import Actor
from threadline.service import privacy as service
from threadline.service.sites import list_sites

PATH = "/admin/privacy"


def _not_admin(actor: Actor, csrf: str, message: str) -> Response:
    return html_page(html.page("Not available", html.notice(message, True), actor, csrf), 403)


async def privacy_page(request: Request) -> Response:
    try:
        auth = await signed_in(request)
    except AuthRequired:
        return see_other("/admin/login")
    try:
        service.requester_for(auth.actor)
    except ThreadlineError as exc:
        return _not_admin(auth.actor, auth.csrf_token, exc.message)
    sites = await in_thread(list_sites, admin_state(request).ctx)
    params = request.query_params
    message = params.get("done") or params.get("error")
    csrf = csrf_input(auth.csrf_token)
    options = "".join(f'<option value="{esc(s.slug)}">{esc(s.name)}</option>' for s in sites)
    fields = (
        f'<label>Site <select name="site" required>{options}</select></label>'
        '<label>Reader\'s email <input type="email" name="email" required '
        'autocomplete="off"></label>'
    )
    body = (
        f"{html.notice(message, 'error' in params)}"
        "<p>Download or erase what is held about a reader, found by the email address they "
        "gave with their comments on one site. Votes and reports are tied to an anonymous "
        "browser id, not an email: readers erase those from the widget. Both actions are "
        "recorded in the audit log under a pseudonym of the address.</p>"
        f'<form method="post" action="{PATH}/export" class="privacy">{csrf}{fields}'
        '<button type="submit">Download their data (JSON)</button></form>'
        f'<form method="post" action="{PATH}/erase" class="privacy">{csrf}{fields}'
        '<label><input type="checkbox" name="confirm" value="1" required> '
        "I understand that erasing cannot be undone</label>"
        '<button type="submit" class="danger">Erase their data</button></form>'
    )
    return html_page(html.page("Readers' data", body, auth.actor, auth.csrf_token))


async def _admin_form(request: Request) -> tuple[dict[str, list[str]], service.Requester]:
    form = await read_form(request)
    auth = await signed_in(request, form_value(form, CSRF_FIELD))
    return form, service.requester_for(auth.actor)


async def export(request: Request) -> Response:
    try:
        form, requester = await _admin_form(request)
        data = await in_thread(
            service.export_by_email,
            admin_state(request).ctx,
            form_value(form, "site"),
            form_value(form, "email"),
            requester,
        )
    except AuthRequired:
        return see_other("/admin/login")
    except ThreadlineError as exc:
        status = 403 if exc.code in ("not_an_admin", "csrf_failed", "origin_not_allowed") else 400
        if status == 403:
            return html_page(html.page("Not available", html.notice(exc.message, True)), 403)
        return see_other(with_query(PATH, "error", exc.message))
    return Response(
        msgspec.json.format(msgspec.json.encode(data)),
        media_type="application/json",
        headers={
            **HEADERS,
            "Content-Disposition": f'attachment; filename="threadline-{data.site}-data.json"',
        },
    )


async def erase(request: Request) -> Response:
    try:
        form, requester = await _admin_form(request)
        if form_value(form, "confirm") != "1":
            raise InvalidInput("Tick the confirmation box to erase.")
        report = await in_thread(
            service.erase_by_email,
            admin_state(request).ctx,
            form_value(form, "site"),
            form_value(form, "email"),
            requester,
        )
    except AuthRequired:
        return see_other("/admin/login")
    except ThreadlineError as exc:
        if exc.code in ("not_an_admin", "csrf_failed", "origin_not_allowed"):
            return html_page(html.page("Not available", html.notice(exc.message, True)), 403)
        return see_other(with_query(PATH, "error", exc.message))
    done = (
        f"Erased on {report.site}: {report.comments_removed} comment(s) removed, "
        f"{report.comments_anonymized} kept anonymously, {report.bans_lifted} ban(s) lifted."
    )
    return see_other(with_query(PATH, "done", done))


def privacy_routes() -> list[BaseRoute]:
    return [
        Route(PATH, privacy_page, methods=["GET"]),
        Route(f"{PATH}/export", export, methods=["POST"]),
        Route(f"{PATH}/erase", erase, methods=["POST"]),
    ]
