"""The Redis broker: publish/subscribe on one channel, so every server process and instance
sharing the Redis server hears every change, including its own — instances on PostgreSQL,
and `serve --workers N` on one SQLite file, which otherwise only polls (`live_recheck_s`).

Like the PostgreSQL broker: a listening connection (an asyncio task, reconnecting with
backoff) and a publishing one (live/outbox.py). Every subscribe confirmation from Redis, the
first and any after a reconnect (ours or the client library's own), tells subscribers they
may have missed notices.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import redis
import redis.asyncio

from threadline.live.broker import (
    Notice,
    encode,
)
from threadline.live.networked import NetworkedBroker
from threadline.live.outbox import Outbox

_CONNECT_TIMEOUT_S = 5
_HEALTH_CHECK_S = 30  # a PING on a connection idle this long finds a dead one


class RedisBroker(NetworkedBroker):
    backend = "Redis"
    sender_thread = "threadline-redis-publish"
    connection_errors = (redis.RedisError, OSError)

    def __init__(
        self,
        url: str,
        channel: str = "threadline",
        client_name: str = "threadline-live",
        max_backlog: int = 10_000,
        start_timeout: float = 10.0,
        max_reconnect_delay: float = 10.0,
    ) -> None:
        self._url = url
        self._channel = channel
        self._client_name = client_name
        super().__init__(
            Outbox(
                self.backend, self._send, self._close_publisher, max_backlog, max_reconnect_delay
            ),
            start_timeout,
            max_reconnect_delay,
        )
        self._publisher: redis.Redis | None = None

    # -- publishing (the outbox's thread) ------------------------------------------------

    def _send(self, batch: Sequence[Notice]) -> None:
        if self._publisher is None:
            self._publisher = redis.Redis.from_url(
                self._url,
                client_name=self._client_name + "-publish",
                socket_timeout=5,
                socket_connect_timeout=_CONNECT_TIMEOUT_S,
                health_check_interval=_HEALTH_CHECK_S,
            )
        pipe = self._publisher.pipeline(transaction=False)
        for notice in batch:
            pipe.publish(self._channel, encode(notice))
        pipe.execute()

    def _close_publisher(self) -> None:
        client, self._publisher = self._publisher, None
        if client is not None:
            client.close()

    # -- listening (event loop) ----------------------------------------------------------

    async def _listen_once(self) -> None:
        client = redis.asyncio.Redis.from_url(
            self._url,
            client_name=self._client_name + "-listen",
            socket_connect_timeout=_CONNECT_TIMEOUT_S,
            health_check_interval=_HEALTH_CHECK_S,
        )
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe(self._channel)
            async for message in pubsub.listen():
                self._handle(message)
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]
            with contextlib.suppress(Exception):
                await client.aclose()

    def _handle(self, message: dict[str, Any]) -> None:
        if message.get("type") == "subscribe":
            self._subscribed()  # at first, or again after the client library reconnected
        elif message.get("type") == "message":
            self._listeners.payload(message["data"])
