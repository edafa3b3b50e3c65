"""The PostgreSQL broker: LISTEN/NOTIFY on one channel, so every server process sharing the
database hears every change, including its own.

Each process holds two connections of its own: a listening one (an asyncio task on the
server's event loop, reconnecting with backoff; after each (re)connect subscribers are told
they may have missed notices) and a publishing one (a thread that drains a bounded queue and
sends what queued up meanwhile in one pipelined round trip).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import sql

from threadline.live.broker import Notice, OnMissed, OnNotice, ignore_missed

log = logging.getLogger(__name__)

MAX_PAYLOAD_BYTES = 7999  # PostgreSQL's limit is 8000 bytes
_BATCH = 256
_KEEPALIVE = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10}
_STOP = object()


def _conninfo(url: str) -> str:
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    return url


def encode(notice: Notice) -> str:
    return json.dumps(
        {
            "site": notice.site,
            "key": notice.key,
            "thread_id": notice.thread_id,
            "version": notice.version,
            "kind": notice.kind,
            "comment_id": notice.comment_id,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def decode(payload: str) -> Notice | None:
    try:
        data = json.loads(payload)
        notice = Notice(
            str(data["site"]),
            str(data["key"]),
            int(data["thread_id"]),
            int(data["version"]),
            str(data["kind"]),
            None if data.get("comment_id") is None else int(data["comment_id"]),
        )
    except (ValueError, TypeError, KeyError):
        return None
    return notice


class PostgresBroker:
    def __init__(
        self,
        url: str,
        channel: str = "threadline",
        application_name: str = "threadline-live",
        max_backlog: int = 10_000,
        start_timeout: float = 10.0,
        max_reconnect_delay: float = 10.0,
    ) -> None:
        self._url = _conninfo(url)
        self._channel = channel
        self._app_name = application_name
        self._start_timeout = start_timeout
        self._max_delay = max_reconnect_delay
        self._outbox: queue.Queue[Any] = queue.Queue(maxsize=max_backlog)
        self._listeners: list[tuple[OnNotice, OnMissed]] = []
        self._publisher: threading.Thread | None = None
        self._listen_task: asyncio.Task[None] | None = None
        self._listening: asyncio.Event | None = None
        self._dropped = 0

    def _connect_kwargs(self, role: str) -> dict[str, Any]:
        return {
            "autocommit": True,
            "application_name": f"{self._app_name}-{role}",
            "connect_timeout": 5,
            **_KEEPALIVE,
        }

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        self._publisher = threading.Thread(
            target=self._publish_forever, name="threadline-notify", daemon=True
        )
        self._publisher.start()
        self._listening = asyncio.Event()
        self._listen_task = asyncio.get_running_loop().create_task(self._listen_forever())
        try:
            await asyncio.wait_for(self._listening.wait(), self._start_timeout)
        except TimeoutError:
            log.warning("live updates: not listening to PostgreSQL yet; still trying")

    async def stop(self) -> None:
        task, self._listen_task = self._listen_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        publisher, self._publisher = self._publisher, None
        if publisher is not None:
            await asyncio.to_thread(self._stop_publisher, publisher)

    def _stop_publisher(self, publisher: threading.Thread) -> None:
        with contextlib.suppress(queue.Full):
            self._outbox.put(_STOP, timeout=5)
        publisher.join(timeout=10)

    @property
    def listening(self) -> bool:
        return self._listening is not None and self._listening.is_set()

    # -- publishing (any thread) ---------------------------------------------------------

    def publish(self, notice: Notice) -> None:
        try:
            self._outbox.put_nowait(notice)
        except queue.Full:
            self._dropped += 1
            if self._dropped == 1 or self._dropped % 1000 == 0:
                log.warning("live updates: %d notices dropped (PostgreSQL slow?)", self._dropped)

    def _publish_forever(self) -> None:
        conn: psycopg.Connection[Any] | None = None
        delay = 0.1
        stopping = False
        try:
            while not stopping:
                first = self._outbox.get()
                if first is _STOP:
                    break
                batch: list[Notice] = [first]
                while len(batch) < _BATCH:
                    try:
                        item = self._outbox.get_nowait()
                    except queue.Empty:
                        break
                    if item is _STOP:
                        stopping = True
                        break
                    batch.append(item)
                payloads = [p for p in map(encode, batch) if len(p.encode()) <= MAX_PAYLOAD_BYTES]
                for attempt in range(2):  # a connection the server dropped is renewed at once
                    try:
                        if conn is None or conn.closed:
                            conn = psycopg.connect(self._url, **self._connect_kwargs("notify"))
                        with conn.pipeline():
                            for payload in payloads:
                                conn.execute("SELECT pg_notify(%s, %s)", (self._channel, payload))
                        delay = 0.1
                        break
                    except psycopg.Error as exc:
                        if conn is not None:
                            conn.close()
                        conn = None
                        if attempt == 1:
                            log.warning("live updates: %d notices not sent: %s", len(payloads), exc)
                            # Wait before the next attempt; notices keep queuing (bounded).
                            time.sleep(delay)
                            delay = min(delay * 2, self._max_delay)
        finally:
            if conn is not None:
                conn.close()

    # -- listening (event loop) ----------------------------------------------------------

    def subscribe(
        self, on_notice: OnNotice, on_missed: OnMissed = ignore_missed
    ) -> Callable[[], None]:
        entry = (on_notice, on_missed)
        self._listeners.append(entry)

        def unsubscribe() -> None:
            if entry in self._listeners:
                self._listeners.remove(entry)

        return unsubscribe

    async def _listen_forever(self) -> None:
        assert self._listening is not None
        delay = 0.1
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self._url, **self._connect_kwargs("listen")
                )
            except psycopg.Error as exc:
                log.warning("live updates: cannot connect to listen: %s", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_delay)
                continue
            try:
                await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
                delay = 0.1
                self._listening.set()
                self._missed()  # whatever was published while we were not listening
                async for notify in conn.notifies():
                    self._receive(notify.payload)
            except psycopg.Error as exc:
                log.warning("live updates: listening connection lost: %s", exc)
            finally:
                self._listening.clear()
                with contextlib.suppress(Exception):
                    await conn.close()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._max_delay)

    def _receive(self, payload: str) -> None:
        notice = decode(payload)
        if notice is None:
            log.warning("live updates: ignoring a malformed notice %r", payload[:200])
            return
        for on_notice, _ in tuple(self._listeners):
            try:
                on_notice(notice)
            except Exception:
                log.exception("live listener %r failed on %r", on_notice, notice)

    def _missed(self) -> None:
        for _, on_missed in tuple(self._listeners):
            try:
                on_missed()
            except Exception:
                log.exception("live listener %r failed on a reconnect", on_missed)
