"""The whole route table, grouped by who may call it. The OpenAPI document derives from it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from threadline.api import (
    comments,
    counts,
    events,
    export,
    flags,
    health,
    mod,
    notifications,
    openapi,
    privacy,
    threads,
)
from threadline.api.mod_schemas import (
    ActionIn,
    AuditOut,
    BanEntryOut,
    BanIn,
    BanOut,
    BansOut,
    BulkIn,
    BulkOut,
    FeatureIn,
    FlagIn,
    LoginIn,
    ModeratedOut,
    ModThreadOut,
    QueueOut,
    SessionOut,
    SettingsPatchIn,
    SiteRulesOut,
    ThreadPatchIn,
    WordListsIn,
)
from threadline.api.schemas import (
    CommentOnlyOut,
    CommentWithContextOut,
    CountsIn,
    CountsOut,
    EditCommentIn,
    HealthOut,
    OwnCommentsIn,
    OwnCommentsOut,
    PostCommentIn,
    PostedCommentOut,
    ThreadPageOut,
    VoteIn,
)

Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    group: str
    response: type | None = None
    status: int = 200
    body: type | None = None
    errors: tuple[int, ...] = ()
    query: tuple[tuple[str, bool, str], ...] = ()  # (name, required, description)
    auth: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    headers: tuple[tuple[str, bool, str], ...] = ()  # request headers: (name, required, desc.)
    media_type: str = "application/json"  # of the success response


# 503 database_busy: SQLite held by another program (a large import) past the busy timeout.
WRITE_ERRORS = (400, 403, 404, 413, 415, 422, 429, 503)
# Signed in with the session cookie; writes carry X-CSRF-Token (see api/mod.py).
MOD_READ_ERRORS = (400, 401, 403, 404)
MOD_WRITE_ERRORS = (401, 403, 404, 409, 413, 415, 422, 503)
_CSRF = (("X-CSRF-Token", True, "The csrf_token of the session"),)
_QUEUE_QUERY = (
    ("queue", False, "pending (default), reported, recent or rejected"),
    ("site", False, "Only this site's comments"),
    ("thread", False, "Only this thread (its normalized key)"),
    ("author", False, "Only this author (email or name)"),
    ("text", False, "Only comments containing this text"),
    ("before", False, "next_before of the previous page"),
    ("limit", False, "Cards per page (1–100, default 50)"),
)

_SITE_QUERY = (("site", True, "Site slug"),)
# A reader signed in with the publisher's account (docs/sign-in.md); 401 when it cannot be
# verified (reader_token_invalid) or has expired (reader_token_expired).
_READER = (
    (
        "Threadline-Reader",
        False,
        "A signed-in reader's token: a JWT (HS256) the publisher's server signed with the "
        "site's secret, claims sub, name, optional email, aud (the site's slug) and exp. "
        "Answered 401 reader_token_invalid or reader_token_expired when it cannot be used",
    ),
)

MODERATOR_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "POST",
        "/api/v1/mod/session",
        mod.login,
        "Sign in with email and password (sets the HttpOnly session cookie)",
        "moderator",
        SessionOut,
        body=LoginIn,
        errors=(400, 401, 403, 413, 415, 422, 429, 503),
    ),
    Endpoint(
        "GET",
        "/api/v1/mod/session",
        mod.current_session,
        "Who is signed in, with the session's CSRF token",
        "moderator",
        SessionOut,
        errors=(401, 403),
        auth="session",
    ),
    Endpoint(
        "DELETE",
        "/api/v1/mod/session",
        mod.logout,
        "Sign out of this session",
        "moderator",
        None,
        status=204,
        errors=(401, 403),
        auth="session",
        headers=_CSRF,
    ),
    Endpoint(
        "POST",
        "/api/v1/mod/session/revoke-all",
        mod.logout_everywhere,
        "Sign out everywhere: end every session of this user",
        "moderator",
        None,
        status=204,
        errors=(401, 403),
        auth="session",
        headers=_CSRF,
    ),
    Endpoint(
        "GET",
        "/api/v1/mod/queue",
        mod.get_queue,
        "A moderation queue of the sites you moderate, newest first, with context and reasons",
        "moderator",
        QueueOut,
        errors=MOD_READ_ERRORS,
        query=_QUEUE_QUERY,
        auth="session",
    ),
    Endpoint(
        "POST",
        "/api/v1/mod/comments/{id}/approve",
        mod.approve,
        "Approve (publish) a comment",
        "moderator",
        ModeratedOut,
        body=ActionIn,
        errors=MOD_WRITE_ERRORS,
        auth="session",
        headers=_CSRF,
    ),
    Endpoint(
        "POST",
        "/api/v1/mod/comments/{id}/reject",
        mod.reject,
        "Reject a comment, with a reason",
        "moderator",
        ModeratedOut,
        body=ActionIn,
        errors=MOD_WRITE_ERRORS,
        auth="session",
        headers=_CSRF,
    ),
    Endpoint(
        "POST",
        "/api/v1/mod/comments/{id}/feature",
        mod.feature,
        "Feature a comment as an editor's pick, or stop featuring it",
        "moderator",
        ModeratedOut,
        body=FeatureIn,
        errors=MOD_WRITE_ERRORS,
        auth="session",
        headers=_CSRF,
    ),
    Endpoint(
        "POST",
        "/api/v1/mod/comments/{id}/ban",
        mod.ban,
        "Ban the comment's author from its site, optionally rejecting their comments",
        "moderator",
        BanOut,
        status=201,
        body=BanIn,
        errors=MOD_WRITE_ERRORS,
        auth="session",
        headers=_CSRF,
    ),
    Endpoint(
        "POST",
        "/api/v1/mod/bulk",
        mod.bulk,
        "Approve or reject many comments; each succeeds or fails on its own",
        "moderator",
        BulkOut,
        body=BulkIn,
        errors=MOD_WRITE_ERRORS,
        auth="session",
        headers=_CSRF,
    ),
    Endpoint(
        "PATCH",
        "/api/v1/mod/threads/{id}",
        mod.patch_thread,
        "Close or reopen a thread; pre-moderate it or not",
        "moderator",
        ModThreadOut,
        body=ThreadPatchIn,
        errors=MOD_WRITE_ERRORS,
        auth="session",
        headers=_CSRF,
    ),
    Endpoint(
        "GET",
        "/api/v1/mod/audit",
        mod.get_audit,
        "The audit log of the sites you moderate, newest first",
        "moderator",
        AuditOut,
        errors=MOD_READ_ERRORS,
        query=(
            ("site", False, "Only this site"),
            ("action", False, "approve, reject, feature, ban, close_thread …"),
            ("target", False, "Only entries about this comment or thread id"),
            ("before", False, "Entries older than this entry id"),
            ("limit", False, "Entries per page (1–1000, default 100)"),
        ),
        auth="session",
    ),
    Endpoint(
        "GET",
        "/api/v1/mod/settings",
        mod.get_settings,
        "A site's settings and its own word lists (its moderators and admins)",
        "moderator",
        SiteRulesOut,
        errors=MOD_READ_ERRORS,
        query=_SITE_QUERY,
        auth="session",
    ),
    Endpoint(
        "PATCH",
        "/api/v1/mod/settings",
        mod.patch_settings,
        "Change some of a site's settings (admins); audited",
        "moderator",
        SiteRulesOut,
        body=SettingsPatchIn,
        errors=(400, *MOD_WRITE_ERRORS),
        query=_SITE_QUERY,
        auth="session",
        headers=_CSRF,
    ),
    Endpoint(
        "PUT",
        "/api/v1/mod/word-lists",
        mod.put_word_lists,
        "Replace a site's own banned and/or suspect words (added to the packaged lists); audited",
        "moderator",
        SiteRulesOut,
        body=WordListsIn,
        errors=(400, *MOD_WRITE_ERRORS),
        query=_SITE_QUERY,
        auth="session",
        headers=_CSRF,
    ),
    Endpoint(
        "GET",
        "/api/v1/mod/bans",
        mod.get_bans,
        "A site's bans in force, newest first",
        "moderator",
        BansOut,
        errors=MOD_READ_ERRORS,
        query=_SITE_QUERY,
        auth="session",
    ),
    Endpoint(
        "POST",
        "/api/v1/mod/bans/{id}/lift",
        mod.lift_ban,
        "Lift a ban before it ends; audited",
        "moderator",
        BanEntryOut,
        body=ActionIn,
        errors=MOD_WRITE_ERRORS,
        auth="session",
        headers=_CSRF,
    ),
    Endpoint(
        "GET",
        "/api/v1/mod/sites/{site}/export",
        export.export_site,
        "Download a site's threads and comments as Threadline JSON Lines (administrators)",
        "moderator",
        errors=MOD_READ_ERRORS,
        query=(("thread", False, "Only this thread (its normalized key)"),),
        auth="session",
        media_type="application/jsonl",
        extra={
            "description": "Streamed, byte for byte what `threadline export` writes "
            "(docs/export-format.md), as an attachment (Content-Disposition). "
            "Administrators only; each download is recorded in the audit log."
        },
    ),
)

ENDPOINTS: tuple[Endpoint, ...] = (
    # public: readers, no identity
    Endpoint(
        "GET",
        "/api/v1/threads",
        threads.get_thread,
        "A thread and one page of its published comments in tree order",
        "public",
        ThreadPageOut,
        errors=(400, 404, 422),
        query=(
            ("site", True, "Site slug"),
            ("key", True, "Article id or canonical URL"),
            ("sort", False, "oldest (default), newest or top: orders siblings"),
            ("limit", False, "Top-level comments per page (with whole subtrees)"),
            ("cursor", False, "next_cursor of the previous page"),
        ),
    ),
    Endpoint(
        "GET",
        "/api/v1/threads/events",
        events.thread_events,
        "Live updates of a thread: new, edited and deleted comments as Server-Sent Events",
        "public",
        errors=(400, 404, 422, 429, 503),
        query=(
            ("site", True, "Site slug"),
            ("key", True, "Article id or canonical URL"),
            ("since", False, "Replay changes after this thread version (the page's ETag)"),
        ),
        headers=(
            ("Last-Event-ID", False, "Sent by a reconnecting EventSource; wins over 'since'"),
        ),
        media_type="text/event-stream",
        extra={
            "description": "Events: `comment` (data: a comment as in the thread listing) "
            "and `deleted` (data: {\"id\": …}); each event's id is the thread's version after "
            "the change. After any replay an `id:` line gives the version the stream "
            "resumes from; `: heartbeat` comments keep idle streams open. One client address "
            "may hold `live_max_streams_per_ip` streams at once (429 beyond)."
        },
    ),
    Endpoint(
        "GET",
        "/api/v1/comments/{id}",
        comments.get_comment,
        "One comment with its ancestors (for permalinks)",
        "public",
        CommentWithContextOut,
        errors=(404,),
    ),
    Endpoint(
        "POST",
        "/api/v1/counts",
        counts.counts,
        "Published comment counts for many thread keys",
        "public",
        CountsOut,
        body=CountsIn,
        errors=(400, 404, 413, 415, 422),
    ),
    Endpoint(
        "GET",
        "/healthz",
        health.healthz,
        "Liveness and database readiness",
        "public",
        HealthOut,
        errors=(503,),
    ),
    # commenter: anonymous writers, rate limited, owners proven by edit token
    Endpoint(
        "POST",
        "/api/v1/comments",
        comments.post_comment,
        "Post a comment or a reply",
        "commenter",
        PostedCommentOut,
        status=201,
        body=PostCommentIn,
        errors=(401, *WRITE_ERRORS, 409),
        headers=_READER,
        extra={
            "description": "With a Threadline-Reader token the comment is the signed-in "
            "reader's: name and email come from the token (the body's author is then optional "
            "and only its website is used) and the comment shows author.verified. On a site "
            "that requires sign-in, a request without a token is answered 401 "
            "sign_in_required."
        },
    ),
    Endpoint(
        "POST",
        "/api/v1/comments/mine",
        comments.own_comments,
        "The reader's own comments in a thread, held ones included, proven by edit tokens "
        "or by the signed-in reader's token",
        "commenter",
        OwnCommentsOut,
        body=OwnCommentsIn,
        errors=(400, 401, 404, 413, 415, 422),
        headers=_READER,
    ),
    Endpoint(
        "PATCH",
        "/api/v1/comments/{id}",
        comments.edit_comment,
        "Edit your comment within the site's edit window",
        "commenter",
        CommentOnlyOut,
        body=EditCommentIn,
        errors=(401, *WRITE_ERRORS, 409),
        auth="edit_token",
        headers=_READER,
        extra={
            "description": "Proven by the comment's edit token, or by the token of the "
            "signed-in reader who wrote it (from any device): 403 not_your_comment otherwise."
        },
    ),
    Endpoint(
        "DELETE",
        "/api/v1/comments/{id}",
        comments.delete_comment,
        "Delete your comment within the site's edit window",
        "commenter",
        None,
        status=204,
        errors=(401, 403, 404, 409, 429, 503),
        auth="edit_token",
        headers=_READER,
        extra={
            "description": "Proven by the comment's edit token, or by the token of the "
            "signed-in reader who wrote it (from any device): 403 not_your_comment otherwise."
        },
    ),
    Endpoint(
        "POST",
        "/api/v1/comments/{id}/vote",
        comments.vote,
        "Vote a comment up or down, or withdraw the vote",
        "commenter",
        CommentOnlyOut,
        body=VoteIn,
        errors=(401, *WRITE_ERRORS, 409),
        headers=_READER,
        extra={
            "description": "A signed-in reader votes as their account (the body's voter is "
            "then not used): one vote per account, from any device. On a site that requires "
            "sign-in, a request without a token is answered 401 sign_in_required."
        },
    ),
    Endpoint(
        "POST",
        "/api/v1/comments/{id}/flags",
        flags.flag,
        "Report a comment to the moderators (once per reader; enough flags hold it)",
        "commenter",
        None,
        status=204,
        body=FlagIn,
        errors=(401, *WRITE_ERRORS),
        headers=_READER,
        extra={
            "description": "A signed-in reader reports as their account (the body's reader is "
            "then not used). On a site that requires sign-in, a request without a token is "
            "answered 401 sign_in_required."
        },
    ),
    # readers' data rights (docs/privacy.md): proven by edit tokens, or by a mailed link
    Endpoint(
        "POST",
        "/api/v1/privacy/export",
        privacy.export,
        "Download what is held about the reader: the comments their edit tokens prove, "
        "the votes and reports of their voter id, or everything of a signed-in reader's account",
        "commenter",
        privacy.PersonalDataOut,
        body=privacy.PrivacyTokensIn,
        headers=_READER,
        errors=(400, 401, 403, 404, 413, 415, 422, 429),
    ),
    Endpoint(
        "POST",
        "/api/v1/privacy/erase",
        privacy.erase,
        "Erase what is held about the reader (as for export); the site's policy decides "
        "whether replied comments keep their text anonymously",
        "commenter",
        privacy.ErasureOut,
        body=privacy.PrivacyTokensIn,
        headers=_READER,
        errors=(400, 401, 403, 404, 413, 415, 422, 429, 503),
    ),
    Endpoint(
        "POST",
        "/api/v1/privacy/requests",
        privacy.request_link,
        "Mail a single-use link to download or erase everything given with this email on "
        "the site (always 202: it never tells whether the address is known)",
        "commenter",
        privacy.PrivacyRequestOut,
        status=202,
        body=privacy.PrivacyRequestIn,
        errors=(400, 413, 415, 422, 429),
    ),
    *MODERATOR_ENDPOINTS,
)


def _starlette_path(path: str) -> str:
    return path.replace("{id}", "{id:int}")


def _dispatch(handlers: dict[str, Handler]) -> Handler:
    async def endpoint(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        return await handlers[method](request)

    return endpoint


def build_routes() -> list[Route]:
    """One route per path serving all of its methods, so a 405's Allow header lists them all
    (with one route per method, Starlette answers from the first route whose path matched)."""
    by_path: dict[str, dict[str, Handler]] = {}
    for e in ENDPOINTS:
        by_path.setdefault(e.path, {})[e.method] = e.handler
    routes = [
        Route(_starlette_path(path), _dispatch(handlers), methods=list(handlers))
        for path, handlers in by_path.items()
    ]
    routes.append(Route("/api/v1/openapi.json", openapi.serve(ENDPOINTS), methods=["GET"]))
    routes.extend(privacy.link_page_routes())  # /privacy: the page a mailed link opens
    routes.extend(notifications.page_routes())  # /notifications/unsubscribe: reply mails'
    return routes
