"""What every dashboard page does with a request: the server's state, a service call off the
event loop, the posted form, who is signed in (session, CSRF token, same origin), and the
HTML, redirect and refusal it answers with. Shared by views.py and the other page modules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from threadline.admin import html
from threadline.auth import permissions
from threadline.auth.client_ip import ClientAddressResolver
from threadline.auth.sessions import CSRF_FIELD, SESSION_COOKIE
from threadline.domain.errors import (
    AuthRequired,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    ThreadlineError,
)
from threadline.notify.webhook_client import WebhookClient
from threadline.service import accounts
from threadline.service.accounts import Authenticated
from threadline.service.context import ClientInfo, ServiceContext

T = TypeVar("T")
MAX_FORM_BYTES = 64 * 1024
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass
class AdminState:
    ctx: ServiceContext
    addresses: ClientAddressResolver
    webhooks: WebhookClient | None = None  # the test button and "retry now" send through it


def admin_state(request: Request) -> AdminState:
    state: AdminState = request.app.state.threadline_admin
    return state


async def in_thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await run_in_threadpool(fn, *args, **kwargs)


def client_info(request: Request) -> ClientInfo:
    peer = request.client.host if request.client else None
    host = request.headers.get("host", "")
    return ClientInfo(
        ip=admin_state(request).addresses.resolve(peer, request.headers.get("x-forwarded-for")),
        user_agent=(request.headers.get("user-agent") or "")[:512] or None,
        origin=request.headers.get("origin"),
        own_origin=f"{request.url.scheme}://{host}" if host else None,
    )


def html_page(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers=HEADERS)


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


def is_secure(request: Request) -> bool:
    """https here, or at the proxy in front (a client claiming it only hurts itself)."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


async def read_form(request: Request) -> dict[str, list[str]]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise InvalidInput("Send the form as application/x-www-form-urlencoded.")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise InvalidInput("The form is too large.")
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)


def form_value(form: dict[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0]


async def signed_in(request: Request, csrf: str | None = None) -> Authenticated:
    client = client_info(request)
    changes_state = request.method == "POST"
    if changes_state:
        permissions.check_same_origin(client.origin, client.own_origin)
    return await in_thread(
        accounts.authenticate,
        admin_state(request).ctx,
        request.cookies.get(SESSION_COOKIE),
        csrf,
        changes_state=changes_state,
    )


async def form_poster(
    request: Request, form: dict[str, list[str]], back: str
) -> Authenticated | Response:
    """Who sent this form (session, CSRF token, same origin), or where to send them instead:
    to the sign-in page, or back to `back` with the reason."""
    try:
        return await signed_in(request, form_value(form, CSRF_FIELD))
    except AuthRequired:
        return see_other("/admin/login")
    except ThreadlineError as exc:
        return see_other(with_query(back, "error", exc.message))


def with_query(url: str, key: str, message: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}{urlencode({key: message})}"


def error_status(exc: ThreadlineError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, AuthRequired):
        return 401
    if isinstance(exc, Forbidden):
        return 403
    if isinstance(exc, Conflict):
        return 409
    return 400


def refused_page(auth: Authenticated, exc: ThreadlineError) -> Response:
    title = "Not found" if isinstance(exc, NotFound) else "Not available"
    body = html.notice(exc.message, True)
    return html_page(html.page(title, body, auth.actor, auth.csrf_token), error_status(exc))


def path_id(request: Request) -> int:
    """Ids beyond any stored one are simply not found (and never overflow the driver)."""
    value: int = request.path_params["id"]
    return value if 1 <= value <= 2**53 else 0


def flash_message(request: Request) -> tuple[str | None, bool]:
    params = request.query_params
    return params.get("done") or params.get("error"), "error" in params
