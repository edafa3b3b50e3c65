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
