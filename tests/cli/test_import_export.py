"""`threadline import` and `threadline export` in-process (CliRunner), on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.conftest import SHARED_DATA
from threadline.cli.main import cli

EXPORTS = SHARED_DATA / "exports"


def invoke(database_url: str, *args: str) -> Result:
    return CliRunner().invoke(
        cli, ["--database", database_url, *args], catch_exceptions=False, prog_name="threadline"
    )


@pytest.fixture
def db(database_url: str) -> str:
    assert invoke(database_url, "site", "add", "daily", "--name", "Daily").exit_code == 0
    return database_url


def test_import_detects_the_format_and_reports(db: str) -> None:
    result = invoke(db, "import", str(EXPORTS / "isso--disqus.xml"), "--site", "daily")
    assert result.exit_code == 0, result.output
    assert "format: disqus" in result.output
    assert "threads: 2 created, 0 already there" in result.output
    assert "comments: 5 added, 0 already there" in result.output
    assert "its thread 1337 is not in the file" in result.output
    again = invoke(db, "import", "disqus", str(EXPORTS / "isso--disqus.xml"), "--site", "daily")
    assert "comments: 0 added, 5 already there" in again.output


def test_export_round_trip_through_the_cli(db: str, tmp_path: Path) -> None:
    imported = invoke(
        db,
        "import",
        "wordpress",
        str(EXPORTS / "isso--wordpress.xml"),
        "--site",
        "daily",
        "--map",
        "http://example.tld/=https://example.org/",
    )
    assert imported.exit_code == 0, imported.output
    exported = invoke(db, "export", "--site", "daily")
    assert exported.exit_code == 0
    data = exported.stdout_bytes
    assert data.startswith(b'{"type":"export","format":"threadline","version":1')
    assert b'"key":"https://example.org/2014/test/"' in data
    assert b'"id":"wordpress:7","parent":"wordpress:6"' in data
    assert "exported 2 threads, 8 comments" in exported.stderr
    path = tmp_path / "site.jsonl"
    path.write_bytes(data)
    # Into an empty database (a second site on the same server stands in for one here).
    assert invoke(db, "site", "add", "copy", "--name", "Copy").exit_code == 0
    result = invoke(db, "import", str(path), "--site", "copy")
    assert result.exit_code == 0 and "format: threadline" in result.output
    out = tmp_path / "copy.jsonl"
    assert invoke(db, "export", "--site", "copy", "-o", str(out)).exit_code == 0
    copy = out.read_bytes()
    assert copy.replace(b'"slug":"copy","name":"Copy"', b'"slug":"daily","name":"Daily"') == data
    one = invoke(db, "export", "--site", "daily", "--thread", "https://example.org/")
    assert one.stdout_bytes.count(b"\n") == 3


def test_errors_are_clear_and_nothing_is_imported(db: str, tmp_path: Path) -> None:
    bad = invoke(db, "import", "disqus", str(EXPORTS / "remark42--disqus.xml"), "--site", "daily")
    assert bad.exit_code == 1
    assert "not well-formed XML at line 1, column 1" in bad.output
    assert "nothing was imported" in bad.output
    unknown = tmp_path / "notes.txt"
    unknown.write_text("hello")
    assert "cannot tell the format" in invoke(db, "import", str(unknown), "--site", "daily").output
    wrong = invoke(db, "import", "gopher", str(unknown), "--site", "daily")
    assert wrong.exit_code == 2 and "'gopher' is not one of" in wrong.output
    nosite = invoke(db, "import", str(EXPORTS / "isso--disqus.xml"), "--site", "nope")
    assert nosite.exit_code == 1 and "no site 'nope'" in nosite.output
    badmap = invoke(
        db, "import", str(EXPORTS / "isso--disqus.xml"), "--site", "daily", "--map", "x"
    )
    assert badmap.exit_code == 2
    empty = invoke(db, "export", "--site", "daily")
    assert empty.stdout_bytes.count(b"\n") == 1  # the header only: nothing was imported
    assert "Traceback" not in bad.output + empty.output


def test_large_files_are_read_in_a_second_process(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from threadline.cli import transfer

    source = EXPORTS / "benbalter.github.com--comments.xml"
    assert invoke(db, "import", str(source), "--site", "daily").exit_code == 0
    assert invoke(db, "site", "add", "copy", "--name", "Daily").exit_code == 0
    monkeypatch.setattr(transfer, "PARALLEL_BYTES", 0)  # every file counts as large
    result = invoke(db, "import", str(source), "--site", "copy")
    assert result.exit_code == 0, result.output
    assert "comments: 1145 added" in result.output
    daily = invoke(db, "export", "--site", "daily").stdout_bytes
    copy = invoke(db, "export", "--site", "copy").stdout_bytes
    assert copy.replace(b'"slug":"copy"', b'"slug":"daily"') == daily
    truncated = tmp_path / "cut.xml"
    truncated.write_bytes(source.read_bytes()[:50_000])
    bad = invoke(db, "import", "disqus", str(truncated), "--site", "copy")
    assert bad.exit_code == 1 and "cut.xml: not well-formed XML at line" in bad.output
    assert "nothing was imported" in bad.output
    assert invoke(db, "export", "--site", "copy").stdout_bytes == copy
