"""`threadline webhook …` against a real database and a real receiver: add (the secret
printed once), list, test (the receiver's answer printed), deliveries, pause, resume,
remove — each audited as "command line"; private receivers refused unless allowed; and
every command's help has an example."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from click.testing import CliRunner, Result

from tests.webhook_receiver import Receiver, signature_valid
from threadline.app import build_context, open_store
from threadline.cli.main import cli
from threadline.config import Settings
from threadline.service.sites import add_site

COMMANDS = ["add", "list", "pause", "resume", "remove", "test", "deliveries"]


def invoke(database_url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--database", database_url, "webhook", *args])


@pytest.fixture
def demo(database_url: str) -> None:
    store = open_store(Settings(database_url=database_url))
    add_site(build_context(Settings(database_url=database_url), store), "demo", "Demo News")
    store.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


@pytest.fixture
def allow_private(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THREADLINE_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "on")


def _audit(database_url: str) -> list[tuple[str, str]]:
    store = open_store(Settings(database_url=database_url))
    try:
        with store.reading() as db:
            return [(e.action, e.actor_name) for e in db.audit_entries(None, limit=50)]
    finally:
        store.close()


@pytest.mark.usefixtures("demo", "allow_private")
def test_a_webhooks_life_from_the_command_line(database_url: str, receiver: Receiver) -> None:
    added = invoke(
        database_url,
        "add",
        "demo",
        receiver.url(),
        "--event",
        "comment.published",
        "--event",
        "comment.held",
        "--description",
        "Slack bot",
    )
    assert added.exit_code == 0, added.output
    webhook_id = re.search(r"added webhook (\d+)", added.output).group(1)  # type: ignore[union-attr]
    secret = re.search(r"secret: (whsec_\S+)", added.output).group(1)  # type: ignore[union-attr]
    assert "events: comment.published comment.held" in added.output

    listed = invoke(database_url, "list")
    assert listed.exit_code == 0
    assert f"{webhook_id}\tdemo\tactive\t{receiver.url()}" in listed.output
    assert "Slack bot" in listed.output and secret not in listed.output

    tested = invoke(database_url, "test", webhook_id)
    assert tested.exit_code == 0, tested.output
    assert "delivered: HTTP 200" in tested.output
    [ping] = receiver.wait(1)
    assert ping.json["event"] == "ping"
    assert signature_valid(secret, ping.headers["Threadline-Signature"], ping.body)

    shown = invoke(database_url, "deliveries", webhook_id)
    assert shown.exit_code == 0 and "\tping\t-\tdelivered\tattempts 1\tstatus 200" in shown.output

    paused = invoke(database_url, "pause", webhook_id)
    assert paused.exit_code == 0 and f"webhook {webhook_id} is paused" in paused.output
    assert "\tpaused\t" in invoke(database_url, "list", "demo").output
    resumed = invoke(database_url, "resume", webhook_id)
    assert f"webhook {webhook_id} is active" in resumed.output

    kept = CliRunner().invoke(
        cli, ["--database", database_url, "webhook", "remove", webhook_id], input="n\n"
    )
    assert kept.exit_code == 1 and "This cannot be undone" in kept.output
    assert f"{webhook_id}\t" in invoke(database_url, "list").output
    removed = CliRunner().invoke(
        cli, ["--database", database_url, "webhook", "remove", webhook_id], input="y\n"
    )
    assert removed.exit_code == 0 and f"removed webhook {webhook_id}" in removed.output
    assert "no webhooks" in invoke(database_url, "list").output
    assert invoke(database_url, "pause", webhook_id).exit_code == 1

    audit = _audit(database_url)
    assert {a for a, _ in audit} >= {
        "webhook_add",
        "webhook_test",
        "webhook_pause",
        "webhook_resume",
        "webhook_remove",
    }
    assert {who for a, who in audit if a.startswith("webhook_")} == {"command line"}


@pytest.mark.usefixtures("demo", "allow_private")
def test_a_failing_receiver_is_reported(database_url: str, receiver: Receiver) -> None:
    receiver.answers = [500]
    added = invoke(database_url, "add", "demo", receiver.url())
    webhook_id = re.search(r"added webhook (\d+)", added.output).group(1)  # type: ignore[union-attr]
    tested = invoke(database_url, "test", webhook_id)
    assert tested.exit_code == 1 and "failed: HTTP 500 (HTTP 500)" in tested.output


@pytest.mark.usefixtures("demo")
def test_mistakes_are_explained(database_url: str, receiver: Receiver) -> None:
    private = invoke(database_url, "add", "demo", receiver.url())
    assert private.exit_code == 1 and "non-public address" in private.output
    assert "webhook_allow_private_addresses" in private.output
    unknown = invoke(database_url, "add", "demo", "https://93.184.216.34/", "--event", "nope")
    assert unknown.exit_code == 1 and "Unknown event 'nope'" in unknown.output
    assert "no site" in invoke(database_url, "add", "ghost", "https://x.example/").output.lower()


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_an_example(command: str) -> None:
    result = CliRunner().invoke(cli, ["webhook", command, "--help"])
    assert result.exit_code == 0 and "Example" in result.output
    assert f"threadline webhook {command}" in result.output
