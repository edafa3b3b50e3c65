"""Commento export (`{"version": 1, "comments": [...], "commenters": [...]}`).

A Commento export is one JSON document, so it is read whole (they are small: Commento
exports a single domain). Comments keep their Commento id (`commento:<commentHex>`) and
parent (`parentHex`, "root" for top level); deleted → deleted, approved → published,
anything else → pending; `score` becomes up/down counts. A thread's key is
`https://<domain><url>`. Bodies are the `markdown` (rendered like live comments), else
the `html` (sanitized).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from threadline.domain.models import Author, CommentStatus, TransferComment
from threadline.transfer.errors import ImportFailed
from threadline.transfer.records import CommentIn, Markup, Progress, Record, ThreadIn
from threadline.transfer.times import parse_iso

SOURCE = "commento"


def read(path: Path, progress: Progress) -> Iterator[Record]:
    raw = path.read_bytes()
    progress(len(raw))
    try:
        data = json.loads(raw)
    except UnicodeDecodeError as exc:
        raise ImportFailed(f"{path.name}: not UTF-8 ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            f"{path.name}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("comments"), list):
        raise ImportFailed(f"{path.name}: not a Commento export (no comments list)")
    commenters = {
        c.get("commenterHex"): c for c in data.get("commenters") or [] if isinstance(c, dict)
    }
    seen: set[str] = set()
    for number, item in enumerate(data["comments"], start=1):
        where = f"{path.name} comment {number}"
        if not isinstance(item, dict) or not item.get("commentHex"):
            raise ImportFailed(f"{where}: a comment needs a commentHex")
        domain, url = str(item.get("domain") or ""), str(item.get("url") or "")
        ref = f"{domain}{url}"
        if ref not in seen:
            seen.add(ref)
            key = f"https://{domain}{url}" if domain else url
            yield ThreadIn(ref, key, None, key, False, None, SOURCE, ref)
        yield _comment(item, commenters, ref, where)


def _comment(
    item: dict[str, Any], commenters: dict[Any, dict[str, Any]], ref: str, where: str
) -> CommentIn:
    person = commenters.get(item.get("commenterHex"), {})
    parent = item.get("parentHex")
    parent_id = str(parent) if parent and parent != "root" else None
    if item.get("deleted"):
        status = CommentStatus.DELETED
    elif item.get("state") == "approved":
        status = CommentStatus.PUBLISHED
    else:
        status = CommentStatus.PENDING
    markdown, html = str(item.get("markdown") or ""), str(item.get("html") or "")
    score = int(item.get("score") or 0)
    return CommentIn(
        thread_ref=ref,
        comment=TransferComment(
            source=SOURCE,
            source_id=str(item["commentHex"]),
            parent_source=SOURCE if parent_id else None,
            parent_source_id=parent_id,
            status=status,
            author=Author(
                str(person.get("name") or ""),
                person.get("email") if isinstance(person.get("email"), str) else None,
                person.get("link") if isinstance(person.get("link"), str) else None,
            ),
            body=markdown or html,
            html="",
            created_at=parse_iso(item.get("creationDate"), where, "creationDate"),
            upvotes=max(score, 0),
            downvotes=max(-score, 0),
        ),
        markup=Markup.MARKDOWN if markdown or not html else Markup.HTML,
        where=where,
    )
