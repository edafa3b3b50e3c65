"""`threadline moderation report --site S`: scorers against moderators' decisions."""

from __future__ import annotations

from click.testing import CliRunner

from threadline.cli.main import cli


def test_report_on_a_site_without_decisions_and_on_a_missing_site(database_url: str) -> None:
    runner = CliRunner()
    added = runner.invoke(cli, ["--database", database_url, "site", "add", "daily", "--name", "D"])
    assert added.exit_code == 0, added.output
    empty = runner.invoke(
        cli, ["--database", database_url, "moderation", "report", "--site", "daily"]
    )
    assert empty.exit_code == 0, empty.output
    assert "daily: 0 comments decided by moderators, 0 rejected" in empty.output
    missing = runner.invoke(
        cli, ["--database", database_url, "moderation", "report", "--site", "x"]
    )
    assert missing.exit_code == 1 and "no site called 'x'" in missing.output
