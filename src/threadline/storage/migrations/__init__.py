"""Versioned SQL migrations, one folder per backend, applied in order and recorded."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def available(backend: str) -> list[Migration]:
    folder = resources.files(__package__).joinpath(backend)
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number, _, rest = entry.name.partition("_")
            found.append(
                Migration(int(number), rest.removesuffix(".sql"), entry.read_text("utf-8"))
            )
    found.sort(key=lambda m: m.version)
    return found


def pending(backend: str, applied: set[int]) -> list[Migration]:
    return [m for m in available(backend) if m.version not in applied]
