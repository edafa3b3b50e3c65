"""The contract every backend fulfils."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol, TypeVar

from threadline.storage.gateway import Gateway

T = TypeVar("T")


class Store(Protocol):
    backend: str

    def migrate(self) -> list[str]:
        """Apply pending migrations; return the names applied."""
        ...

    def reading(self) -> AbstractContextManager[Gateway]:
        """A gateway for reads on a connection of this thread's own."""
        ...

    def write(self, job: Callable[[Gateway], T]) -> T:
        """Run `job` in a (group-committed) transaction; return once it is durable."""
        ...

    def close(self) -> None: ...
