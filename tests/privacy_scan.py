"""Search a whole database for strings: every table, every column (as text), both backends.

Nothing here knows the schema: a table or column added later is searched too, so "erasure
leaves no trace" stays true as the schema grows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

import psycopg

from threadline.storage.sqlite import path_from_url


def _variants(needles: Iterable[str]) -> list[str]:
    """Each needle lower-cased, and as JSON would escape it (audit states, settings)."""
    found: list[str] = []
    for n in needles:
        for v in (n, json.dumps(n)[1:-1]):
            if v.lower() not in found:
                found.append(v.lower())
    return found


def find_everywhere(database_url: str, needles: Iterable[str]) -> list[tuple[str, str, str]]:
    """(table, column, needle) for every column of every table holding a needle."""
    wanted = _variants(needles)
    hits: list[tuple[str, str, str]] = []
    if database_url.startswith("sqlite:///"):
        conn = sqlite3.connect(path_from_url(database_url))
        try:
            tables = [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%'"
                )
            ]
            assert tables
            for table in tables:
                columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
                for column in columns:
                    for n in wanted:
                        row = conn.execute(
                            f'SELECT COUNT(*) FROM "{table}" '
                            f'WHERE instr(lower(CAST("{column}" AS TEXT)), ?) > 0',
                            (n,),
                        ).fetchone()
                        if row[0]:
                            hits.append((table, column, n))
        finally:
            conn.close()
        return hits
    with psycopg.connect(database_url) as pg:
        columns = pg.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
        ).fetchall()
        assert columns
        for table, column in columns:
            for n in wanted:
                row = pg.execute(
                    f'SELECT COUNT(*) FROM "{table}" '
                    f'WHERE position(%s in lower(CAST("{column}" AS TEXT))) > 0',
                    (n,),
                ).fetchone()
                assert row is not None
                if row[0]:
                    hits.append((table, column, n))
    return hits


def tables_of(database_url: str) -> set[str]:
    if database_url.startswith("sqlite:///"):
        conn = sqlite3.connect(path_from_url(database_url))
        try:
            return {
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%'"
                )
            }
        finally:
            conn.close()
    with psycopg.connect(database_url) as pg:
        rows = pg.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        ).fetchall()
    return {r[0] for r in rows}
