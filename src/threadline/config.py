"""Every server setting, declared once as data.

Environment variables (THREADLINE_<NAME>), the TOML config file, CLI flags and
docs/configuration.md all derive from SETTINGS; an unknown key stops start-up.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV_PREFIX = "THREADLINE_"


class ConfigError(Exception):
    """A setting could not be read; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    type: type
    default: Any
    help: str


def _default_data_dir() -> str:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "share"
    )
    return os.path.join(base, "threadline")


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "database_url",
        str,
        "",
        "Where comments live: sqlite:///path/file.db or postgresql://user@host:port/db. "
        "Empty: threadline.db in the data directory.",
    ),
    Setting(
        "data_dir",
        str,
        "",
        "Directory for the default SQLite file. "
        "Empty: $XDG_DATA_HOME/threadline (~/.local/share/threadline).",
    ),
    Setting("host", str, "127.0.0.1", "Interface `threadline serve` listens on."),
    Setting("port", int, 8080, "TCP port `threadline serve` listens on."),
    Setting(
        "secret_key",
        str,
        "",
        "Secret for hashing voter identities. Empty: generated once and kept in the "
        "database, so every instance sharing that database uses the same one.",
    ),
    Setting(
        "rate_limits",
        bool,
        True,
        "Enforce per-IP and per-author write limits. Set to off for benchmarks and bulk loads.",
    ),
    Setting(
        "trusted_proxies",
        list,
        [],
        "Addresses of reverse proxies whose X-Forwarded-For is "
        'believed, e.g. ["127.0.0.1"]. Comma-separated in the environment.',
    ),
    Setting("max_request_bytes", int, 65_536, "Largest request body accepted; larger gets 413."),
    Setting("max_page_size", int, 1000, "Largest `limit` a thread page request may ask for."),
    Setting("cache_pages", int, 2048, "Serialized thread pages kept in memory per process."),
    Setting(
        "cache_comment_mb",
        int,
        32,
        "Memory per process for comments' encoded JSON, reused when a page is rebuilt "
        "after a write (0: off).",
    ),
    Setting(
        "cache_revalidate_ms",
        int,
        1000,
        "How long a cached page is trusted before its "
        "thread version is checked again (writes in this process invalidate at once).",
    ),
    Setting(
        "write_batch_max",
        int,
        128,
        "Most writes committed together in one transaction (group commit).",
    ),
    Setting("postgres_pool_size", int, 8, "Read connections per process on PostgreSQL."),
    Setting("log_level", str, "info", "Logging level: debug, info, warning, error."),
    Setting(
        "live_heartbeat_s",
        int,
        15,
        "Seconds between heartbeat comments on idle live-update (SSE) streams; keeps proxies "
        "from closing them and finds dead connections.",
    ),
    Setting(
        "live_max_pending",
        int,
        256,
        "Live-update events queued for one reader before it is disconnected as too slow (it "
        "reconnects and replays what it missed).",
    ),
    Setting(
        "live_max_streams_per_ip",
        int,
        100,
        "Live-update streams one client address may hold open at once (more get 429); 0: no "
        "limit. Off with the rate limits.",
    ),
    Setting(
        "redis_url",
        str,
        "",
        "Optional Redis server shared by every process and instance, e.g. "
        "redis://127.0.0.1:6379/0: live-update notices go through it (instantly across "
        "`serve --workers N` on SQLite too) and write and sign-in rate limits count across "
        "all of them. Empty: notices via PostgreSQL or in-process, limits per process.",
    ),
    Setting(
        "live_recheck_s",
        int,
        2,
        "Seconds between checks of the followed threads' versions in the database, so live "
        "readers get changes whose notice was lost or came from another worker sharing an "
        "SQLite file (serve --workers N). 0: off.",
    ),
    Setting(
        "moderation_timeout_ms",
        int,
        500,
        "Longest a comment waits for the moderation engine; a slower (or failing) engine "
        "holds the comment for review instead. 0: no limit.",
    ),
    Setting(
        "moderation_processes",
        int,
        1,
        "Worker processes that run the moderation engine (batches of waiting comments), so "
        "scoring uses other cores than the server's; 0: score in a thread of the server's "
        "own process (less memory, slower under load).",
    ),
    Setting(
        "external_scorer_url",
        str,
        "",
        "A newsroom's own scoring service, asked about every new and edited comment on sites "
        "with automoderation (the JSON contract is in docs/moderation.md). Empty: none.",
    ),
    Setting(
        "external_scorer_timeout_ms",
        int,
        300,
        "Longest a comment waits for the external scorer; asked alongside the local engine.",
    ),
    Setting(
        "external_scorer_hold_on_failure",
        bool,
        False,
        "When the external scorer gives no usable answer (timeout, error, malformed): on: "
        "hold the comment for review; off: the local scorers decide alone. Always logged.",
    ),
    # Readers' data rights and retention (docs/privacy.md).
    Setting(
        "retention_ip_days",
        int,
        30,
        "Days a comment's (and a dashboard session's) client IP address and user agent are "
        "kept; older ones are dropped by a periodic task in `threadline serve` and by "
        "`threadline privacy purge`. 0: kept forever.",
    ),
    Setting(
        "retention_interval_s",
        int,
        3600,
        "Seconds between runs of the retention task in each server process (the first runs "
        "one to two minutes after start, or after this interval if shorter). 0: no task.",
    ),
    Setting(
        "privacy_link_minutes",
        int,
        60,
        "How long the download/erase link mailed to a reader stays valid (it works once).",
    ),
    Setting(
        "public_url",
        str,
        "",
        "The address readers reach this server at, e.g. https://comments.example.com; links "
        "in emails start with it. Empty: taken from the request that asked for the link.",
    ),
    Setting("smtp_host", str, "", "SMTP server for outgoing mail. Empty: no mail is sent."),
    Setting("smtp_port", int, 587, "SMTP server port (587: submission with STARTTLS)."),
    Setting("smtp_user", str, "", "SMTP user name; empty: no login."),
    Setting("smtp_password", str, "", "SMTP password."),
    Setting(
        "smtp_starttls",
        bool,
        True,
        "Upgrade the SMTP connection with STARTTLS before logging in (refuse to send if the "
        "server does not offer it).",
    ),
    Setting("mail_from", str, "", "Sender address of outgoing mail, e.g. comments@example.com."),
    # Webhooks (docs/webhooks.md).
    Setting(
        "webhook_timeout_ms",
        int,
        5000,
        "Longest a webhook receiver may take to answer a delivery (connect, send, first "
        "response); slower counts as a failure and is retried later.",
    ),
    Setting(
        "webhook_allow_private_addresses",
        bool,
        False,
        "Let webhooks reach loopback, private, link-local and other non-public addresses "
        "(receivers on the same machine or network). Off: such URLs are refused when added "
        "and again on every delivery (so DNS cannot be changed to point inside).",
    ),
    Setting(
        "webhook_ca_file",
        str,
        "",
        "A PEM file of certificate authorities that webhook receivers' HTTPS certificates "
        "may also be signed by (a newsroom's own CA), besides the system's trusted ones. "
        "Empty: the system's only.",
    ),
    Setting(
        "webhook_first_retry_s",
        int,
        30,
        "Seconds before a failed webhook delivery is tried again; later retries wait "
        "proportionally longer (by default 30 s, 2 min, 10 min, 1 h, 3 h, then every 6 h) "
        "until the delivery is a day old, when it is marked failed.",
    ),
    Setting(
        "webhook_keep_days",
        int,
        14,
        "Days delivered and failed webhook deliveries are kept for the dashboard and "
        "`threadline webhook deliveries`; older ones are purged. 0: kept forever.",
    ),
    # The reply-mail outbox and desk alerts (docs/operations.md, docs/moderation.md).
    Setting(
        "mail_sweep_s",
        int,
        60,
        "Seconds between sweeps of the reply-mail outbox in each server process, for mails "
        "left over by a restart or a failed attempt (a new reply's mail is sent at once). "
        "0: only when a reply is published.",
    ),
    Setting(
        "mail_retry_s",
        int,
        60,
        "Seconds before a reply notification that failed is tried again; the wait doubles "
        "with each failure (at most an hour), and the mail is given up, logged, after a day.",
    ),
    Setting(
        "desk_alert_sweep_s",
        int,
        60,
        "Seconds between checks for desk alerts (mail to moderators about comments waiting "
        "for them) in each server process. 0: this process sends none.",
    ),
    Setting(
        "desk_alert_batch_minutes",
        int,
        10,
        'Desk alerts "as they come": at most one mail per this many minutes per moderator '
        "and site.",
    ),
    Setting(
        "desk_alert_daily_hour",
        int,
        7,
        "Hour of the day (UTC, 0-23) at which daily desk alert digests go out.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = ""
    data_dir: str = ""
    host: str = "127.0.0.1"
    port: int = 8080
    secret_key: str = ""
    rate_limits: bool = True
    trusted_proxies: list[str] = dataclasses.field(default_factory=list)
    max_request_bytes: int = 65_536
    max_page_size: int = 1000
    cache_pages: int = 2048
    cache_comment_mb: int = 32
    cache_revalidate_ms: int = 1000
    write_batch_max: int = 128
    postgres_pool_size: int = 8
    log_level: str = "info"
    live_heartbeat_s: int = 15
    live_max_pending: int = 256
    live_max_streams_per_ip: int = 100
    redis_url: str = ""
    live_recheck_s: int = 2
    moderation_timeout_ms: int = 500
    moderation_processes: int = 1
    external_scorer_url: str = ""
    external_scorer_timeout_ms: int = 300
    external_scorer_hold_on_failure: bool = False

    retention_ip_days: int = 30
    retention_interval_s: int = 3600
    privacy_link_minutes: int = 60
    public_url: str = ""
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    mail_from: str = ""
    webhook_timeout_ms: int = 5000
    webhook_allow_private_addresses: bool = False
    webhook_ca_file: str = ""
    webhook_first_retry_s: int = 30
    webhook_keep_days: int = 14
    mail_sweep_s: int = 60
    mail_retry_s: int = 60
    desk_alert_sweep_s: int = 60
    desk_alert_batch_minutes: int = 10
    desk_alert_daily_hour: int = 7

    @property
    def resolved_data_dir(self) -> Path:
        return Path(self.data_dir or _default_data_dir())

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_data_dir / 'threadline.db'}"


