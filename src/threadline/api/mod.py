"""/api/v1/mod/… — the moderation desk over JSON: sessions, queues, actions, audit log.

Signed-in people only (session cookie); every state-changing request carries the session's
CSRF token in X-CSRF-Token, and pages of other origins are refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from threadline.api.mod_schemas import (
    ActionIn,
    AuditEntryOut,
    AuditOut,
    BanEntryOut,
    BanIn,
    BanOut,
    BansOut,
    BulkIn,
    BulkItemOut,
    BulkOut,
    FeatureIn,
    HistoryOut,
    LoginIn,
    ModCommentOut,
    ModeratedOut,
    ModerationOut,
    ModThreadOut,
    QueueOut,
    SessionOut,
    SettingsPatchIn,
    SiteRulesOut,
    ThreadPatchIn,
    UserOut,
    WordListsIn,
    WordListsOut,
)
from threadline.api.request import client_info, path_id, query_int, query_required, read_json
from threadline.api.serialize import comment_out
from threadline.api.state import api_state, json_response
from threadline.auth import permissions
from threadline.auth.sessions import CSRF_HEADER, SESSION_COOKIE
from threadline.domain.errors import MalformedRequest
from threadline.domain.moderation import Actor, Ban, Queue, QueueItem
from threadline.service import accounts, site_rules
from threadline.service import moderation as mod_service
from threadline.service.accounts import SESSION_LIFETIME, Authenticated

T = TypeVar("T")


async def _authenticated(request: Request, changes_state: bool) -> Authenticated:
    api = api_state(request)
    client = client_info(request, api.addresses)
    permissions.check_same_origin(client.origin, client.own_origin)
    return await run_in_threadpool(
        accounts.authenticate,
        api.ctx,
        request.cookies.get(SESSION_COOKIE),
        request.headers.get(CSRF_HEADER),
        changes_state=changes_state,
    )


async def _call(fn: Callable[..., T], *args: object, **kwargs: object) -> T:
    return await run_in_threadpool(fn, *args, **kwargs)


def _user_out(actor: Actor, slugs: dict[int, str]) -> UserOut:
    roles = [
        g.role.value if g.site_id is None else f"{g.role.value}:{slugs.get(g.site_id, g.site_id)}"
        for g in actor.grants
    ]
    u = actor.user
    return UserOut(u.id, u.email, u.display_name, roles)


async def _session_out(request: Request, actor: Actor, csrf: str) -> SessionOut:
    from threadline.service.sites import list_sites

    sites = await _call(list_sites, api_state(request).ctx)
    return SessionOut(_user_out(actor, {s.id: s.slug for s in sites}), csrf)


# -- session --------------------------------------------------------------------------------


def _secure(request: Request) -> bool:
    """https here, or at the proxy in front (a client claiming it only hurts itself)."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


