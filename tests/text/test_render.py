"""text/render.py: the Markdown subset comments may use, and the one sanitizer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from threadline.text.render import (
    ALLOWED_TAGS,
    ALLOWED_URL_SCHEMES,
    LINK_REL,
    Renderer,
    sanitize_html,
)

REL = f'rel="{LINK_REL}"'


@pytest.fixture(scope="module")
def render() -> Renderer:
    return Renderer()


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("plain words", "<p>plain words</p>"),
        (
            "*em* **strong** ~~gone~~ `code`",
            "<p><em>em</em> <strong>strong</strong> <s>gone</s> <code>code</code></p>",
        ),
        ("line one\nline two", "<p>line one<br>\nline two</p>"),
        ("para one\n\npara two", "<p>para one</p>\n<p>para two</p>"),
        ("> quoted\n> more", "<blockquote>\n<p>quoted<br>\nmore</p>\n</blockquote>"),
        ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
        ("3. three\n4. four", '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>'),
        ("a\n\n---\n\nb", "<p>a</p>\n<hr>\n<p>b</p>"),
        ("```python\nprint(1 < 2)\n```", "<pre><code>print(1 &lt; 2)\n</code></pre>"),
        ("    indented code", "<pre><code>indented code\n</code></pre>"),
        ("\\*not emphasis\\*", "<p>*not emphasis*</p>"),
        ("AT&T <3", "<p>AT&amp;T &lt;3</p>"),
        ("Grüße 👋 — ok", "<p>Grüße 👋 — ok</p>"),
        ("  padded  \n\n", "<p>padded</p>"),
    ],
)
def test_the_markdown_subset(render: Renderer, source: str, html: str) -> None:
    assert render.render(source) == html


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("# Not a heading", "<p># Not a heading</p>"),
        ("Setext\n=====", "<p>Setext<br>\n=====</p>"),
        ("| a |\n|---|\n| b |", "<p>| a |<br>\n|---|<br>\n| b |</p>"),
        ("<b>bold?</b>", "<p>&lt;b&gt;bold?&lt;/b&gt;</p>"),
        ("<div>block html</div>", "<p>&lt;div&gt;block html&lt;/div&gt;</p>"),
    ],
)
def test_headings_tables_and_raw_html_are_text(render: Renderer, source: str, html: str) -> None:
    assert render.render(source) == html


def test_images_never_load_they_become_plain_links(render: Renderer) -> None:
    html = render.render("![a chart](https://tracker.example/pixel.png)")
    assert "<img" not in html
    assert html == f'<p>!<a href="https://tracker.example/pixel.png" {REL}>a chart</a></p>'


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("[site](https://e.example/a)", f'<p><a href="https://e.example/a" {REL}>site</a></p>'),
        (
            '[t](https://e.example "A title")',
            f'<p><a href="https://e.example" title="A title" {REL}>t</a></p>',
        ),
        ("[m](mailto:a@example.com)", f'<p><a href="mailto:a@example.com" {REL}>m</a></p>'),
        (
            "see https://example.org.",
            f'<p>see <a href="https://example.org" {REL}>https://example.org</a>.</p>',
        ),
        ("www.example.com", f'<p><a href="http://www.example.com" {REL}>www.example.com</a></p>'),
        ("a@example.com", f'<p><a href="mailto:a@example.com" {REL}>a@example.com</a></p>'),
        (
            "[x][1]\n\n[1]: https://example.org",
            f'<p><a href="https://example.org" {REL}>x</a></p>',
        ),
        (
            '[x](https://e.example/"><script>)',
            f'<p><a href="https://e.example/%22%3E%3Cscript%3E" {REL}>x</a></p>',
        ),
    ],
)
def test_links_and_autolinks_carry_rel(render: Renderer, source: str, html: str) -> None:
    assert render.render(source) == html


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](file:///etc/passwd)",
        "<javascript:alert(1)>",
        "[x](ftp://files.example/a)",
    ],
)
def test_links_to_other_schemes_lead_nowhere(render: Renderer, source: str) -> None:
    """markdown-it leaves javascript:/vbscript:/data:/file: links as text; nh3 strips any
    other scheme's href (ftp:), leaving an inert <a> without one."""
    html = render.render(source)
    assert "href" not in html, html
    assert html.startswith("<p>") and html.endswith("</p>")
    assert "x" in html or "alert" in html


