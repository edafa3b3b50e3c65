"""Opening the configured store and service context for one CLI command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import click

from threadline.app import build_context, open_store
from threadline.config import Settings
from threadline.service.context import ServiceContext


def shown_url(url: str) -> str:
    """The database URL as printed: a password in it is replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


@contextmanager
def service_context(settings: Settings) -> Iterator[ServiceContext]:
    try:
        store = open_store(settings)
    except Exception as exc:
        raise click.ClickException(
            f"cannot open the database {shown_url(settings.resolved_database_url)}: {exc}"
        ) from exc
    try:
        yield build_context(settings, store)
    finally:
        store.close()
