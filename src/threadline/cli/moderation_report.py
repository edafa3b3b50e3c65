"""`threadline moderation report` — each scorer against the site's moderators' decisions."""

from __future__ import annotations

import click

from threadline.cli.context import service_context
from threadline.cli.settings import pass_settings
from threadline.config import Settings
from threadline.domain.errors import ThreadlineError


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


@click.command("report", epilog="Example: threadline moderation report --site daily")
@click.option("--site", "site_slug", required=True, help="The site whose decisions to use.")
@pass_settings
def report(settings: Settings, site_slug: str) -> None:
    """Print the precision and recall of each scorer against moderators' decisions."""
    from threadline.service import calibration

    with service_context(settings) as ctx:
        try:
            found = calibration.report(ctx, site_slug)
        except ThreadlineError as exc:
            raise click.ClickException(exc.message) from exc
    click.echo(
        f"{found.site}: {found.decided} comments decided by moderators, {found.rejected} rejected"
    )
    if not found.decided:
        click.echo("no decisions yet: approve or reject comments in the dashboard first")
        return
    click.echo(f"{'scorer':<14} {'threshold':>9} {'flagged':>8} {'precision':>9} {'recall':>7}")
    for s in found.scorers:
        click.echo(
            f"{s.scorer:<14} {s.threshold:>9.2f} {s.flagged:>8} "
            f"{_pct(s.precision):>9} {_pct(s.recall):>7}"
        )
