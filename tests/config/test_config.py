"""Settings declared once: defaults, environment, TOML file, overrides, and the docs table."""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from threadline.config import (
    ENV_PREFIX,
    SETTINGS,
    ConfigError,
    Settings,
    load_settings,
    settings_markdown,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
START, END = "<!-- settings:start -->", "<!-- settings:end -->"


def write_toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "threadline.toml"
    path.write_text(text, encoding="utf-8")
    return path


# -- one declaration -------------------------------------------------------------------


def _default_of(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    factory: Callable[[], Any] = f.default_factory  # type: ignore[assignment]
    return factory()


def test_settings_dataclass_matches_the_declarations() -> None:
    fields = dataclasses.fields(Settings)
    assert [f.name for f in fields] == [s.name for s in SETTINGS]
    hints = typing.get_type_hints(Settings)
    for f, s in zip(fields, SETTINGS, strict=True):
        default = _default_of(f)
        assert default == s.default, f.name
        assert type(default) is type(s.default), f.name
        assert (typing.get_origin(hints[f.name]) or hints[f.name]) is s.type, f.name
        assert s.help.strip() and s.help.rstrip().endswith((".", ")")), f.name


def test_defaults_without_any_source() -> None:
    assert load_settings(environ={}) == Settings()


def test_every_setting_has_a_unique_name_and_no_table_breaking_help() -> None:
    names = [s.name for s in SETTINGS]
    assert len(names) == len(set(names))
    for s in SETTINGS:
        assert s.name == s.name.lower() and s.name.isidentifier()
        assert "|" not in s.help and "\n" not in s.help


# -- environment -------------------------------------------------------------------------


def test_environment_variables() -> None:
    settings = load_settings(
        environ={
            "THREADLINE_PORT": "9000",
            "THREADLINE_HOST": "0.0.0.0",
            "THREADLINE_RATE_LIMITS": "off",
            "THREADLINE_TRUSTED_PROXIES": " 127.0.0.1, 10.0.0.0/8 ,,",
            "HOME": "/ignored",
            "OTHER_PORT": "1",
        }
    )
    assert settings.port == 9000
    assert settings.host == "0.0.0.0"
    assert settings.rate_limits is False
    assert settings.trusted_proxies == ["127.0.0.1", "10.0.0.0/8"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("off", False),
        ("OFF", False),
        (" no ", False),
        ("false", False),
        ("0", False),
        ("on", True),
        ("On", True),
        ("yes", True),
        ("true", True),
        ("1", True),
    ],
)
def test_bool_spellings(raw: str, expected: bool) -> None:
    assert load_settings(environ={"THREADLINE_RATE_LIMITS": raw}).rate_limits is expected


@pytest.mark.parametrize(
    ("name", "raw", "hint"),
    [
        ("THREADLINE_RATE_LIMITS", "maybe", "on/off"),
        ("THREADLINE_PORT", "eighty", "port"),
        ("THREADLINE_PORT", "80.5", "port"),
        ("THREADLINE_MAX_PAGE_SIZE", "", "max_page_size"),
    ],
)
def test_invalid_environment_values_name_the_variable(name: str, raw: str, hint: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={name: raw})
    message = str(caught.value)
    assert name in message and hint in message and repr(raw) in message


def test_unknown_environment_variable_stops_with_a_clear_message() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={"THREADLINE_PROT": "80"})
    message = str(caught.value)
    assert "THREADLINE_PROT" in message
    assert "THREADLINE_PORT" in message  # the list of known names shows the right spelling


# -- config file -------------------------------------------------------------------------


def test_toml_file(tmp_path: Path) -> None:
    path = write_toml(
        tmp_path,
        'host = "0.0.0.0"\nport = 8443\nrate_limits = false\n'
        'trusted_proxies = ["127.0.0.1"]\nlog_level = "debug"\n',
    )
    settings = load_settings(path, environ={})
    assert (settings.host, settings.port, settings.rate_limits) == ("0.0.0.0", 8443, False)
    assert settings.trusted_proxies == ["127.0.0.1"]
    assert settings.log_level == "debug"
    assert settings.max_page_size == Settings().max_page_size


def test_toml_accepts_bool_words_and_numeric_strings(tmp_path: Path) -> None:
    path = write_toml(tmp_path, 'rate_limits = "off"\nport = "9000"\n')
    settings = load_settings(path, environ={})
    assert (settings.rate_limits, settings.port) == (False, 9000)


