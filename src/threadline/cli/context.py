"""Opening the configured store and service context for one CLI command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from threadline.app import build_context, open_store
from threadline.config import Settings
from threadline.service.context import ServiceContext


@contextmanager
def service_context(settings: Settings) -> Iterator[ServiceContext]:
    try:
        store = open_store(settings)
    except Exception as exc:
        raise click.ClickException(
            f"cannot open the database {settings.resolved_database_url}: {exc}"
        ) from exc
    try:
        yield build_context(settings, store)
    finally:
        store.close()
