"""Reading an export in a second process, so parsing, rendering and sanitizing (about half
of an import's work) overlap with writing to the database (the other half).

The child process runs the importer and `prepare_records` and sends the records in batches
through a pipe (its standard output); the pipe's small buffer holds the child back whenever
the writer falls behind, so at most a batch or two are in flight and memory stays flat.
Comments travel as the rows the database takes (engine.prepare_records builds them), in
plain tuples: the writer adds the thread's id and version and inserts them as they are.
An error in the child (ImportFailed, naming the place in the file) is raised in the parent,
inside the import's transaction, which then rolls back as for an in-process import.
"""

from __future__ import annotations

import marshal
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from threadline.text.render import Renderer
from threadline.transfer.engine import Renderers, prepare_records
from threadline.transfer.errors import ImportFailed
from threadline.transfer.records import PreparedComment, Progress, Ready

BATCH = 500  # records per message
PUMP_DEPTH = 16  # messages read ahead of the writer (≈ 4 MiB)
MORE, DONE, FAILED = "more", "done", "failed"


def _flat(record: Ready) -> Any:
    """A prepared comment travels as a plain tuple of strings, numbers and None, which
    `marshal` packs and unpacks faster than pickle; the rest (threads, skipped items, the
    rare comment with votes) as bytes pickled on their own."""
    if isinstance(record, PreparedComment) and not record.votes:
        return tuple(record)
    return pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)


def _record(item: Any) -> Ready:
    if type(item) is tuple:
        return PreparedComment._make(item)
    found: Ready = pickle.loads(item)
    return found


def _send(out: IO[bytes], message: tuple[str, Any, int]) -> None:
    # marshal: both ends are the same interpreter (sys.executable), so its format matches.
    data = marshal.dumps(message)
    out.write(len(data).to_bytes(8, "big"))
    out.write(data)


def _receive(stream: IO[bytes]) -> bytes | None:
    """One message's bytes, None at the end of the stream."""
    head = stream.read(8)
    if len(head) < 8:
        return None
    return stream.read(int.from_bytes(head, "big"))


class _Pump:
    """Drains the child's pipe in a thread of its own into a short queue, so the child keeps
    parsing while this process writes to the database (a pipe's 64 KiB buffer alone held it
    back after a fraction of each 500-record message). Reading the pipe releases the GIL."""

    def __init__(self, stream: IO[bytes], depth: int = PUMP_DEPTH) -> None:
        self._stream = stream
        self._queue: queue.Queue[bytes | None] = queue.Queue(depth)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="import-pump", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stopped.is_set():
                data = _receive(self._stream)
                self._put(data)
                if data is None:
                    return
        except (OSError, ValueError):  # the pipe was closed under us: we are stopping
            self._put(None)

    def _put(self, data: bytes | None) -> None:
        while not self._stopped.is_set():
            try:
                self._queue.put(data, timeout=0.1)
                return
            except queue.Full:
                continue

    def next(self) -> tuple[str, Any, int] | None:
        data = self._queue.get()
        if data is None:
            return None
        message: tuple[str, Any, int] = marshal.loads(data)
        return message

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)


def _read(fmt: str, path: str, out: IO[bytes]) -> None:
    """The child: read, prepare and send everything, then DONE (or FAILED with why)."""
    from threadline.transfer.formats import FORMATS  # imported here: formats imports us

    done = 0

    def progress(n: int) -> None:
        nonlocal done
        done += n

    batch: list[Any] = []
    try:
        # HTML bodies are sanitized by the writing process (engine.finish_row): reading is
        # the slower half, and the sanitizer is about a quarter of its work.
        records = FORMATS[fmt](Path(path), progress)
        for record in prepare_records(records, Renderers(Renderer()), defer_html=True):
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


def read_in_parallel(fmt: str, path: Path, progress: Progress) -> Iterator[Ready]:
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
    pump = _Pump(child.stdout)
    try:
        while True:
            message = pump.next()
            if message is None:
                raise ImportFailed(
                    f"{path.name}: the process reading the file stopped unexpectedly"
                )
            kind, payload, done = message
            if kind == FAILED:
                raise ImportFailed(payload)
            progress(done)
            yield from map(_record, payload)
            if kind == DONE:
                return
    finally:
        if child.poll() is None:
            child.kill()
        pump.stop()
        child.stdout.close()
        child.wait()


if __name__ == "__main__":
    _read(sys.argv[1], sys.argv[2], sys.stdout.buffer)
