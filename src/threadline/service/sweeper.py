"""A background sweep: a blocking function run in a thread every `interval_s` seconds, at
start, and soon after `wake()` (a cue from the bus, from any thread). The database holds the
work; the sweep only finds it, so a cue that is lost (a crash, another process) costs at most
one interval, and cues that come while a sweep runs are served by one more sweep.

Started and stopped by app.py's lifespan, like the retention loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Sweeper:
    def __init__(self, name: str, sweep: Callable[[], object], interval_s: float) -> None:
        self.name = name
        self._sweep = sweep
        self._interval_s = interval_s
        self._loop: asyncio.AbstractEventLoop | None = None
        self._cue: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._running: asyncio.Future[object] | None = None
        # Set when the server stops: a sweep checks it between mails (see `keep_going`).
        self.stopping = threading.Event()

    def keep_going(self) -> bool:
        return not self.stopping.is_set()

    def wake(self) -> None:
        """Sweep soon; safe from any thread, a no-op before start and after stop."""
        loop, cue = self._loop, self._cue
        if loop is None or cue is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(cue.set)

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._cue = asyncio.Event()
        self._cue.set()  # the first sweep at once: what a crash or restart left over
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def _run(self) -> None:
        assert self._cue is not None
        timeout = self._interval_s if self._interval_s > 0 else None
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._cue.wait(), timeout)
            self._cue.clear()
            try:
                self._running = asyncio.get_running_loop().run_in_executor(None, self._sweep)
                await asyncio.shield(self._running)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the %s sweep failed; it runs again later", self.name)
            finally:
                self._running = None

    async def stop(self) -> None:
        """Stop sweeping; waits for a sweep in progress (it stops after its current item)."""
        self.stopping.set()
        self._loop = None
        if self._task is not None:
            running = self._running
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            if running is not None:
                with contextlib.suppress(Exception):  # logged by the sweep already
                    await running
