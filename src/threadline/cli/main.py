"""`threadline` — run and administer a Threadline server."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from threadline.cli.db import db
from threadline.cli.moderation import moderation
from threadline.cli.moderation_report import report as moderation_report
from threadline.cli.privacy import privacy
from threadline.cli.remap import remap
from threadline.cli.serve import serve
from threadline.cli.site import site
from threadline.cli.transfer import export, import_
from threadline.cli.user import user
from threadline.cli.webhook import webhook


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Example: threadline --database sqlite:///comments.db serve --port 8080",
)
@click.option(
    "--database",
    metavar="URL",
    help="sqlite:///path/file.db or "
    "postgresql://user@host:port/db (default: THREADLINE_DATABASE_URL, or a file in "
    "the data directory).",
)
@click.option(
    "--config",
    "config_file",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="A TOML file of settings (see docs/configuration.md).",
)
@click.version_option(package_name="threadline")
@click.pass_context
def cli(ctx: click.Context, database: str | None, config_file: str | None) -> None:
    """Threadline: threaded discussions for news sites.

    Settings come from THREADLINE_* environment variables, an optional TOML config file
    and the options below; see docs/configuration.md.
    """
    ctx.meta["threadline.database"] = database
    ctx.meta["threadline.config_file"] = config_file


cli.add_command(serve)
cli.add_command(db)
cli.add_command(site)
cli.add_command(moderation)
moderation.add_command(moderation_report)
cli.add_command(import_)
cli.add_command(export)
cli.add_command(remap)
cli.add_command(user)
cli.add_command(privacy)
cli.add_command(webhook)


def main(argv: list[str] | None = None) -> Any:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    return cli.main(args=argv, prog_name="threadline")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