def _coerce(setting: Setting, value: Any, origin: str) -> Any:
    try:
        if setting.type is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            raise ValueError("expected on/off, true/false, 1/0")
        if setting.type is int:
            # int(8080.9) would quietly become 8080: only integers and digit strings.
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise ValueError("expected a whole number")
            return int(value)
        if setting.type is list:
            if isinstance(value, str):
                return [v.strip() for v in value.split(",") if v.strip()]
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return list(value)
            raise ValueError("expected a list of strings")
        if not isinstance(value, str):
            raise ValueError("expected a string")
        return value
    except ValueError as exc:
        raise ConfigError(f"{origin}: invalid value {value!r} for {setting.name}: {exc}") from exc


def load_settings(
    config_file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Defaults < config file < THREADLINE_* environment < explicit overrides (CLI flags)."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    config_file = config_file or environ.get(ENV_PREFIX + "CONFIG") or None
    if config_file:
        path = Path(config_file)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config file {path} does not exist") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config file {path} cannot be read: {exc}") from exc
        for key, value in data.items():
            if key not in _BY_NAME:
                raise ConfigError(f"{path}: unknown setting {key!r}; known: {', '.join(_BY_NAME)}")
            values[key] = _coerce(_BY_NAME[key], value, str(path))
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or name == ENV_PREFIX + "CONFIG":
            continue
        key = name[len(ENV_PREFIX) :].lower()
        if key not in _BY_NAME:
            raise ConfigError(
                f"unknown environment variable {name}; known: "
                + ", ".join(ENV_PREFIX + n.upper() for n in _BY_NAME)
            )
        values[key] = _coerce(_BY_NAME[key], raw, f"environment {name}")
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key not in _BY_NAME:
            raise ConfigError(f"unknown setting {key!r}")
        values[key] = _coerce(_BY_NAME[key], value, f"option --{key.replace('_', '-')}")
    if values.get("webhook_ca_file"):
        _check_ca_file(values["webhook_ca_file"])
    return Settings(**values)


def _check_ca_file(path: str) -> None:
    """Refuse a CA file that cannot work before anything starts, not at the first delivery."""
    try:
        text = Path(path).read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        raise ConfigError(f"webhook_ca_file: there is no file {path}") from None
    except OSError as exc:
        raise ConfigError(f"webhook_ca_file: {path} cannot be read: {exc}") from exc
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise ConfigError(f"webhook_ca_file: {path} holds no PEM certificate")


def settings_markdown() -> str:
    """The configuration reference, generated so it can never drift from the code."""
    lines = [
        "| setting | environment variable | type | default | what it does |",
        "|---|---|---|---|---|",
    ]
    for s in SETTINGS:
        default = s.default if s.default not in ("", []) else "(empty)"
        if isinstance(default, bool):
            default = "on" if default else "off"
        lines.append(
            f"| `{s.name}` | `{ENV_PREFIX}{s.name.upper()}` | {s.type.__name__} | `{default}` "
            f"| {s.help} |"
        )
    return "\n".join(lines) + "\n"
