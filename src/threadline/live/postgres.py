"""The PostgreSQL broker: LISTEN/NOTIFY on one channel, so every server process sharing the
database hears every change, including its own.

Each process holds two connections of its own: a listening one (an asyncio task on the
server's event loop, reconnecting with backoff; after each (re)connect subscribers are told
they may have missed notices) and a publishing one (live/outbox.py: a thread that sends what
queued up meanwhile in one pipelined round trip).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql

from threadline.live.broker import (
    Notice,
    encode,
)
from threadline.live.networked import NetworkedBroker
from threadline.live.outbox import Outbox

MAX_PAYLOAD_BYTES = 7999  # PostgreSQL's limit is 8000 bytes
_KEEPALIVE = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10}


def _conninfo(url: str) -> str:
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    return url


class PostgresBroker(NetworkedBroker):
    backend = "PostgreSQL"
    sender_thread = "threadline-notify"
    connection_errors = (psycopg.Error, OSError)

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
        super().__init__(
            Outbox(self.backend, self._send, self._close_notify, max_backlog, max_reconnect_delay),
            start_timeout,
            max_reconnect_delay,
        )
        self._notify_conn: psycopg.Connection[Any] | None = None

    def _connect_kwargs(self, role: str) -> dict[str, Any]:
        return {
            "autocommit": True,
            "application_name": f"{self._app_name}-{role}",
            "connect_timeout": 5,
            **_KEEPALIVE,
        }

    # -- publishing (the outbox's thread) ------------------------------------------------

    def _send(self, batch: Sequence[Notice]) -> None:
        if self._notify_conn is None or self._notify_conn.closed:
            self._notify_conn = psycopg.connect(self._url, **self._connect_kwargs("notify"))
        payloads = [p for p in map(encode, batch) if len(p.encode()) <= MAX_PAYLOAD_BYTES]
        with self._notify_conn.pipeline():
            for payload in payloads:
                self._notify_conn.execute("SELECT pg_notify(%s, %s)", (self._channel, payload))

    def _close_notify(self) -> None:
        conn, self._notify_conn = self._notify_conn, None
        if conn is not None:
            conn.close()

    # -- listening (event loop) ----------------------------------------------------------

    async def _listen_once(self) -> None:
        conn = await psycopg.AsyncConnection.connect(self._url, **self._connect_kwargs("listen"))
        try:
            await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
            self._subscribed()
            async for notify in conn.notifies():
                self._listeners.payload(notify.payload)
        finally:
            with contextlib.suppress(Exception):
                await conn.close()
