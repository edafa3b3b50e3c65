"""What browsers load from Threadline itself: the widget (embed.js and the files it loads) and
the demo newspaper that shows it off, every demo page under a strict Content-Security-Policy.

The demo newspaper also plays the publisher's part in reader sign-in (docs/sign-in.md): its
article pages offer "Sign in as a demo reader", and `?reader=demo` renders the page with a
reader token minted at request time for one fixed demo account, as a publisher's server
would for its logged-in reader."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from datetime import datetime
from html import escape
from importlib import resources
from importlib.resources.abc import Traversable
from string import Template
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from threadline.api.negotiation import accepts_gzip, not_modified
from threadline.api.state import api_state
from threadline.demo.content import ARTICLES, DEMO_SITE, PAPER, Article, find_article
from threadline.demo.seed import published_at, seeded_at
from threadline.domain.errors import InvalidInput
from threadline.domain.models import Site
from threadline.service.context import ServiceContext
from threadline.service.reader_sign_in import mint_reader_token
from threadline.service.sites import list_sites

# No inline script or style anywhere: the widget styles its shadow root with a constructed
# stylesheet (or the same-origin widget.css) and talks only to this server.
DEMO_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": DEMO_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cache-Control": "no-cache",
}
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}
THEMES = ("light", "dark")
LANGUAGES = {"en": "English", "de": "Deutsch", "fr": "Français"}
# The one account the demo newspaper signs readers in with (`?reader=demo`).
DEMO_READER_ID = "demo-reader"
DEMO_READER_NAME = "Demo Reader"


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    etag: str
    media_type: str


def _walk(node: Traversable, prefix: str = "") -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for child in node.iterdir():
        if child.is_dir():
            found |= _walk(child, f"{prefix}{child.name}/")
        elif not child.name.startswith("."):
            found[prefix + child.name] = child.read_bytes()
    return found


def load_assets() -> tuple[dict[str, Asset], dict[str, Template]]:
    """The packaged static files (servable ones, and the demo page templates)."""
    files = _walk(resources.files("threadline") / "static")
    assets: dict[str, Asset] = {}
    templates: dict[str, Template] = {}
    for name, body in files.items():
        suffix = name[name.rfind(".") :]
        if suffix == ".html":
            templates[name] = Template(body.decode("utf-8"))
        elif suffix in MEDIA_TYPES:
            zipped = gzip.compress(body, 9, mtime=0) if suffix != ".json" else None
            etag = f'"{hashlib.sha256(body).hexdigest()[:20]}"'
            assets[name] = Asset(body, zipped, etag, MEDIA_TYPES[suffix])
    return assets, templates


def _asset_response(request: Request, asset: Asset, cache: str) -> Response:
    headers = {
        "ETag": asset.etag,
        "Cache-Control": cache,
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
        # Publishers' pages on other origins load these files.
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    if not_modified(request.headers.get("if-none-match"), asset.etag):
        return Response(status_code=304, headers=headers)
    if asset.gzipped is not None and accepts_gzip(request.headers.get("accept-encoding")):
        headers["Content-Encoding"] = "gzip"
        return Response(asset.gzipped, media_type=asset.media_type, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


def _not_found() -> Response:
    return Response(
        b"Not found\n",
        status_code=404,
        media_type="text/plain; charset=utf-8",
        headers={"X-Content-Type-Options": "nosniff"},
    )


def _today(now: datetime) -> str:
    return f"{now:%A} {now.day} {now:%B %Y}"


def _date(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}, {moment:%H:%M} UTC"


class DemoSite:
    """The demo newspaper: a front page and one page per article, rendered from templates."""

    def __init__(self, assets: dict[str, Asset], templates: dict[str, Template]) -> None:
        self.assets = assets
        self.templates = templates
        css = assets.get("demo/demo.css")
        self.css_version = css.etag.strip('"')[:10] if css else "0"

    async def embed(self, request: Request) -> Response:
        asset = self.assets.get("embed.js")
        if asset is None:
            return _not_found()
        # The loader's address never changes, so it is cached only briefly.
        return _asset_response(request, asset, "public, max-age=300")

    async def static(self, request: Request) -> Response:
        asset = self.assets.get(request.path_params["path"])
        if asset is None:
            return _not_found()
        versioned = "v" in request.query_params  # embed.js asks for widget.js?v=<content hash>
        cache = "public, max-age=31536000, immutable" if versioned else "public, max-age=300"
        return _asset_response(request, asset, cache)

    async def front(self, request: Request) -> Response:
        ctx = api_state(request).ctx
        if await run_in_threadpool(_demo_site, ctx) is None:
            return HTMLResponse(_LANDING, headers=PAGE_HEADERS)
        dates = await run_in_threadpool(_publication_dates, ctx)
        theme = _choice(request, "theme", THEMES)
        teasers = "\n".join(
            _teaser(a, dates[a.key], lead=i == 0) for i, a in enumerate(_by_date(dates))
        )
        page = self.templates["demo/front.html"].substitute(
            paper=escape(PAPER),
            site=DEMO_SITE,
            theme_attr=f' data-theme="{theme}"' if theme else "",
            css_version=self.css_version,
            demo_bar=_demo_bar(request, theme, None, None),
            today=escape(_today(ctx.clock())),
            lead_key=ARTICLES[0].key,
            origin=escape(f"{request.url.scheme}://{request.url.netloc}"),
            teasers=teasers,
            footer=_FOOTER,
        )
        return HTMLResponse(page, headers=PAGE_HEADERS)

    async def article(self, request: Request) -> Response:
        ctx = api_state(request).ctx
        article = find_article(request.path_params["key"])
        site = await run_in_threadpool(_demo_site, ctx) if article is not None else None
        if article is None or site is None:
            return HTMLResponse(_MISSING, status_code=404, headers=PAGE_HEADERS)
        dates = await run_in_threadpool(_publication_dates, ctx)
        theme = _choice(request, "theme", THEMES)
        lang = _choice(request, "lang", tuple(LANGUAGES))
        attrs = (f' data-theme="{theme}"' if theme else "") + (
            f' data-lang="{lang}"' if lang else ""
        )
        # Sign-in, when the demo site has a reader secret (seeding gives it one).
        sign_in = _SignIn(site.reader_secret is not None, None)
        if sign_in.available:
            signed_in_url = _page_url(request, theme=theme, lang=lang, reader="demo")
            attrs += f' data-sign-in-url="{signed_in_url}"'
            if _choice(request, "reader", ("demo",)):
                sign_in = _SignIn(True, await run_in_threadpool(_demo_token, ctx))
            if sign_in.token:
                attrs += f' data-reader-token="{escape(sign_in.token)}"'
        headers = PAGE_HEADERS | ({"Cache-Control": "no-store"} if sign_in.token else {})
        published = dates[article.key]
        others = [a for a in _by_date(dates) if a.key != article.key]
        page = self.templates["demo/article.html"].substitute(
            paper=escape(PAPER),
            site=DEMO_SITE,
            key=escape(article.key),
            title=escape(article.title),
            standfirst=escape(article.standfirst),
            section=escape(article.section),
            author=escape(article.author),
            role=escape(article.role),
            published_iso=published.isoformat(timespec="seconds"),
            published=escape(_date(published)),
            paragraphs="\n".join(f"      <p>{escape(p)}</p>" for p in article.paragraphs),
            theme_attr=f' data-theme="{theme}"' if theme else "",
            widget_attrs=attrs,
            css_version=self.css_version,
            demo_bar=_demo_bar(request, theme, lang or "en", sign_in),
            more="\n".join(_teaser(a, dates[a.key], lead=False) for a in others),
            footer=_FOOTER,
        )
        return HTMLResponse(page, headers=headers)


@dataclass(frozen=True, slots=True)
class _SignIn:
    available: bool  # the demo site has a reader secret
    token: str | None  # the demo reader's token: this page is signed in


def _demo_site(ctx: ServiceContext) -> Site | None:
    return next((site for site in list_sites(ctx) if site.slug == DEMO_SITE), None)


def _demo_token(ctx: ServiceContext) -> str | None:
    """What a publisher's server does for its logged-in reader: a short-lived signed token."""
    try:
        return mint_reader_token(ctx, DEMO_SITE, DEMO_READER_ID, DEMO_READER_NAME)
    except InvalidInput:  # the secret was removed meanwhile
        return None


