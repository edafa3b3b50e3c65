"""GET /api/v1/threads/events — a thread's live updates as Server-Sent Events.

    retry: 3000                       (reconnect hint, with jitter)

    id: 42                            (the thread's version after this change)
    event: comment                    (new or changed published comment)
    data: {...}                       (the same JSON as in the thread listing)

    id: 43
    event: deleted                    (no longer visible: keep it as a placeholder if it
    data: {"id": 17}                   has replies, else remove it)

    id: 43                            (after the replay: where this stream resumes from)

    : heartbeat                       (every `live_heartbeat_s` seconds)

A reconnecting EventSource sends Last-Event-ID and receives every comment changed since, in
its current state; a page that has just loaded the thread passes `since=<version>` (the
version in the page's ETag) so nothing posted in between is missed.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from threadline.api.errors import error_response
from threadline.api.request import client_info, query_required
from threadline.api.schemas import encoder
from threadline.api.serialize import comment_out
from threadline.api.state import ApiState, api_state
from threadline.domain.errors import MalformedRequest
from threadline.live.hub import Batch, Hub, Loader, Subscriber, ThreadRef, VersionsLoader
from threadline.service import changes as change_service
from threadline.service import threads as thread_service
from threadline.service.changes import ChangeKind, LiveChange
from threadline.service.context import ServiceContext

log = logging.getLogger(__name__)

RETRY_MS = 3000
RETRY_JITTER_MS = 2000  # spreads the reconnects of many readers after a restart
HEARTBEAT = b": heartbeat\n\n"
MAX_VERSION = 2**62


class RemovedOut(msgspec.Struct):
    id: int


def encode_change(change: LiveChange) -> bytes:
    if change.kind is ChangeKind.SHOWN:
        data = encoder.encode(comment_out(change.comment))
    else:
        data = encoder.encode(RemovedOut(change.comment.id))
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (change.version, change.kind.value.encode(), data)


def _load(ctx: ServiceContext, thread: ThreadRef, after: int | None) -> Batch:
    found = change_service.changes_since(ctx, thread[0], thread[1], after)
    return Batch(found.version, [(c.version, encode_change(c)) for c in found.changes])


def loader(ctx: ServiceContext) -> Loader:
    """The hub's loader: changes read and encoded once, in a worker thread."""

    async def load(thread: ThreadRef, after: int | None) -> Batch:
        return await run_in_threadpool(_load, ctx, thread, after)

    return load


def versions_loader(ctx: ServiceContext) -> VersionsLoader:
    """The hub's recheck: the current versions of the threads it follows."""

    async def versions(threads: list[ThreadRef]) -> dict[ThreadRef, int]:
        return await run_in_threadpool(change_service.thread_versions, ctx, threads)

    return versions


def _resume_after(request: Request) -> int | None:
    raw = request.headers.get("last-event-id") or request.query_params.get("since")
    if raw is None or not raw.strip():
        return None
    try:
        value = int(raw.strip())
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_VERSION:
        raise MalformedRequest(
            "Last-Event-ID (or the 'since' parameter) must be a thread version: "
            "a whole number from a previous event or the page's ETag."
        )
    return value


def _unavailable() -> Response:
    return error_response(
        503,
        "live_unavailable",
        "Live updates are not available right now; try again shortly.",
        headers={"Retry-After": "5"},
    )


async def thread_events(request: Request) -> Response:
    api = api_state(request)
    site = query_required(request, "site")
    key = query_required(request, "key")
    after = _resume_after(request)
    ref = await run_in_threadpool(thread_service.resolve, api.ctx, site, key)
    hub = api.live
    if hub is None or not hub.running:
        return _unavailable()
    address = client_info(request, api.addresses).ip or "unknown"
    api.streams.acquire(address, "live-update streams")
    try:
        response = await _open_stream(api, hub, (ref.site.slug, ref.key), after, address)
    except BaseException:
        api.streams.release(address)
        raise
    if not isinstance(response, EventStream):  # no stream after all: its place is free again
        api.streams.release(address)
    return response


async def _open_stream(
    api: ApiState, hub: Hub, thread: tuple[str, str], after: int | None, address: str
) -> Response:
    """The stream (which gives the address's place back when it ends), or why not."""
    try:
        sub = await hub.join(thread)
    except Exception:
        log.exception("live updates: cannot follow %r", thread)
        return _unavailable()
    try:
        # After join: this replay reaches at least the version the hub hands out after.
        replay = await hub.replay(thread, after)
    except BaseException as exc:
        hub.leave(sub)
        if not isinstance(exc, Exception):
            raise
        log.exception("live updates: cannot replay %r", thread)
        return _unavailable()
    sub.after = replay.version
    retry = RETRY_MS + random.randint(0, RETRY_JITTER_MS)
    first = b"".join(
        (
            b"retry: %d\n\n" % retry,
            *(frame for _, frame in replay.frames),
            b"id: %d\n\n" % replay.version,
        )
    )
    send_timeout = max(30.0, 2.0 * api.settings.live_heartbeat_s)
    return EventStream(hub, sub, first, send_timeout, lambda: api.streams.release(address))


async def _until_disconnect(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


class EventStream(Response):
    """An endless text/event-stream response fed by a hub subscriber.

    Leaner than a StreamingResponse (one extra task per connection, watching for the
    client's disconnect); a write that cannot complete within `send_timeout` (the reader
    stopped reading) ends the stream.
    """

    media_type = "text/event-stream"

    def __init__(
        self,
        hub: Hub,
        sub: Subscriber,
        first: bytes,
        send_timeout: float,
        on_close: Callable[[], None],
    ) -> None:
        self.status_code = 200
        self._on_close = on_close
        self.background = None
        self._hub = hub
        self._sub = sub
        self._first = first
        self._send_timeout = send_timeout
        self.init_headers({"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        sub = self._sub
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            if scope.get("method") == "HEAD":
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            watcher = asyncio.ensure_future(_until_disconnect(receive))
            watcher.add_done_callback(lambda task: _closed_by_client(task, sub))
            try:
                chunk: bytes | None = self._first
                self._first = b""  # a large replay is not kept while the stream idles
                while chunk is not None:
                    await self._send(
                        send, {"type": "http.response.body", "body": chunk, "more_body": True}
                    )
                    chunk = None
                    chunk = await sub.next()
                if not watcher.done():  # we end it: dropped as too slow, or shutting down
                    await self._send(
                        send, {"type": "http.response.body", "body": b"", "more_body": False}
                    )
            except (TimeoutError, OSError):
                log.info("live updates: a reader stopped reading; closing its stream")
            finally:
                watcher.cancel()
        finally:
            self._hub.leave(sub)
            self._on_close()

    async def _send(self, send: Send, message: Message) -> None:
        async with asyncio.timeout(self._send_timeout):
            await send(message)


def _closed_by_client(task: asyncio.Future[None], sub: Subscriber) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.debug("live updates: receive failed", exc_info=task.exception())
    sub.close()
