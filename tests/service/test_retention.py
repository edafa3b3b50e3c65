"""Retention on real stores: client addresses and user agents older than the setting are
dropped (comments and dashboard sessions), newer ones kept; the purge is idempotent, works
in batches, is safe when instances run it together, and runs by itself inside the server."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from starlette.testclient import TestClient

from tests.conftest import Clock
from tests.service.conftest import CLIENT, post
from threadline.app import build_context, open_store
from threadline.auth.passwords import fast_passwords
from threadline.config import Settings
from threadline.domain.models import Site
from threadline.service import accounts, privacy_links
from threadline.service.context import ServiceContext
from threadline.service.retention import purge, retention_loop
from threadline.service.sites import add_site


def _clients(ctx: ServiceContext) -> list[tuple[str | None, str | None]]:
    with ctx.store.reading() as db:
        return [(c.ip, c.user_agent) for c in db.comments_by_ids(1, list(range(1, 100)))]


def _old_and_new(ctx: ServiceContext, clock: Clock, old: int = 2) -> None:
    for i in range(old):
        post(ctx, f"old {i}")
    clock.advance(days=31)
    post(ctx, "new")


def test_old_client_data_goes_and_new_stays(ctx: ServiceContext, site: Site, clock: Clock) -> None:
    ctx.passwords = fast_passwords()
    accounts.create_admin(ctx, "boss@example.com", "Boss", "correct horse battery")
    accounts.sign_in(ctx, "boss@example.com", "correct horse battery", CLIENT)
    mail = privacy_links.request_link(
        ctx, "demo", "x@example.org", CLIENT, base_url="https://c/", lifetime=timedelta(hours=1)
    )
    assert mail is None  # nothing held for that address: no link
    post(ctx, "with email", email="x@example.org")
    assert privacy_links.request_link(
        ctx, "demo", "x@example.org", CLIENT, base_url="https://c/", lifetime=timedelta(hours=1)
    )
    _old_and_new(ctx, clock)

    report = purge(ctx, 30)
    assert (report.comments, report.sessions, report.links) == (3, 1, 1)
    assert _clients(ctx) == [(None, None)] * 3 + [(CLIENT.ip, CLIENT.user_agent)]
    again = purge(ctx, 30)
    assert (again.comments, again.sessions, again.links) == (0, 0, 0)


def test_zero_days_keeps_everything(ctx: ServiceContext, site: Site, clock: Clock) -> None:
    _old_and_new(ctx, clock)
    assert purge(ctx, 0).comments == 0
    assert all(ip == CLIENT.ip for ip, _ in _clients(ctx))


def test_batches_cover_everything(ctx: ServiceContext, site: Site, clock: Clock) -> None:
    _old_and_new(ctx, clock, old=7)
    assert purge(ctx, 30, batch=2).comments == 7
    assert [ip for ip, _ in _clients(ctx)] == [None] * 7 + [CLIENT.ip]


def test_instances_purging_together_do_the_work_once(
    ctx: ServiceContext, site: Site, clock: Clock, settings: Settings
) -> None:
    _old_and_new(ctx, clock, old=30)
    stores = [open_store(settings) for _ in range(2)]
    results: list[int] = []
    errors: list[BaseException] = []

    def run(i: int) -> None:
        other = build_context(settings, stores[i])
        other.clock = clock
        try:
            results.append(purge(other, 30, batch=3).comments)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.close()
    assert errors == [] and sum(results) == 30
    assert [ip for ip, _ in _clients(ctx)] == [None] * 30 + [CLIENT.ip]


def test_the_loop_purges_periodically(ctx: ServiceContext, site: Site, clock: Clock) -> None:
    _old_and_new(ctx, clock)

    async def run() -> None:
        task = asyncio.create_task(retention_loop(ctx, 30, 0.05))
        for _ in range(100):
            await asyncio.sleep(0.05)
            if _clients(ctx)[0] == (None, None):
                break
        post(ctx, "another old one")  # written "now", then the clock moves on
        clock.advance(days=31)
        for _ in range(100):
            await asyncio.sleep(0.05)
            if _clients(ctx)[3] == (None, None):
                break
        task.cancel()

    asyncio.run(run())
    assert [ip for ip, _ in _clients(ctx)] == [None, None, None, None]


def test_the_server_runs_it_by_itself(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limits=False, retention_interval_s=1)
    app_ctx: ServiceContext = client.app.state.threadline.ctx  # type: ignore[attr-defined]
    clock = Clock()
    app_ctx.clock = clock
    add_site(app_ctx, "demo", "Demo News")
    post(app_ctx, "written long ago")
    clock.advance(days=31)
    deadline = time.monotonic() + 10
    while _clients(app_ctx)[0] != (None, None) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _clients(app_ctx) == [(None, None)]
