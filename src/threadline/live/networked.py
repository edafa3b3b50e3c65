"""What the brokers that cross processes (PostgreSQL, Redis) share: a sending thread
(live/outbox.py), a listening task on the event loop that the subclass runs
(`_listen_forever`), and starting, stopping and subscribing around them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from threadline.live.broker import Listeners, Notice, OnMissed, OnNotice, ignore_missed
from threadline.live.outbox import Outbox

log = logging.getLogger(__name__)


class NetworkedBroker:
    backend = ""  # named in the logs
    sender_thread = ""

    def __init__(self, outbox: Outbox, start_timeout: float) -> None:
        self._outbox = outbox
        self._start_timeout = start_timeout
        self._listeners = Listeners()
        self._listen_task: asyncio.Task[None] | None = None
        self._listening: asyncio.Event | None = None

    async def _listen_forever(self) -> None:
        raise NotImplementedError

    async def start(self) -> None:
        self._outbox.start(self.sender_thread)
        self._listening = asyncio.Event()
        self._listen_task = asyncio.get_running_loop().create_task(self._listen_forever())
        try:
            await asyncio.wait_for(self._listening.wait(), self._start_timeout)
        except TimeoutError:
            log.warning("live updates: not listening to %s yet; still trying", self.backend)

    async def stop(self) -> None:
        task, self._listen_task = self._listen_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await asyncio.to_thread(self._outbox.stop)

    @property
    def listening(self) -> bool:
        return self._listening is not None and self._listening.is_set()

    def publish(self, notice: Notice) -> None:
        self._outbox.put(notice)

    def subscribe(
        self, on_notice: OnNotice, on_missed: OnMissed = ignore_missed
    ) -> Callable[[], None]:
        return self._listeners.add(on_notice, on_missed)
