"""The composition root: the only place concrete backends are chosen and parts wired."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from threadline.api.cors import CORSMiddleware, OriginRegistry
from threadline.api.errors import on_http_error, on_threadline_error, on_unexpected_error
from threadline.api.page_cache import PageCache
from threadline.api.routes import build_routes
from threadline.api.state import ApiState
from threadline.auth.client_ip import ClientAddressResolver
from threadline.auth.ratelimit import RateLimiter
from threadline.bus import EventBus
from threadline.config import Settings
from threadline.domain.errors import ThreadlineError
from threadline.domain.events import ThreadChanged
from threadline.service.context import ServiceContext
from threadline.service.secrets import server_secret
from threadline.service.sites import list_sites
from threadline.storage.base import Store
from threadline.text.render import Renderer

log = logging.getLogger(__name__)


def open_store(settings: Settings) -> Store:
    """The backend named by the database URL, migrated to the current schema."""
    url = settings.resolved_database_url
    store: Store
    if url.startswith("sqlite:///"):
        from threadline.storage.sqlite import SQLiteStore

        store = SQLiteStore(url, write_batch_max=settings.write_batch_max)
    elif url.startswith(("postgresql://", "postgres://")):
        from threadline.storage.postgres import PostgresStore

        store = PostgresStore(
            url, pool_size=settings.postgres_pool_size, write_batch_max=settings.write_batch_max
        )
    else:
        raise ValueError(
            f"unsupported database URL {url!r}: use sqlite:///path/to/file.db "
            "or postgresql://user@host:port/db"
        )
    try:
        applied = store.migrate()
    except Exception:
        store.close()
        raise
    if applied:
        log.info("applied migrations: %s", ", ".join(applied))
    return store


def build_context(settings: Settings, store: Store) -> ServiceContext:
    return ServiceContext(
        store=store,
        bus=EventBus(),
        renderer=Renderer(),
        limiter=RateLimiter(time.monotonic, enabled=settings.rate_limits),
        secret_key=server_secret(store, settings.secret_key),
    )


_LANDING = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Threadline</title></head><body>
<h1>Threadline is running</h1>
<p>The discussion API is at <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>;
try <a href="/api/v1/threads?site=demo&amp;key=welcome">the demo site's welcome thread</a>
and <a href="/healthz">/healthz</a>.</p></body></html>"""


async def landing(_: object) -> Response:
    return HTMLResponse(_LANDING)


def create_app(settings: Settings, store: Store | None = None) -> Starlette:
    """Build the ASGI app. The store is opened (and migrated) here unless one is given."""
    store = store or open_store(settings)
    ctx = build_context(settings, store)
    pages = PageCache(settings.cache_pages, settings.cache_revalidate_ms / 1000)
    ctx.bus.subscribe(
        ThreadChanged, lambda event: pages.invalidate((event.site_slug, event.thread_key))
    )

    async def known_origins() -> set[str]:
        sites = await run_in_threadpool(list_sites, ctx)
        return {origin for site in sites for origin in site.origins}

    registry = OriginRegistry(known_origins)
    state = ApiState(
        settings, ctx, pages, ClientAddressResolver(settings.trusted_proxies), registry
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await run_in_threadpool(store.close)

    app = Starlette(
        routes=[*build_routes(), Route("/", landing, methods=["GET"])],
        middleware=[Middleware(CORSMiddleware, registry=registry)],
        exception_handlers={
            ThreadlineError: on_threadline_error,
            HTTPException: on_http_error,
            Exception: on_unexpected_error,
        },
        lifespan=lifespan,
    )
    app.state.threadline = state
    return app
