"""/admin — the server-rendered moderation dashboard: sign in, queues with cards, actions
through forms (each carrying the session's CSRF token), the audit log and its export.

Handlers stay thin: read the form → one service call → redirect (POST/redirect/GET) or page.
What every page does with a request is in web.py; the site settings, webhooks, alerts and
privacy pages are modules of their own, whose routes `admin_routes` gathers.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from threadline.admin import html
from threadline.admin.alerts import alert_routes
from threadline.admin.privacy import privacy_routes
from threadline.admin.settings import settings_routes
from threadline.admin.web import (
    HEADERS,
    admin_state,
    client_info,
    form_poster,
    form_value,
    html_page,
    in_thread,
    is_secure,
    read_form,
    see_other,
    signed_in,
    with_query,
)
from threadline.admin.webhooks import webhook_routes
from threadline.auth import permissions
from threadline.auth.sessions import CSRF_FIELD, SESSION_COOKIE
from threadline.domain.errors import AuthRequired, InvalidInput, ThreadlineError
from threadline.domain.moderation import Queue
from threadline.service import accounts
from threadline.service import moderation as mod
from threadline.service.accounts import SESSION_LIFETIME
from threadline.service.context import ServiceContext

LOGIN_COOKIE = "threadline_login"
ASSET_TYPES = {
    "admin.js": "text/javascript; charset=utf-8",
    "admin.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}


# -- signing in and out ---------------------------------------------------------------------


async def login_page(request: Request, message: str | None = None, status: int = 200) -> Response:
    # Login CSRF: the form's token must match this cookie (double submit), so another site
    # cannot sign a moderator's browser into an account of its choosing.
    token = secrets.token_urlsafe(24)
    response = html_page(html.login_page(token, message), status)
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        path="/admin",
        httponly=True,
        samesite="strict",
        secure=is_secure(request),
    )
    return response


async def login_submit(request: Request) -> Response:
    client = client_info(request)
    try:
        permissions.check_same_origin(client.origin, client.own_origin)
        form = await read_form(request)
        expected = request.cookies.get(LOGIN_COOKIE) or ""
        given = form_value(form, "login_token")
        if not expected or not secrets.compare_digest(expected, given):
            return await login_page(request, "The sign-in form expired; please try again.", 403)
        signed = await in_thread(
            accounts.sign_in,
            admin_state(request).ctx,
            form_value(form, "email"),
            form_value(form, "password"),
            client,
        )
    except ThreadlineError as exc:
        status = (
            429 if exc.code == "rate_limited" else 401 if isinstance(exc, AuthRequired) else 400
        )
        return await login_page(request, exc.message, status)
    response = see_other("/admin/queue/pending")
    response.set_cookie(
        SESSION_COOKIE,
        signed.token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_secure(request),
    )
    response.delete_cookie(LOGIN_COOKIE, path="/admin")
    return response


async def _end_session(request: Request, everywhere: bool) -> Response:
    form = await read_form(request)
    try:
        auth = await signed_in(request, form_value(form, CSRF_FIELD))
    except AuthRequired:
        return see_other("/admin/login")
    ctx = admin_state(request).ctx
    if everywhere:
        await in_thread(accounts.sign_out_everywhere, ctx, auth.actor.user)
    else:
        await in_thread(accounts.sign_out, ctx, auth.session_hash)
    response = see_other("/admin/login")
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


async def logout(request: Request) -> Response:
    return await _end_session(request, everywhere=False)


async def logout_everywhere(request: Request) -> Response:
    return await _end_session(request, everywhere=True)


# -- queues ---------------------------------------------------------------------------------


async def home(request: Request) -> Response:
    return see_other("/admin/queue/pending")


async def queue_page(request: Request) -> Response:
    try:
        which = Queue(request.path_params["queue"])
    except ValueError:
        return html_page(html.page("Not found", "<p>There is no such queue.</p>"), 404)
    try:
        auth = await signed_in(request)
    except AuthRequired:
        return see_other("/admin/login")
    params = request.query_params
    filters = {k: params.get(k, "") for k in ("site", "thread", "author", "text")}
    before = params.get("before", "")
    f = mod.QueueFilter(
        site=filters["site"] or None,
        thread=filters["thread"] or None,
        author=filters["author"] or None,
        text=filters["text"] or None,
        before_id=int(before) if before.isdigit() else None,
    )
    try:
        items = await in_thread(mod.queue, admin_state(request).ctx, auth.actor, which, f)
    except ThreadlineError as exc:
        return html_page(
            html.page("Not available", html.notice(exc.message, True), auth.actor, auth.csrf_token),
            403 if exc.code != "not_found" else 404,
        )
    back = str(request.url.path) + (
        f"?{urlencode({k: v for k, v in filters.items() if v})}" if any(filters.values()) else ""
    )
    next_before = items[-1].comment.id if len(items) == f.limit else None
    message = params.get("done") or params.get("error")
    return html_page(
        html.queue_page(
            auth.actor,
            auth.csrf_token,
            which,
            items,
            filters,
            back,
            message,
            "error" in params,
            next_before,
        )
    )


def _back(form: dict[str, list[str]]) -> str:
    back = form_value(form, "back")
    # Only our own dashboard pages: never an open redirect.
    return (
        back if back.startswith("/admin/") and not back.startswith("//") else "/admin/queue/pending"
    )


async def act(request: Request) -> Response:
    form = await read_form(request)
    back = _back(form)
    auth = await form_poster(request, form, back)
    if isinstance(auth, Response):
        return auth
    ctx, actor = admin_state(request).ctx, auth.actor
    action = form_value(form, "action")
    ids = [int(i) for i in form.get("id", []) if i.isdigit()][: mod.MAX_BULK]
    reason = form_value(form, "reason")
    try:
        if not ids:
            raise InvalidInput("Select at least one comment.")
        done = await _run(ctx, actor, action, ids, reason, form)
    except ThreadlineError as exc:
        return see_other(with_query(back, "error", exc.message))
    return see_other(with_query(back, "done", done))


async def _run(
    ctx: ServiceContext,
    actor: Any,
    action: str,
    ids: list[int],
    reason: str,
    form: dict[str, list[str]],
) -> str:
    if action in ("approve", "reject") and len(ids) > 1:
        outcomes = await in_thread(mod.bulk, ctx, actor, action, ids, reason)
        ok = sum(o.ok for o in outcomes)
        return f"{action.title()}d {ok} of {len(outcomes)} comments."
    target = ids[0]
    if action == "approve":
        await in_thread(mod.approve, ctx, actor, target, reason)
        return f"Approved comment {target}."
    if action == "reject":
        await in_thread(mod.reject, ctx, actor, target, reason)
        return f"Rejected comment {target}: {reason}."
    if action in ("feature", "unfeature"):
        await in_thread(mod.feature, ctx, actor, target, action == "feature")
        return f"Comment {target} {'featured' if action == 'feature' else 'no longer featured'}."
    if action == "ban":
        days = form_value(form, "days")
        result = await in_thread(
            mod.ban_author,
            ctx,
            actor,
            target,
            reason,
            int(days) if days.isdigit() else None,
            form_value(form, "reject_comments") == "1",
        )
        return f"Banned the author; {len(result.rejected)} comment(s) rejected."
    raise InvalidInput("Unknown action.")


# -- audit log ------------------------------------------------------------------------------


async def audit_page(request: Request) -> Response:
    try:
        auth = await signed_in(request)
    except AuthRequired:
        return see_other("/admin/login")
    params = request.query_params
    filters = {k: params.get(k, "") for k in ("site", "action", "target")}
    export = params.get("format")
    try:
        entries = await in_thread(
            mod.audit_log,
            admin_state(request).ctx,
            auth.actor,
            site=filters["site"] or None,
            action=filters["action"] or None,
            target_id=filters["target"] or None,
            limit=1000 if export else 200,
        )
    except ThreadlineError as exc:
        return html_page(
            html.page("Not available", html.notice(exc.message, True), auth.actor, auth.csrf_token),
            403,
        )
    rows = [
        {
            "id": e.id,
            "at": e.at.isoformat(),
            "actor": e.actor_name,
            "site_id": e.site_id,
            "action": e.action,
            "target_type": e.target_type,
            "target_id": e.target_id,
            "before": e.before,
            "after": e.after,
            "reason": e.reason,
        }
        for e in entries
    ]
    download = {"Content-Disposition": "attachment", **HEADERS}
    if export == "jsonl":
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        return Response(text, media_type="application/x-ndjson", headers=download)
    if export == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["id"])
        writer.writeheader()
        for r in rows:
            writer.writerow(
                {k: json.dumps(v) if isinstance(v, dict) else _csv_safe(v) for k, v in r.items()}
            )
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=download)
    return html_page(html.audit_page(auth.actor, auth.csrf_token, entries, filters))


def _csv_safe(value: object) -> object:
    """Spreadsheets run cells starting with = + - @ as formulas: quote them out."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


# -- assets and routes ----------------------------------------------------------------------


def _assets() -> dict[str, bytes]:
    folder = resources.files("threadline.admin").joinpath("assets")
    return {name: folder.joinpath(name).read_bytes() for name in ASSET_TYPES}


def admin_routes() -> list[BaseRoute]:
    files = _assets()

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in files:
            return Response(b"Not found\n", status_code=404, media_type="text/plain")
        return Response(
            files[name],
            media_type=ASSET_TYPES[name],
            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
        )

    return [
        Route("/admin", home, methods=["GET"]),
        Route("/admin/login", login_page, methods=["GET"]),
        Route("/admin/login", login_submit, methods=["POST"]),
        Route("/admin/logout", logout, methods=["POST"]),
        Route("/admin/logout-everywhere", logout_everywhere, methods=["POST"]),
        Route("/admin/queue/{queue}", queue_page, methods=["GET"]),
        Route("/admin/act", act, methods=["POST"]),
        Route("/admin/audit", audit_page, methods=["GET"]),
        Route("/admin/assets/{name}", asset, methods=["GET"]),
        *settings_routes(),
        *privacy_routes(),
        *alert_routes(),
        *webhook_routes(),
    ]
