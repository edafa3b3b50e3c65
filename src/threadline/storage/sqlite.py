"""SQLite backend: WAL with synchronous=FULL, one group-commit writer, a connection per
reader thread."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from threadline.storage.gateway import Dialect, Gateway
from threadline.storage.migrations import pending
from threadline.storage.writer import GroupCommitWriter

T = TypeVar("T")

DIALECT = Dialect("sqlite", sqlite3.IntegrityError, lambda sql: sql)


def path_from_url(url: str) -> Path:
    if not url.startswith("sqlite:///"):
        raise ValueError(f"not an SQLite URL: {url!r} (expected sqlite:///path/to/file.db)")
    return Path(url[len("sqlite:///") :])


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode = WAL")
    # FULL: the WAL is synced on every commit, so an acknowledged comment survives a crash.
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


def _recorded(conn: sqlite3.Connection, version: int) -> bool:
    row = conn.execute("SELECT 1 FROM schema_migrations WHERE version = ?", (version,)).fetchone()
    return row is not None


class _Control:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def begin(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self._conn.execute("COMMIT")

    def rollback(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    def savepoint(self) -> None:
        self._conn.execute("SAVEPOINT job")

    def release_savepoint(self) -> None:
        self._conn.execute("RELEASE job")

    def rollback_to_savepoint(self) -> None:
        self._conn.execute("ROLLBACK TO job")
        self._conn.execute("RELEASE job")

    def close(self) -> None:
        self._conn.close()

    def retryable(self, exc: BaseException) -> bool:
        return False  # one writer holds the database lock for the whole batch: no deadlocks


class SQLiteStore:
    backend = "sqlite"

    def __init__(self, url: str, write_batch_max: int = 128) -> None:
        self.path = path_from_url(url)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        writer_conn = _connect(self.path)
        self._writer = GroupCommitWriter(
            _Control(writer_conn), Gateway(writer_conn, DIALECT), max_batch=write_batch_max
        )
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._closed = False
        self._lock = threading.Lock()

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
        if conn is None:
            conn = _connect(self.path)
            self._local.conn = conn
            with self._lock:
                self._readers.append(conn)
        return conn

    @contextmanager
    def reading(self) -> Iterator[Gateway]:
        yield Gateway(self._reader(), DIALECT)

    def write(self, job: Callable[[Gateway], T]) -> T:
        return self._writer.run(job)

    def close(self) -> None:
        self._closed = True
        self._writer.close()
        with self._lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
