"""`threadline user …`: creating admins (password prompted or from stdin), moderators and
staff, and granting roles — then signing in with what was created."""

from __future__ import annotations

from click.testing import CliRunner, Result

from threadline.app import build_context, open_store
from threadline.cli.main import cli
from threadline.config import Settings
from threadline.service import accounts
from threadline.service.context import ClientInfo

PASSWORD = "correct horse battery staple"


def invoke(database_url: str, args: list[str], stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--database", database_url, *args], input=stdin)


def _sign_in(database_url: str, email: str, password: str) -> list[str]:
    store = open_store(Settings(database_url=database_url, secret_key="s"))
    try:
        ctx = build_context(Settings(database_url=database_url, secret_key="s"), store)
        signed = accounts.sign_in(ctx, email, password, ClientInfo(ip="127.0.0.1"))
        return [g.role.value for g in signed.actor.grants]
    finally:
        store.close()


def test_create_admin_with_a_prompted_password(database_url: str) -> None:
    result = invoke(
        database_url,
        ["user", "create-admin", "Ed@Daily.example", "--name", "Ed Itor"],
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "created admin ed@daily.example (Ed Itor)" in result.output
    assert PASSWORD not in result.output
    assert _sign_in(database_url, "ed@daily.example", PASSWORD) == ["admin"]


def test_create_admin_from_stdin_refuses_duplicates_and_weak_passwords(database_url: str) -> None:
    args = ["user", "create-admin", "ops@daily.example", "--name", "Ops", "--password-stdin"]
    assert invoke(database_url, args, stdin=PASSWORD + "\n").exit_code == 0
    again = invoke(database_url, args, stdin=PASSWORD + "\n")
    assert again.exit_code == 1 and "already exists" in again.output
    weak = invoke(
        database_url,
        ["user", "create-admin", "x@daily.example", "--name", "X", "--password-stdin"],
        stdin="short\n",
    )
    assert weak.exit_code == 1 and "at least 12 characters" in weak.output


def test_create_moderator_and_grant_roles(database_url: str) -> None:
    assert invoke(database_url, ["site", "add", "daily", "--name", "Daily"]).exit_code == 0
    created = invoke(
        database_url,
        [
            "user",
            "create",
            "mo@daily.example",
            "--name",
            "Mo",
            "--role",
            "moderator",
            "--site",
            "daily",
            "--password-stdin",
        ],
        stdin=PASSWORD + "\n",
    )
    assert created.exit_code == 0, created.output
    granted = invoke(
        database_url, ["user", "grant", "mo@daily.example", "--role", "staff", "--site", "daily"]
    )
    assert granted.exit_code == 0, granted.output
    assert "moderator@1" in granted.output and "staff@1" in granted.output
    assert _sign_in(database_url, "mo@daily.example", PASSWORD) == ["moderator", "staff"]
    missing = invoke(database_url, ["user", "grant", "mo@daily.example", "--role", "staff"])
    assert missing.exit_code == 1 and "for one site" in missing.output
