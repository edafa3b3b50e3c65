"""`threadline import …` and `threadline export …` — bring comments in, take them out."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from threadline.app import open_store
from threadline.cli.context import shown_url
from threadline.cli.settings import pass_settings
from threadline.config import Settings
from threadline.domain.errors import ThreadlineError
from threadline.storage.base import Store
from threadline.text.render import Renderer
from threadline.transfer.engine import run_import
from threadline.transfer.formats import FORMATS, detect
from threadline.transfer.parallel import read_in_parallel
from threadline.transfer.records import Progress, no_progress
from threadline.transfer.rules import Rule, all_rules
from threadline.transfer.threadline_jsonl import open_export

# From this size on, the file is read and its comments rendered in a second process while
# this one writes (docs/benchmarks.md "Import"); below it, starting that process costs more.
PARALLEL_BYTES = 8 * 2**20


@contextmanager
def store_context(settings: Settings) -> Iterator[Store]:
    """The store alone: importing, exporting and remapping need no moderation models (tens
    of MiB that an import of millions of comments keeps for itself)."""
    try:
        store = open_store(settings)
    except Exception as exc:
        raise click.ClickException(
            f"cannot open the database {shown_url(settings.resolved_database_url)}: {exc}"
        ) from exc
    try:
        yield store
    finally:
        store.close()


def now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def _progress(length: int, label: str) -> Iterator[Progress]:
    """A progress bar on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty() or length <= 0:
        yield no_progress
        return
    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        yield bar.update


def rules_from_options(maps: tuple[str, ...], map_files: tuple[str, ...]) -> list[Rule]:
    try:
        return all_rules(maps, [Path(f) for f in map_files])
    except ThreadlineError as exc:
        raise click.BadParameter(exc.message, param_hint="--map/--map-file") from exc


def map_options(command: Any) -> Any:
    """`--map OLD=NEW` (repeatable) and `--map-file FILE`, shared by import and remap."""
    command = click.option(
        "--map-file",
        "map_files",
        multiple=True,
        metavar="FILE",
        type=click.Path(exists=True, dir_okay=False),
        help="Rules from a file, one per line: OLD NEW, OLD=NEW or regex PATTERN "
        "REPLACEMENT; # starts a comment (docs/export-format.md). Applied after --map rules.",
    )(command)
    return click.option(
        "--map",
        "maps",
        multiple=True,
        metavar="OLD=NEW",
        help="Rewrite thread keys and URLs starting with OLD to start with NEW (repeatable; "
        "the first matching rule applies).",
    )(command)


@click.command(
    "import",
    epilog="\b\nExample:\n  threadline import disqus export.xml --site daily\n"
    "  threadline import comments.xml --site daily --map http://old.example=https://new.example"
    f"\n\nFormats: {', '.join(sorted(FORMATS))}.",
)
@click.argument("args", nargs=-1, metavar="[FORMAT] FILE")
@click.option("--site", "site_slug", required=True, help="The site to import into.")
@map_options
@pass_settings
def import_(
    settings: Settings,
    args: tuple[str, ...],
    site_slug: str,
    maps: tuple[str, ...],
    map_files: tuple[str, ...],
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
    rules = rules_from_options(maps, map_files)
    try:
        if fmt is None:
            fmt = detect(path)
            click.echo(f"format: {fmt}", err=True)
        if fmt not in FORMATS:
            raise click.BadParameter(
                f"{fmt!r} is not one of: {', '.join(sorted(FORMATS))}", param_hint="FORMAT"
            )
        size = path.stat().st_size
        parallel = size >= PARALLEL_BYTES and (os.cpu_count() or 1) > 1
        with store_context(settings) as store, _progress(size, "importing") as p:
            report = run_import(
                store,
                Renderer(),
                site_slug,
                read_in_parallel(fmt, path, p) if parallel else FORMATS[fmt](path, p),
                clock=now,
                rules=rules,
                prepared=parallel,
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
    with store_context(settings) as store:
        try:
            export = open_export(store, site_slug, thread_key)
            with store.reading() as db:
                total = db.count_export_threads(export.site.id, thread_key)
            with _progress(total, "exporting") as progress, _open(output) as out:
                for chunk in export.chunks(progress):
                    out.write(chunk)
        except ThreadlineError as exc:
            raise click.ClickException(exc.message) from exc
    threads, comments = export.threads, export.comments
    click.echo(f"exported {threads} threads, {comments} comments", err=True)


@contextmanager
def _open(output: str | None) -> Iterator[Any]:
    if output is None:
        yield sys.stdout.buffer
        return
    with Path(output).open("wb") as f:
        yield f
