"""Markdown → safe HTML, done once when a comment is written.

markdown-it-py parses a comment-sized subset of CommonMark (no raw HTML, no images — an
image would make readers' browsers call third parties — no headings or tables); nh3, an
allow-list sanitizer, then has the last word on every tag, attribute and URL scheme.
"""

from __future__ import annotations

import re

import nh3
from linkify_it import LinkifyIt
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "del",
    "s",
    "a",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"


# Every link linkify-it finds has a scheme ("https:", "mailto:"), starts with "//", is an
# address with "@", or is a host with a dot before its next label. Text with none of these
# cannot hold one, and this check costs far less than linkify-it's own regular expressions,
# which markdown-it runs on every paragraph and every piece of text in it (half the time
# of rendering a comment).
_MAYBE_LINK = re.compile(r"[:@]|//|[.\u3002\uff0e\uff61]\w")


class _QuickLinkify(LinkifyIt):  # type: ignore[misc]
    def pretest(self, text: str) -> bool:
        return _MAYBE_LINK.search(text) is not None and bool(super().pretest(text))

    def test(self, text: str) -> bool:
        return _MAYBE_LINK.search(text) is not None and bool(super().test(text))


class Renderer:
    """Turns a comment's Markdown source into sanitized HTML."""

    def __init__(self) -> None:
        md = MarkdownIt("commonmark", {"html": False, "linkify": True, "breaks": True})
        md.linkify = _QuickLinkify()
        md.enable(["linkify", "strikethrough"])
        md.disable(["heading", "lheading", "image", "html_block", "html_inline"])
        self._md = md

    def render(self, source: str) -> str:
        return sanitize_html(self._md.render(source)).strip()


# Built once: nh3.clean() converts the allow-lists on every call, about half its time on a
# comment-sized text (it matters to imports of millions of comments).
_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=ALLOWED_URL_SCHEMES,
    link_rel=LINK_REL,
    strip_comments=True,
)


def sanitize_html(html: str) -> str:
    """The one sanitizer: everything shown as HTML passes through here."""
    return _CLEANER.clean(html)
