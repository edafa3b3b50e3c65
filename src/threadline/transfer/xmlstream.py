"""Streamed XML: the elements an importer wants, one at a time, with their line numbers.

Built on expat directly (what ElementTree.iterparse uses underneath) so each element comes
with the line it starts on: errors then name the place in the file. Only the element being
read is held in memory; it is dropped once handed over. Namespaces are shortened to the
prefixes importers look for (`wp:`, `dsq:` …); the Disqus namespace itself disappears.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import BinaryIO
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

from threadline.transfer.errors import ImportFailed
from threadline.transfer.records import Progress

_PREFIXES = {
    "http://disqus.com": "",
    "http://disqus.com/disqus-internals": "dsq:",
    "http://purl.org/rss/1.0/modules/content/": "content:",
    "http://purl.org/dc/elements/1.1/": "dc:",
    "http://wordpress.org/export/1.0/excerpt/": "excerpt:",
    "http://wordpress.org/export/1.1/excerpt/": "excerpt:",
    "http://wordpress.org/export/1.2/excerpt/": "excerpt:",
}
_CHUNK = 1 << 16


@functools.lru_cache(maxsize=1024)
def _short(name: str) -> str:
    ns, sep, local = name.rpartition("}")
    if not sep:
        return name
    prefix = _PREFIXES.get(ns)
    if prefix is None:
        prefix = "wp:" if ns.startswith("http://wordpress.org/export/") else f"{{{ns}}}"
    return prefix + local


def elements(
    stream: BinaryIO, wanted: set[str], label: str, progress: Progress
) -> Iterator[tuple[Element, int]]:
    """Yield (element, line) for each element named in `wanted` (outermost only); the
    root element's tag is checked by the caller through `root_tag(...)` first."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.ordered_attributes = False
    builder: TreeBuilder | None = None
    depth = 0
    capture_depth = 0
    start_line = 0
    ready: list[tuple[Element, int]] = []

    # These run for every element of files with millions of them: kept lean.
    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal builder, depth, capture_depth, start_line
        depth += 1
        tag = _short(name)
        if builder is None:
            if tag not in wanted:
                return
            builder = TreeBuilder()
            capture_depth = depth
            start_line = parser.CurrentLineNumber
        builder.start(tag, {_short(k): v for k, v in attrs.items()} if attrs else {})

    def end(name: str) -> None:
        nonlocal builder, depth
        if builder is not None:
            builder.end(name)  # the tree builder closes its open element whatever the name
            if depth == capture_depth:
                ready.append((builder.close(), start_line))
                builder = None
        depth -= 1

    def data(text: str) -> None:
        if builder is not None:
            builder.data(text)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data

    def feed(chunk: bytes, final: bool) -> None:
        try:
            parser.Parse(chunk, final)
        except expat.ExpatError as exc:
            raise ImportFailed(
                f"{label}: not well-formed XML at line {exc.lineno}, column {exc.offset + 1}: "
                f"{expat.ErrorString(exc.code)}"
            ) from None

    while chunk := stream.read(_CHUNK):
        feed(chunk, False)
        yield from ready
        ready.clear()
        progress(len(chunk))
    feed(b"", True)
    yield from ready


class _Found(Exception):
    pass


def root_tag(head: bytes) -> str | None:
    """The short name of the document's root element, from the file's first bytes."""
    parser = expat.ParserCreate(namespace_separator="}")
    found: list[str] = []

    def start(name: str, _attrs: dict[str, str]) -> None:
        found.append(_short(name))
        raise _Found

    parser.StartElementHandler = start
    try:
        parser.Parse(head, False)
    except _Found:
        pass
    except expat.ExpatError:
        return None
    return found[0] if found else None


def text(element: Element, path: str) -> str:
    """The stripped text of the child at `path` ("" when absent)."""
    child = element.find(path)
    return (child.text or "").strip() if child is not None else ""
