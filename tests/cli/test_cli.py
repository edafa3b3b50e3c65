"""The `threadline` command: help, sites, migrations, settings errors, and `serve` for real.

Commands that finish run in-process through click's CliRunner; `serve` runs as a real
process (tests/live_server.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from tests.live_server import LiveServer, cli_environ, free_port, http_status, run_cli
from threadline.cli.main import cli
from threadline.storage.migrations import available


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from _command_paths(command, (*prefix, name))


COMMANDS = [(), *_command_paths(cli)]


def invoke(args: list[str], env: dict[str, str] | None = None) -> Result:
    """Run `threadline ARGS…` in-process with extra environment variables."""
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False, prog_name="threadline")


def _no_traceback(result: Result | str) -> None:
    text = result if isinstance(result, str) else result.output
    assert "Traceback" not in text, text


# --- help ---------------------------------------------------------------------------------


def test_every_command_is_covered() -> None:
    names = {" ".join(path) for path in COMMANDS}
    assert {"", "serve", "site", "site add", "site list", "db", "db migrate"} <= names


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(("threadline", *p)))
def test_help_has_description_and_example(path: tuple[str, ...]) -> None:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    result = invoke([*path, "--help"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: threadline")
    description = (command.help or "").strip().splitlines()[0]
    assert description, f"{path} has no description"
    assert description in result.output
    assert "Example:" in result.output
    example = result.output.split("Example:", 1)[1].split()
    assert example[0] == "threadline"
    n = len(path)  # the example runs this very command (global options may come first)
    assert any(tuple(example[i : i + n]) == path for i in range(len(example))), example


# --- sites --------------------------------------------------------------------------------


def test_site_add_and_list(database_url: str) -> None:
    empty = invoke(["--database", database_url, "site", "list"])
    assert empty.exit_code == 0, empty.output
    assert "no sites yet" in empty.output

    added = invoke(
        [
            "--database",
            database_url,
            "site",
            "add",
            "daily",
            "--name",
            "The Daily",
            "--origin",
            "https://Daily.Example.com/",
            "--origin",
            "http://localhost:8000",
        ]
    )
    assert added.exit_code == 0, added.output
    assert "created site 'daily' (The Daily)" in added.output
    bare = invoke(["--database", database_url, "site", "add", "bare", "--name", "Bare"])
    assert bare.exit_code == 0, bare.output

    listed = invoke(["--database", database_url, "site", "list"])
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.splitlines() == [
        "bare\tBare\t-",
        "daily\tThe Daily\thttps://daily.example.com http://localhost:8000",
    ]


def test_site_add_duplicate_slug_is_a_clear_error(database_url: str) -> None:
    first = invoke(["--database", database_url, "site", "add", "daily", "--name", "The Daily"])
    assert first.exit_code == 0, first.output
    again = invoke(["--database", database_url, "site", "add", "daily", "--name", "Another"])
    assert again.exit_code == 1
    assert "Error: A site with the slug 'daily' already exists." in again.stderr
    _no_traceback(again)
    listed = invoke(["--database", database_url, "site", "list"])
    assert listed.stdout.splitlines() == ["daily\tThe Daily\t-"]


@pytest.mark.parametrize(
    "origin", ["ftp://files.example.com", "daily.example.com", "https://", "not a url"]
)
def test_site_add_bad_origin_is_a_clear_error(tmp_path: Path, origin: str) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    result = invoke(["--database", url, "site", "add", "daily", "--name", "D", "--origin", origin])
    assert result.exit_code == 1
    assert f"{origin!r} is not an origin" in result.stderr
    assert "https://news.example.com" in result.stderr  # says what a good one looks like
    _no_traceback(result)
    assert "no sites yet" in invoke(["--database", url, "site", "list"]).output


def test_site_add_bad_slug_and_missing_name(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    bad = invoke(["--database", url, "site", "add", "Daily_News", "--name", "D"])
    assert bad.exit_code == 1
    assert "slug" in bad.stderr and "daily-news" in bad.stderr
    no_name = invoke(["--database", url, "site", "add", "daily"])
    assert no_name.exit_code == 2
    assert "Missing option '--name'" in no_name.stderr


# --- db migrate ---------------------------------------------------------------------------


def test_db_migrate_creates_the_sqlite_file_and_is_repeatable(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "dir" / "comments.db"
    url = f"sqlite:///{path}"
    latest = available("sqlite")[-1]
    for state in ("now", "already"):
        result = invoke(["--database", url, "db", "migrate"])
        assert result.exit_code == 0, result.output
        assert f"schema {state} at version {latest.version} ({latest.name})" in result.stdout
        assert ("applied 0001_initial" in result.stdout) is (state == "now")
        assert path.is_file()
    assert invoke(["--database", url, "site", "add", "daily", "--name", "D"]).exit_code == 0


def test_db_migrate_defaults_to_the_data_directory(tmp_path: Path) -> None:
    data_dir = tmp_path / "new-data"
    result = invoke(["db", "migrate"], env={"THREADLINE_DATA_DIR": str(data_dir)})
    assert result.exit_code == 0, result.output
    assert (data_dir / "threadline.db").is_file()
    assert str(data_dir / "threadline.db") in result.stdout


def test_db_migrate_postgres(postgres_schema_url: str) -> None:
    latest = available("postgres")[-1]
    for state in ("now", "already"):
        result = invoke(["--database", postgres_schema_url, "db", "migrate"])
        assert result.exit_code == 0, result.output
        assert f"schema {state} at version {latest.version} ({latest.name})" in result.stdout


def test_passwords_in_database_urls_are_not_printed(postgres_schema_url: str) -> None:
    # The test server trusts local connections, so the password is accepted and ignored.
    url = postgres_schema_url.replace("postgres@", "postgres:s3cret@", 1)
    assert "s3cret" in url
    migrated = invoke(["--database", url, "db", "migrate"])
    assert migrated.exit_code == 0, migrated.output
    assert "postgres:***@127.0.0.1" in migrated.stdout
    unreachable = f"postgresql://postgres:s3cret@127.0.0.1:{free_port()}/test"
    failed = invoke(["--database", unreachable, "site", "list"])
    assert failed.exit_code == 1
    assert "cannot open the database postgresql://postgres:***@127.0.0.1:" in failed.stderr
    assert "s3cret" not in migrated.output + failed.output


# --- settings errors ----------------------------------------------------------------------


def test_unknown_environment_variable_stops_the_command(tmp_path: Path) -> None:
    result = invoke(
        ["--database", f"sqlite:///{tmp_path / 'x.db'}", "site", "list"],
        env={"THREADLINE_DATABSE_URL": "sqlite:///typo.db"},
    )
    assert result.exit_code == 2
    assert "unknown environment variable THREADLINE_DATABSE_URL" in result.stderr
    assert "THREADLINE_DATABASE_URL" in result.stderr  # lists the known ones
    assert not (tmp_path / "x.db").exists()


def test_config_file_is_read_and_unknown_keys_stop_the_command(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text(f'database_url = "sqlite:///{tmp_path / "from-config.db"}"\n')
    result = invoke(["--config", str(good), "db", "migrate"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "from-config.db").is_file()

    bad = tmp_path / "bad.toml"
    bad.write_text('database_url = "sqlite:///x.db"\nrate_limit = false\n')
    result = invoke(["--config", str(bad), "site", "list"])
    assert result.exit_code == 2
    assert "unknown setting 'rate_limit'" in result.stderr
    assert str(bad) in result.stderr
    assert "rate_limits" in result.stderr  # the known names help spot the typo


def test_bad_setting_value_is_a_clear_error(tmp_path: Path) -> None:
    result = invoke(["site", "list"], env={"THREADLINE_PORT": "eighty"})
    assert result.exit_code == 2
    assert "THREADLINE_PORT" in result.stderr and "'eighty'" in result.stderr


@pytest.mark.parametrize("url", ["mysql://root@127.0.0.1/comments", "comments.db", "sqlite://x.db"])
@pytest.mark.parametrize("args", [["site", "list"], ["db", "migrate"]], ids=" ".join)
def test_unsupported_database_url_is_a_clear_error(url: str, args: list[str]) -> None:
    result = invoke(["--database", url, *args])
    assert result.exit_code == 1
    assert "unsupported database URL" in result.stderr
    assert f"cannot open the database {url}:" in result.stderr  # names what was given
    assert "sqlite:///" in result.stderr and "postgresql://" in result.stderr
    _no_traceback(result)


# --- serve, as a real process -------------------------------------------------------------


@pytest.mark.slow
def test_serve_on_a_fresh_data_directory_with_demo(tmp_path: Path) -> None:
    data_dir = tmp_path / "brand-new" / "data"
    env = cli_environ(THREADLINE_DATA_DIR=str(data_dir))
    server = LiveServer(None, env, tmp_path / "server.log", serve_args=["--demo"])
    with server:
        assert (data_dir / "threadline.db").is_file()
        assert http_status(server.url("/healthz")) == 200
        assert http_status(server.url("/api/v1/threads?site=demo&key=welcome")) == 200
        assert http_status(server.url("/api/v1/threads?site=nope&key=welcome")) == 404
        assert http_status(server.url("/")) == 200
    log = server.log_text()
    every_migration = ", ".join(f"{m.version:04d}_{m.name}" for m in available("sqlite"))
    assert f"applied migrations: {every_migration}" in log
    assert "created the demo site 'demo'" in log
    assert f"database sqlite:///{data_dir / 'threadline.db'}" in log

    # A second start on the same directory finds everything in place.
    with server:
        assert http_status(server.url("/api/v1/threads?site=demo&key=welcome")) == 200
    assert server.log_text().count("created the demo site") == 1
    listed = run_cli(["site", "list"], env)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("demo\tThreadline Demo\t")


@pytest.mark.slow
def test_serve_postgres_with_demo(postgres_schema_url: str, tmp_path: Path) -> None:
    env = cli_environ(THREADLINE_DATA_DIR=str(tmp_path / "data"))
    with LiveServer(postgres_schema_url, env, tmp_path / "server.log", ["--demo"]) as server:
        assert http_status(server.url("/api/v1/threads?site=demo&key=welcome")) == 200
    assert not (tmp_path / "data" / "threadline.db").exists()


def _serve_fails(global_args: list[str], env: dict[str, str]) -> str:
    """Run `threadline GLOBAL_ARGS serve` expecting it to stop before listening; its output."""
    args = [*global_args, "serve", "--host", "127.0.0.1", "--port", str(free_port())]
    result = run_cli(args, env, timeout=30)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Uvicorn running" not in output
    _no_traceback(output)
    return output


@pytest.mark.slow
def test_serve_stops_on_unknown_environment_variable(tmp_path: Path) -> None:
    env = cli_environ(THREADLINE_DATA_DIR=str(tmp_path / "data"), THREADLINE_RATE_LIMIT="off")
    output = _serve_fails([], env)
    assert "unknown environment variable THREADLINE_RATE_LIMIT;" in output
    assert not (tmp_path / "data").exists()


@pytest.mark.slow
def test_serve_stops_on_unknown_config_key(tmp_path: Path) -> None:
    config = tmp_path / "threadline.toml"
    config.write_text('log_level = "warning"\nworkerz = 4\n')
    env = cli_environ(THREADLINE_DATA_DIR=str(tmp_path / "data"))
    output = _serve_fails(["--config", str(config)], env)
    assert f"{config}: unknown setting 'workerz'" in output
    assert not (tmp_path / "data").exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@127.0.0.1/comments", "unsupported database URL"),
        ("postgresql://postgres@127.0.0.1:{port}/test", "cannot open the database postgresql://"),
    ],
    ids=["unsupported", "unreachable"],
)
def test_serve_stops_on_a_bad_database_url(tmp_path: Path, url: str, message: str) -> None:
    env = cli_environ(THREADLINE_DATA_DIR=str(tmp_path / "data"))
    output = _serve_fails(["--database", url.format(port=free_port())], env)
    assert message in output


def test_site_configure_and_show(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    assert (
        invoke(
            [
                "--database",
                url,
                "site",
                "add",
                "daily",
                "--name",
                "D",
                "--origin",
                "https://daily.example.com",
            ]
        ).exit_code
        == 0
    )
    result = invoke(
        [
            "--database",
            url,
            "site",
            "configure",
            "daily",
            "--set",
            "edit_window_seconds=600",
            "--set",
            "premoderation=on",
            "--remove-origin",
            "https://daily.example.com",
        ]
    )
    assert result.exit_code == 0, result.output
    shown = invoke(["--database", url, "site", "show", "daily"]).stdout
    assert "edit_window_seconds = 600" in shown
    assert "premoderation = on" in shown
    assert "origins: -" in shown


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "bogus=1"], "Unknown site setting 'bogus'"),
        (["--set", "page_size"], "is not KEY=VALUE"),
        (["--set", "page_size=0"], "page_size must be at least 1"),
    ],
)
def test_site_configure_errors_are_clear(tmp_path: Path, args: list[str], message: str) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    assert invoke(["--database", url, "site", "add", "daily", "--name", "D"]).exit_code == 0
    result = invoke(["--database", url, "site", "configure", "daily", *args])
    assert result.exit_code != 0
    assert message in result.stderr
    _no_traceback(result)
