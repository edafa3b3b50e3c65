"""The composition root: the only place concrete backends are chosen and parts wired."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
import signal
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from types import FrameType
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware

from threadline.admin.views import admin_routes
from threadline.admin.web import AdminState
from threadline.api import events
from threadline.api.cors import CORSMiddleware, OriginRegistry
from threadline.api.errors import (
    UnexpectedErrors,
    on_http_error,
    on_threadline_error,
    on_unexpected_error,
)
from threadline.api.page_cache import PageCache
from threadline.api.renderings import RenderingCache
from threadline.api.routes import build_routes
from threadline.api.state import ApiState
from threadline.api.static import static_routes
from threadline.auth.client_ip import ClientAddressResolver
from threadline.auth.ratelimit import ConcurrencyLimit, Limiter, RateLimiter
from threadline.bus import EventBus
from threadline.config import Settings
from threadline.domain.errors import ThreadlineError
from threadline.domain.events import ReplyPublished, ThreadChanged
from threadline.live.broker import Broker, Notice, notice_for
from threadline.live.hub import Hub
from threadline.moderation import Moderator
from threadline.notify.mail import Mailer, MailSettings
from threadline.notify.webhook_client import WebhookClient
from threadline.service import desk_alerts, mail_outbox
from threadline.service.context import ServiceContext
from threadline.service.desk_alerts import AlertSchedule
from threadline.service.retention import retention_loop
from threadline.service.scoring import CommentScorer
from threadline.service.secrets import server_secret
from threadline.service.sites import list_sites
from threadline.service.sweeper import Sweeper
from threadline.service.webhook_delivery import USER_AGENT, delivery_loop
from threadline.storage.base import Store
from threadline.text.render import Renderer

log = logging.getLogger(__name__)


def open_store(settings: Settings, migrate: bool = True) -> Store:
    """The backend named by the database URL, migrated to the current schema unless told not to."""
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
            "unsupported database URL: use sqlite:///path/to/file.db "
            "or postgresql://user@host:port/db"
        )
    if not migrate:
        return store
    try:
        applied = store.migrate()
    except Exception:
        store.close()
        raise
    if applied:
        log.info("applied migrations: %s", ", ".join(applied))
    return store


def open_broker(settings: Settings) -> Broker:
    """Live-update notices: through Redis when one is configured, else PostgreSQL
    LISTEN/NOTIFY when instances share a PostgreSQL database, else in-process (SQLite)."""
    if settings.redis_url:
        from threadline.live.redis_pubsub import RedisBroker

        return RedisBroker(settings.redis_url)
    url = settings.resolved_database_url
    if url.startswith(("postgresql://", "postgres://")):
        from threadline.live.postgres import PostgresBroker

        return PostgresBroker(url)
    from threadline.live.memory import MemoryBroker

    return MemoryBroker()


def on_exit_signals(action: Callable[[], None]) -> Callable[[], None]:
    """Run `action` on the event loop as soon as the server is told to stop (SIGTERM/SIGINT),
    before it waits for open responses; returns the function that undoes this.

    Live streams never end by themselves, so without this uvicorn would wait its whole
    graceful-shutdown timeout and then cancel each one. The server's own handlers (uvicorn
    installs them before the app starts) still run after ours.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # signals reach only the main thread (e.g. not under TestClient)
    loop = asyncio.get_running_loop()
    installed: dict[int, tuple[Callable[..., Any], Callable[..., Any]]] = {}
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(sig)
        if not callable(previous):
            continue  # no server is handling shutdown on this signal: leave it alone

        def handler(signum: int, frame: FrameType | None, previous: Any = previous) -> None:
            loop.call_soon_threadsafe(action)
            previous(signum, frame)

        signal.signal(sig, handler)
        installed[sig] = (handler, previous)

    def undo() -> None:
        for sig, (handler, previous) in installed.items():
            if signal.getsignal(sig) is handler:
                signal.signal(sig, previous)

    return undo


@functools.cache
def load_moderator() -> Moderator:
    """The packaged models, read once per process (≈ 0.1 s) and shared: they never change."""
    return Moderator.load()


def rate_limiter(settings: Settings, enabled: bool) -> Limiter:
    """Buckets in Redis, shared by every process and instance, when one is configured;
    otherwise each process keeps its own."""
    local = RateLimiter(time.monotonic, enabled=enabled)
    if not settings.redis_url:
        return local
    from threadline.auth.shared_ratelimit import SharedRateLimiter, limiter_client

    return SharedRateLimiter(limiter_client(settings.redis_url), fallback=local, enabled=enabled)


def build_context(settings: Settings, store: Store) -> ServiceContext:
    return ServiceContext(
        store=store,
        bus=EventBus(),
        renderer=Renderer(),
        limiter=rate_limiter(settings, enabled=settings.rate_limits),
        login_limiter=rate_limiter(settings, enabled=True),  # always, whatever rate_limits says
        secret_key=server_secret(store, settings.secret_key),
        # With worker processes the engine is loaded there only (service/scoring.py).
        scorer=CommentScorer.from_settings(
            load_moderator() if settings.moderation_processes == 0 else None, settings
        ),
    )


