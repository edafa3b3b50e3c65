"""One contract for every broker backend (in-process, PostgreSQL LISTEN/NOTIFY, Redis).

A notice published from any thread reaches, on the event loop, every subscriber of every
broker sharing the backend; listeners are isolated from each other's failures; a reconnect
is reported so subscribers can catch up.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import psycopg
import pytest
import redis

from tests.live.conftest import eventually, run
from threadline.domain.events import CommentDeleted, CommentPosted, ThreadChanged, VoteCast
from threadline.live.broker import Broker, Notice, decode, encode, notice_for
from threadline.live.networked import NetworkedBroker
from threadline.live.postgres import MAX_PAYLOAD_BYTES, PostgresBroker
from threadline.live.redis_pubsub import RedisBroker


def _notice(version: int, key: str = "article-1", site: str = "demo") -> Notice:
    return Notice(site, key, 7, version, "posted", 100 + version)


@asynccontextmanager
async def started(make: Callable[[], Broker], count: int) -> AsyncIterator[list[Broker]]:
    """`count` handles on one backend, each started once, all stopped afterwards."""
    handles = [make() for _ in range(count)]
    unique = list({id(b): b for b in handles}.values())
    for broker in unique:
        await broker.start()
    try:
        yield handles
    finally:
        for broker in unique:
            await broker.stop()


class Inbox:
    """A listener recording what it got and on which thread it ran."""

    def __init__(self) -> None:
        self.notices: list[Notice] = []
        self.missed = 0
        self.threads: set[int] = set()

    def notice(self, notice: Notice) -> None:
        self.threads.add(threading.get_ident())
        self.notices.append(notice)

    def on_missed(self) -> None:
        self.missed += 1


def publish_from_thread(broker: Broker, notices: list[Notice]) -> None:
    """Publish as the service layer does: from a worker thread, after commit."""

    def publish_all() -> None:
        for notice in notices:
            broker.publish(notice)

    worker = threading.Thread(target=publish_all)
    worker.start()
    worker.join(10)
    assert not worker.is_alive()


def test_a_notice_published_from_a_worker_thread_reaches_listeners_on_the_loop(
    make_broker: Callable[[], Broker],
) -> None:
    async def body() -> None:
        async with started(make_broker, 1) as (broker,):
            inbox = Inbox()
            broker.subscribe(inbox.notice, inbox.on_missed)
            sent = Notice(
                "daily-news", 'https://news.example/ünïcode?a=1&b="2"', 42, 9, "edited", 5
            )
            await asyncio.to_thread(publish_from_thread, broker, [sent])
            await eventually(lambda: len(inbox.notices) == 1, what="the notice")
            assert inbox.notices == [sent]
            assert inbox.threads == {threading.get_ident()}  # delivered on the event loop

    run(body())


def test_every_subscriber_of_every_broker_on_the_backend_hears_every_notice(
    make_broker: Callable[[], Broker],
) -> None:
    async def body() -> None:
        async with started(make_broker, 2) as (first, second):
            inboxes = [Inbox(), Inbox(), Inbox()]
            first.subscribe(inboxes[0].notice)
            first.subscribe(inboxes[1].notice)
            second.subscribe(inboxes[2].notice)
            await asyncio.to_thread(publish_from_thread, first, [_notice(1)])
            await asyncio.to_thread(publish_from_thread, second, [_notice(2)])
            await eventually(
                lambda: all(len(inbox.notices) == 2 for inbox in inboxes), what="2 notices each"
            )
            for inbox in inboxes:
                assert sorted(n.version for n in inbox.notices) == [1, 2]

    run(body())


def test_notices_from_one_publisher_arrive_in_order_and_none_is_lost(
    make_broker: Callable[[], Broker],
) -> None:
    async def body() -> None:
        async with started(make_broker, 2) as (publisher, listener):
            inbox = Inbox()
            listener.subscribe(inbox.notice)
            sent = [_notice(v, key=f"k{v % 7}") for v in range(1, 501)]
            await asyncio.to_thread(publish_from_thread, publisher, sent)
            await eventually(lambda: len(inbox.notices) >= 500, what="500 notices")
            assert inbox.notices == sent

    run(body())


def test_unsubscribed_listeners_hear_nothing_more(make_broker: Callable[[], Broker]) -> None:
    async def body() -> None:
        async with started(make_broker, 1) as (broker,):
            kept, dropped = Inbox(), Inbox()
            broker.subscribe(kept.notice)
            unsubscribe = broker.subscribe(dropped.notice)
            broker.publish(_notice(1))
            await eventually(lambda: len(dropped.notices) == 1 and len(kept.notices) == 1)
            unsubscribe()
            unsubscribe()  # twice is harmless
            broker.publish(_notice(2))
            await eventually(lambda: len(kept.notices) == 2, what="the second notice")
            assert [n.version for n in dropped.notices] == [1]

    run(body())


def test_a_failing_listener_does_not_stop_the_others(
    make_broker: Callable[[], Broker], caplog: pytest.LogCaptureFixture
) -> None:
    def explode(notice: Notice) -> None:
        raise RuntimeError("listener bug")

    async def body() -> None:
        async with started(make_broker, 1) as (broker,):
            inbox = Inbox()
            broker.subscribe(explode)
            broker.subscribe(inbox.notice)
            broker.publish(_notice(1))
            broker.publish(_notice(2))
            await eventually(lambda: len(inbox.notices) == 2, what="both notices")

    run(body())
    assert "listener bug" in caplog.text


def test_publishing_before_start_or_after_stop_never_raises(
    make_broker: Callable[[], Broker],
) -> None:
    async def body() -> None:
        broker = make_broker()
        broker.publish(_notice(1))
        await broker.start()
        await broker.stop()
        broker.publish(_notice(2))

    run(body())


def test_notices_name_the_change_that_was_committed() -> None:
    posted = notice_for(CommentPosted("demo", "k", 3, 11, 99))
    assert posted == Notice("demo", "k", 3, 11, "posted", 99)
    assert notice_for(CommentDeleted("demo", "k", 3, 12, 99)).kind == "deleted"
    assert notice_for(VoteCast("demo", "k", 3, 13, 99)).kind == "voted"
    assert notice_for(ThreadChanged("demo", "k", 3, 14)) == Notice(
        "demo", "k", 3, 14, "changed", None
    )


# -- PostgreSQL specifics -------------------------------------------------------------------


def test_postgres_payloads_round_trip_and_fit_the_notify_limit() -> None:
    longest = Notice("s" * 63, "€" * 512, 2**53, 2**62, "posted", 2**53)
    payload = encode(longest)
    assert len(payload.encode()) <= MAX_PAYLOAD_BYTES
    assert decode(payload) == longest
    assert decode('{"site": "x"}') is None
    assert decode("not json") is None


# -- the brokers that cross processes: losing and regaining the server --------------------


def _terminate(url: str, application_name: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = %s AND pid <> pg_backend_pid()",
            (application_name,),
        ).fetchall()
    return len(rows)


def _kill_client(url: str, name: str) -> int:
    with redis.Redis.from_url(url) as admin:
        ids = [c["id"] for c in admin.client_list() if c.get("name") == name]
        for client_id in ids:
            admin.client_kill_filter(_id=client_id)
    return len(ids)


@dataclass(frozen=True)
class Server:
    """A networked backend: how to make a broker whose connections carry `name` (plus
    "-listen" / the publishing suffix), and how to cut a named connection server-side."""

    url_fixture: str
    unreachable_url: str
    make: Callable[..., NetworkedBroker]
    cut: Callable[[str, str], int]
    publishing: str


SERVERS = {
    "postgres": Server(
        "postgres_url",
        "postgresql://nobody@127.0.0.1:9/none",
        lambda url, channel, name, **kw: PostgresBroker(
            url, channel=channel, application_name=name, **kw
        ),
        _terminate,
        "-notify",
    ),
    "redis": Server(
        "redis_url",
        "redis://127.0.0.1:9/0",
        lambda url, channel, name, **kw: RedisBroker(url, channel=channel, client_name=name, **kw),
        _kill_client,
        "-publish",
    ),
}


@pytest.mark.parametrize("server", SERVERS.values(), ids=SERVERS.keys())
def test_listener_reconnects_and_reports_what_may_have_been_missed(
    server: Server, channel: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(server.url_fixture)

    async def body() -> None:
        listener = server.make(url, channel, channel)
        publisher = server.make(url, channel, channel + "p")
        await listener.start()
        await publisher.start()
        try:
            inbox = Inbox()
            listener.subscribe(inbox.notice, inbox.on_missed)
            publisher.publish(_notice(1))
            await eventually(lambda: len(inbox.notices) == 1, what="the first notice")
            assert inbox.missed == 0

            killed = await asyncio.to_thread(server.cut, url, channel + "-listen")
            assert killed == 1
            await eventually(lambda: inbox.missed >= 1, what="the reconnect")
            await eventually(lambda: listener.listening, what="listening again")
            publisher.publish(_notice(2))
            await eventually(lambda: len(inbox.notices) == 2, what="a notice after reconnect")

            # The publishing connection, killed too, is replaced on the next publish.
            killed = await asyncio.to_thread(server.cut, url, channel + "p" + server.publishing)
            assert killed == 1
            publisher.publish(_notice(3))
            await eventually(lambda: len(inbox.notices) == 3, what="a notice after a new conn")
            assert [n.version for n in inbox.notices] == [1, 2, 3]
        finally:
            await publisher.stop()
            await listener.stop()

    run(body())


@pytest.mark.parametrize("server", SERVERS.values(), ids=SERVERS.keys())
def test_a_broker_starts_even_when_its_server_is_unreachable(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    broker = server.make(
        server.unreachable_url,
        "threadline",
        "unreachable",
        start_timeout=0.5,
        max_reconnect_delay=0.2,
    )

    async def body() -> None:
        await broker.start()
        try:
            assert not broker.listening
            broker.publish(_notice(1))  # dropped after a failed attempt, never raised
        finally:
            await broker.stop()

    run(body(), timeout=30)
    assert f"not listening to {broker.backend}" in caplog.text


def test_a_malformed_message_on_the_channel_is_ignored(
    redis_url: str, channel: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def body() -> None:
        async with started(lambda: RedisBroker(redis_url, channel=channel), 1) as (broker,):
            inbox = Inbox()
            broker.subscribe(inbox.notice)
            with redis.Redis.from_url(redis_url) as other:
                other.publish(channel, b"\xff not a notice")
            broker.publish(_notice(1))
            await eventually(lambda: len(inbox.notices) == 1, what="the good notice")
            assert inbox.notices == [_notice(1)]

    run(body())
    assert "malformed notice" in caplog.text
