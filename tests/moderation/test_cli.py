"""`threadline moderation score`: JSON lines in, JSON lines out."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from threadline.cli.main import cli


def test_score_reads_stdin_and_writes_json_lines() -> None:
    lines = [
        json.dumps({"id": 1, "text": "You are a stupid idiot"}),
        json.dumps({"id": 2, "text": "Thanks for the report", "parent_text": "Any thoughts?"}),
    ]
    result = CliRunner().invoke(cli, ["moderation", "score"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert [o["id"] for o in out] == [1, 2]
    assert out[0]["decision"] == "hold" and out[1]["decision"] == "publish"
    assert 0 <= out[1]["toxicity"] <= 1 and 0 <= out[1]["spam"] <= 1


def test_thresholds_and_word_lists(tmp_path: Path) -> None:
    banned = tmp_path / "banned.txt"
    banned.write_text("# ours\nbrexit\n", encoding="utf-8")
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"text": "You are a stupid idiot"}\n{"text": "Br3xit again"}\n', encoding="utf-8"
    )
    result = CliRunner().invoke(
        cli,
        ["moderation", "score", str(source), "--toxicity-hold", "1", "--banned", str(banned)],
    )
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.output.splitlines())
    assert first["decision"] == "publish"  # nothing reaches a hold threshold of 1
    assert second["decision"] == "reject"
