"""Sites: the publications one server hosts."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import fields, replace
from typing import Any
from urllib.parse import urlsplit

from threadline.auth import permissions
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
        site = db.get_site(slug) if _SLUG.match(slug) else None  # never send NUL to PostgreSQL
    if site is None:
        raise NotFound(f"There is no site called {slug!r}.", code="site_not_found")
    return site


def parse_setting(name: str, raw: str) -> int | bool | float:
    """A site setting from text, typed by the SiteSettings field; bounds keep sites usable."""
    known = {f.name: f for f in fields(SiteSettings)}
    if name not in known:
        raise InvalidInput(
            f"Unknown site setting {name!r}; known: {', '.join(known)}.",
            code="unknown_setting",
            field=name,
        )
    if isinstance(getattr(SiteSettings(), name), bool):
        text = raw.strip().lower()
        if text not in ("on", "off", "true", "false", "yes", "no", "1", "0"):
            raise InvalidInput(f"{name} takes on or off.", code="invalid_setting", field=name)
        return text in ("on", "true", "yes", "1")
    if isinstance(getattr(SiteSettings(), name), float):
        try:
            score = float(raw)
        except ValueError:
            score = -1.0
        if not 0.0 <= score <= 1.0:  # also refuses nan
            raise InvalidInput(
                f"{name} takes a number from 0 to 1.", code="invalid_setting", field=name
            )
        return score
    low = 1 if name in ("max_comment_length", "page_size", "flags_to_hold") else 0
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(
            f"{name} takes a whole number.", code="invalid_setting", field=name
        ) from None
    if value < low:
        raise InvalidInput(f"{name} must be at least {low}.", code="invalid_setting", field=name)
    return value


def configure_site(
    ctx: ServiceContext,
    slug: str,
    name: str | None = None,
    add_origins: Sequence[str] = (),
    remove_origins: Sequence[str] = (),
    changes: Mapping[str, str] | None = None,
) -> Site:
    """Change a site's name, allowed origins or settings (values given as text, e.g. from CLI)."""
    site = get_site(ctx, slug)
    if name is not None and not name.strip():
        raise InvalidInput("A site needs a name.", code="empty", field="name")
    removed = {normalize_origin(o) for o in remove_origins}
    origins = [o for o in site.origins if o not in removed]
    origins += [o for o in (normalize_origin(o) for o in add_origins) if o not in origins]
    typed: dict[str, Any] = {k: parse_setting(k, raw) for k, raw in (changes or {}).items()}
    settings = replace(site.settings, **typed)
    permissions.check_sign_in_settings(site, settings)
    return ctx.store.write(
        lambda db: db.update_site(site.id, (name or site.name).strip(), origins, settings)
    )
