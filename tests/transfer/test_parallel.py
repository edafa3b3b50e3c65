"""Reading in a second process gives exactly what reading in-process gives: the same
records, the same database, the same errors (and nothing imported on one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Clock
from tests.transfer.conftest import EXPORTS, SITE, export_bytes, snapshot
from threadline.domain.models import Site
from threadline.storage.base import Store
from threadline.text.render import Renderer
from threadline.transfer.engine import Renderers, finish_row, prepare_records, run_import
from threadline.transfer.errors import ImportFailed
from threadline.transfer.formats import FORMATS
from threadline.transfer.parallel import read_in_parallel
from threadline.transfer.records import PreparedComment, no_progress

FILES = [
    ("disqus", "benbalter.github.com--comments.xml"),
    ("wordpress", "isso--wordpress.xml"),
]


@pytest.mark.parametrize(("fmt", "name"), FILES)
def test_same_records_as_in_process(fmt: str, name: str) -> None:
    path = EXPORTS / name
    renderers = Renderers(Renderer())
    here = list(prepare_records(FORMATS[fmt](path, no_progress), renderers, defer_html=True))
    read: list[int] = []
    there = list(read_in_parallel(fmt, path, read.append))
    assert there == here
    # HTML bodies are left to the writer: finished, they are what an in-process read gives.
    if fmt == "disqus":
        assert any(r.row[7] is None for r in there if isinstance(r, PreparedComment))
    finished = [
        r._replace(row=finish_row(r.row, renderers)) if isinstance(r, PreparedComment) else r
        for r in there
    ]
    assert finished == list(prepare_records(FORMATS[fmt](path, no_progress), renderers))
    assert sum(read) == path.stat().st_size  # progress: every byte, reported as it goes


def test_import_through_a_child_process(
    store: Store, site: Site, other_store: Store, tmp_path: Path
) -> None:
    path = EXPORTS / "benbalter.github.com--comments.xml"
    run_import(
        store,
        Renderer(),
        SITE,
        read_in_parallel("disqus", path, no_progress),
        clock=Clock(),
        prepared=True,
    )
    run_import(other_store, Renderer(), SITE, FORMATS["disqus"](path, no_progress), clock=Clock())
    assert export_bytes(store) == export_bytes(other_store)


def test_errors_in_the_child_roll_back(store: Store, site: Site, tmp_path: Path) -> None:
    bad = tmp_path / "export.xml"
    good = (EXPORTS / "isso--disqus.xml").read_bytes()
    bad.write_bytes(good[: len(good) - 40])  # truncated
    before = snapshot(store)
    with pytest.raises(ImportFailed) as here:
        list(FORMATS["disqus"](bad, no_progress))
    with pytest.raises(ImportFailed) as there:
        run_import(
            store,
            Renderer(),
            SITE,
            read_in_parallel("disqus", bad, no_progress),
            clock=Clock(),
            prepared=True,
        )
    assert there.value.message == here.value.message
    assert "not well-formed XML at line" in there.value.message
    assert snapshot(store) == before
    missing = read_in_parallel("disqus", tmp_path / "none.xml", no_progress)
    with pytest.raises(ImportFailed, match=r"none\.xml: cannot be read \(FileNotFoundError"):
        list(missing)


def test_closing_early_stops_the_child() -> None:
    records = read_in_parallel(
        "disqus", EXPORTS / "benbalter.github.com--comments.xml", no_progress
    )
    next(records)
    frame = records.gi_frame
    assert frame is not None
    child = frame.f_locals["child"]
    records.close()
    assert child.poll() is not None  # ended, and waited for
