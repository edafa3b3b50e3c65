"""`threadline db …` — database maintenance."""

from __future__ import annotations

import click

from threadline.app import open_store
from threadline.config import Settings


@click.group()
def db() -> None:
    """Database maintenance."""


@db.command(epilog="Example: threadline --database postgresql://app@db:5432/comments db migrate")
@click.pass_obj
def migrate(settings: Settings) -> None:
    """Apply pending schema migrations (also done automatically on start)."""
    from threadline.storage.migrations import available

    try:
        store = open_store(settings)
    except Exception as exc:
        raise click.ClickException(f"migration failed: {exc}") from exc
    store.close()
    backend = "sqlite" if settings.resolved_database_url.startswith("sqlite") else "postgres"
    latest = available(backend)[-1]
    click.echo(
        f"{settings.resolved_database_url}: schema at version {latest.version} ({latest.name})"
    )
