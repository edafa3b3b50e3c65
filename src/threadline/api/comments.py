"""/api/v1/comments — post, fetch with context, edit, delete, vote."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from threadline.api.request import bearer_token, client_info, path_id, read_json
from threadline.api.schemas import (
    CommentOnlyOut,
    CommentWithContextOut,
    EditCommentIn,
    PostCommentIn,
    PostedCommentOut,
    VoteIn,
)
from threadline.api.serialize import comment_out, thread_out
from threadline.api.state import api_state, json_response
from threadline.domain.errors import InvalidInput
from threadline.domain.models import Author
from threadline.service import comments as comment_service
from threadline.service import votes as vote_service


async def post_comment(request: Request) -> Response:
    api = api_state(request)
    data = await read_json(request, PostCommentIn, api.settings.max_request_bytes)
    if data.honeypot:
        raise InvalidInput(
            "This submission looks automated and was not accepted.",
            code="spam_detected",
            field="honeypot",
        )
    draft = comment_service.CommentDraft(
        site=data.site,
        thread=data.thread,
        body=data.body,
        author=Author(data.author.name, data.author.email, data.author.website),
        parent_id=data.parent_id,
        title=data.title,
        url=data.url,
        acknowledge_nudge=data.acknowledge_nudge,
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
    )
    return json_response(CommentOnlyOut(comment_out(updated)))


async def delete_comment(request: Request) -> Response:
    api = api_state(request)
    client = client_info(request, api.addresses)
    await run_in_threadpool(
        comment_service.delete_comment, api.ctx, path_id(request), bearer_token(request), client
    )
    return Response(status_code=204)


async def vote(request: Request) -> Response:
    api = api_state(request)
    comment_id = path_id(request)
    data = await read_json(request, VoteIn, api.settings.max_request_bytes)
    client = client_info(request, api.addresses)
    updated = await run_in_threadpool(
        vote_service.cast_vote, api.ctx, comment_id, data.value, data.voter, client
    )
    return json_response(CommentOnlyOut(comment_out(updated)))
