"""What importers yield: domain-level records, in file order, with their place in the file.

An importer is a function `read(path, progress) -> Iterator[Record]`; it parses as it goes
(memory stays flat whatever the file size) and raises ImportFailed naming the place in the
file for input it cannot read. Threads may come after the comments that name them, and
replies before their parents: the import engine sorts that out.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from threadline.domain.models import TransferComment, TransferVote

# Called with the number of bytes (or records) read since the last call.
Progress = Callable[[int], None]


class Markup(enum.Enum):
    """What a comment's body is, so the engine renders it like a live comment."""

    MARKDOWN = "markdown"  # rendered by the live comments' renderer
    HTML = "html"  # sanitized by the one sanitizer
    TEXT_HTML = "text_html"  # WordPress: HTML where blank lines make paragraphs
    RENDERED = "rendered"  # Threadline's own export: `html` given, sanitized again


@dataclass(frozen=True, slots=True)
class ThreadIn:
    ref: str  # how this file's comments name the thread
    key: str  # before remapping and normalization
    title: str | None
    url: str | None
    closed: bool
    created_at: datetime | None
    source: str | None
    source_id: str | None
    keep_empty: bool = False  # create it even when the file has no comment for it


@dataclass(frozen=True, slots=True)
class CommentIn:
    thread_ref: str
    comment: TransferComment  # body as found; html filled in by the engine
    markup: Markup
    where: str  # "line 12" / "record 3": for the import report
    votes: tuple[TransferVote, ...] = ()


@dataclass(frozen=True, slots=True)
class Skipped:
    where: str
    reason: str
    thread_ref: str | None = None  # a skipped thread: its comments are skipped too


Record = ThreadIn | CommentIn | Skipped


class PreparedComment(NamedTuple):
    """A comment as the engine stores it (author cleaned, body rendered): its storage row,
    built where the file is read — possibly another process — so the writer only adds the
    thread's id and version (a plain tuple: millions of them cross a pipe)."""

    thread_ref: str
    where: str
    row: tuple[Any, ...]  # storage.transfer_queries.comment_row
    votes: tuple[TransferVote, ...] = ()


# What `engine.prepare_records` yields: comments prepared, threads and skipped items as read.
Ready = ThreadIn | PreparedComment | Skipped


class Importer(Protocol):
    def __call__(self, path: Path, progress: Progress) -> Iterator[Record]: ...


def no_progress(_: int) -> None:
    pass
