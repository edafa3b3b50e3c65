"""`threadline site …` — the publications this server hosts."""

from __future__ import annotations

import click

from threadline.cli.context import service_context
from threadline.cli.settings import pass_settings
from threadline.cli.sign_in import sign_in, sign_in_token
from threadline.config import Settings
from threadline.domain.errors import ThreadlineError
from threadline.domain.models import Site
from threadline.service import sites


@click.group(
    epilog="\b\nExample:\n  threadline site add daily --name 'The Daily' "
    "--origin https://daily.example.com\n  threadline site list"
)
def site() -> None:
    """Add and list sites (one server hosts many publications).

    Readers of a site can sign in with the publication's own accounts: see sign-in and
    sign-in-token."""


@site.command(
    "add",
    epilog="\b\nExample:\n  threadline site add daily --name 'The Daily' "
    "--origin https://daily.example.com --origin https://www.daily.example.com",
)
@click.argument("slug")
@click.option("--name", required=True, help="The publication's name, shown to moderators.")
@click.option(
    "--origin",
    "origins",
    multiple=True,
    metavar="URL",
    help="An origin whose pages embed the widget (repeatable).",
)
@pass_settings
def add(settings: Settings, slug: str, name: str, origins: tuple[str, ...]) -> None:
    """Create the site SLUG."""
    with service_context(settings) as ctx:
        try:
            created = sites.add_site(ctx, slug, name, origins)
        except ThreadlineError as exc:
            raise click.ClickException(exc.message) from exc
    click.echo(
        f"created site {created.slug!r} ({created.name})"
        + (f" for {', '.join(created.origins)}" if created.origins else "")
    )


@site.command("list", epilog="Example: threadline site list")
@pass_settings
def list_(settings: Settings) -> None:
    """List the sites with their allowed origins."""
    with service_context(settings) as ctx:
        found = sites.list_sites(ctx)
    if not found:
        click.echo("no sites yet; add one with: threadline site add SLUG --name NAME")
        return
    for s in found:
        click.echo(f"{s.slug}\t{s.name}\t{' '.join(s.origins) or '-'}")


def _site_settings_help() -> str:
    from dataclasses import fields

    from threadline.domain.models import SiteSettings

    defaults = SiteSettings()
    return ", ".join(f"{f.name} (default {getattr(defaults, f.name)})" for f in fields(defaults))


def _parse_assignments(values: tuple[str, ...]) -> dict[str, str]:
    changes = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--set")
        changes[key.strip()] = value.strip()
    return changes


@site.command(
    "configure",
    epilog="\b\nExample:\n  threadline site configure daily --set edit_window_seconds=600 "
    "--set premoderation=on --origin https://m.daily.example.com",
)
@click.argument("slug")
@click.option("--name", default=None, help="A new name for the publication.")
@click.option(
    "--origin",
    "add_origins",
    multiple=True,
    metavar="URL",
    help="Allow another origin (repeatable).",
)
@click.option(
    "--remove-origin",
    "remove_origins",
    multiple=True,
    metavar="URL",
    help="Stop allowing an origin (repeatable).",
)
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="KEY=VALUE",
    help="Change a site setting (repeatable). Settings: " + _site_settings_help(),
)
@pass_settings
def configure(
    settings: Settings,
    slug: str,
    name: str | None,
    add_origins: tuple[str, ...],
    remove_origins: tuple[str, ...],
    assignments: tuple[str, ...],
) -> None:
    """Change the site SLUG's name, allowed origins or settings, then show it."""
    changes = _parse_assignments(assignments)
    with service_context(settings) as ctx:
        try:
            updated = sites.configure_site(ctx, slug, name, add_origins, remove_origins, changes)
        except ThreadlineError as exc:
            raise click.ClickException(exc.message) from exc
    _show(updated)


@site.command("show", epilog="Example: threadline site show daily")
@click.argument("slug")
@pass_settings
def show(settings: Settings, slug: str) -> None:
    """Show the site SLUG: name, allowed origins and settings."""
    with service_context(settings) as ctx:
        try:
            found = sites.get_site(ctx, slug)
        except ThreadlineError as exc:
            raise click.ClickException(exc.message) from exc
    _show(found)


def _show(s: Site) -> None:
    from dataclasses import asdict

    click.echo(f"{s.slug}: {s.name}")
    click.echo(f"  origins: {' '.join(s.origins) or '-'}")
    click.echo(f"  reader sign-in: {'on' if s.reader_secret is not None else 'off'}")
    for key, value in asdict(s.settings).items():
        shown = ("on" if value else "off") if isinstance(value, bool) else value
        click.echo(f"  {key} = {shown}")


site.add_command(sign_in)
site.add_command(sign_in_token)