def test_rendering_is_deterministic(render: Renderer) -> None:
    source = "Some *text* with https://example.org and\n\n> a quote"
    assert render.render(source) == render.render(source) == Renderer().render(source)


def test_the_allow_list_is_the_documented_one() -> None:
    assert {"http", "https", "mailto"} == ALLOWED_URL_SCHEMES
    assert LINK_REL == "nofollow ugc noopener"
    assert {
        "script",
        "style",
        "img",
        "iframe",
        "div",
        "span",
        "h1",
        "table",
    } & ALLOWED_TAGS == set()


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<div><p>x</p></div>", "<p>x</p>"),
        ("<p onclick=alert(1) style=color:red class=c id=i>x</p>", "<p>x</p>"),
        ("<script>steal()</script><p>after</p>", "<p>after</p>"),
        ("<style>p{}</style>x", "x"),
        ("<img src=x onerror=alert(1)>", ""),
        ("<!-- note -->x", "x"),
        (
            '<a href="https://e.example" rel="opener" target="_blank">x</a>',
            f'<a href="https://e.example" {REL}>x</a>',
        ),
        ('<a href="javascript:alert(1)">x</a>', f"<a {REL}>x</a>"),
        ('<ol start="5" type="a"><li>x</li></ol>', '<ol start="5"><li>x</li></ol>'),
        ("<p>unclosed <strong>bold", "<p>unclosed <strong>bold</strong></p>"),
        ("<p>a < b & c</p>", "<p>a &lt; b &amp; c</p>"),
    ],
)
def test_sanitize_html_keeps_only_the_allow_list(dirty: str, clean: str) -> None:
    assert sanitize_html(dirty) == clean


def _stock_renderer() -> Renderer:
    """The renderer with markdown-it's own linkify-it, without the quick link check."""
    from linkify_it import LinkifyIt

    stock = Renderer()
    stock._md.linkify = LinkifyIt()
    return stock


# Pieces that make (or almost make) links, emails, hosts and Markdown around them.
_PIECES = [
    "https://example.org/a?b=c#d",
    "http://x.co",
    "ftp://files.example",
    "mailto:a@b.example",
    "//cdn.example/x.js",
    "www.example.com",
    "example.com",
    "bbc.co.uk/news",
    "a@example.com",
    "first.last@mail.example",
    "192.168.0.1",
    "localhost:8080",
    "xn--bcher-kva.example",
    "пример.рф",
    "例子。中国",
    "word.",
    "end. Next",
    "3.14",
    "e.g.",
    "v2.0",
    "a:b",
    "@handle",
    "*",
    "**",
    "_",
    "`",
    "[",
    "]",
    "(",
    ")",
    "<",
    ">",
    "\n",
    "\n\n",
    " ",
    "> ",
    "- ",
    "1. ",
    "~~",
    "\\",
    "&amp;",
    "“quoted”",
    "Grüße",
    "👋",
]


@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=8), max_size=25))
def test_the_quick_link_check_changes_no_output(parts: list[str]) -> None:
    """The pre-check before linkify-it (text/render._MAYBE_LINK) only skips work: every
    text renders exactly as with markdown-it's stock linkify."""
    source = "".join(parts)
    assert _QUICK.render(source) == _STOCK.render(source)


def test_the_quick_link_check_on_the_xss_corpus_and_known_cases() -> None:
    corpus = json.loads((Path(__file__).parent / "xss_payloads.txt").read_text("utf-8"))
    for source in [*corpus, *_PIECES, "see https://example.org.", "www.example.com and a@b.co"]:
        assert _QUICK.render(source) == _STOCK.render(source), source
    # And it does find links: the check is not simply "never".
    assert "<a href" in _QUICK.render("read bbc.co.uk/news today")


_QUICK = Renderer()
_STOCK = _stock_renderer()