def test_config_file_named_by_the_environment(tmp_path: Path) -> None:
    path = write_toml(tmp_path, "port = 9001\n")
    assert load_settings(environ={"THREADLINE_CONFIG": str(path)}).port == 9001


def test_precedence_file_then_environment_then_overrides(tmp_path: Path) -> None:
    path = write_toml(tmp_path, 'port = 1111\nhost = "file"\nlog_level = "warning"\n')
    settings = load_settings(
        path,
        environ={"THREADLINE_PORT": "2222", "THREADLINE_HOST": "env"},
        overrides={"port": 3333, "host": None},
    )
    assert (settings.port, settings.host, settings.log_level) == (3333, "env", "warning")


def test_unknown_key_in_the_file_stops_with_a_clear_message(tmp_path: Path) -> None:
    path = write_toml(tmp_path, "port = 8080\nrate_limit = false\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    message = str(caught.value)
    assert str(path) in message and "'rate_limit'" in message and "rate_limits" in message


def test_unknown_override_is_refused() -> None:
    with pytest.raises(ConfigError, match="'colour'"):
        load_settings(environ={}, overrides={"colour": "blue"})


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("port = true\n", "port"),
        ("port = 8080.9\n", "port"),  # never silently truncated to 8080
        ("port = 8080.0\n", "port"),
        ('host = ["a"]\n', "host"),
        ("trusted_proxies = [1, 2]\n", "trusted_proxies"),
        ("rate_limits = 2\n", "rate_limits"),
    ],
)
def test_wrongly_typed_file_values(tmp_path: Path, text: str, hint: str) -> None:
    path = write_toml(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert hint in str(caught.value) and str(path) in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_invalid_toml(tmp_path: Path) -> None:
    path = write_toml(tmp_path, "port = = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(path, environ={})


def test_unreadable_config_paths_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=re.escape(str(tmp_path))):
        load_settings(tmp_path, environ={})  # a directory
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"port = 1\n\xff\xfe\n")
    with pytest.raises(ConfigError, match=r"binary\.toml"):
        load_settings(binary, environ={})


# -- derived values ----------------------------------------------------------------------


def test_resolved_paths(tmp_path: Path) -> None:
    settings = Settings(data_dir=str(tmp_path))
    assert settings.resolved_data_dir == tmp_path
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'threadline.db'}"
    explicit = Settings(database_url="postgresql://db/x", data_dir=str(tmp_path))
    assert explicit.resolved_database_url == "postgresql://db/x"


# -- the documentation -------------------------------------------------------------------


def test_settings_markdown_has_a_row_per_setting() -> None:
    lines = settings_markdown().splitlines()
    assert lines[0].startswith("| setting | environment variable |")
    rows = lines[2:]
    assert len(rows) == len(SETTINGS)
    for row, s in zip(rows, SETTINGS, strict=True):
        assert row.startswith(f"| `{s.name}` | `{ENV_PREFIX}{s.name.upper()}` |")
        assert row.count(" | ") == 4
    assert any(
        row.startswith("| `rate_limits` | `THREADLINE_RATE_LIMITS` | bool | `on` |") for row in rows
    )
    assert any(
        row.startswith("| `secret_key` | `THREADLINE_SECRET_KEY` | str | `(empty)` |")
        for row in rows
    )


def test_configuration_doc_table_is_generated_from_the_settings() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert text.count(START) == 1 and text.count(END) == 1, "markers missing in " + str(DOCS)
    between = text.split(START, 1)[1].split(END, 1)[0]
    assert between.strip("\n") == settings_markdown().strip("\n"), (
        "docs/configuration.md is out of date: paste threadline.config.settings_markdown() "
        "between the settings markers"
    )
    intro = text.split(START, 1)[0]
    assert len(intro.split()) > 20, "the page needs an introduction before the table"


def test_webhook_ca_file_must_exist(tmp_path: Path) -> None:
    missing = tmp_path / "ca.pem"
    with pytest.raises(ConfigError, match="webhook_ca_file: there is no file"):
        load_settings(environ={"THREADLINE_WEBHOOK_CA_FILE": str(missing)})
    missing.write_text("not a certificate\n")
    with pytest.raises(ConfigError, match="holds no PEM certificate"):
        load_settings(environ={"THREADLINE_WEBHOOK_CA_FILE": str(missing)})
    missing.write_text("-----BEGIN CERTIFICATE-----\n")
    settings = load_settings(environ={"THREADLINE_WEBHOOK_CA_FILE": str(missing)})
    assert settings.webhook_ca_file == str(missing)
