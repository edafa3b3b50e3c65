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

from threadline.admin import settings_html as pages
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
from threadline.domain.errors import (
    AuthRequired,
    Conflict,
    InvalidInput,
    ThreadlineError,
)
from threadline.domain.models import SiteSettings
from threadline.service import moderation as mod
from threadline.service import site_rules
from threadline.service.site_rules import SettingsInvalid

THREAD_ACTIONS = {
    "close": ("closed", True, "Closed the thread."),
    "reopen": ("closed", False, "Reopened the thread."),
    "premoderate": ("premoderated", True, "Comments of this thread now wait for review."),
    "unpremoderate": ("premoderated", False, "This thread is no longer pre-moderated."),
}


# -- sites ----------------------------------------------------------------------------------


async def sites_page(request: Request) -> Response:
    try:
        auth = await signed_in(request)
    except AuthRequired:
        return see_other("/admin/login")
    try:
        sites = await in_thread(site_rules.sites_to_keep, admin_state(request).ctx, auth.actor)
    except ThreadlineError as exc:
        return refused_page(auth, exc)
    return html_page(pages.sites_page(auth.actor, auth.csrf_token, sites))


# -- settings and word lists ----------------------------------------------------------------


async def settings_page(request: Request) -> Response:
    slug = request.path_params["slug"]
    try:
        auth = await signed_in(request)
    except AuthRequired:
        return see_other("/admin/login")
    try:
        rules = await in_thread(site_rules.site_rules, admin_state(request).ctx, auth.actor, slug)
    except ThreadlineError as exc:
        return refused_page(auth, exc)
    message, error = flash_message(request)
    values = site_rules.settings_as_text(rules.site.settings)
    return html_page(
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
    form = await read_form(request)
    auth = await form_poster(request, form, here)
    if isinstance(auth, Response):
        return auth
    ctx = admin_state(request).ctx
    submitted = _submitted_settings(form)
    try:
        await in_thread(
            site_rules.change_settings, ctx, auth.actor, slug, submitted, form_value(form, "reason")
        )
    except SettingsInvalid as exc:
        rules = await in_thread(site_rules.site_rules, ctx, auth.actor, slug)
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
        return html_page(text, 400)
    except ThreadlineError as exc:
        return refused_page(auth, exc)
    return see_other(with_query(here, "done", "Saved the settings."))


async def words_submit(request: Request) -> Response:
    slug = request.path_params["slug"]
    here = pages.site_path(slug, "/settings")
    form = await read_form(request)
    auth = await form_poster(request, form, here)
    if isinstance(auth, Response):
        return auth
    ctx = admin_state(request).ctx
    lists = {name: form_value(form, name) for name in site_rules.WORD_LISTS}
    try:
        await in_thread(
            site_rules.set_word_lists,
            ctx,
            auth.actor,
            slug,
            banned=lists["banned"].splitlines(),
            suspect=lists["suspect"].splitlines(),
            reason=form_value(form, "reason"),
        )
    except InvalidInput as exc:
        rules = await in_thread(site_rules.site_rules, ctx, auth.actor, slug)
        text = pages.settings_page(
            auth.actor,
            auth.csrf_token,
            rules,
            values=site_rules.settings_as_text(rules.site.settings),
            words=lists,
            word_error=f"Nothing was saved: {exc.message}",
        )
        return html_page(text, 400)
    except ThreadlineError as exc:
        return refused_page(auth, exc)
    return see_other(with_query(here, "done", "Saved the word lists.") + "#words")


# -- bans -----------------------------------------------------------------------------------


async def bans_page(request: Request) -> Response:
    slug = request.path_params["slug"]
    try:
        auth = await signed_in(request)
    except AuthRequired:
        return see_other("/admin/login")
    ctx = admin_state(request).ctx
    try:
        rules = await in_thread(site_rules.site_rules, ctx, auth.actor, slug)
        bans = await in_thread(site_rules.active_bans, ctx, auth.actor, slug)
    except ThreadlineError as exc:
        return refused_page(auth, exc)
    message, error = flash_message(request)
    return html_page(pages.bans_page(auth.actor, auth.csrf_token, rules.site, bans, message, error))


async def lift_submit(request: Request) -> Response:
    ban_id = path_id(request)
    form = await read_form(request)
    back = form_value(form, "back")
    if not (back.startswith("/admin/sites/") and "//" not in back):
        back = "/admin/sites"  # our own pages only: never an open redirect
    auth = await form_poster(request, form, back)
    if isinstance(auth, Response):
        return auth
    try:
        ban = await in_thread(
            site_rules.lift_ban,
            admin_state(request).ctx,
            auth.actor,
            ban_id,
            form_value(form, "reason"),
        )
    except (Conflict, InvalidInput) as exc:
        return see_other(with_query(back, "error", exc.message))
    except ThreadlineError as exc:
        return refused_page(auth, exc)
    return see_other(with_query(back, "done", f"Lifted the ban on {ban.author_key}."))


# -- thread tools ---------------------------------------------------------------------------


async def thread_page(request: Request) -> Response:
    try:
        auth = await signed_in(request)
    except AuthRequired:
        return see_other("/admin/login")
    try:
        state = await in_thread(
            mod.thread_state, admin_state(request).ctx, auth.actor, path_id(request)
        )
    except ThreadlineError as exc:
        return refused_page(auth, exc)
    message, error = flash_message(request)
    return html_page(pages.thread_page(auth.actor, auth.csrf_token, state, message, error))


async def thread_lookup(request: Request) -> Response:
    """The thread tools of a site's thread named by key (from a queue's thread filter)."""
    try:
        auth = await signed_in(request)
    except AuthRequired:
        return see_other("/admin/login")
    params = request.query_params
    try:
        thread_id = await in_thread(
            mod.find_thread,
            admin_state(request).ctx,
            auth.actor,
            params.get("site", ""),
            params.get("key", ""),
        )
    except ThreadlineError as exc:
        return refused_page(auth, exc)
    return see_other(f"/admin/threads/{thread_id}")


async def thread_submit(request: Request) -> Response:
    thread_id = path_id(request)
    here = f"/admin/threads/{thread_id}"
    form = await read_form(request)
    auth = await form_poster(request, form, here)
    if isinstance(auth, Response):
        return auth
    action = THREAD_ACTIONS.get(form_value(form, "action"))
    if action is None:
        return see_other(with_query(here, "error", "Unknown thread action."))
    name, value, done = action
    try:
        await in_thread(
            mod.moderate_thread,
            admin_state(request).ctx,
            auth.actor,
            thread_id,
            reason=form_value(form, "reason"),
            **{name: value},
        )
    except InvalidInput as exc:
        return see_other(with_query(here, "error", exc.message))
    except ThreadlineError as exc:
        return refused_page(auth, exc)
    return see_other(with_query(here, "done", done))


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
