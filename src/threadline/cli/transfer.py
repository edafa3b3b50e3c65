"""`threadline import …` and `threadline export …` — bring comments in, take them out."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from threadline.cli.context import service_context
from threadline.cli.settings import pass_settings
from threadline.config import Settings
from threadline.domain.errors import ThreadlineError
from threadline.transfer.engine import Rule, run_import
from threadline.transfer.formats import FORMATS, detect
from threadline.transfer.records import Progress, no_progress
from threadline.transfer.threadline_jsonl import export_site


@contextmanager
def _progress(length: int, label: str) -> Iterator[Progress]:
    """A progress bar on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty() or length <= 0:
        yield no_progress
        return
    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        yield bar.update


def _rules(maps: tuple[str, ...]) -> list[Rule]:
    try:
        return [Rule.parse(m) for m in maps]
    except ThreadlineError as exc:
        raise click.BadParameter(exc.message, param_hint="--map") from exc


@click.command(
    "import",
    epilog="\b\nExample:\n  threadline import disqus export.xml --site daily\n"
    "  threadline import comments.xml --site daily --map http://old.example=https://new.example"
    f"\n\nFormats: {', '.join(sorted(FORMATS))}.",
)
@click.argument("args", nargs=-1, metavar="[FORMAT] FILE")
@click.option("--site", "site_slug", required=True, help="The site to import into.")
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="OLD=NEW",
    help="Rewrite thread keys and URLs starting with OLD to start with NEW (repeatable; the "
    "first matching rule applies).",
)
@pass_settings
def import_(
    settings: Settings, args: tuple[str, ...], site_slug: str, maps: tuple[str, ...]
) -> None:
    """Import comments from another engine's export.

    FORMAT is detected from the file when omitted.

    The whole import is one transaction: on any error nothing is kept. Importing the same
    file again adds nothing; an updated export adds only what is new.
    """
    if len(args) == 1:
        fmt, file = None, args[0]
    elif len(args) == 2:
        fmt, file = args
    else:
        raise click.UsageError("expected [FORMAT] FILE")
    path = Path(file)
    if not path.is_file():
        raise click.BadParameter(f"{file!r} is not a file", param_hint="FILE")
    rules = _rules(maps)
    try:
        if fmt is None:
            fmt = detect(path)
            click.echo(f"format: {fmt}", err=True)
        if fmt not in FORMATS:
            raise click.BadParameter(
                f"{fmt!r} is not one of: {', '.join(sorted(FORMATS))}", param_hint="FORMAT"
            )
        importer = FORMATS[fmt]
        with service_context(settings) as ctx, _progress(path.stat().st_size, "importing") as p:
            report = run_import(
                ctx.store,
                ctx.renderer,
                site_slug,
                importer(path, p),
                clock=ctx.clock,
                rules=rules,
            )
    except ThreadlineError as exc:
        raise click.ClickException(f"{exc.message}\nnothing was imported") from exc
    for line in report.lines():
        click.echo(line)


@click.command(
    "export",
    epilog="\b\nExample:\n  threadline export --site daily > daily.jsonl\n"
    "  threadline export --site daily --thread https://daily.example/a/1 -o thread.jsonl",
)
@click.option("--site", "site_slug", required=True, help="The site to export.")
@click.option("--thread", "thread_key", default=None, metavar="KEY", help="Only this thread.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write here instead of standard output.",
)
@pass_settings
def export(settings: Settings, site_slug: str, thread_key: str | None, output: str | None) -> None:
    """Export a site's threads and comments as Threadline JSON Lines.

    The format is documented in docs/export-format.md. Progress goes to stderr.
    """
    with service_context(settings) as ctx:
        try:
            with ctx.store.reading() as db:
                site = db.get_site(site_slug)
                total = len(db.export_threads(site.id, thread_key)) if site else 0
            with _progress(total, "exporting") as progress, _open(output) as out:
                threads, comments = export_site(
                    ctx.store, site_slug, out, thread_key=thread_key, progress=progress
                )
        except ThreadlineError as exc:
            raise click.ClickException(exc.message) from exc
    click.echo(f"exported {threads} threads, {comments} comments", err=True)


@contextmanager
def _open(output: str | None) -> Iterator[Any]:
    if output is None:
        yield sys.stdout.buffer
        return
    with Path(output).open("wb") as f:
        yield f
