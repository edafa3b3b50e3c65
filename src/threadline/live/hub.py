"""Live updates within one server process: readers follow threads, changes fan out to them.

When the broker announces a change to a thread that readers here follow, the hub loads what
changed since the last version it handed out — once per thread, not once per reader — as
encoded frames, and gives the same bytes to every follower. Loads for one thread run one at
a time; notices arriving meanwhile are coalesced into the next load. Because the hub asks
the database for "everything after the version I last handed out", a notice that arrives
late, twice or out of order costs at most one query, and a lost one is made good by the next.

Each reader holds a bounded list of frames waiting to be written; a reader that falls too
far behind is disconnected, and catches up from the database when it reconnects with its
Last-Event-ID. Heartbeats come from one timer for all readers, a slice of them per tick. A
slower timer rechecks the versions of all followed threads (a query per site and 200
threads), as a safety net for lost notices and for writers the broker does not reach.

The hub knows nothing about storage or HTTP: it is given a loader that returns a `Batch`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

ThreadRef = tuple[str, str]  # (site slug, normalized thread key)
Frame = tuple[int, bytes]  # (thread version of the change, encoded event)


@dataclass(frozen=True, slots=True)
class Batch:
    """What changed after some version, as of one database snapshot."""

    version: int  # the thread's version in that snapshot
    frames: Sequence[Frame]  # oldest change first


# load(thread, after): the changes after version `after`; after=None: only the version.
Loader = Callable[[ThreadRef, int | None], Awaitable[Batch]]
# versions(threads): the current version of each of these threads (those that exist).
VersionsLoader = Callable[[list[ThreadRef]], Awaitable[dict[ThreadRef, int]]]


class Subscriber:
    """One reader's connection: frames waiting to be written, and a way to wait for them."""

    __slots__ = (
        "_beat",
        "_heartbeat",
        "_max",
        "_pending",
        "_waiter",
        "after",
        "closed",
        "slot",
        "thread",
    )

    def __init__(
        self, thread: ThreadRef, max_pending: int, heartbeat: bytes, slot: int = 0
    ) -> None:
        self.thread = thread
        self.slot = slot  # which tick of the heartbeat period beats this reader
        # Frames at or before this version are skipped: the reader's replay already had them.
        self.after = -1
        self.closed = False
        self._pending: list[Frame] = []
        self._beat = False
        self._max = max_pending
        self._heartbeat = heartbeat
        self._waiter: asyncio.Future[None] | None = None

    def offer(self, frames: Sequence[Frame]) -> None:
        if self.closed or not frames:
            return
        if len(self._pending) + len(frames) > self._max:
            log.info("live updates: disconnecting a reader %d frames behind", len(self._pending))
            self.close()
            return
        self._pending.extend(frames)
        self._wake()

    def beat(self) -> None:
        if not self.closed:
            self._beat = True
            self._wake()

    def close(self) -> None:
        self.closed = True
        self._pending.clear()
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def next(self) -> bytes | None:
        """The bytes to write next (frames, else a heartbeat); None once closed."""
        while not self.closed:
            if self._pending:
                pending, self._pending = self._pending, []
                fresh = [frame for version, frame in pending if version > self.after]
                if fresh:
                    self._beat = False
                    return b"".join(fresh)
                continue
            if self._beat:
                self._beat = False
                return self._heartbeat
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return None


class _Entry:
    """The followers of one thread and the last version handed out to them."""

    __slots__ = ("dirty", "ready", "subscribers", "version", "worker")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.subscribers: set[Subscriber] = set()
        self.version: int | None = None  # None until the first load
        self.dirty = False
        self.worker: asyncio.Task[None] | None = None
        self.ready: asyncio.Future[None] = loop.create_future()


