"""`threadline privacy …`: an administrator's download and erasure by email (confirmed, or
--yes), the retention purge on demand, and their help."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner, Result

from tests.privacy_scan import find_everywhere
from threadline.app import build_context, open_store
from threadline.cli.main import cli
from threadline.config import Settings
from threadline.domain.models import Author
from threadline.service.comments import CommentDraft, post_comment
from threadline.service.context import ClientInfo, ServiceContext
from threadline.service.sites import add_site

EMAIL = "cli.reader@example.org"
NAME = "Cornelius Clifford"
IP = "192.0.2.144"


def invoke(database_url: str, args: list[str], stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--database", database_url, *args], input=stdin)


@pytest.fixture
def seeded(database_url: str) -> Iterator[ServiceContext]:
    """The demo site with two of their comments (one written 40 days ago) and another's."""
    settings = Settings(database_url=database_url)  # the CLI's secret: the stored one
    store = open_store(settings)
    ctx = build_context(settings, store)
    ctx.limiter.enabled = False
    now = datetime.now(UTC)
    ctx.clock = lambda: now - timedelta(days=40)
    add_site(ctx, "demo", "Demo News")
    client = ClientInfo(ip=IP, user_agent="CliBrowser/1")
    draft = CommentDraft("demo", "a-1", "Old words", Author(NAME, EMAIL))
    post_comment(ctx, draft, client)
    ctx.clock = lambda: now
    post_comment(ctx, CommentDraft("demo", "a-1", "New words", Author(NAME, EMAIL)), client)
    post_comment(ctx, CommentDraft("demo", "a-1", "Hi", Author("Other")), ClientInfo("10.9.8.7"))
    yield ctx
    store.close()


def test_export_prints_their_data_and_is_audited(database_url: str, seeded: ServiceContext) -> None:
    result = invoke(database_url, ["privacy", "export", "--site", "demo", "--email", EMAIL])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [c["body"] for c in data["comments"]] == ["Old words", "New words"]
    assert data["comments"][0]["ip"] == IP and data["names"] == [NAME]
    assert "2 comment(s)" in result.stderr
    with seeded.store.reading() as db:
        [entry] = db.audit_entries(None, action="privacy_export")
    assert entry.actor_name == "command line" and EMAIL not in entry.target_id


def test_erase_asks_first(database_url: str, seeded: ServiceContext) -> None:
    args = ["privacy", "erase", "--site", "demo", "--email", EMAIL]
    declined = invoke(database_url, args, stdin="n\n")
    assert declined.exit_code == 1 and "Erase 2 comment(s)" in declined.output
    assert find_everywhere(database_url, [EMAIL]) != []

    accepted = invoke(database_url, args, stdin="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert "2 comment(s) removed" in accepted.stdout
    assert find_everywhere(database_url, [EMAIL, NAME, IP]) == []


def test_erase_with_yes_and_errors(database_url: str, seeded: ServiceContext) -> None:
    done = invoke(
        database_url, ["privacy", "erase", "--site", "demo", "--email", EMAIL.upper(), "--yes"]
    )
    assert done.exit_code == 0, done.output
    assert find_everywhere(database_url, [EMAIL, NAME, IP]) == []
    unknown = invoke(database_url, ["privacy", "erase", "--site", "nope", "--email", EMAIL])
    assert unknown.exit_code == 1 and "There is no site called 'nope'" in unknown.output
    bad = invoke(database_url, ["privacy", "export", "--site", "demo", "--email", "nope"])
    assert bad.exit_code == 1 and "not valid" in bad.output


def test_purge_drops_old_client_data_only(database_url: str, seeded: ServiceContext) -> None:
    result = invoke(database_url, ["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert "client data of 1 comment(s)" in result.stdout
    data = json.loads(
        invoke(database_url, ["privacy", "export", "--site", "demo", "--email", EMAIL]).stdout
    )
    assert [(c["body"], c["ip"]) for c in data["comments"]] == [
        ("Old words", None),
        ("New words", IP),
    ]
    assert "client data of 0 comment(s)" in invoke(database_url, ["privacy", "purge"]).stdout


def test_help_shows_examples() -> None:
    for command in ([], ["export"], ["erase"], ["purge"]):
        result = CliRunner().invoke(cli, ["privacy", *command, "--help"])
        assert result.exit_code == 0
        assert "Example" in result.output and "threadline privacy" in result.output
    assert "privacy" in CliRunner().invoke(cli, ["--help"]).output
