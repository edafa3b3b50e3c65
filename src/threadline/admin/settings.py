"""/admin/sites/… and /admin/threads/… — a site's rules (settings, word lists, bans) and a
thread's tools (close/reopen, pre-moderate), as dashboard pages and forms.

Handlers stay thin like views.py's: read the form → one service call → redirect
(POST/redirect/GET), or the page again with the errors beside their fields.
"""

from __future__ import annotations

from dataclasses import fields

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from threadline.admin import html
from threadline.admin import settings_html as pages
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
from threadline.domain.errors import (
    AuthRequired,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    ThreadlineError,
)
from threadline.domain.models import SiteSettings
from threadline.service import moderation as mod
from threadline.service import site_rules
from threadline.service.accounts import Authenticated
from threadline.service.site_rules import SettingsInvalid

THREAD_ACTIONS = {
    "close": ("closed", True, "Closed the thread."),
    "reopen": ("closed", False, "Reopened the thread."),
    "premoderate": ("premoderated", True, "Comments of this thread now wait for review."),
    "unpremoderate": ("premoderated", False, "This thread is no longer pre-moderated."),
}


def _status(exc: ThreadlineError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, AuthRequired):
        return 401
    if isinstance(exc, Forbidden):
        return 403
    if isinstance(exc, Conflict):
        return 409
    return 400


def _refused(auth: Authenticated, exc: ThreadlineError) -> Response:
    title = "Not found" if isinstance(exc, NotFound) else "Not available"
    body = html.notice(exc.message, True)
    return _page(html.page(title, body, auth.actor, auth.csrf_token), _status(exc))


def _path_id(request: Request) -> int:
    """Ids beyond any stored one are simply not found (and never overflow the driver)."""
    value: int = request.path_params["id"]
    return value if 1 <= value <= 2**53 else 0


def _message(request: Request) -> tuple[str | None, bool]:
    params = request.query_params
    return params.get("done") or params.get("error"), "error" in params


# -- sites ----------------------------------------------------------------------------------


async def sites_page(request: Request) -> Response:
    try:
        auth = await _signed_in(request)
    except AuthRequired:
        return _redirect("/admin/login")
    try:
        sites = await _call(site_rules.sites_to_keep, _state(request).ctx, auth.actor)
    except ThreadlineError as exc:
        return _refused(auth, exc)
    return _page(pages.sites_page(auth.actor, auth.csrf_token, sites))


# -- settings and word lists ----------------------------------------------------------------


async def settings_page(request: Request) -> Response:
    slug = request.path_params["slug"]
    try:
        auth = await _signed_in(request)
    except AuthRequired:
        return _redirect("/admin/login")
    try:
        rules = await _call(site_rules.site_rules, _state(request).ctx, auth.actor, slug)
    except ThreadlineError as exc:
        return _refused(auth, exc)
    message, error = _message(request)
    values = site_rules.settings_as_text(rules.site.settings)
    return _page(
        pages.settings_page(
            auth.actor, auth.csrf_token, rules, values=values, message=message, error=error
        )
    )


def _submitted_settings(form: dict[str, list[str]]) -> dict[str, str]:
    """The settings a form sent; a checkbox sends "off" (hidden) and, when ticked, "on"."""
    out = {}
    for f in fields(SiteSettings):
        given = form.get(f.name)
        if not given:
            continue
        if isinstance(getattr(SiteSettings(), f.name), bool):
            out[f.name] = "on" if "on" in given else "off"
        else:
            out[f.name] = given[-1].strip()
    return out


async def settings_submit(request: Request) -> Response:
    slug = request.path_params["slug"]
    here = pages.site_path(slug, "/settings")
    form = await _form(request)
    auth = await _form_poster(request, form, here)
    if isinstance(auth, Response):
        return auth
    ctx = _state(request).ctx
    submitted = _submitted_settings(form)
    try:
        await _call(
            site_rules.change_settings, ctx, auth.actor, slug, submitted, _one(form, "reason")
        )
    except SettingsInvalid as exc:
        rules = await _call(site_rules.site_rules, ctx, auth.actor, slug)
        values = {**site_rules.settings_as_text(rules.site.settings), **submitted}
        text = pages.settings_page(
            auth.actor,
            auth.csrf_token,
            rules,
            values=values,
            errors=exc.errors,
            message="Nothing was saved: correct the settings marked below.",
            error=True,
        )
        return _page(text, 400)
    except ThreadlineError as exc:
        return _refused(auth, exc)
    return _redirect(_with(here, "done", "Saved the settings."))