class Hub:
    def __init__(
        self,
        load: Loader,
        heartbeat_s: float,
        heartbeat: bytes = b": heartbeat\n\n",
        max_pending: int = 256,
        versions: VersionsLoader | None = None,
        recheck_s: float = 0,
        heartbeat_tick_s: float = 1.0,
    ) -> None:
        self._load = load
        self._versions = versions
        self._recheck_s = recheck_s
        self._heartbeat_s = heartbeat_s
        self._heartbeat = heartbeat
        self._max_pending = max_pending
        self._entries: dict[ThreadRef, _Entry] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._rechecker: asyncio.Task[None] | None = None
        self.loads = 0  # database loads done for fan-out (not replays): for tests and benches
        # Heartbeats are spread over the period, one slice of the readers per tick, so that
        # many thousands of streams never make the event loop stall on one big round.
        self._slices = max(1, round(heartbeat_s / heartbeat_tick_s))
        self._joined = 0

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._ticker = self._loop.create_task(self._tick())
        if self._versions is not None and self._recheck_s > 0:
            self._rechecker = self._loop.create_task(self._recheck(self._versions))

    async def stop(self) -> None:
        timers = (self._ticker, self._rechecker)
        self._ticker = self._rechecker = None
        tasks = [t for t in (*timers, *(e.worker for e in self._entries.values())) if t]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for entry in self._entries.values():
            if not entry.ready.done():
                entry.ready.cancel()
            for sub in entry.subscribers:
                sub.close()
        self._entries.clear()
        self._loop = None

    def end_streams(self) -> None:
        """End every reader's stream (the server is stopping): they reconnect, elsewhere or
        later, and replay from their Last-Event-ID."""
        for entry in tuple(self._entries.values()):
            for sub in tuple(entry.subscribers):
                sub.close()

    @property
    def running(self) -> bool:
        return self._loop is not None

    @property
    def connections(self) -> int:
        return sum(len(e.subscribers) for e in self._entries.values())

    # -- readers -------------------------------------------------------------------------

    async def join(self, thread: ThreadRef) -> Subscriber:
        """Follow a thread. Returns once the hub knows the thread's version, so a replay read
        after this call overlaps whatever the hub hands out from now on: nothing falls
        between the two."""
        loop = self._loop
        if loop is None:
            raise RuntimeError("the live hub is not running")
        entry = self._entries.get(thread)
        if entry is None:
            entry = self._entries[thread] = _Entry(loop)
            self._kick(thread, entry)
        self._joined += 1
        sub = Subscriber(thread, self._max_pending, self._heartbeat, self._joined % self._slices)
        entry.subscribers.add(sub)
        try:
            await asyncio.shield(entry.ready)
        except BaseException:
            self.leave(sub)
            raise
        return sub

    def leave(self, sub: Subscriber) -> None:
        sub.close()
        entry = self._entries.get(sub.thread)
        if entry is None:
            return
        entry.subscribers.discard(sub)
        if not entry.subscribers:
            del self._entries[sub.thread]

    async def replay(self, thread: ThreadRef, after: int | None) -> Batch:
        """What a reader who joined and has seen changes up to `after` (None: wants only
        what comes next) must be sent before the fan-out takes over.

        Call right after `join`. When the reader is already where the hub is, nothing needs
        reading: every change after the hub's version is still to be handed out to it.
        """
        entry = self._entries.get(thread)
        known = entry.version if entry is not None else None
        if known is not None and (after is None or after == known):
            return Batch(known, ())
        return await self._load(thread, after)

    # -- changes -------------------------------------------------------------------------

    def notice(self, thread: ThreadRef, version: int) -> None:
        """A change reached `version` of `thread` (from the broker, on the event loop)."""
        entry = self._entries.get(thread)
        if entry is None or (entry.version is not None and version <= entry.version):
            return
        entry.dirty = True
        self._kick(thread, entry)

    def missed(self) -> None:
        """Notices may have been lost: check every followed thread."""
        for thread, entry in tuple(self._entries.items()):
            entry.dirty = True
            self._kick(thread, entry)

    def _kick(self, thread: ThreadRef, entry: _Entry) -> None:
        if entry.worker is None and self._loop is not None:
            entry.worker = self._loop.create_task(self._work(thread, entry))

    async def _work(self, thread: ThreadRef, entry: _Entry) -> None:
        try:
            if entry.version is None:
                entry.version = (await self._load(thread, None)).version
                entry.ready.set_result(None)
            while entry.dirty and entry.subscribers:
                entry.dirty = False
                self.loads += 1
                batch = await self._load(thread, entry.version)
                frames = [f for f in batch.frames if f[0] > entry.version]
                if frames:
                    for sub in tuple(entry.subscribers):
                        sub.offer(frames)
                entry.version = max(entry.version, batch.version)
        except Exception as exc:
            log.exception("live updates: loading the changes of %r failed", thread)
            if not entry.ready.done():
                entry.ready.set_exception(exc)
                entry.ready.exception()  # joiners re-raise it themselves
            # Its readers reconnect and replay from their Last-Event-ID.
            for sub in entry.subscribers:
                sub.close()
            entry.subscribers.clear()
            if self._entries.get(thread) is entry:
                del self._entries[thread]
        finally:
            entry.worker = None

    async def _recheck(self, versions: VersionsLoader) -> None:
        """Every `recheck_s`, compare the followed threads' versions with the database: a
        change whose notice never came (lost, or written by a process this broker does not
        reach, e.g. another worker on the same SQLite file) is then handed out anyway."""
        while True:
            await asyncio.sleep(self._recheck_s)
            followed = [t for t, e in self._entries.items() if e.version is not None]
            if not followed:
                continue
            try:
                current = await versions(followed)
            except Exception:
                log.warning("live updates: rechecking thread versions failed", exc_info=True)
                continue
            for thread, version in current.items():
                self.notice(thread, version)

    async def _tick(self) -> None:
        tick = 0
        while True:
            await asyncio.sleep(self._heartbeat_s / self._slices)
            slot = tick % self._slices
            tick += 1
            for entry in tuple(self._entries.values()):
                for sub in tuple(entry.subscribers):
                    if sub.slot == slot:
                        sub.beat()
