"""The in-process broker: one server process, notices handed to the event loop directly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from threadline.live.broker import Notice, OnMissed, OnNotice, ignore_missed

log = logging.getLogger(__name__)


class MemoryBroker:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listeners: list[tuple[OnNotice, OnMissed]] = []

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()

    async def stop(self) -> None:
        self._loop = None

    def publish(self, notice: Notice) -> None:
        loop = self._loop
        if loop is None:  # not started (e.g. a CLI command): nobody in this process listens
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: shutting down
            loop.call_soon_threadsafe(self._deliver, notice)

    def subscribe(
        self, on_notice: OnNotice, on_missed: OnMissed = ignore_missed
    ) -> Callable[[], None]:
        entry = (on_notice, on_missed)
        self._listeners.append(entry)

        def unsubscribe() -> None:
            if entry in self._listeners:
                self._listeners.remove(entry)

        return unsubscribe

    def _deliver(self, notice: Notice) -> None:
        for on_notice, _ in tuple(self._listeners):
            try:
                on_notice(notice)
            except Exception:
                log.exception("live listener %r failed on %r", on_notice, notice)
