"""Threadline's own export format: JSON Lines, lossless, streamed both ways.

One header line, then each thread's line followed by its comments' lines (docs/export-format.md,
schema in docs/export-format.schema.json). The export reads one thread at a time, so memory
stays flat; the output is deterministic (threads by key, comments by time then id, keys in a
fixed order), so export → import into an empty database → export gives the same bytes.

A comment's `id` is its origin: `disqus:123` for one imported from Disqus, a bare id for one
born on a Threadline server. Importing keeps that origin, so importing the same file again —
or the original Disqus export after it — creates nothing new.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from threadline.domain.errors import NotFound
from threadline.domain.models import (
    Author,
    CommentStatus,
    Site,
    TransferComment,
    TransferThread,
    TransferVote,
)
from threadline.storage.base import Store
from threadline.transfer.errors import ImportFailed
from threadline.transfer.records import CommentIn, Markup, Progress, Record, ThreadIn
from threadline.transfer.times import parse_iso

FORMAT = "threadline"
VERSION = 1
NATIVE = "threadline"  # the source recorded for comments imported from this format


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _origin(source: str | None, source_id: str | None) -> str | None:
    if source_id is None:
        return None
    return source_id if source in (None, NATIVE) else f"{source}:{source_id}"


def _split_origin(value: str) -> tuple[str, str]:
    source, sep, source_id = value.partition(":")
    return (source, source_id) if sep else (NATIVE, value)


def _line(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def thread_line(t: TransferThread) -> bytes:
    return _line(
        {
            "type": "thread",
            "key": t.key,
            "title": t.title,
            "url": t.url,
            "closed": t.closed,
            "created_at": _time(t.created_at),
            "source": _origin(t.source, t.source_id),
        }
    )


def comment_line(c: TransferComment, votes: list[TransferVote]) -> bytes:
    return _line(
        {
            "type": "comment",
            "id": _origin(c.source, c.source_id),
            "parent": _origin(c.parent_source, c.parent_source_id),
            "status": c.status.value,
            "author": {
                "name": c.author.name,
                "email": c.author.email,
                "website": c.author.website,
            },
            "body": c.body,
            "html": c.html,
            "created_at": _time(c.created_at),
            "edited_at": _time(c.edited_at) if c.edited_at else None,
            "upvotes": c.upvotes,
            "downvotes": c.downvotes,
            "ip": c.ip,
            "user_agent": c.user_agent,
            "reader_id": c.reader_id,
            "votes": [
                {"voter": v.voter, "value": v.value, "updated_at": _time(v.updated_at)}
                for v in votes
            ],
        }
    )


class Export:
    """A site's (or one thread's) export, streamed: `chunks()` yields each thread's lines
    together, reading a page of threads and then one thread at a time, so memory stays flat
    whatever the site's size. Opened by `open_export`, which checks what is asked for exists
    (so an API can answer 404 before it starts a download)."""

    PAGE = 500

    def __init__(self, store: Store, site: Site, thread_key: str | None) -> None:
        self.store = store
        self.site = site
        self.thread_key = thread_key
        self.threads = 0
        self.comments = 0

    def header(self) -> bytes:
        return _line(
            {
                "type": "export",
                "format": FORMAT,
                "version": VERSION,
                "site": {"slug": self.site.slug, "name": self.site.name},
            }
        )

    def chunks(self, progress: Progress | None = None) -> Iterator[bytes]:
        yield self.header()
        after: str | None = None
        while True:
            with self.store.reading() as db:
                page = db.export_threads(
                    self.site.id, self.thread_key, after=after, limit=self.PAGE
                )
            for thread in page:
                yield self._thread(thread)
                if progress is not None:
                    progress(1)
            if len(page) < self.PAGE:
                return
            after = page[-1].key

    def _thread(self, thread: TransferThread) -> bytes:
        with self.store.reading() as db:
            comments = db.export_comments(self.site.id, thread.key)
            votes = db.export_votes(self.site.id, thread.key)
        by_comment: dict[tuple[str | None, str], list[TransferVote]] = {}
        for v in votes:
            by_comment.setdefault((v.source, v.source_id), []).append(v)
        lines = [thread_line(thread)]
        lines += [comment_line(c, by_comment.get((c.source, c.source_id), [])) for c in comments]
        self.threads += 1
        self.comments += len(comments)
        return b"".join(lines)


def open_export(store: Store, site_slug: str, thread_key: str | None = None) -> Export:
    """The export of a site (or of its thread `thread_key`); NotFound if there is none."""
    with store.reading() as db:
        site = db.get_site(site_slug)
        if site is None:
            raise NotFound(f"There is no site {site_slug!r}.", code="site_not_found")
        if thread_key is not None and not db.count_export_threads(site.id, thread_key):
            raise NotFound(f"The site has no thread {thread_key!r}.", code="thread_not_found")
    return Export(store, site, thread_key)


def export_site(
    store: Store,
    site_slug: str,
    out: BinaryIO,
    *,
    thread_key: str | None = None,
    progress: Progress | None = None,
) -> tuple[int, int]:
    """Write the site (or one thread of it) to `out`; returns (threads, comments)."""
    export = open_export(store, site_slug, thread_key)
    for chunk in export.chunks(progress):
        out.write(chunk)
    return export.threads, export.comments


# -- reading ---------------------------------------------------------------------------------


class _Line:
    def __init__(self, data: dict[str, Any], where: str) -> None:
        self.data = data
        self.where = where

    def get(self, name: str, kind: type | tuple[type, ...], optional: bool = False) -> Any:
        value = self.data.get(name)
        if value is None and optional:
            return None
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            raise ImportFailed(f"{self.where}: field {name!r} is missing or of the wrong type")
        return value

    def time(self, name: str, optional: bool = False) -> datetime | None:
        value = self.get(name, str, optional)
        return None if value is None else parse_iso(value, self.where, name)


def read(path: Path, progress: Progress) -> Iterator[Record]:
    """Records from a Threadline export (the `threadline` import format)."""
    with path.open("rb") as stream:
        yield from read_stream(stream, path.name, progress)


def read_stream(stream: BinaryIO, label: str, progress: Progress) -> Iterator[Record]:
    thread_ref: str | None = None
    for number, raw in enumerate(stream, start=1):
        progress(len(raw))
        where = f"{label} line {number}"
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except UnicodeDecodeError as exc:
            raise ImportFailed(f"{where}: not UTF-8 ({exc.reason})") from None
        except json.JSONDecodeError as exc:
            raise ImportFailed(f"{where}, column {exc.colno}: invalid JSON: {exc.msg}") from None
        if not isinstance(data, dict):
            raise ImportFailed(f"{where}: expected a JSON object")
        line = _Line(data, where)
        kind = data.get("type")
        if number == 1:
            if kind != "export" or data.get("format") != FORMAT:
                raise ImportFailed(f"{where}: not a Threadline export (no export header)")
            if data.get("version") != VERSION:
                raise ImportFailed(
                    f"{where}: export format version {data.get('version')!r} is not supported "
                    f"(this server reads version {VERSION})"
                )
            continue
        if kind == "thread":
            key = line.get("key", str)
            source = line.get("source", str, optional=True)
            origin = _split_origin(source) if source is not None else (None, None)
            thread_ref = key
            yield ThreadIn(
                ref=key,
                key=key,
                title=line.get("title", str, optional=True),
                url=line.get("url", str, optional=True),
                closed=line.get("closed", bool),
                created_at=line.time("created_at"),
                source=origin[0],
                source_id=origin[1],
                keep_empty=True,
            )
        elif kind == "comment":
            if thread_ref is None:
                raise ImportFailed(f"{where}: a comment before any thread")
            yield _comment(line, thread_ref)
        else:
            raise ImportFailed(f"{where}: unknown record type {kind!r}")


def _comment(line: _Line, thread_ref: str) -> CommentIn:
    source, source_id = _split_origin(line.get("id", str))
    parent = line.get("parent", str, optional=True)
    parent_source, parent_id = _split_origin(parent) if parent is not None else (None, None)
    try:
        status = CommentStatus(line.get("status", str))
    except ValueError:
        raise ImportFailed(f"{line.where}: unknown status {line.data['status']!r}") from None
    author = _Line(line.get("author", dict), line.where)
    created = line.time("created_at")
    assert created is not None
    votes = []
    for item in line.get("votes", list):
        vote = _Line(item if isinstance(item, dict) else {}, line.where)
        value = vote.get("value", int)
        if value not in (-1, 0, 1):
            raise ImportFailed(f"{line.where}: a vote's value must be -1, 0 or 1")
        at = vote.time("updated_at")
        assert at is not None
        votes.append(TransferVote(source, source_id, vote.get("voter", str), value, at))
    return CommentIn(
        thread_ref=thread_ref,
        comment=TransferComment(
            source=source,
            source_id=source_id,
            parent_source=parent_source,
            parent_source_id=parent_id,
            status=status,
            author=Author(
                author.get("name", str),
                author.get("email", str, optional=True),
                author.get("website", str, optional=True),
            ),
            body=line.get("body", str),
            html=line.get("html", str),
            created_at=created,
            edited_at=line.time("edited_at", optional=True),
            upvotes=line.get("upvotes", int),
            downvotes=line.get("downvotes", int),
            ip=line.get("ip", str, optional=True),
            user_agent=line.get("user_agent", str, optional=True),
            # Exports written before readers could sign in have no such field.
            reader_id=line.get("reader_id", str, optional=True),
        ),
        markup=Markup.RENDERED,
        where=line.where,
        votes=tuple(votes),
    )
