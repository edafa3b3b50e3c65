"""`threadline site …` — the publications this server hosts."""

from __future__ import annotations

import click

from threadline.cli.context import service_context
from threadline.config import Settings
from threadline.domain.errors import ThreadlineError
from threadline.service import sites


@click.group()
def site() -> None:
    """Add and list sites (one server hosts many publications)."""


@site.command(
    "add",
    epilog="Example: threadline site add daily --name 'The Daily' "
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
@click.pass_obj
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
@click.pass_obj
def list_(settings: Settings) -> None:
    """List the sites with their allowed origins."""
    with service_context(settings) as ctx:
        found = sites.list_sites(ctx)
    if not found:
        click.echo("no sites yet; add one with: threadline site add SLUG --name NAME")
        return
    for s in found:
        click.echo(f"{s.slug}\t{s.name}\t{' '.join(s.origins) or '-'}")
