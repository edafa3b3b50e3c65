"""Readiness: can we reach the database?"""

from __future__ import annotations

import logging

from threadline.service.context import ServiceContext

log = logging.getLogger(__name__)


def database_ok(ctx: ServiceContext) -> bool:
    try:
        with ctx.store.reading() as db:
            return db.ping()
    except Exception:
        log.warning("health check: database unreachable", exc_info=True)
        return False
