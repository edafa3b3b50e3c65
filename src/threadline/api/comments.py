"""/api/v1/comments — post, fetch with context, edit, delete, vote; a reader's own."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from threadline.api.negotiation import reader_language
from threadline.api.request import bearer_token, client_info, path_id, read_json, reader_token
from threadline.api.schemas import (
    CommentOnlyOut,
    CommentWithContextOut,
    EditCommentIn,
    OwnCommentsIn,
    OwnCommentsOut,
    PostCommentIn,
    PostedCommentOut,
    VoteIn,
)
from threadline.api.serialize import comment_out, own_comment_out, thread_out
from threadline.api.state import api_state, json_response
from threadline.auth.sessions import SESSION_COOKIE
from threadline.domain.errors import AuthRequired, InvalidInput
from threadline.domain.models import Author
from threadline.domain.moderation import Actor
from threadline.service import accounts
from threadline.service import comments as comment_service
from threadline.service import own_comments as own_service
from threadline.service import votes as vote_service


async def _signed_in(request: Request) -> Actor | None:
    """The dashboard user whose session cookie came with the request (the widget sends it
    only to its own origin), or None: a reader, or a session that has ended."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        auth = await run_in_threadpool(
            accounts.authenticate, api_state(request).ctx, token, None, changes_state=False
        )
    except AuthRequired:
        return None
    return auth.actor


async def post_comment(request: Request) -> Response:
    api = api_state(request)
    data = await read_json(request, PostCommentIn, api.settings.max_request_bytes)
    if data.honeypot:
        raise InvalidInput(
            "This submission looks automated and was not accepted.",
            code="spam_detected",
            field="honeypot",
        )
    given = data.author  # None only for a signed-in reader (checked by the use case)
    draft = comment_service.CommentDraft(
        site=data.site,
        thread=data.thread,
        body=data.body,
        author=Author(given.name, given.email, given.website) if given is not None else None,
        parent_id=data.parent_id,
        title=data.title,
        url=data.url,
        acknowledge_nudge=data.acknowledge_nudge,
        actor=await _signed_in(request),
        notify_replies=data.notify_replies,
        # The mails' language: the widget's when it says; else the browser's; else English.
        language=reader_language(data.lang, request.headers.get("accept-language"))
        if data.notify_replies
        else None,
        reader_token=reader_token(request),
    )
    client = client_info(request, api.addresses)
    posted = await run_in_threadpool(comment_service.post_comment, api.ctx, draft, client)
    return json_response(PostedCommentOut(comment_out(posted.comment), posted.edit_token), 201)


async def get_comment(request: Request) -> Response:
    api = api_state(request)
    found = await run_in_threadpool(
        comment_service.get_comment_in_context, api.ctx, path_id(request)
    )
    return json_response(
        CommentWithContextOut(
            comment=comment_out(found.comment),
            ancestors=[comment_out(a) for a in found.ancestors],
            thread=thread_out(found.site, found.thread.key, found.thread),
        )
    )


async def edit_comment(request: Request) -> Response:
    api = api_state(request)
    comment_id = path_id(request)
    data = await read_json(request, EditCommentIn, api.settings.max_request_bytes)
    client = client_info(request, api.addresses)
    updated = await run_in_threadpool(
        comment_service.edit_comment,
        api.ctx,
        comment_id,
        data.body,
        bearer_token(request),
        client,
        data.acknowledge_nudge,
        reader_token(request),
    )
    return json_response(CommentOnlyOut(comment_out(updated)))


async def delete_comment(request: Request) -> Response:
    api = api_state(request)
    client = client_info(request, api.addresses)
    await run_in_threadpool(
        comment_service.delete_comment,
        api.ctx,
        path_id(request),
        bearer_token(request),
        client,
        reader_token(request),
    )
    return Response(status_code=204)


async def vote(request: Request) -> Response:
    api = api_state(request)
    comment_id = path_id(request)
    data = await read_json(request, VoteIn, api.settings.max_request_bytes)
    client = client_info(request, api.addresses)
    updated = await run_in_threadpool(
        vote_service.cast_vote,
        api.ctx,
        comment_id,
        data.value,
        data.voter,
        client,
        reader_token(request),
    )
    return json_response(CommentOnlyOut(comment_out(updated)))


async def own_comments(request: Request) -> Response:
    """The bearer's own comments in a thread (held ones included), by their edit tokens and
    by the signed-in reader's account, each with its Markdown source and edit deadline."""
    api = api_state(request)
    data = await read_json(request, OwnCommentsIn, api.settings.max_request_bytes)
    found = await run_in_threadpool(
        own_service.own_comments,
        api.ctx,
        data.site,
        data.thread,
        data.tokens,
        reader_token(request),
    )
    return json_response(
        OwnCommentsOut([own_comment_out(o.comment, o.editable_until) for o in found])
    )