def mail_senders(settings: Settings, ctx: ServiceContext) -> list[Sweeper]:
    """The background mail senders, started and stopped by the lifespan: reply notifications
    from their outbox (service/mail_outbox.py) — woken by the bus's `ReplyPublished` so a
    reply's mail goes out at once, and swept every `mail_sweep_s` for what a restart or a
    failed attempt left — and, with a mail server configured, desk alerts
    (service/desk_alerts.py) every `desk_alert_sweep_s`. The links in them start at
    `public_url`; without it, at this server's host and port."""
    # One attempt per sweep: the outbox retries, with a growing delay, not the sweep.
    mailer = Mailer(MailSettings.from_settings(settings), retry_delays_s=())
    base_url = settings.public_url or f"http://{settings.host}:{settings.port}"
    replies = Sweeper(
        "reply-mail",
        lambda: mail_outbox.send_due(
            ctx, mailer, base_url, settings.mail_retry_s, replies.keep_going
        ),
        settings.mail_sweep_s,
    )
    ctx.bus.subscribe(ReplyPublished, lambda event: replies.wake())
    senders = [replies]
    if settings.desk_alert_sweep_s > 0 and mailer.configured:
        schedule = AlertSchedule(settings.desk_alert_batch_minutes, settings.desk_alert_daily_hour)
        alerts = Sweeper(
            "desk-alerts",
            lambda: desk_alerts.send_due(ctx, mailer, base_url, schedule, alerts.keep_going),
            settings.desk_alert_sweep_s,
        )
        senders.append(alerts)
    return senders


def webhook_client(settings: Settings) -> WebhookClient:
    """The client every webhook request goes through (notify/webhook_client.py)."""
    return WebhookClient(
        max(1, settings.webhook_timeout_ms) / 1000,
        settings.webhook_allow_private_addresses,
        USER_AGENT,
        ca_file=settings.webhook_ca_file or None,
    )


def create_app(
    settings: Settings, store: Store | None = None, *, server_process: bool = False
) -> Starlette:
    """Build the ASGI app. The store is opened (and migrated) here unless one is given.
    `server_process`: the app is this process's one job for its whole life (`serve`)."""
    store = store or open_store(settings)
    ctx = build_context(settings, store)
    pages = PageCache(settings.cache_pages, settings.cache_revalidate_ms / 1000)
    ctx.bus.subscribe(
        ThreadChanged, lambda event: pages.invalidate((event.site_slug, event.thread_key))
    )
    broker = open_broker(settings)
    senders = mail_senders(settings, ctx)
    webhooks = webhook_client(settings)
    ctx.bus.subscribe(ThreadChanged, lambda event: broker.publish(notice_for(event)))
    hub = Hub(
        events.loader(ctx),
        heartbeat_s=max(1, settings.live_heartbeat_s),
        heartbeat=events.HEARTBEAT,
        max_pending=max(1, settings.live_max_pending),
        versions=events.versions_loader(ctx),
        recheck_s=max(0, settings.live_recheck_s),
    )

    def on_notice(notice: Notice) -> None:
        pages.invalidate(notice.thread)  # a write by any instance: never serve the old page
        hub.notice(notice.thread, notice.version)

    async def known_origins() -> set[str]:
        sites = await run_in_threadpool(list_sites, ctx)
        return {origin for site in sites for origin in site.origins}

    registry = OriginRegistry(known_origins)
    state = ApiState(
        settings,
        ctx,
        pages,
        ClientAddressResolver(settings.trusted_proxies),
        registry,
        hub,
        RenderingCache(settings.cache_comment_mb * 1024 * 1024),
        ConcurrencyLimit(settings.live_max_streams_per_ip, enabled=settings.rate_limits),
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await broker.start()
        unsubscribe = broker.subscribe(on_notice, hub.missed)
        await hub.start()
        undo_signals = on_exit_signals(hub.end_streams)
        if ctx.scorer is not None:
            try:  # the engine's worker processes start now, not at the first comment
                await run_in_threadpool(ctx.scorer.warm)
            except Exception:
                log.warning("the moderation engine did not start; comments will be held")
        if server_process:
            # What start-up built (modules, models, settings) lives as long as the process:
            # out of the collector's sight, a full collection no longer walks it (the ~20 ms
            # pauses seen in page builds were such collections).
            gc.freeze()
        retention = (
            asyncio.create_task(
                retention_loop(ctx, settings.retention_ip_days, settings.retention_interval_s)
            )
            if settings.retention_interval_s > 0
            else None
        )
        # Webhooks are delivered by the server only (not by apps built for tests or tools),
        # polled every second: waking the worker after each write would cost every write a
        # read, also on sites without webhooks.
        webhook_worker = None
        if server_process:
            webhook_worker = asyncio.create_task(
                delivery_loop(
                    ctx,
                    webhooks,
                    settings.webhook_keep_days,
                    first_retry_s=max(1, settings.webhook_first_retry_s),
                )
            )
        for sender in senders:
            sender.start()
        try:
            yield
        finally:
            if retention is not None:
                retention.cancel()
            if webhook_worker is not None:
                webhook_worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await webhook_worker
            webhooks.close()
            undo_signals()
            await hub.stop()
            unsubscribe()
            await broker.stop()
            if ctx.scorer is not None:
                await run_in_threadpool(ctx.scorer.close)
            for sender in senders:
                await sender.stop()
            await run_in_threadpool(store.close)

    app = Starlette(
        routes=[*build_routes(), *static_routes(), *admin_routes()],
        # Outermost first: CORS headers go on every answer, the unexpected 500 included.
        middleware=[Middleware(CORSMiddleware, registry=registry), Middleware(UnexpectedErrors)],
        exception_handlers={
            ThreadlineError: on_threadline_error,
            HTTPException: on_http_error,
            Exception: on_unexpected_error,
        },
        lifespan=lifespan,
    )
    app.state.threadline = state
    app.state.threadline_admin = AdminState(ctx, state.addresses, webhooks)
    return app
