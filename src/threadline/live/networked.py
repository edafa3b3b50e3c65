"""What the brokers that cross processes (PostgreSQL, Redis) share: a sending thread
(live/outbox.py), a listening task on the event loop that reconnects with backoff around the
subclass's `_listen_once`, and starting, stopping and subscribing around them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import ClassVar

from threadline.live.broker import Listeners, Notice, OnMissed, OnNotice, ignore_missed
from threadline.live.outbox import Outbox

log = logging.getLogger(__name__)

_FIRST_DELAY_S = 0.1  # before reconnecting, doubled after each failed attempt


class NetworkedBroker:
    backend = ""  # named in the logs
    sender_thread = ""
    # What `_listen_once` raises when the connection fails or drops: logged, then reconnect.
    connection_errors: ClassVar[tuple[type[Exception], ...]] = (OSError,)

    def __init__(self, outbox: Outbox, start_timeout: float, max_reconnect_delay: float) -> None:
        self._outbox = outbox
        self._start_timeout = start_timeout
        self._max_delay = max_reconnect_delay
        self._delay = _FIRST_DELAY_S
        self._listeners = Listeners()
        self._listen_task: asyncio.Task[None] | None = None
        self._listening: asyncio.Event | None = None

    async def _listen_once(self) -> None:
        """Connect, subscribe, call `_subscribed()` once the server confirms (and again if it
        confirms after a reconnect of its own), then hand each payload to the listeners until
        the connection fails: raise one of `connection_errors`. Close what it opened."""
        raise NotImplementedError

    async def _listen_forever(self) -> None:
        while True:
            try:
                await self._listen_once()
            except self.connection_errors as exc:
                log.warning("live updates: not listening to %s: %s", self.backend, exc)
            finally:
                if self._listening is not None:
                    self._listening.clear()
            await asyncio.sleep(self._delay)
            self._delay = min(self._delay * 2, self._max_delay)

    def _subscribed(self) -> None:
        """Listening, at first or again: subscribers catch up on what they may have missed
        (published while nobody listened), and the next reconnect starts from a short wait."""
        self._delay = _FIRST_DELAY_S
        if self._listening is not None:
            self._listening.set()
        self._listeners.missed()

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
