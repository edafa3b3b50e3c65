"""Settings for CLI commands, loaded when a command runs (so `--help` always works, even
with a broken environment)."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from typing import Any, TypeVar

import click

from threadline.config import ConfigError, Settings, load_settings

F = TypeVar("F", bound=Callable[..., Any])


def _load(ctx: click.Context) -> Settings:
    root = ctx.find_root()
    cached: Settings | None = root.meta.get("threadline.settings")
    if cached is not None:
        return cached
    config_file = root.meta.get("threadline.config_file")
    try:
        settings = load_settings(
            config_file, overrides={"database_url": root.meta.get("threadline.database")}
        )
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from exc
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if config_file:  # server worker processes read their settings from the environment
        os.environ["THREADLINE_CONFIG"] = config_file
    root.meta["threadline.settings"] = settings
    return settings


def pass_settings(command: F) -> F:
    """Like click.pass_obj, handing the command its resolved Settings as first argument."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return command(_load(click.get_current_context()), *args, **kwargs)

    return wrapper  # type: ignore[return-value]
