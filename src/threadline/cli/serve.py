"""`threadline serve` — run the HTTP server."""

from __future__ import annotations

import dataclasses
import os

import click

from threadline.cli.context import shown_url
from threadline.cli.settings import pass_settings
from threadline.config import Settings, load_settings


def app_from_environment() -> object:
    """Factory for worker processes: settings arrive through THREADLINE_* variables."""
    from threadline.app import create_app

    return create_app(load_settings(), server_process=True)


def _prepare_database(settings: Settings, demo: bool) -> None:
    """Open (and migrate) the database once before serving: a bad URL or an unreachable
    server is then one clear error, not a traceback from inside the ASGI server."""
    from threadline.cli.context import service_context
    from threadline.service import sites

    origins = [f"http://127.0.0.1:{settings.port}", f"http://localhost:{settings.port}"]
    with service_context(settings) as ctx:
        if demo and not any(s.slug == "demo" for s in sites.list_sites(ctx)):
            sites.add_site(ctx, "demo", "Threadline Demo", origins)
            click.echo("created the demo site 'demo'")
        if demo:
            from threadline.demo.seed import seed_demo

            seeded = seed_demo(ctx)  # idempotent: threads that exist are left alone
            if seeded.seeded:
                click.echo(
                    f"seeded the demo discussions: {seeded.comments} comments, {seeded.votes} votes"
                )


@click.command(epilog="Example: threadline serve --host 0.0.0.0 --port 8080 --workers 2")
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default 8080).")
@click.option(
    "--workers",
    type=int,
    default=1,
    show_default=True,
    help="Server processes (one per core is a good start).",
)
@click.option(
    "--demo",
    is_flag=True,
    help="Create the 'demo' site and seed the demo newspaper's discussions (once).",
)
@pass_settings
def serve(settings: Settings, host: str | None, port: int | None, workers: int, demo: bool) -> None:
    """Serve the API (migrations are applied on start)."""
    import uvicorn

    settings = dataclasses.replace(
        settings,
        host=host or settings.host,
        port=port or settings.port,
        database_url=settings.resolved_database_url,
    )
    _prepare_database(settings, demo)
    # Workers re-read settings from the environment; hand them what the CLI resolved.
    os.environ["THREADLINE_DATABASE_URL"] = settings.database_url
    click.echo(
        f"Threadline on http://{settings.host}:{settings.port}/ "
        f"(database {shown_url(settings.database_url)})"
    )
    uvicorn.run(
        "threadline.cli.serve:app_from_environment",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_level=settings.log_level,
        proxy_headers=False,  # client addresses are resolved by our trusted-proxy rules
        timeout_graceful_shutdown=5,
    )
