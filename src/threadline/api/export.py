"""GET /api/v1/mod/sites/{site}/export — a site's comments as a streamed download.

The same Threadline JSON Lines as `threadline export` (docs/export-format.md), byte for
byte: both come from transfer/threadline_jsonl.Export, which reads a page of threads and
then one thread at a time, so the server's memory stays flat whatever the site's size.
Administrators only (auth/permissions.check_can_export), signed in with the session cookie
like the rest of /api/v1/mod; each download is recorded in the audit log.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from threadline.api.request import client_info
from threadline.api.state import api_state
from threadline.auth import permissions
from threadline.auth.sessions import SESSION_COOKIE
from threadline.domain.errors import MalformedRequest
from threadline.domain.moderation import Actor
from threadline.service import accounts
from threadline.service.context import ServiceContext
from threadline.storage.gateway import Gateway
from threadline.transfer.threadline_jsonl import Export, open_export

MEDIA_TYPE = "application/jsonl"
MAX_KEY_LENGTH = 2048


def _open(ctx: ServiceContext, actor: Actor, slug: str, thread: str | None) -> Export:
    who = permissions.check_can_export(actor)
    export = open_export(ctx.store, slug, thread)

    def audit(db: Gateway) -> None:
        db.insert_audit(
            now=ctx.clock(),
            actor_id=who.user.id,
            actor_name=who.user.display_name,
            site_id=export.site.id,
            action="export_site",
            target_type="thread" if thread is not None else "site",
            target_id=thread if thread is not None else export.site.slug,
            before={},
            after={},
        )

    ctx.store.write(audit)
    return export


async def export_site(request: Request) -> Response:
    api = api_state(request)
    client = client_info(request, api.addresses)
    permissions.check_same_origin(client.origin, client.own_origin)
    auth = await run_in_threadpool(
        accounts.authenticate,
        api.ctx,
        request.cookies.get(SESSION_COOKIE),
        None,
        changes_state=False,
    )
    slug = request.path_params["site"]
    thread = request.query_params.get("thread")
    if thread is not None and not 0 < len(thread) <= MAX_KEY_LENGTH:
        raise MalformedRequest(
            "The thread parameter must be a thread key of at most 2048 characters."
        )
    export = await run_in_threadpool(_open, api.ctx, auth.actor, slug, thread)
    day = api.ctx.clock().strftime("%Y%m%d")
    name = f"threadline-{export.site.slug}{'-thread' if thread else ''}-{day}.jsonl"
    # A sync iterator: Starlette pulls each chunk in its thread pool (database reads).
    return StreamingResponse(
        export.chunks(),
        media_type=MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
