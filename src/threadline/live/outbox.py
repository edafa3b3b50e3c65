"""The publishing side of a networked broker: notices queued by any thread, sent in batches
by one thread of the broker's own, so a publisher never waits for the network.

The queue is bounded (a stalled backend costs memory only up to `max_backlog`; beyond it
notices are dropped and counted — they are hints, and subscribers catch up by the next one).
A batch that fails is tried once more on a fresh connection, then given up with a warning
while the backoff grows.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from threadline.live.broker import Notice

log = logging.getLogger(__name__)

_BATCH = 256
_STOP = object()

# Sends a batch on the backend's connection (opening it when needed); raises on failure.
Send = Callable[[Sequence[Notice]], None]


class Outbox:
    def __init__(
        self,
        backend: str,
        send: Send,
        reset: Callable[[], None],
        max_backlog: int = 10_000,
        max_delay: float = 10.0,
    ) -> None:
        self._backend = backend  # named in the logs: "PostgreSQL", "Redis"
        self._send = send
        self._reset = reset  # drops the connection, so the next send opens a new one
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max_backlog)
        self._max_delay = max_delay
        self._thread: threading.Thread | None = None
        self._dropped = 0

    def start(self, name: str) -> None:
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Sends what is queued, then ends the thread (blocking: call it off the loop)."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        with contextlib.suppress(queue.Full):
            self._queue.put(_STOP, timeout=5)
        thread.join(timeout=10)

    def put(self, notice: Notice) -> None:
        try:
            self._queue.put_nowait(notice)
        except queue.Full:
            self._dropped += 1
            if self._dropped == 1 or self._dropped % 1000 == 0:
                log.warning(
                    "live updates: %d notices dropped (%s slow?)", self._dropped, self._backend
                )

    def _next_batch(self) -> tuple[list[Notice], bool]:
        """What queued up, at most a batch; and whether the broker is stopping."""
        first = self._queue.get()
        if first is _STOP:
            return [], True
        batch: list[Notice] = [first]
        while len(batch) < _BATCH:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                return batch, True
            batch.append(item)
        return batch, False

    def _run(self) -> None:
        delay = 0.1
        stopping = False
        try:
            while not stopping:
                batch, stopping = self._next_batch()
                if batch and not self._deliver(batch):
                    time.sleep(delay)  # notices keep queuing meanwhile (bounded)
                    delay = min(delay * 2, self._max_delay)
                elif batch:
                    delay = 0.1
        finally:
            self._reset()

    def _deliver(self, batch: list[Notice]) -> bool:
        for attempt in range(2):  # a connection the server dropped is renewed at once
            try:
                self._send(batch)
                return True
            except Exception as exc:  # the backend's own errors, whatever the client library
                self._reset()
                if attempt == 1:
                    log.warning(
                        "live updates: %d notices not sent to %s: %s",
                        len(batch),
                        self._backend,
                        exc,
                    )
        return False
