"""`threadline import --map-file` and `threadline remap` in-process, on both backends."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_import_export import EXPORTS, db, invoke  # noqa: F401 (fixture)


def _rules(tmp_path: Path, text: str) -> str:
    path = tmp_path / "moved.txt"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_with_a_rules_file(db: str, tmp_path: Path) -> None:  # noqa: F811
    rules = _rules(tmp_path, "# WordPress moved\nregex ^http://example\\.tld/ https://ex.org/\n")
    result = invoke(
        db, "import", str(EXPORTS / "isso--wordpress.xml"), "--site", "daily", "--map-file", rules
    )
    assert result.exit_code == 0, result.output
    exported = invoke(db, "export", "--site", "daily").stdout_bytes
    assert b'"key":"https://ex.org/2014/test/"' in exported
    bad = _rules(tmp_path, "one two three\n")
    refused = invoke(
        db, "import", str(EXPORTS / "isso--disqus.xml"), "--site", "daily", "--map-file", bad
    )
    assert refused.exit_code == 2 and "moved.txt line 1: expected: OLD NEW" in refused.output


def test_remap_dry_run_then_apply(db: str, tmp_path: Path) -> None:  # noqa: F811
    imported = invoke(db, "import", str(EXPORTS / "isso--wordpress.xml"), "--site", "daily")
    assert imported.exit_code == 0
    before = invoke(db, "export", "--site", "daily").stdout_bytes
    args = ["remap", "--site", "daily", "--map", "http://example.tld/=https://example.org/"]
    dry = invoke(db, *args, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "key: http://example.tld/2014/test/ → https://example.org/2014/test/" in dry.output
    assert "(dry run: nothing was changed)" in dry.output
    assert invoke(db, "export", "--site", "daily").stdout_bytes == before
    done = invoke(db, *args)
    assert done.exit_code == 0 and "changed 2 keys" in done.output
    after = invoke(db, "export", "--site", "daily").stdout_bytes
    assert b'"key":"http://example.tld/' not in after
    assert b'"key":"https://example.org/2014/test/"' in after
    assert after.count(b"\n") == before.count(b"\n")  # same threads and comments


def test_remap_errors(db: str, tmp_path: Path) -> None:  # noqa: F811
    no_rules = invoke(db, "remap", "--site", "daily")
    assert no_rules.exit_code == 1 and "at least one rule" in no_rules.output
    assert "nothing was changed" in no_rules.output
    no_site = invoke(db, "remap", "--site", "nope", "--map", "a=b")
    assert no_site.exit_code == 1 and "no site 'nope'" in no_site.output
    missing = invoke(db, "remap", "--site", "daily", "--map-file", str(tmp_path / "none.txt"))
    assert missing.exit_code == 2
    assert "Traceback" not in no_rules.output + no_site.output + missing.output
