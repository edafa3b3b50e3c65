"""The whole route table, grouped by who may call it. The OpenAPI document derives from it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from threadline.api import comments, counts, events, health, openapi, threads
from threadline.api.schemas import (
    CommentOnlyOut,
    CommentWithContextOut,
    CountsIn,
    CountsOut,
    EditCommentIn,
    HealthOut,
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


WRITE_ERRORS = (400, 403, 404, 413, 415, 422, 429)

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
        errors=(400, 404, 422, 503),
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
            "resumes from; `: heartbeat` comments keep idle streams open."
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
        errors=(*WRITE_ERRORS, 409),
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
    ),
    Endpoint(
        "DELETE",
        "/api/v1/comments/{id}",
        comments.delete_comment,
        "Delete your comment within the site's edit window",
        "commenter",
        None,
        status=204,
        errors=(401, 403, 404, 409, 429),
        auth="edit_token",
    ),
    Endpoint(
        "POST",
        "/api/v1/comments/{id}/vote",
        comments.vote,
        "Vote a comment up or down, or withdraw the vote",
        "commenter",
        CommentOnlyOut,
        body=VoteIn,
        errors=(*WRITE_ERRORS, 409),
    ),
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
    return routes