async def words_submit(request: Request) -> Response:
    slug = request.path_params["slug"]
    here = pages.site_path(slug, "/settings")
    form = await _form(request)
    auth = await _form_poster(request, form, here)
    if isinstance(auth, Response):
        return auth
    ctx = _state(request).ctx
    lists = {name: _one(form, name) for name in site_rules.WORD_LISTS}
    try:
        await _call(
            site_rules.set_word_lists,
            ctx,
            auth.actor,
            slug,
            banned=lists["banned"].splitlines(),
            suspect=lists["suspect"].splitlines(),
            reason=_one(form, "reason"),
        )
    except InvalidInput as exc:
        rules = await _call(site_rules.site_rules, ctx, auth.actor, slug)
        text = pages.settings_page(
            auth.actor,
            auth.csrf_token,
            rules,
            values=site_rules.settings_as_text(rules.site.settings),
            words=lists,
            word_error=f"Nothing was saved: {exc.message}",
        )
        return _page(text, 400)
    except ThreadlineError as exc:
        return _refused(auth, exc)
    return _redirect(_with(here, "done", "Saved the word lists.") + "#words")


# -- bans -----------------------------------------------------------------------------------


async def bans_page(request: Request) -> Response:
    slug = request.path_params["slug"]
    try:
        auth = await _signed_in(request)
    except AuthRequired:
        return _redirect("/admin/login")
    ctx = _state(request).ctx
    try:
        rules = await _call(site_rules.site_rules, ctx, auth.actor, slug)
        bans = await _call(site_rules.active_bans, ctx, auth.actor, slug)
    except ThreadlineError as exc:
        return _refused(auth, exc)
    message, error = _message(request)
    return _page(pages.bans_page(auth.actor, auth.csrf_token, rules.site, bans, message, error))


async def lift_submit(request: Request) -> Response:
    ban_id = _path_id(request)
    form = await _form(request)
    back = _one(form, "back")
    if not (back.startswith("/admin/sites/") and "//" not in back):
        back = "/admin/sites"  # our own pages only: never an open redirect
    auth = await _form_poster(request, form, back)
    if isinstance(auth, Response):
        return auth
    try:
        ban = await _call(
            site_rules.lift_ban, _state(request).ctx, auth.actor, ban_id, _one(form, "reason")
        )
    except (Conflict, InvalidInput) as exc:
        return _redirect(_with(back, "error", exc.message))
    except ThreadlineError as exc:
        return _refused(auth, exc)
    return _redirect(_with(back, "done", f"Lifted the ban on {ban.author_key}."))


# -- thread tools ---------------------------------------------------------------------------


async def thread_page(request: Request) -> Response:
    try:
        auth = await _signed_in(request)
    except AuthRequired:
        return _redirect("/admin/login")
    try:
        state = await _call(mod.thread_state, _state(request).ctx, auth.actor, _path_id(request))
    except ThreadlineError as exc:
        return _refused(auth, exc)
    message, error = _message(request)
    return _page(pages.thread_page(auth.actor, auth.csrf_token, state, message, error))


async def thread_lookup(request: Request) -> Response:
    """The thread tools of a site's thread named by key (from a queue's thread filter)."""
    try:
        auth = await _signed_in(request)
    except AuthRequired:
        return _redirect("/admin/login")
    params = request.query_params
    try:
        thread_id = await _call(
            mod.find_thread,
            _state(request).ctx,
            auth.actor,
            params.get("site", ""),
            params.get("key", ""),
        )
    except ThreadlineError as exc:
        return _refused(auth, exc)
    return _redirect(f"/admin/threads/{thread_id}")


async def thread_submit(request: Request) -> Response:
    thread_id = _path_id(request)
    here = f"/admin/threads/{thread_id}"
    form = await _form(request)
    auth = await _form_poster(request, form, here)
    if isinstance(auth, Response):
        return auth
    action = THREAD_ACTIONS.get(_one(form, "action"))
    if action is None:
        return _redirect(_with(here, "error", "Unknown thread action."))
    name, value, done = action
    try:
        await _call(
            mod.moderate_thread,
            _state(request).ctx,
            auth.actor,
            thread_id,
            reason=_one(form, "reason"),
            **{name: value},
        )
    except InvalidInput as exc:
        return _redirect(_with(here, "error", exc.message))
    except ThreadlineError as exc:
        return _refused(auth, exc)
    return _redirect(_with(here, "done", done))


def settings_routes() -> list[BaseRoute]:
    return [
        Route("/admin/sites", sites_page, methods=["GET"]),
        Route("/admin/sites/{slug}/settings", settings_page, methods=["GET"]),
        Route("/admin/sites/{slug}/settings", settings_submit, methods=["POST"]),
        Route("/admin/sites/{slug}/words", words_submit, methods=["POST"]),
        Route("/admin/sites/{slug}/bans", bans_page, methods=["GET"]),
        Route("/admin/bans/{id:int}/lift", lift_submit, methods=["POST"]),
        Route("/admin/thread", thread_lookup, methods=["GET"]),
        Route("/admin/threads/{id:int}", thread_page, methods=["GET"]),
        Route("/admin/threads/{id:int}", thread_submit, methods=["POST"]),
    ]
