"""`threadline user alerts EMAIL --site S --every …`: a moderator's (or admin's) desk alerts
from the command line — kept in the database, refused for a site they do not moderate."""

from __future__ import annotations

from click.testing import CliRunner, Result

from threadline.app import open_store
from threadline.cli.main import cli
from threadline.cli.user import ALERT_CHOICES
from threadline.config import Settings
from threadline.service.desk_alerts import Every

PASSWORD = "correct horse battery staple"


def invoke(database_url: str, args: list[str], stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--database", database_url, *args], input=stdin)


def _wishes(database_url: str, email: str) -> list[tuple[int, str]]:
    store = open_store(Settings(database_url=database_url, secret_key="s"))
    try:
        with store.reading() as db:
            found = db.user_with_password(email)
            assert found is not None
            return [(w.site_id, w.every) for w in db.desk_alerts_of(found[0].id)]
    finally:
        store.close()


def _ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def test_alerts_are_set_changed_and_turned_off(database_url: str) -> None:
    _ok(invoke(database_url, ["site", "add", "daily", "--name", "Daily"]))
    _ok(invoke(database_url, ["site", "add", "weekly", "--name", "Weekly"]))
    _ok(
        invoke(
            database_url,
            [
                *("user", "create", "mo@daily.example", "--name", "Mo"),
                *("--role", "moderator", "--site", "daily", "--password-stdin"),
            ],
            stdin=PASSWORD + "\n",
        )
    )
    args = ["user", "alerts", "Mo@Daily.example", "--site", "daily", "--every"]
    assert "desk alerts for mo@daily.example on 'daily': immediate" in _ok(
        invoke(database_url, [*args, "immediate"])
    )
    assert _wishes(database_url, "mo@daily.example") == [(1, "immediate")]
    _ok(invoke(database_url, [*args, "daily"]))
    assert _wishes(database_url, "mo@daily.example") == [(1, "daily")]
    _ok(invoke(database_url, [*args, "off"]))
    assert _wishes(database_url, "mo@daily.example") == []

    # Not their site, no such site, no such user, no such frequency.
    other = invoke(
        database_url,
        ["user", "alerts", "mo@daily.example", "--site", "weekly", "--every", "hourly"],
    )
    assert other.exit_code == 1 and "does not moderate the site 'weekly'" in other.output
    nowhere = invoke(
        database_url, ["user", "alerts", "mo@daily.example", "--site", "nope", "--every", "hourly"]
    )
    assert nowhere.exit_code == 1 and "There is no site called 'nope'" in nowhere.output
    nobody = invoke(
        database_url, ["user", "alerts", "x@daily.example", "--site", "daily", "--every", "daily"]
    )
    assert nobody.exit_code == 1 and "There is no user 'x@daily.example'" in nobody.output
    weekly = invoke(database_url, [*args, "weekly"])
    assert weekly.exit_code == 2 and "immediate" in weekly.output
    assert _wishes(database_url, "mo@daily.example") == []


def test_an_admin_may_have_alerts_for_any_site(database_url: str) -> None:
    _ok(invoke(database_url, ["site", "add", "weekly", "--name", "Weekly"]))
    _ok(
        invoke(
            database_url,
            ["user", "create-admin", "ed@daily.example", "--name", "Ed", "--password-stdin"],
            stdin=PASSWORD + "\n",
        )
    )
    _ok(
        invoke(
            database_url,
            ["user", "alerts", "ed@daily.example", "--site", "weekly", "--every", "hourly"],
        )
    )
    assert _wishes(database_url, "ed@daily.example") == [(1, "hourly")]


def test_help_has_an_example_and_the_choices_are_the_services() -> None:
    result = CliRunner().invoke(cli, ["user", "alerts", "--help"])
    assert result.exit_code == 0
    assert "threadline user alerts mod@daily.example --site daily --every immediate" in (
        result.output
    )
    assert set(ALERT_CHOICES) == {e.value for e in Every}
