"""The import formats by name, and telling them apart from a file's first bytes."""

from __future__ import annotations

import json
from pathlib import Path

from threadline.transfer import commento, disqus, isso, remark42, threadline_jsonl, wordpress
from threadline.transfer.errors import ImportFailed
from threadline.transfer.records import Importer
from threadline.transfer.xmlstream import root_tag

FORMATS: dict[str, Importer] = {
    "threadline": threadline_jsonl.read,
    "disqus": disqus.read,
    "wordpress": wordpress.read,
    "isso": isso.read,
    "remark42": remark42.read,
    "commento": commento.read,
}


def detect(path: Path) -> str:
    """The format of the file at `path`, or ImportFailed saying it is not recognized."""
    with path.open("rb") as f:
        head = f.read(64 * 1024)
    if head.startswith(b"\x1f\x8b"):  # gzip: Remark42 writes its backups gzipped
        return "remark42"
    if head.startswith(b"SQLite format 3\x00"):
        return "isso"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        tag = root_tag(head)
        if tag == "disqus":
            return "disqus"
        if tag == "rss" and b"wordpress.org/export/" in head:
            return "wordpress"
    elif text.startswith(b"{"):
        first = text.split(b"\n", 1)[0]
        try:
            data = json.loads(first)
        except ValueError:
            data = None
        if isinstance(data, dict):
            if data.get("type") == "export" and data.get("format") == "threadline":
                return "threadline"
            if "version" in data and ("users" in data or "posts" in data):
                return "remark42"
        if b'"commentHex"' in head or b'"commenters"' in head:
            return "commento"
    raise ImportFailed(
        f"{path.name}: cannot tell the format from its first bytes; name it "
        f"(one of: {', '.join(sorted(FORMATS))})"
    )
