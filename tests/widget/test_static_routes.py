"""The widget's files and the demo newspaper, served by the app itself."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from starlette.testclient import TestClient

from threadline.api.static import DEMO_READER_ID, DEMO_READER_NAME
from threadline.auth.readers import verify_reader_token
from threadline.demo.content import ARTICLES, HARBOUR_STREET
from threadline.service.reader_sign_in import COMMAND_LINE, new_reader_secret


class _Page(HTMLParser):
    """Collects what CSP cares about: scripts, inline styles, style elements, and ids."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.inline_styles = 0
        self.style_elements = 0
        self.handlers: list[str] = []
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.elements.append((tag, found))
        if tag == "script":
            self.scripts.append(found)
        if tag == "style":
            self.style_elements += 1
        if "style" in found:
            self.inline_styles += 1
        self.handlers += [name for name in found if name.startswith("on")]


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def find(page: _Page, tag: str, **attrs: str) -> dict[str, str | None] | None:
    for name, found in page.elements:
        if name == tag and all(found.get(k.replace("_", "-")) == v for k, v in attrs.items()):
            return found
    return None


def assert_strict_csp(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    csp = headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["x-content-type-options"] == "nosniff"


def assert_no_inline_code(html: str) -> None:
    page = parse(html)
    assert page.scripts, "the page loads the widget"
    assert all(script.get("src") for script in page.scripts), "no inline <script>"
    assert page.inline_styles == 0 and page.style_elements == 0, "no inline styles"
    assert page.handlers == [], "no inline event handlers"


def test_embed_js_is_served_for_any_origin_with_short_caching(client: TestClient) -> None:
    response = client.get("/embed.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert b"widget.js?v=" in response.content


def test_assets_are_gzipped_and_revalidated(client: TestClient) -> None:
    plain = client.get("/static/widget.js", headers={"Accept-Encoding": "identity"})
    zipped = client.get("/static/widget.js", headers={"Accept-Encoding": "gzip"})
    assert plain.headers.get("content-encoding") is None
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == plain.content  # httpx decodes it
    etag = plain.headers["etag"]
    again = client.get("/static/widget.js", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_versioned_widget_is_cached_for_good(client: TestClient) -> None:
    version = re.search(rb"widget\.js\?v=(\w+)", client.get("/embed.js").content)
    assert version is not None
    response = client.get(f"/static/widget.js?v={version.group(1).decode()}")
    assert response.status_code == 200
    assert "immutable" in response.headers["cache-control"]
    css = client.get("/static/widget.css")
    assert css.headers["content-type"].startswith("text/css")


@pytest.mark.parametrize(
    "path",
    [
        "/static/nothing.js",
        "/static/demo/front.html",  # templates are rendered, never served raw
        "/static/../app.py",
        "/static/%2e%2e/app.py",
        "/static/",
    ],
)
def test_only_known_assets_are_served(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_front_page_lists_the_articles_with_live_counts(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert_strict_csp(response)
    assert_no_inline_code(response.text)
    assert "self-hosted comment server" in response.text  # the newcomer's explanation
    page = parse(response.text)
    for article in ARTICLES:
        assert find(page, "a", data_threadline_count=article.key), article.key
        assert find(page, "a", href=f"/demo/{article.key}"), article.key
    assert find(page, "script", src="/embed.js", data_site="demo")
    assert find(page, "h1")


def test_article_page_embeds_the_widget(client: TestClient) -> None:
    response = client.get(f"/demo/{HARBOUR_STREET.key}")
    assert response.status_code == 200
    assert_strict_csp(response)
    assert_no_inline_code(response.text)
    page = parse(response.text)
    host = find(page, "div", id="threadline")
    assert host is not None
    assert host["data-site"] == "demo" and host["data-thread"] == HARBOUR_STREET.key
    assert "data-theme" not in host and "data-lang" not in host
    assert find(page, "script", src="/embed.js")
    assert HARBOUR_STREET.paragraphs[0].split("’")[0] in response.text


def test_article_page_theme_and_language_switches(client: TestClient) -> None:
    response = client.get(f"/demo/{HARBOUR_STREET.key}", params={"theme": "dark", "lang": "fr"})
    page = parse(response.text)
    host = find(page, "div", id="threadline")
    assert host is not None and host["data-theme"] == "dark" and host["data-lang"] == "fr"
    assert find(page, "html", data_theme="dark")
    ignored = client.get(f"/demo/{HARBOUR_STREET.key}", params={"theme": 'x"><b', "lang": "xx"})
    host = find(parse(ignored.text), "div", id="threadline")
    assert host is not None and "data-theme" not in host and "data-lang" not in host


def test_unknown_article_is_a_404_page(client: TestClient) -> None:
    response = client.get("/demo/no-such-story")
    assert response.status_code == 404
    assert_strict_csp(response)


def test_front_page_without_the_demo_site_explains_how_to_get_it(
    make_client: Callable[..., TestClient],
) -> None:
    bare = make_client()
    response = bare.get("/")
    assert response.status_code == 200
    assert "--demo" in response.text
    assert bare.get(f"/demo/{HARBOUR_STREET.key}").status_code == 404


# ---- the demo reader's sign-in (docs/sign-in.md) --------------------------------------------


def _demo_secret(client: TestClient) -> str:
    """Give the 'demo' site a reader secret, as seeding the demo newspaper does."""
    ctx = client.app.state.threadline.ctx  # type: ignore[attr-defined]
    return new_reader_secret(ctx, "demo", COMMAND_LINE)


def test_article_page_offers_the_demo_reader_sign_in(client: TestClient) -> None:
    _demo_secret(client)
    path = f"/demo/{HARBOUR_STREET.key}"
    response = client.get(path, params={"theme": "dark", "lang": "de"})
    assert_strict_csp(response)
    assert_no_inline_code(response.text)
    assert response.headers["cache-control"] == "no-cache"
    page = parse(response.text)
    host = find(page, "div", id="threadline")
    assert host is not None and "data-reader-token" not in host
    signed_in = f"{path}?theme=dark&lang=de&reader=demo"
    assert host["data-sign-in-url"] == signed_in
    assert find(page, "a", href=signed_in) is not None
    assert "Sign in as a demo reader" in response.text and "Sign out" not in response.text


def test_reader_demo_renders_the_page_signed_in(client: TestClient) -> None:
    secret = _demo_secret(client)
    ctx = client.app.state.threadline.ctx  # type: ignore[attr-defined]
    path = f"/demo/{HARBOUR_STREET.key}"
    response = client.get(path, params={"reader": "demo", "lang": "fr"})
    assert response.status_code == 200
    assert_strict_csp(response)
    assert_no_inline_code(response.text)
    assert response.headers["cache-control"] == "no-store"  # the page holds a token
    page = parse(response.text)
    host = find(page, "div", id="threadline")
    assert host is not None and host["data-sign-in-url"] == f"{path}?lang=fr&reader=demo"
    token = host["data-reader-token"]
    assert token
    reader = verify_reader_token(token, secret, "demo", ctx.clock())
    assert (reader.sub, reader.name) == (DEMO_READER_ID, DEMO_READER_NAME)
    assert DEMO_READER_ID == "demo-reader" and DEMO_READER_NAME == "Demo Reader"
    # The bar says so, offers to sign out, and its switches keep the reader signed in.
    assert "Signed in as <strong>Demo Reader</strong>" in response.text
    assert find(page, "a", href=f"{path}?lang=fr") is not None  # Sign out
    assert find(page, "a", href=f"{path}?theme=dark&lang=fr&reader=demo") is not None
    assert find(page, "a", href=f"{path}?lang=de&reader=demo") is not None
    assert "Sign in as a demo reader" not in response.text
    # The token is a real one: the server takes the comment under the demo account.
    posted = client.post(
        "/api/v1/comments",
        json={"site": "demo", "thread": HARBOUR_STREET.key, "body": "Signed in from the demo"},
        headers={"Threadline-Reader": token},
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["comment"]["author"] == {
        "name": "Demo Reader",
        "website": None,
        "verified": True,
    }


def test_without_a_reader_secret_the_demo_offers_no_sign_in(client: TestClient) -> None:
    response = client.get(f"/demo/{HARBOUR_STREET.key}", params={"reader": "demo"})
    assert response.status_code == 200
    host = find(parse(response.text), "div", id="threadline")
    assert host is not None
    assert "data-reader-token" not in host and "data-sign-in-url" not in host
    assert "Sign in as a demo reader" not in response.text and "Signed in" not in response.text
    assert response.headers["cache-control"] == "no-cache"
