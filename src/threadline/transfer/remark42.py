"""Remark42 backup file (plain or gzipped): a header line (`users`, `posts`), then one
comment per line.

Comments keep their Remark42 id (`remark42:<id>`) and parent (`pid`); `delete: true` →
deleted. `votes` become up/down counts. A thread's key is the comment's `locator.url`;
posts marked `read_only` in the header are closed threads. Bodies are HTML, sanitized.
The users' `ip` in a backup is a hash, not an address, so it is not kept.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast

from threadline.domain.models import Author, CommentStatus, TransferComment
from threadline.transfer.errors import ImportFailed
from threadline.transfer.records import CommentIn, Markup, Progress, Record, ThreadIn
from threadline.transfer.times import parse_iso

SOURCE = "remark42"


def _open(path: Path) -> IO[bytes]:
    with path.open("rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    return cast(IO[bytes], gzip.open(path, "rb")) if gzipped else path.open("rb")


def read(path: Path, progress: Progress) -> Iterator[Record]:
    with _open(path) as stream:
        try:
            yield from _records(stream, path.name, progress)
        except (OSError, EOFError) as exc:  # a damaged gzip stream
            raise ImportFailed(f"{path.name}: cannot read the file ({exc})") from None


def _json(raw: bytes, where: str) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except UnicodeDecodeError as exc:
        raise ImportFailed(f"{where}: not UTF-8 ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise ImportFailed(f"{where}, column {exc.colno}: invalid JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ImportFailed(f"{where}: expected a JSON object")
    return data


def _records(stream: IO[bytes], name: str, progress: Progress) -> Iterator[Record]:
    read_only: dict[str, bool] = {}
    seen: set[str] = set()
    for number, raw in enumerate(stream, start=1):
        progress(len(raw))
        where = f"{name} line {number}"
        if not raw.strip():
            continue
        data = _json(raw, where)
        if number == 1:
            if "version" not in data:
                raise ImportFailed(f"{where}: not a Remark42 backup (no header line)")
            for post in data.get("posts") or []:
                if isinstance(post, dict) and isinstance(post.get("url"), str):
                    read_only[post["url"]] = bool(post.get("read_only"))
            continue
        locator = data.get("locator")
        url = locator.get("url") if isinstance(locator, dict) else None
        cid = data.get("id")
        if not isinstance(url, str) or not isinstance(cid, str) or not cid:
            raise ImportFailed(f"{where}: a comment needs an id and a locator.url")
        if url not in seen:
            seen.add(url)
            yield ThreadIn(url, url, None, url, read_only.get(url, False), None, SOURCE, url)
        yield _comment(data, cid, url, where)


def _dict(value: object) -> dict[str, Any]:
    return cast(dict[str, Any], value) if isinstance(value, dict) else {}


def _comment(data: dict[str, Any], cid: str, url: str, where: str) -> CommentIn:
    user, votes, edit = (_dict(data.get(k)) for k in ("user", "votes", "edit"))
    parent = data.get("pid") or None
    edited = edit.get("time")
    return CommentIn(
        thread_ref=url,
        comment=TransferComment(
            source=SOURCE,
            source_id=cid,
            parent_source=SOURCE if parent else None,
            parent_source_id=str(parent) if parent else None,
            status=CommentStatus.DELETED if data.get("delete") else CommentStatus.PUBLISHED,
            author=Author(str(user.get("name") or "")),
            body=str(data.get("text") or ""),
            html="",
            created_at=parse_iso(data.get("time"), where, "time"),
            edited_at=parse_iso(edited, where, "edit.time") if edited else None,
            upvotes=sum(1 for v in votes.values() if v is True),
            downvotes=sum(1 for v in votes.values() if v is False),
        ),
        markup=Markup.HTML,
        where=where,
    )
