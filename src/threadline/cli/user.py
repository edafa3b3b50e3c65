"""`threadline user …` — the people who moderate: admins, moderators, staff."""

from __future__ import annotations

import sys

import click

from threadline.cli.context import service_context
from threadline.cli.settings import pass_settings
from threadline.config import Settings
from threadline.domain.errors import ThreadlineError
from threadline.domain.moderation import Role


@click.group(
    epilog="\b\nExample:\n  threadline user create-admin editor@daily.example --name 'Ed Itor'\n"
    "  threadline user grant mod@daily.example --role moderator --site daily"
)
def user() -> None:
    """Create the people who sign in to moderate, and give them roles."""


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


@user.command(
    "create-admin",
    epilog="\b\nExample:\n  threadline user create-admin editor@daily.example --name 'Ed Itor'\n"
    "  printf '%s\\n' \"$PASSWORD\" | threadline user create-admin ops@daily.example "
    "--name Ops --password-stdin",
)
@click.argument("email")
@click.option("--name", required=True, help="The name shown in the audit log.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of prompting.",
)
@pass_settings
def create_admin(settings: Settings, email: str, name: str, password_stdin: bool) -> None:
    """Create an administrator (every site, every action) who signs in with EMAIL."""
    from threadline.service import accounts

    password = _read_password(password_stdin)
    with service_context(settings) as ctx:
        try:
            actor = accounts.create_admin(ctx, email, name, password)
        except ThreadlineError as exc:
            raise click.ClickException(exc.message) from exc
    click.echo(f"created admin {actor.user.email} ({actor.user.display_name})")


@user.command(
    "create",
    epilog="\b\nExample:\n  threadline user create mod@daily.example --name Mo "
    "--role moderator --site daily",
)
@click.argument("email")
@click.option("--name", required=True, help="The name shown in the audit log.")
@click.option(
    "--role",
    type=click.Choice([Role.MODERATOR.value, Role.STAFF.value]),
    required=True,
    help="moderator: the site's queues and actions; staff: a badge, may feature comments.",
)
@click.option("--site", "site_slug", required=True, help="The site the role is for.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_settings
def create(
    settings: Settings, email: str, name: str, role: str, site_slug: str, password_stdin: bool
) -> None:
    """Create a moderator or staff member of one site who signs in with EMAIL."""
    from threadline.domain.moderation import Grant
    from threadline.service import accounts, sites

    password = _read_password(password_stdin)
    with service_context(settings) as ctx:
        try:
            site_id = sites.get_site(ctx, site_slug).id
            actor = accounts.create_user(ctx, email, name, password, (Grant(Role(role), site_id),))
        except ThreadlineError as exc:
            raise click.ClickException(exc.message) from exc
    click.echo(f"created {role} {actor.user.email} of site {site_slug!r}")


@user.command(
    "grant",
    epilog="Example: threadline user grant mod@daily.example --role moderator --site weekly",
)
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--site", "site_slug", default=None, help="The site (not for admin).")
@pass_settings
def grant(settings: Settings, email: str, role: str, site_slug: str | None) -> None:
    """Give the existing user EMAIL another role."""
    from threadline.service import accounts

    with service_context(settings) as ctx:
        try:
            actor = accounts.grant_role(ctx, email, Role(role), site_slug)
        except ThreadlineError as exc:
            raise click.ClickException(exc.message) from exc
    roles = ", ".join(g.role.value + (f"@{g.site_id}" if g.site_id else "") for g in actor.grants)
    click.echo(f"{actor.user.email}: {roles}")


# The choices of service/desk_alerts.Every (kept here so `--help` needs no service import).
ALERT_CHOICES = ("immediate", "hourly", "daily", "off")


@user.command(
    "alerts",
    epilog="\b\nExample:\n"
    "  threadline user alerts mod@daily.example --site daily --every immediate\n"
    "  threadline user alerts editor@daily.example --site weekly --every daily\n"
    "  threadline user alerts mod@daily.example --site daily --every off",
)
@click.argument("email")
@click.option("--site", "site_slug", required=True, help="The site the alerts are about.")
@click.option(
    "--every",
    type=click.Choice(ALERT_CHOICES),
    required=True,
    help="immediate: as comments come, at most one mail per desk_alert_batch_minutes; "
    "hourly or daily: a digest (daily at desk_alert_daily_hour UTC); off: no mail.",
)
@pass_settings
def alerts(settings: Settings, email: str, site_slug: str, every: str) -> None:
    """Mail EMAIL when comments wait for the desk of a site.

    EMAIL is a moderator of the site, or an admin. The mail lists the comments newly held
    for review or reported by readers; nothing is sent when nothing is new."""
    from threadline.service import desk_alerts

    schedule = desk_alerts.AlertSchedule(
        settings.desk_alert_batch_minutes, settings.desk_alert_daily_hour
    )
    with service_context(settings) as ctx:
        try:
            chosen = desk_alerts.set_alert_for_email(ctx, email, site_slug, every, schedule)
        except ThreadlineError as exc:
            raise click.ClickException(exc.message) from exc
    click.echo(f"desk alerts for {email.strip().casefold()} on {site_slug!r}: {chosen.value}")