async def login(request: Request) -> Response:
    api = api_state(request)
    client = client_info(request, api.addresses)
    permissions.check_same_origin(client.origin, client.own_origin)
    data = await read_json(request, LoginIn, api.settings.max_request_bytes)
    signed = await _call(accounts.sign_in, api.ctx, data.email, data.password, client)
    response = json_response(await _session_out(request, signed.actor, signed.csrf_token))
    response.set_cookie(
        SESSION_COOKIE,
        signed.token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    return response


async def current_session(request: Request) -> Response:
    auth = await _authenticated(request, changes_state=False)
    return json_response(await _session_out(request, auth.actor, auth.csrf_token))


def _cleared(response: Response, request: Request) -> Response:
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    return response


async def logout(request: Request) -> Response:
    auth = await _authenticated(request, changes_state=True)
    await _call(accounts.sign_out, api_state(request).ctx, auth.session_hash)
    return _cleared(Response(status_code=204), request)


async def logout_everywhere(request: Request) -> Response:
    auth = await _authenticated(request, changes_state=True)
    await _call(accounts.sign_out_everywhere, api_state(request).ctx, auth.actor.user)
    return _cleared(Response(status_code=204), request)


# -- queues and audit -----------------------------------------------------------------------


def _card(item: QueueItem) -> ModCommentOut:
    m, h, c = item.moderation, item.history, item.comment
    return ModCommentOut(
        comment=comment_out(c),
        body=c.body,
        author_email=c.author.email,
        reader_id=c.reader_id,
        site=item.site_slug,
        thread_key=item.thread_key,
        thread_title=item.thread_title,
        moderation=ModerationOut(
            m.decision,
            list(m.reasons),
            list(m.signals),
            m.flag_count,
            max(0, m.flag_count - m.reviewed_flag_count),
            m.featured,
        ),
        parent=comment_out(item.parent) if item.parent else None,
        author_history=HistoryOut(h.approved, h.rejected, h.pending, h.first_seen),
    )


async def get_queue(request: Request) -> Response:
    auth = await _authenticated(request, changes_state=False)
    raw = request.query_params.get("queue") or "pending"
    try:
        which = Queue(raw)
    except ValueError:
        known = ", ".join(q.value for q in Queue)
        raise MalformedRequest(f"The 'queue' parameter is one of: {known}.") from None
    params = request.query_params
    limit = query_int(request, "limit", 50, 1, mod_service.MAX_QUEUE_PAGE)
    f = mod_service.QueueFilter(
        site=params.get("site") or None,
        thread=params.get("thread") or None,
        author=params.get("author") or None,
        text=params.get("text") or None,
        before_id=query_int(request, "before", 0, 0, 2**53) or None,
        limit=limit,
    )
    items = await _call(mod_service.queue, api_state(request).ctx, auth.actor, which, f)
    next_before = items[-1].comment.id if len(items) == limit else None
    return json_response(QueueOut([_card(i) for i in items], next_before))


async def get_audit(request: Request) -> Response:
    auth = await _authenticated(request, changes_state=False)
    params = request.query_params
    entries = await _call(
        mod_service.audit_log,
        api_state(request).ctx,
        auth.actor,
        site=params.get("site") or None,
        action=params.get("action") or None,
        target_id=params.get("target") or None,
        before_id=query_int(request, "before", 0, 0, 2**53) or None,
        limit=query_int(request, "limit", 100, 1, 1000),
    )
    return json_response(
        AuditOut(
            [
                AuditEntryOut(
                    e.id,
                    e.at,
                    e.actor_name,
                    e.action,
                    e.target_type,
                    e.target_id,
                    e.before,
                    e.after,
                    e.reason,
                )
                for e in entries
            ]
        )
    )


# -- actions --------------------------------------------------------------------------------


async def approve(request: Request) -> Response:
    auth = await _authenticated(request, changes_state=True)
    api = api_state(request)
    data = await read_json(request, ActionIn, api.settings.max_request_bytes)
    done = await _call(mod_service.approve, api.ctx, auth.actor, path_id(request), data.reason)
    return json_response(ModeratedOut(comment_out(done)))


async def reject(request: Request) -> Response:
    auth = await _authenticated(request, changes_state=True)
    api = api_state(request)
    data = await read_json(request, ActionIn, api.settings.max_request_bytes)
    done = await _call(mod_service.reject, api.ctx, auth.actor, path_id(request), data.reason)
    return json_response(ModeratedOut(comment_out(done)))


async def feature(request: Request) -> Response:
    auth = await _authenticated(request, changes_state=True)
    api = api_state(request)
    data = await read_json(request, FeatureIn, api.settings.max_request_bytes)
    done = await _call(mod_service.feature, api.ctx, auth.actor, path_id(request), data.featured)
    return json_response(ModeratedOut(comment_out(done)))


async def ban(request: Request) -> Response:
    auth = await _authenticated(request, changes_state=True)
    api = api_state(request)
    data = await read_json(request, BanIn, api.settings.max_request_bytes)
    result = await _call(
        mod_service.ban_author,
        api.ctx,
        auth.actor,
        path_id(request),
        data.reason,
        data.days,
        data.reject_comments,
    )
    b = result.ban
    return json_response(BanOut(b.id, b.author_key, b.ends_at, result.rejected), 201)


async def bulk(request: Request) -> Response:
    auth = await _authenticated(request, changes_state=True)
    api = api_state(request)
    data = await read_json(request, BulkIn, api.settings.max_request_bytes)
    outcomes = await _call(
        mod_service.bulk, api.ctx, auth.actor, data.action, data.ids, data.reason
    )
    return json_response(
        BulkOut([BulkItemOut(o.comment_id, o.ok, o.status, o.code) for o in outcomes])
    )


async def patch_thread(request: Request) -> Response:
    auth = await _authenticated(request, changes_state=True)
    api = api_state(request)
    data = await read_json(request, ThreadPatchIn, api.settings.max_request_bytes)
    thread = await _call(
        mod_service.moderate_thread,
        api.ctx,
        auth.actor,
        path_id(request),
        closed=data.closed,
        premoderated=data.premoderated,
        reason=data.reason,
    )
    return json_response(ModThreadOut(thread.id, thread.key, thread.closed))


# -- a site's rules and bans ----------------------------------------------------------------


def _rules_out(rules: site_rules.SiteRules) -> SiteRulesOut:
    site = rules.site
    return SiteRulesOut(
        site.slug,
        site.name,
        asdict(site.settings),
        WordListsOut(
            list(site.word_lists.banned),
            list(site.word_lists.suspect),
            rules.packaged_banned,
            rules.packaged_suspect,
        ),
        rules.can_change_settings,
    )


async def get_settings(request: Request) -> Response:
    auth = await _authenticated(request, changes_state=False)
    slug = query_required(request, "site")
    rules = await _call(site_rules.site_rules, api_state(request).ctx, auth.actor, slug)
    return json_response(_rules_out(rules))


def _as_text(value: bool | int | float) -> str:
    """A JSON value as the settings parser reads text: booleans on/off, numbers as written."""
    if isinstance(value, bool):
        return "on" if value else "off"
    return repr(value)


async def patch_settings(request: Request) -> Response:
    auth = await _authenticated(request, changes_state=True)
    api = api_state(request)
    slug = query_required(request, "site")
    data = await read_json(request, SettingsPatchIn, api.settings.max_request_bytes)
    changes = {name: _as_text(value) for name, value in data.settings.items()}
    await _call(site_rules.change_settings, api.ctx, auth.actor, slug, changes, data.reason)
    rules = await _call(site_rules.site_rules, api.ctx, auth.actor, slug)
    return json_response(_rules_out(rules))


async def put_word_lists(request: Request) -> Response:
    auth = await _authenticated(request, changes_state=True)
    api = api_state(request)
    slug = query_required(request, "site")
    data = await read_json(request, WordListsIn, api.settings.max_request_bytes)
    await _call(
        site_rules.set_word_lists,
        api.ctx,
        auth.actor,
        slug,
        banned=data.banned,
        suspect=data.suspect,
        reason=data.reason,
    )
    rules = await _call(site_rules.site_rules, api.ctx, auth.actor, slug)
    return json_response(_rules_out(rules))


def _ban_out(ban: Ban, banned_by: str | None) -> BanEntryOut:
    return BanEntryOut(
        ban.id, ban.author_key, ban.reason, ban.created_at, ban.ends_at, banned_by, ban.lifted_at
    )


async def get_bans(request: Request) -> Response:
    auth = await _authenticated(request, changes_state=False)
    slug = query_required(request, "site")
    bans = await _call(site_rules.active_bans, api_state(request).ctx, auth.actor, slug)
    return json_response(BansOut([_ban_out(b.ban, b.banned_by) for b in bans]))


async def lift_ban(request: Request) -> Response:
    auth = await _authenticated(request, changes_state=True)
    api = api_state(request)
    data = await read_json(request, ActionIn, api.settings.max_request_bytes)
    lifted = await _call(site_rules.lift_ban, api.ctx, auth.actor, path_id(request), data.reason)
    return json_response(_ban_out(lifted, None))
