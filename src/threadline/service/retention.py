"""Retention: client addresses and user agents are kept a limited number of days.

`purge` is cheap and idempotent: it clears what is due in small batches (short write
transactions, so comments keep flowing) and finds it through a partial index. Every server
process runs it periodically (`retention_loop`); instances sharing a database may run it at
the same time — each batch updates only rows still holding data, so the work is never done
twice and nothing conflicts for long. Clearing them changes nothing readers see: no thread
version moves.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import timedelta

from threadline.service.context import ServiceContext

log = logging.getLogger(__name__)

BATCH = 2000
# The first run after start: soon, but not while every instance of a deploy starts at once.
FIRST_RUN_S = (60.0, 120.0)


@dataclass(frozen=True, slots=True)
class PurgeReport:
    comments: int  # comments whose IP address and user agent were dropped
    sessions: int  # dashboard sessions likewise
    links: int  # expired privacy links deleted


def purge(ctx: ServiceContext, ip_days: int, batch: int = BATCH) -> PurgeReport:
    """Drop client data older than `ip_days` days (0: keep it) and expired privacy links."""
    now = ctx.clock()
    comments = sessions = 0
    if ip_days > 0:
        cutoff = now - timedelta(days=ip_days)
        while True:
            done = ctx.store.write(lambda db: db.clear_comment_clients(cutoff, batch))
            comments += done
            if done < batch:
                break
        sessions = ctx.store.write(lambda db: db.clear_session_clients(cutoff))
    links = ctx.store.write(lambda db: db.delete_expired_privacy_requests(now))
    return PurgeReport(comments, sessions, links)


async def retention_loop(ctx: ServiceContext, ip_days: int, interval_s: float) -> None:
    """Run `purge` every `interval_s` seconds until cancelled; a failed run is logged and
    retried at the next interval."""
    delay = min(interval_s, random.uniform(*FIRST_RUN_S))
    while True:
        await asyncio.sleep(delay)
        delay = interval_s
        try:
            report = await asyncio.to_thread(purge, ctx, ip_days)
        except Exception:
            log.exception("the retention purge failed; it runs again in %.0f s", interval_s)
            continue
        if report.comments or report.sessions or report.links:
            log.info(
                "retention: dropped the client data of %d comments and %d sessions, "
                "deleted %d expired privacy links",
                report.comments,
                report.sessions,
                report.links,
            )
