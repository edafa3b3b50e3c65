"""CLI tests run the command in-process (CliRunner) or as real processes; neither may see
THREADLINE_* variables from the developer's shell, since unknown ones stop start-up."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def no_threadline_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("THREADLINE_"):
            monkeypatch.delenv(name)
    # `threadline --config FILE` exports THREADLINE_CONFIG for its server workers; when the
    # CLI runs in-process that must not outlive the test.
    monkeypatch.setenv("THREADLINE_CONFIG", "")
    monkeypatch.delenv("THREADLINE_CONFIG")
