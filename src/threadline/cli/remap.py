"""`threadline remap` — apply URL/key rules to a site's stored threads."""

from __future__ import annotations

import click

from threadline.cli.settings import pass_settings
from threadline.cli.transfer import map_options, now, rules_from_options, store_context
from threadline.config import Settings
from threadline.domain.errors import ThreadlineError
from threadline.transfer.remapping import remap_site


@click.command(
    "remap",
    epilog="\b\nExample:\n"
    "  threadline remap --site daily --map http://old.example/=https://daily.example/ --dry-run\n"
    "  threadline remap --site daily --map-file moved-urls.txt",
)
@click.option("--site", "site_slug", required=True, help="The site whose threads to rewrite.")
@map_options
@click.option("--dry-run", is_flag=True, help="Only report what would change.")
@pass_settings
def remap(
    settings: Settings,
    site_slug: str,
    maps: tuple[str, ...],
    map_files: tuple[str, ...],
    dry_run: bool,
) -> None:
    """Rewrite stored thread keys and URLs with remapping rules (a site that moved).

    Keys are normalized as on import. Threads whose new keys meet are merged: the thread
    already at the key (else the oldest) is kept and the others' comments move into it.
    One transaction, recorded in the audit log; on any error nothing is changed.
    """
    rules = rules_from_options(maps, map_files)
    with store_context(settings) as store:
        try:
            report = remap_site(store, site_slug, rules, clock=now, dry_run=dry_run)
        except ThreadlineError as exc:
            raise click.ClickException(f"{exc.message}\nnothing was changed") from exc
    for line in report.lines():
        click.echo(line)
