"""SQLite backend: WAL with synchronous=FULL, one group-commit writer, a connection per
reader thread."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from threadline.domain.errors import Unavailable
from threadline.storage.gateway import Dialect, Gateway
from threadline.storage.migrations import pending
from threadline.storage.writer import GroupCommitWriter

T = TypeVar("T")

DIALECT = Dialect("sqlite", sqlite3.IntegrityError, lambda sql: sql)


def path_from_url(url: str) -> Path:
    if not url.startswith("sqlite:///"):
        raise ValueError(f"not an SQLite URL: {url!r} (expected sqlite:///path/to/file.db)")
    return Path(url[len("sqlite:///") :])


log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000  # how long a connection waits for another program's lock


def _connect(path: Path, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> sqlite3.Connection:
    conn = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, timeout=busy_timeout_ms / 1000
    )
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode = WAL")
    # FULL: the WAL is synced on every commit, so an acknowledged comment survives a crash.
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    return conn


def _recorded(conn: sqlite3.Connection, version: int) -> bool:
    row = conn.execute("SELECT 1 FROM schema_migrations WHERE version = ?", (version,)).fetchone()
    return row is not None


class _WriteTurn:
    """An advisory lock file next to the database, held by a writer for a whole transaction.

    Several server processes on one file each have a group-commit writer. Waiting for
    SQLite's own write lock means polling in its busy handler, which sleeps for up to 100 ms
    at a time: one writer's batches then starve the others' (p99 of seconds). Waiting here
    instead, in the kernel, wakes the next writer as soon as the lock is let go. SQLite's
    locking still guards correctness; other programs on the file need not know about this.
    """

    def __init__(self, path: Path) -> None:
        self._fd = os.open(f"{path}-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
        self._held = False

    def take(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        self._held = True

    def give_back(self) -> None:
        if self._held:
            self._held = False
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        self.give_back()
        os.close(self._fd)


class _ImportFence:
    """`<db>-import.lock`: every store holds it shared for as long as it is open; a bulk import
    that would have the file to itself (`write_alone`) holds it exclusively, and only if it
    gets it at once. So an import sees a running server and goes through the WAL, and a
    server (or any command) started during such an import waits for it here, saying so,
    instead of giving up after SQLite's busy timeout with "database is locked"."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd = os.open(f"{path}-import.lock", os.O_RDWR | os.O_CREAT, 0o600)

    def share(self) -> None:
        try:
            fcntl.flock(self._fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning(
                "An import is writing %s with the database to itself; waiting until it "
                "has finished (the import's own progress shows how far it is).",
                self._path,
            )
            started = time.monotonic()
            fcntl.flock(self._fd, fcntl.LOCK_SH)
            waited = time.monotonic() - started
            log.warning("The import has finished after %.0f s more; going on.", waited)

    def take_alone(self) -> bool:
        """The whole file for a bulk import, if no other store has it open right now."""
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            # Turning a shared lock into an exclusive one may let go of it first.
            fcntl.flock(self._fd, fcntl.LOCK_SH)
            return False

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # the lock goes with the descriptor
            self._fd = -1


class _Control:
    def __init__(self, conn: sqlite3.Connection, turn: _WriteTurn | None) -> None:
        self._conn = conn
        self._turn = turn

    def begin(self) -> None:
        if self._turn is not None:
            self._turn.take()
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            self._give_back()
            if "locked" not in str(exc):
                raise
            # Another program (a large import, a backup tool) held the file longer than the
            # busy timeout: the batch's writers are told to try again, nothing is half done.
            raise Unavailable(
                "The comments database is busy (an import may be running); "
                "nothing was saved, please try again in a minute.",
                retry_after=60,
            ) from exc
        except BaseException:
            self._give_back()
            raise

    def commit(self) -> None:
        self._conn.execute("COMMIT")
        self._give_back()

    def rollback(self) -> None:
        try:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        finally:
            self._give_back()

    def _give_back(self) -> None:
        if self._turn is not None:
            self._turn.give_back()

    def savepoint(self) -> None:
        self._conn.execute("SAVEPOINT job")

    def release_savepoint(self) -> None:
        self._conn.execute("RELEASE job")

    def rollback_to_savepoint(self) -> None:
        self._conn.execute("ROLLBACK TO job")
        self._conn.execute("RELEASE job")

    def close(self) -> None:
        self._conn.close()
        if self._turn is not None:
            self._turn.close()

    def retryable(self, exc: BaseException) -> bool:
        return False  # one writer holds the database lock for the whole batch: no deadlocks


class SQLiteStore:
    backend = "sqlite"

    def __init__(
        self, url: str, write_batch_max: int = 128, busy_timeout_ms: int = BUSY_TIMEOUT_MS
    ) -> None:
        self.path = path_from_url(url)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._write_batch_max = write_batch_max
        self._busy_timeout_ms = busy_timeout_ms
        self._fence = _ImportFence(self.path)
        self._fence.share()  # before any connection: an import may have the file to itself
        self._writer = self._start_writer()
        self._local = threading.local()
        self._generation = 0  # bumped when write_alone closes the readers' connections
        self._readers: list[sqlite3.Connection] = []
        self._closed = False
        self._lock = threading.Lock()

    def _start_writer(self, take_turns: bool = True) -> GroupCommitWriter[Gateway]:
        conn = _connect(self.path, self._busy_timeout_ms)
        return GroupCommitWriter(
            _Control(conn, _WriteTurn(self.path) if take_turns else None),
            Gateway(conn, DIALECT),
            max_batch=self._write_batch_max,
        )

    def migrate(self) -> list[str]:
        conn = _connect(self.path)
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)"
            )
            applied = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
            done = []
            for m in pending("sqlite", applied):
                # executescript would commit for us; keep the whole migration in one transaction.
                # The version is recorded first, under the write lock: when several instances
                # start together, the one that loses the race fails on that row, rolls back
                # and skips the migration instead of applying it a second time.
                try:
                    conn.executescript(
                        f"BEGIN IMMEDIATE;\n"
                        f"INSERT INTO schema_migrations VALUES ({m.version}, '{m.name}', "
                        f"{int(time.time() * 1_000_000)});\n{m.sql}\n;COMMIT;"
                    )
                except sqlite3.Error as exc:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    if isinstance(exc, sqlite3.IntegrityError) and _recorded(conn, m.version):
                        continue  # another instance applied it meanwhile
                    raise
                done.append(f"{m.version:04d}_{m.name}")
            return done
        finally:
            conn.close()

    def _reader(self) -> sqlite3.Connection:
        if self._closed:  # a thread that never read before would otherwise open a new one
            raise sqlite3.ProgrammingError("The store is closed.")
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None or self._local.generation != self._generation:
            conn = _connect(self.path, self._busy_timeout_ms)
            self._local.conn = conn
            self._local.generation = self._generation
            with self._lock:
                self._readers.append(conn)
        return conn

    @contextmanager
    def reading(self) -> Iterator[Gateway]:
        yield Gateway(self._reader(), DIALECT)

    def write(self, job: Callable[[Gateway], T]) -> T:
        return self._writer.run(job)

    def write_alone(self, job: Callable[[Gateway], T]) -> T:
        """Run `job` in one transaction, as `write` does, for a bulk import from the command
        line (nothing else may use this store meanwhile).

        When no other connection has the database open (this store's readers are closed
        first; another store holds the import fence, another program's connection makes the
        switch fail), the transaction runs in
        rollback-journal mode (TRUNCATE, synchronous=FULL) under an exclusive lock: pages
        the import appends to the file are written once, instead of once to the WAL and
        again by the checkpoint; only pages that existed before are journaled, so a crash
        or a failed job still rolls everything back. The database is back in WAL mode
        afterwards (every connection also asks for WAL when it opens). Otherwise the job
        runs through the writer, in WAL mode, as `write` would."""
        with self._lock:
            for reader in self._readers:
                reader.close()
            self._readers.clear()
            self._generation += 1
        self._writer.close()  # its connection too: the switch needs the only one
        to_itself = self._fence.take_alone()  # no other store (server, command) has it open
        try:
            conn = _connect(self.path)
            mode = "wal"
            if to_itself:
                # Another program's connection (one that knows nothing of the fence) still
                # makes the switch fail.
                with contextlib.suppress(sqlite3.OperationalError):
                    mode = conn.execute("PRAGMA journal_mode = TRUNCATE").fetchone()[0]
            if mode != "truncate":
                conn.close()
                # Outside the servers' turns: a server's writer waiting behind an import of
                # minutes would hang its requests; waiting in SQLite's busy handler, it gives
                # up after the busy timeout and the comment is refused, not left in doubt.
                alone = self._start_writer(take_turns=False)
                try:
                    return alone.run(job)
                finally:
                    alone.close()
            try:
                conn.execute("BEGIN EXCLUSIVE")
                result = job(Gateway(conn, DIALECT))
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            finally:
                # Another process that opened it meanwhile asked for WAL itself, as every
                # connection does: then this may find it locked.
                with contextlib.suppress(sqlite3.OperationalError):
                    conn.execute("PRAGMA journal_mode = WAL")
                conn.close()
            return result
        finally:
            if to_itself:
                self._fence.share()
            self._writer = self._start_writer()

    def close(self) -> None:
        self._closed = True
        self._writer.close()
        with self._lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
        self._fence.close()
