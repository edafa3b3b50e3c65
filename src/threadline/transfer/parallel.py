"""Reading an export in a second process, so parsing, rendering and sanitizing (about half
of an import's work) overlap with writing to the database (the other half).

The child process runs the importer and `prepare_records` and sends the records in batches
through a pipe (its standard output); the pipe's small buffer holds the child back whenever
the writer falls behind, so at most a batch or two are in flight and memory stays flat.
Comments travel as plain tuples: pickling the dataclasses themselves would cost more than
it saves. An error in the child (ImportFailed, naming the place in the file) is raised in
the parent, inside the import's transaction, which then rolls back as for an in-process
import.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from threadline.domain.models import Author, CommentStatus, TransferComment
from threadline.text.render import Renderer
from threadline.transfer.engine import Renderers, prepare_records
from threadline.transfer.errors import ImportFailed
from threadline.transfer.records import CommentIn, Markup, Progress, Record

BATCH = 500  # records per message
MORE, DONE, FAILED = "more", "done", "failed"
_STATUS = {s.value: s for s in CommentStatus}
_MARKUP = {m.value: m for m in Markup}


def _flat(record: Record) -> Any:
    if not isinstance(record, CommentIn):
        return record  # threads and skipped items are few: pickled as they are
    c, a = record.comment, record.comment.author
    return (
        record.thread_ref,
        record.where,
        record.markup.value,
        record.votes,
        c.source,
        c.source_id,
        c.parent_source,
        c.parent_source_id,
        c.status.value,
        a.name,
        a.email,
        a.website,
        c.body,
        c.html,
        c.created_at,
        c.edited_at,
        c.upvotes,
        c.downvotes,
        c.ip,
        c.user_agent,
    )


def _record(item: Any) -> Record:
    if not isinstance(item, tuple):
        return item  # type: ignore[no-any-return]
    (ref, where, markup, votes, source, source_id, parent_source, parent_id, status) = item[:9]
    name, email, website, body, html, created, edited, up, down, ip, agent = item[9:]
    comment = TransferComment(
        source,
        source_id,
        parent_source,
        parent_id,
        _STATUS[status],
        Author(name, email, website),
        body,
        html,
        created,
        edited,
        up,
        down,
        ip,
        agent,
    )
    return CommentIn(ref, comment, _MARKUP[markup], where, votes)


def _send(out: IO[bytes], message: tuple[str, Any, int]) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(len(data).to_bytes(8, "big") + data)


def _receive(stream: IO[bytes]) -> tuple[str, Any, int] | None:
    head = stream.read(8)
    if len(head) < 8:
        return None
    data = stream.read(int.from_bytes(head, "big"))
    message: tuple[str, Any, int] = pickle.loads(data)
    return message


def _read(fmt: str, path: str, out: IO[bytes]) -> None:
    """The child: read, prepare and send everything, then DONE (or FAILED with why)."""
    from threadline.transfer.formats import FORMATS  # imported here: formats imports us

    done = 0

    def progress(n: int) -> None:
        nonlocal done
        done += n

    batch: list[Any] = []
    try:
        for record in prepare_records(FORMATS[fmt](Path(path), progress), Renderers(Renderer())):
            batch.append(_flat(record))
            if len(batch) >= BATCH:
                _send(out, (MORE, batch, done))
                batch, done = [], 0
        _send(out, (DONE, batch, done))
    except ImportFailed as exc:
        _send(out, (FAILED, exc.message, 0))
    except Exception as exc:  # anything else: say what, in the parent
        _send(out, (FAILED, f"{Path(path).name}: cannot be read ({type(exc).__name__}: {exc})", 0))
    out.flush()


def read_in_parallel(fmt: str, path: Path, progress: Progress) -> Iterator[Record]:
    """The records of `path` (in format `fmt`) as `prepare_records` gives them, read and
    prepared in a child process. Closing the iterator early stops the child.

    The child is a fresh interpreter running this module (not multiprocessing's spawn,
    which would import the whole command line program again: ~40 MiB more)."""
    child = subprocess.Popen(
        [sys.executable, "-m", __name__, fmt, str(path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
    )
    assert child.stdout is not None
    try:
        while True:
            message = _receive(child.stdout)
            if message is None:
                raise ImportFailed(
                    f"{path.name}: the process reading the file stopped unexpectedly"
                )
            kind, payload, done = message
            if kind == FAILED:
                raise ImportFailed(payload)
            progress(done)
            for item in payload:
                yield _record(item)
            if kind == DONE:
                return
    finally:
        child.stdout.close()
        if child.poll() is None:
            child.kill()
        child.wait()


if __name__ == "__main__":
    _read(sys.argv[1], sys.argv[2], sys.stdout.buffer)
