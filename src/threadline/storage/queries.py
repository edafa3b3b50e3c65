"""What every query mixin may use of the Gateway it is mixed into (gateway.py): one
connection, its dialect, and the three ways of running a statement."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # gateway.py imports the mixins
    from threadline.storage.gateway import Dialect


class Queries:
    _conn: Any  # the backend's connection: sqlite3 and psycopg both offer cursor().executemany
    _dialect: Dialect

    def _exec(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        raise NotImplementedError

    def _one(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        raise NotImplementedError

    def _all(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        raise NotImplementedError

    def _claim_due(
        self,
        table: str,
        keys: str,
        due: str,
        params: Mapping[str, Any],
        also_set: str = "",
        returning: str = "*",
    ) -> list[Any]:
        """Lease up to `:n` rows of `table` whose `due` time is `:now` or past and that no
        live lease (`claimed_until`) holds, until `:lease`, in one statement: the UPDATE
        re-checks each row, so of two senders racing for it (processes, instances) the one
        that updates second finds the lease and gets nothing; on PostgreSQL a row another
        sender is claiming is skipped at once. Rows come back unordered."""
        lock = " FOR UPDATE SKIP LOCKED" if self._dialect.name == "postgres" else ""
        free = f"{due} <= :now AND (claimed_until IS NULL OR claimed_until <= :now)"
        return self._all(
            f"WITH picked AS MATERIALIZED (SELECT {keys} FROM {table} "
            f"WHERE {free} ORDER BY {due}, {keys} LIMIT :n{lock}) "
            f"UPDATE {table} SET claimed_until = :lease{also_set} "
            f"WHERE ({keys}) IN (SELECT {keys} FROM picked) AND {free} "
            f"RETURNING {returning}",
            params,
        )
