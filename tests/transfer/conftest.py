"""Transfer fixtures: a site in the parametrized store, a second empty database of the same
backend (round trips), and helpers to import and export in-process."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

import psycopg
import pytest

from tests.conftest import SHARED_DATA, Clock
from tests.storage.helpers import T0
from threadline.app import open_store
from threadline.config import Settings
from threadline.domain.models import Site, SiteSettings
from threadline.storage.base import Store
from threadline.text.render import Renderer
from threadline.transfer.engine import ImportReport, Rule, run_import
from threadline.transfer.formats import FORMATS
from threadline.transfer.records import Record, no_progress
from threadline.transfer.threadline_jsonl import export_site

EXPORTS = SHARED_DATA / "exports"
SITE = "daily"


def add_site(store: Store, slug: str = SITE, settings: SiteSettings | None = None) -> Site:
    return store.write(
        lambda db: db.insert_site(slug, slug.title(), (), settings or SiteSettings(), T0)
    )


@pytest.fixture
def site(store: Store) -> Site:
    return add_site(store)


@pytest.fixture
def other_store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Store]:
    """A second, empty database on the same backend, with the same site."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'other.db'}"
        schema = None
        base = ""
    else:
        base = request.getfixturevalue("postgres_url")
        schema = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        sep = "&" if "?" in base else "?"
        url = f"{base}{sep}options=-csearch_path%3D{schema}"
    opened = open_store(Settings(database_url=url, data_dir=str(tmp_path / "d2")))
    add_site(opened)
    yield opened
    opened.close()
    if schema is not None:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def import_records(
    store: Store, records: Iterable[Record], rules: Iterable[Rule] = (), site: str = SITE
) -> ImportReport:
    return run_import(store, Renderer(), site, records, clock=Clock(), rules=rules)


def import_file(
    store: Store, fmt: str, path: Path, rules: Iterable[Rule] = (), site: str = SITE
) -> ImportReport:
    return import_records(store, FORMATS[fmt](path, no_progress), rules, site)


def export_bytes(store: Store, site: str = SITE, thread: str | None = None) -> bytes:
    out = io.BytesIO()
    export_site(store, site, out, thread_key=thread)
    return out.getvalue()


def snapshot(store: Store) -> list[tuple[object, ...]]:
    """Every thread, comment and vote row, to prove a failed import changed nothing."""
    rows: list[tuple[object, ...]] = []
    with store.reading() as db:
        for table in ("threads", "comments", "votes"):
            for r in db._all(f"SELECT * FROM {table} ORDER BY 1, 2"):
                rows.append((table, *(r.values() if isinstance(r, dict) else tuple(r))))
    return rows
