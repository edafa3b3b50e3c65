"""`threadline site sign-in …` and `site sign-in-token` — readers sign in with the
publisher's own accounts (docs/sign-in.md). Whoever runs these holds the database: they act
as an administrator, audited as "command line"."""

from __future__ import annotations

from datetime import timedelta

import click

from threadline.cli.context import service_context
from threadline.cli.settings import pass_settings
from threadline.config import Settings
from threadline.domain.errors import ThreadlineError
from threadline.service import reader_sign_in, sites


@click.command(
    "sign-in",
    epilog="\b\nExample:\n  threadline site sign-in daily                # is it on? required?"
    "\n  threadline site sign-in daily --new-secret   # turn it on, or rotate the secret"
    "\n  threadline site configure daily --set sign_in_required=on"
    "\n  threadline site sign-in daily --off          # turn it off"
    "\n\nSee docs/sign-in.md for signing tokens on your own server.",
)
@click.argument("slug")
@click.option(
    "--new-secret",
    is_flag=True,
    help="Create the site's secret, or replace it: tokens signed with the old one stop "
    "working at once. Printed once; keep it on your web server only.",
)
@click.option(
    "--off",
    is_flag=True,
    help="Remove the secret: readers can no longer sign in (refused while sign-in is required).",
)
@pass_settings
def sign_in(settings: Settings, slug: str, new_secret: bool, off: bool) -> None:
    """Show or change whether SLUG's readers sign in with your accounts.

    Your web server signs a short token (a JWT, HS256, with the site's secret) for the
    reader it has logged in; the page hands it to the widget; their comments then carry the
    name you vouch for, and bans, history and edits follow the account."""
    if new_secret and off:
        raise click.UsageError("Give either --new-secret or --off, not both.")
    with service_context(settings) as ctx:
        try:
            if new_secret:
                secret = reader_sign_in.new_reader_secret(ctx, slug, reader_sign_in.COMMAND_LINE)
            elif off:
                reader_sign_in.remove_reader_secret(ctx, slug, reader_sign_in.COMMAND_LINE)
            site = sites.get_site(ctx, slug)
        except ThreadlineError as exc:
            raise click.ClickException(exc.message) from exc
    if new_secret:
        click.echo(f"The sign-in secret of {site.slug!r} (shown once; store it on your server):")
        click.echo(secret)
        click.echo(
            "Sign a JWT (HS256) with it for each logged-in reader: sub (their account id), "
            f"name, optional email, aud {site.slug!r}, exp (an hour is plenty)."
        )
        click.echo(
            "Put it on the page as data-reader-token; the widget sends it as the "
            "Threadline-Reader header. How-to: docs/sign-in.md"
        )
        return
    if site.reader_secret is None:
        click.echo(f"sign-in for {site.slug!r}: off")
        click.echo(f"  turn it on with: threadline site sign-in {site.slug} --new-secret")
        return
    required = "required" if site.settings.sign_in_required else "not required"
    click.echo(f"sign-in for {site.slug!r}: on ({required})")


@click.command(
    "sign-in-token",
    epilog="\b\nExample:\n  threadline site sign-in-token daily --id 1234 --name 'Ada Lovelace' "
    "--email ada@example.com --minutes 30",
)
@click.argument("slug")
@click.option("--id", "sub", required=True, help="The reader's account id at your site (sub).")
@click.option("--name", required=True, help="The name their comments show (1–64 characters).")
@click.option("--email", default=None, help="Their email, for reply notifications (optional).")
@click.option(
    "--minutes",
    type=click.IntRange(1, 60 * 24 * 30),
    default=60,
    show_default=True,
    help="How long the token is valid.",
)
@pass_settings
def sign_in_token(
    settings: Settings, slug: str, sub: str, name: str, email: str | None, minutes: int
) -> None:
    """Print a sign-in token for a reader of SLUG, to try an integration.

    Signed as your server would sign it: put it in the page's data-reader-token, or send it
    as the Threadline-Reader header."""
    with service_context(settings) as ctx:
        try:
            token = reader_sign_in.mint_reader_token(
                ctx, slug, sub, name, email, timedelta(minutes=minutes)
            )
        except ThreadlineError as exc:
            raise click.ClickException(exc.message) from exc
    click.echo(token)
