"""PostgreSQL backend: a pool of reader connections, one group-commit writer connection.

Many app instances may share one database; each runs its own writer, and PostgreSQL's row
locks and upserts keep concurrent writers correct.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from threadline.storage.gateway import Dialect, Gateway, named_to_pyformat
from threadline.storage.migrations import pending
from threadline.storage.writer import GroupCommitWriter

T = TypeVar("T")

DIALECT = Dialect(
    "postgres",
    psycopg.errors.IntegrityError,
    named_to_pyformat,
    for_update=" FOR UPDATE",
    for_share=" FOR SHARE",
)
_MIGRATION_LOCK = 0x7468_7264  # any constant shared by all instances: "thrd"


def _conninfo(url: str) -> str:
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    return url


class _Control:
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    def begin(self) -> None:
        self._conn.execute("BEGIN")

    def commit(self) -> None:
        self._conn.execute("COMMIT")

    def rollback(self) -> None:
        self._conn.execute("ROLLBACK")

    def savepoint(self) -> None:
        self._conn.execute("SAVEPOINT job")

    def release_savepoint(self) -> None:
        self._conn.execute("RELEASE SAVEPOINT job")

    def rollback_to_savepoint(self) -> None:
        self._conn.execute("ROLLBACK TO SAVEPOINT job")
        self._conn.execute("RELEASE SAVEPOINT job")

    def close(self) -> None:
        self._conn.close()

    def retryable(self, exc: BaseException) -> bool:
        return isinstance(exc, psycopg.errors.DeadlockDetected)


class PostgresStore:
    backend = "postgres"

    def __init__(self, url: str, pool_size: int = 8, write_batch_max: int = 128) -> None:
        self._conninfo = _conninfo(url)
        # autocommit: the writer issues BEGIN/COMMIT itself, readers run single statements.
        writer_conn = psycopg.connect(self._conninfo, autocommit=True, row_factory=dict_row)
        self._writer = GroupCommitWriter(
            _Control(writer_conn), Gateway(writer_conn, DIALECT), max_batch=write_batch_max
        )
        self._pool = ConnectionPool(
            self._conninfo,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True, "row_factory": dict_row},
            open=True,
        )

    def migrate(self) -> list[str]:
        with psycopg.connect(self._conninfo, autocommit=False) as conn:
            # Instances starting together take turns; each migration is one transaction.
            conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
            try:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                    "name TEXT NOT NULL, applied_at BIGINT NOT NULL)"
                )
                conn.commit()
                applied = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
                done = []
                for m in pending("postgres", applied):
                    conn.execute(m.sql.encode())
                    conn.execute(
                        "INSERT INTO schema_migrations VALUES (%s, %s, %s)",
                        (m.version, m.name, int(time.time() * 1_000_000)),
                    )
                    conn.commit()
                    done.append(f"{m.version:04d}_{m.name}")
                return done
            except Exception:
                conn.rollback()
                raise
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
                conn.commit()

    @contextmanager
    def reading(self) -> Iterator[Gateway]:
        with self._pool.connection() as conn:
            yield Gateway(conn, DIALECT)

    def write(self, job: Callable[[Gateway], T]) -> T:
        return self._writer.run(job)

    def close(self) -> None:
        self._writer.close()
        self._pool.close()
