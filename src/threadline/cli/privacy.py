"""`threadline privacy …` — a reader's data by the email they gave, and the retention purge
(docs/privacy.md). Whoever runs these commands holds the database: they act as an
administrator, and each export and erasure is audited (as "command line", with the email
under a keyed pseudonym)."""

from __future__ import annotations

import click
import msgspec

from threadline.cli.context import service_context
from threadline.cli.settings import pass_settings
from threadline.config import Settings
from threadline.domain.errors import ThreadlineError


@click.group(
    epilog="\b\nExample:\n  threadline privacy export --site daily --email reader@example.org "
    "> data.json\n  threadline privacy erase --site daily --email reader@example.org\n"
    "  threadline privacy purge"
)
def privacy() -> None:
    """Readers' data rights: a reader's data by email, and the retention purge.

    Download or erase what is held about an email address on a site; drop old client
    addresses now."""


@privacy.command(
    "export",
    epilog="\b\nExample:\n  threadline privacy export --site daily --email reader@example.org "
    "> data.json",
)
@click.option("--site", "site_slug", required=True, help="The site the reader commented on.")
@click.option("--email", required=True, help="The email address they gave.")
@pass_settings
def export(settings: Settings, site_slug: str, email: str) -> None:
    """Print everything held about EMAIL on the site, as JSON.

    Their comments (with thread, IP address and user agent while kept), and the names,
    emails and websites they gave."""
    from threadline.service import privacy as service

    with service_context(settings) as ctx:
        try:
            data = service.export_by_email(ctx, site_slug, email, service.COMMAND_LINE)
        except ThreadlineError as exc:
            raise click.ClickException(exc.message) from exc
    click.echo(msgspec.json.format(msgspec.json.encode(data)).decode())
    click.echo(f"{len(data.comments)} comment(s) of {email} on {site_slug}", err=True)


@privacy.command(
    "erase",
    epilog="\b\nExample:\n  threadline privacy erase --site daily --email reader@example.org\n"
    "  threadline privacy erase --site daily --email reader@example.org --yes",
)
@click.option("--site", "site_slug", required=True, help="The site the reader commented on.")
@click.option("--email", required=True, help="The email address they gave.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_settings
def erase(settings: Settings, site_slug: str, email: str, yes: bool) -> None:
    """Erase everything held about EMAIL on the site, in one transaction.

    Their comments become deleted placeholders (or keep their text under "Anonymous" where
    others replied, when the site's erasure_keeps_replied_comments is on); names, emails,
    websites, IP addresses and user agents go; bans and audit entries naming them are
    scrubbed. It cannot be undone.
    """
    from threadline.service import privacy as service

    with service_context(settings) as ctx:
        try:
            count = service.count_by_email(ctx, site_slug, email)
            if not yes:
                click.confirm(
                    f"Erase {count} comment(s) and everything else held about {email} on "
                    f"{site_slug}? This cannot be undone",
                    abort=True,
                    err=True,
                )
            report = service.erase_by_email(ctx, site_slug, email, service.COMMAND_LINE)
        except ThreadlineError as exc:
            raise click.ClickException(exc.message) from exc
    click.echo(
        f"erased: {report.comments_removed} comment(s) removed, "
        f"{report.comments_anonymized} kept anonymously, {report.bans_lifted} ban(s) lifted, "
        f"{report.audit_entries_scrubbed} audit entr(y/ies) scrubbed"
    )


@privacy.command(
    "purge",
    epilog="\b\nExample:\n  threadline privacy purge\n"
    "  THREADLINE_RETENTION_IP_DAYS=7 threadline privacy purge",
)
@pass_settings
def purge(settings: Settings) -> None:
    """Drop client addresses older than retention_ip_days now.

    IP addresses and user agents of comments and sessions, and expired privacy links
    (`threadline serve` also does this periodically)."""
    from threadline.service.retention import purge as run_purge

    with service_context(settings) as ctx:
        report = run_purge(ctx, settings.retention_ip_days)
    click.echo(
        f"dropped the client data of {report.comments} comment(s) and {report.sessions} "
        f"session(s) older than {settings.retention_ip_days} days; deleted {report.links} "
        "expired privacy link(s)"
    )