def _publication_dates(ctx: ServiceContext) -> dict[str, datetime]:
    seeded = seeded_at(ctx)
    return {a.key: published_at(seeded, a) for a in ARTICLES}


def _by_date(dates: dict[str, datetime]) -> list[Article]:
    """The Harbour Street story leads; the rest follow newest first."""
    lead, *rest = ARTICLES
    return [lead, *sorted(rest, key=lambda a: dates[a.key], reverse=True)]


def _choice(request: Request, name: str, allowed: tuple[str, ...]) -> str | None:
    value = request.query_params.get(name)
    return value if value in allowed else None


def _teaser(article: Article, published: datetime, lead: bool) -> str:
    href = f"/demo/{escape(article.key)}"
    iso = published.isoformat(timespec="seconds")
    return f"""    <article class="teaser{" teaser-lead" if lead else ""}">
      <p class="kicker">{escape(article.section)}</p>
      <h3><a href="{href}">{escape(article.title)}</a></h3>
      <p class="teaser-standfirst">{escape(article.standfirst)}</p>
      <p class="meta">{escape(article.author)} ·
        <time datetime="{iso}">{escape(_date(published))}</time> ·
        <a href="{href}#comments" data-threadline-count="{escape(article.key)}">Comments</a></p>
    </article>"""


