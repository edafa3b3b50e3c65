"""Serialized thread pages kept in memory, with single-flight loading and precise invalidation.

A page is built (query, tree, JSON, gzip) once per version — whatever the loader says makes
a page different: the thread's version, and the site's settings that shape pages. A write in
this process invalidates its thread's pages at once; writes by other processes (and changed
settings) are noticed when an entry's version is re-checked, at most `revalidate_s` after it
was last confirmed.
"""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field

ThreadId = tuple[str, str]  # (site slug, normalized thread key)


@dataclass(slots=True)
class CachedPage:
    thread: ThreadId
    version: Hashable
    etag: str
    body: bytes
    gzipped: bytes | None
    checked_at: float = field(default=0.0)


GZIP_MIN_BYTES = 1024
# Level 1: a 750 KB page compresses in ~5 ms instead of ~18 ms at level 5, for ~16% more
# bytes. The first reader after every write waits for this (see docs/benchmarks.md).
GZIP_LEVEL = 1


def compress(body: bytes) -> bytes | None:
    """The gzip twin of a page, or None when the page is too small to be worth it.
    Slow for big pages: call it in a worker thread (zlib releases the GIL), not on the loop."""
    return gzip.compress(body, GZIP_LEVEL) if len(body) >= GZIP_MIN_BYTES else None


@dataclass(frozen=True, slots=True)
class Loaded:
    thread: ThreadId
    version: Hashable
    etag: str
    body: bytes
    # compress(body) when the loader made it (off the event loop); None: made when stored.
    gzipped: bytes | None = None


class PageCache:
    def __init__(
        self, max_entries: int, revalidate_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._max = max_entries
        self._revalidate_s = revalidate_s
        self._clock = clock
        self._entries: OrderedDict[Hashable, CachedPage] = OrderedDict()
        self._by_thread: dict[ThreadId, set[Hashable]] = {}
        # Invalidations are stamped from one counter, so a load that raced a write (the
        # thread was invalidated after the load began) never stores what it read.
        self._stamp = 0
        self._invalidated_at: dict[ThreadId, int] = {}
        self._forgotten_before = 0  # stamps dropped to bound memory count as "just now"
        self._inflight: dict[Hashable, asyncio.Future[CachedPage]] = {}
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def invalidate(self, thread: ThreadId) -> None:
        """Called from any thread (event listeners run where the write happened)."""
        with self._lock:
            self._stamp += 1
            self._invalidated_at[thread] = self._stamp
            if len(self._invalidated_at) > 100_000:
                self._invalidated_at.clear()
                self._forgotten_before = self._stamp
            for key in self._by_thread.pop(thread, set()):
                self._entries.pop(key, None)

    def _fresh(self, key: Hashable) -> CachedPage | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry

    def _store(self, key: Hashable, loaded: Loaded, started: int) -> CachedPage:
        gz = loaded.gzipped if loaded.gzipped is not None else compress(loaded.body)
        page = CachedPage(
            loaded.thread, loaded.version, loaded.etag, loaded.body, gz, self._clock()
        )
        with self._lock:
            last = max(self._invalidated_at.get(loaded.thread, 0), self._forgotten_before)
            if last <= started:
                self._entries[key] = page
                self._by_thread.setdefault(loaded.thread, set()).add(key)
                while len(self._entries) > self._max:
                    old_key, old = self._entries.popitem(last=False)
                    keys = self._by_thread.get(old.thread)
                    if keys is not None:
                        keys.discard(old_key)
                        if not keys:
                            del self._by_thread[old.thread]
        return page

    async def get(
        self,
        key: Hashable,
        load: Callable[[], Awaitable[Loaded]],
        current_version: Callable[[ThreadId], Awaitable[Hashable]],
    ) -> CachedPage:
        entry = self._fresh(key)
        if entry is not None:
            if self._clock() - entry.checked_at < self._revalidate_s:
                self.hits += 1
                return entry
            if await current_version(entry.thread) == entry.version:
                entry.checked_at = self._clock()
                self.hits += 1
                return entry
            self.invalidate(entry.thread)
        self.misses += 1
        pending = self._inflight.get(key)
        if pending is not None:  # someone is already building this page: share the result
            return await asyncio.shield(pending)
        future: asyncio.Future[CachedPage] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            started = self._stamp
            loaded = await load()
            page = self._store(key, loaded, started)
            future.set_result(page)
            return page
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        finally:
            del self._inflight[key]
