"""The in-process broker: one server process, notices handed to the event loop directly."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from threadline.live.broker import Listeners, Notice, OnMissed, OnNotice, ignore_missed


class MemoryBroker:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listeners = Listeners()

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()

    async def stop(self) -> None:
        self._loop = None

    def publish(self, notice: Notice) -> None:
        loop = self._loop
        if loop is None:  # not started (e.g. a CLI command): nobody in this process listens
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: shutting down
            loop.call_soon_threadsafe(self._listeners.notice, notice)

    def subscribe(
        self, on_notice: OnNotice, on_missed: OnMissed = ignore_missed
    ) -> Callable[[], None]:
        return self._listeners.add(on_notice, on_missed)
