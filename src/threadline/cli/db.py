"""`threadline db …` — database maintenance."""

from __future__ import annotations

import click

from threadline.app import open_store
from threadline.cli.context import shown_url
from threadline.cli.settings import pass_settings
from threadline.config import Settings


@click.group(epilog="Example: threadline --database sqlite:///comments.db db migrate")
def db() -> None:
    """Database maintenance."""


@db.command(epilog="Example: threadline --database postgresql://app@db:5432/comments db migrate")
@pass_settings
def migrate(settings: Settings) -> None:
    """Apply pending schema migrations (also done automatically on start)."""
    from threadline.storage.migrations import available

    where = shown_url(settings.resolved_database_url)
    try:
        store = open_store(settings, migrate=False)
    except Exception as exc:
        raise click.ClickException(f"cannot open the database {where}: {exc}") from exc
    try:
        applied = store.migrate()
    except Exception as exc:
        raise click.ClickException(f"migration of {where} failed: {exc}") from exc
    finally:
        store.close()
    for name in applied:
        click.echo(f"applied {name}")
    latest = available(store.backend)[-1]
    state = "now" if applied else "already"
    click.echo(f"{where}: schema {state} at version {latest.version} ({latest.name})")
