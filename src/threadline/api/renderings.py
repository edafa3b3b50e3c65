"""Each comment's JSON, encoded once and reused by every page build until it changes.

After a write only its thread's pages are rebuilt, and of the rebuilt page only the comments
that changed need their text read and encoded again; the rest come from here by a key that
moves with everything a rendering shows (service/threads.RenderingKey). Bounded by bytes,
oldest first out (a comment still shown whose rendering was dropped costs one re-encode; no
per-hit bookkeeping on the hot path). Page builds run in worker threads, hence the lock.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable


class RenderingCache:
    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._bytes = 0
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            return self._entries.get(key)

    def get_many(self, keys: Iterable[Hashable]) -> dict[Hashable, bytes]:
        """Those of `keys` held, with their renderings."""
        entries = self._entries
        with self._lock:
            return {key: found for key in keys if (found := entries.get(key)) is not None}

    def put_many(self, renderings: Iterable[tuple[Hashable, bytes]]) -> None:
        with self._lock:
            for key, value in renderings:
                if len(value) > self._max_bytes:
                    continue
                old = self._entries.pop(key, None)
                if old is not None:
                    self._bytes -= len(old)
                self._entries[key] = value  # (re)inserted: now the newest
                self._bytes += len(value)
            while self._bytes > self._max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)
