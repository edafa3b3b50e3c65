"""Sites: the publications one server hosts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from threadline.domain.errors import InvalidInput, NotFound
from threadline.domain.models import Site, SiteSettings
from threadline.service.context import ServiceContext

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def normalize_origin(origin: str) -> str:
    """An origin as browsers send it: scheme://host[:port], no path, no trailing slash."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(
            f"{origin!r} is not an origin; use the form https://news.example.com.",
            code="invalid_origin",
            field="origin",
        )
    host = parts.hostname.lower()
    default = {"http": 80, "https": 443}[parts.scheme]
    if parts.port and parts.port != default:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}"


def add_site(
    ctx: ServiceContext,
    slug: str,
    name: str,
    origins: Sequence[str] = (),
    settings: SiteSettings | None = None,
) -> Site:
    if not _SLUG.match(slug):
        raise InvalidInput(
            "A site slug is 1–63 lower-case letters, digits or hyphens, e.g. 'daily-news'.",
            code="invalid_slug",
            field="slug",
        )
    if not name.strip():
        raise InvalidInput("A site needs a name.", code="empty", field="name")
    clean_origins = tuple(dict.fromkeys(normalize_origin(o) for o in origins))
    now = ctx.clock()
    return ctx.store.write(
        lambda db: db.insert_site(
            slug, name.strip(), clean_origins, settings or SiteSettings(), now
        )
    )


def list_sites(ctx: ServiceContext) -> list[Site]:
    with ctx.store.reading() as db:
        return db.list_sites()


def get_site(ctx: ServiceContext, slug: str) -> Site:
    with ctx.store.reading() as db:
        site = db.get_site(slug)
    if site is None:
        raise NotFound(f"There is no site called {slug!r}.", code="site_not_found")
    return site
