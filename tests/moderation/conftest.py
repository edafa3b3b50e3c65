"""The packaged models load once per test session (≈ 0.1 s)."""

from __future__ import annotations

import pytest

from threadline.moderation.moderator import Moderator


@pytest.fixture(scope="session")
def moderator() -> Moderator:
    return Moderator.load()
