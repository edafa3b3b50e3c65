"""`threadline site sign-in …` and `site sign-in-token` against a real database: the secret
printed once (and audited without it), the state shown, tokens that verify, and mistakes
explained."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner, Result

from threadline.app import build_context, open_store
from threadline.auth.readers import Reader, verify_reader_token
from threadline.cli.main import cli
from threadline.config import Settings
from threadline.service.context import ServiceContext
from threadline.service.sites import add_site, get_site


def invoke(database_url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--database", database_url, "site", *args])


@pytest.fixture
def opened(database_url: str) -> Iterator[ServiceContext]:
    settings = Settings(database_url=database_url)
    store = open_store(settings)
    ctx = build_context(settings, store)
    add_site(ctx, "daily", "The Daily")
    yield ctx
    store.close()


def test_turning_sign_in_on_prints_the_secret_once(
    database_url: str, opened: ServiceContext
) -> None:
    before = invoke(database_url, "sign-in", "daily")
    assert before.exit_code == 0, before.output
    assert "sign-in for 'daily': off" in before.output
    assert "threadline site sign-in daily --new-secret" in before.output

    created = invoke(database_url, "sign-in", "daily", "--new-secret")
    assert created.exit_code == 0, created.output
    secret = get_site(opened, "daily").reader_secret
    assert secret is not None and len(secret) >= 40
    assert secret in created.output.splitlines()
    assert "docs/sign-in.md" in created.output and "Threadline-Reader" in created.output

    shown = invoke(database_url, "sign-in", "daily")
    assert "sign-in for 'daily': on (not required)" in shown.output
    assert secret not in shown.output
    assert secret not in invoke(database_url, "show", "daily").output
    with opened.store.reading() as db:
        entries = db.audit_entries(None, limit=10)
    assert [(e.action, e.actor_name) for e in entries] == [("new_reader_secret", "command line")]
    assert all(secret not in str(e) for e in entries)

    rotated = invoke(database_url, "sign-in", "daily", "--new-secret")
    assert rotated.exit_code == 0
    assert get_site(opened, "daily").reader_secret not in (None, secret)


def test_a_minted_token_verifies_with_the_sites_secret(
    database_url: str, opened: ServiceContext
) -> None:
    invoke(database_url, "sign-in", "daily", "--new-secret")
    result = invoke(
        database_url,
        "sign-in-token",
        "daily",
        "--id",
        "1234",
        "--name",
        "Ada Lovelace",
        "--email",
        "ada@example.com",
        "--minutes",
        "30",
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    site = get_site(opened, "daily")
    reader = verify_reader_token(token, site.reader_secret, "daily", opened.clock())
    assert reader == Reader("1234", "Ada Lovelace", "ada@example.com")


def test_mistakes_are_explained(database_url: str, opened: ServiceContext) -> None:
    no_secret = invoke(database_url, "sign-in-token", "daily", "--id", "1", "--name", "Ada")
    assert no_secret.exit_code == 1
    assert "threadline site sign-in daily --new-secret" in no_secret.output
    required = invoke(database_url, "configure", "daily", "--set", "sign_in_required=on")
    assert required.exit_code == 1
    assert "--new-secret" in required.output

    invoke(database_url, "sign-in", "daily", "--new-secret")
    assert invoke(database_url, "configure", "daily", "--set", "sign_in_required=on").exit_code == 0
    assert "on (required)" in invoke(database_url, "sign-in", "daily").output
    off = invoke(database_url, "sign-in", "daily", "--off")
    assert off.exit_code == 1
    assert "sign_in_required off" in off.output
    assert get_site(opened, "daily").reader_secret is not None

    invoke(database_url, "configure", "daily", "--set", "sign_in_required=off")
    done = invoke(database_url, "sign-in", "daily", "--off")
    assert done.exit_code == 0, done.output
    assert "sign-in for 'daily': off" in done.output
    assert get_site(opened, "daily").reader_secret is None

    both = invoke(database_url, "sign-in", "daily", "--new-secret", "--off")
    assert both.exit_code == 2
    long_name = invoke(database_url, "sign-in-token", "daily", "--id", "1", "--name", "A" * 65)
    assert long_name.exit_code == 1  # sign-in is off again
    unknown = invoke(database_url, "sign-in", "weekly")
    assert unknown.exit_code == 1 and "weekly" in unknown.output
    for result in (no_secret, required, off, both, unknown):
        assert "Traceback" not in result.output


def test_a_name_the_server_would_refuse_is_refused_here(
    database_url: str, opened: ServiceContext
) -> None:
    invoke(database_url, "sign-in", "daily", "--new-secret")
    too_long = invoke(database_url, "sign-in-token", "daily", "--id", "1", "--name", "A" * 65)
    assert too_long.exit_code == 1 and "name" in too_long.output
    no_id = invoke(database_url, "sign-in-token", "daily", "--id", "", "--name", "Ada")
    assert no_id.exit_code == 1 and "account id" in no_id.output