def _page_url(request: Request, **params: str | None) -> str:
    """This page's path with the given query parameters (empty ones left out), HTML-escaped."""
    query = urlencode({k: v for k, v in params.items() if v})
    return escape(request.url.path) + ("?" + escape(query) if query else "")


def _demo_bar(
    request: Request, theme: str | None, lang: str | None, sign_in: _SignIn | None
) -> str:
    """Switches for the theme (and, on article pages, the widget's language and the demo
    reader's sign-in), as plain links."""
    reader = "demo" if sign_in and sign_in.token else None

    def link(label: str, current: bool, **params: str | None) -> str:
        aria = ' aria-current="true"' if current else ""
        return f'<a href="{_page_url(request, **params)}"{aria}>{label}</a>'

    themes = " ".join(
        link(label, theme == value, theme=value, lang=lang if lang != "en" else None, reader=reader)
        for label, value in (("Auto", None), ("Light", "light"), ("Dark", "dark"))
    )
    parts = [f"<span>Theme: {themes}</span>"]
    if lang is not None:
        langs = " ".join(
            link(
                label, lang == code, theme=theme, lang=code if code != "en" else None, reader=reader
            )
            for code, label in LANGUAGES.items()
        )
        parts.append(f"<span>Comments in: {langs}</span>")
    if sign_in and sign_in.available:
        shown_lang = lang if lang != "en" else None
        if reader:
            out = link("Sign out", False, theme=theme, lang=shown_lang)
            parts.append(
                f'<span class="demo-reader">Signed in as <strong>{escape(DEMO_READER_NAME)}'
                f"</strong> · {out}</span>"
            )
        else:
            parts.append(
                '<span class="demo-reader">'
                + link(
                    "Sign in as a demo reader", False, theme=theme, lang=shown_lang, reader="demo"
                )
                + "</span>"
            )
    return (
        '<aside class="demo-bar" aria-label="About this demo"><p><strong>Demo newspaper.'
        "</strong> The stories are invented; the comments are served live by Threadline from "
        f'this machine.</p><nav aria-label="Demo settings">{"".join(parts)}</nav></aside>'
    )


_FOOTER = """<footer class="site-footer">
  <p>The Wexmouth Courier is a fictional newspaper made to demonstrate Threadline.</p>
  <p><a href="/api/v1/openapi.json">API description</a> · <a href="/healthz">Server health</a></p>
</footer>"""

_LANDING = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Threadline</title><link rel="stylesheet" href="/static/demo/demo.css"></head><body>
<main><h1>Threadline is running</h1>
<p>Threadline is a self-hosted comment server for news sites. Start it with
<code>threadline serve --demo</code> to see a demo newspaper with live discussions here.</p>
<p>The JSON API is described at <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>;
the server's health is at <a href="/healthz">/healthz</a>.</p></main></body></html>"""

_MISSING = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Not found — Threadline demo</title><link rel="stylesheet" href="/static/demo/demo.css">
</head><body><main><h1>There is no such article</h1>
<p><a href="/">Back to the front page</a></p></main></body></html>"""


def static_routes() -> list[BaseRoute]:
    """The widget's files and the demo pages; `/` is the demo front page."""
    site = DemoSite(*load_assets())
    return [
        Route("/", site.front, methods=["GET"]),
        Route("/demo/{key}", site.article, methods=["GET"]),
        Route("/embed.js", site.embed, methods=["GET"]),
        Route("/static/{path:path}", site.static, methods=["GET"]),
    ]
