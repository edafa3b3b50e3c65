"""The per-process fan-out: one load per change for all readers of a thread, nothing missed
when notices come late, twice or out of order, bounded memory for slow readers."""

from __future__ import annotations

import asyncio

import pytest

from tests.live.conftest import eventually, run
from threadline.live.hub import Batch, Hub, Subscriber, ThreadRef

THREAD: ThreadRef = ("demo", "article-1")
OTHER: ThreadRef = ("demo", "article-2")
BEAT = b": hb\n\n"


class FakeThreads:
    """Stands in for the database: each thread's version and its comments' last change."""

    def __init__(self) -> None:
        self.version: dict[ThreadRef, int] = {}
        self.changed: dict[ThreadRef, dict[int, int]] = {}  # comment id -> changed version
        self.loads: list[tuple[ThreadRef, int | None]] = []
        self.gate: asyncio.Event | None = None
        self.fail = False

    def change(self, thread: ThreadRef, comment_id: int) -> int:
        version = self.version.get(thread, 0) + 1
        self.version[thread] = version
        self.changed.setdefault(thread, {})[comment_id] = version
        return version

    async def load(self, thread: ThreadRef, after: int | None) -> Batch:
        self.loads.append((thread, after))
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise RuntimeError("database down")
        version = self.version.get(thread, 0)
        if after is None:
            return Batch(version, [])
        changed = sorted((v, c) for c, v in self.changed.get(thread, {}).items() if v > after)
        return Batch(version, [(v, b"c%d@%d;" % (c, v)) for v, c in changed])

    async def versions(self, threads: list[ThreadRef]) -> dict[ThreadRef, int]:
        self.loads.append((("versions", str(len(threads))), None))
        return {t: self.version[t] for t in threads if t in self.version}


def make_hub(
    db: FakeThreads, heartbeat_s: float = 3600, max_pending: int = 64, recheck_s: float = 0
) -> Hub:
    return Hub(
        db.load,
        heartbeat_s=heartbeat_s,
        heartbeat=BEAT,
        max_pending=max_pending,
        versions=db.versions,
        recheck_s=recheck_s,
    )


async def joined(hub: Hub, thread: ThreadRef, after: int | None = None) -> Subscriber:
    """Follow a thread as the SSE endpoint does: join, then replay."""
    sub = await hub.join(thread)
    sub.after = (await hub.replay(thread, after)).version
    return sub


async def received(sub: Subscriber, timeout: float = 5) -> bytes | None:
    return await asyncio.wait_for(sub.next(), timeout)


def test_one_load_per_change_fans_the_same_bytes_out_to_every_reader() -> None:
    async def body() -> None:
        db = FakeThreads()
        hub = make_hub(db)
        await hub.start()
        subs = [await joined(hub, THREAD) for _ in range(20)]
        assert hub.connections == 20
        loads_before = hub.loads
        version = db.change(THREAD, 1)
        hub.notice(THREAD, version)
        chunks = [await received(s) for s in subs]
        assert set(chunks) == {b"c1@1;"}
        assert hub.loads - loads_before == 1
        assert len({id(c) for c in chunks}) == 1  # the very same bytes object
        await hub.stop()

    run(body())


def test_notices_arriving_during_a_load_are_coalesced() -> None:
    async def body() -> None:
        db = FakeThreads()
        hub = make_hub(db)
        await hub.start()
        sub = await joined(hub, THREAD)
        db.gate = asyncio.Event()
        hub.notice(THREAD, db.change(THREAD, 1))
        await eventually(lambda: hub.loads == 1, what="the first load")
        for n in range(2, 30):
            hub.notice(THREAD, db.change(THREAD, n))
        db.gate.set()
        got = b""
        while got.count(b";") < 29:
            chunk = await received(sub)
            assert chunk is not None
            got += chunk
        assert hub.loads == 2  # the one in flight, then one for everything that came meanwhile
        assert got == b"".join(b"c%d@%d;" % (n, n) for n in range(1, 30))
        await hub.stop()

    run(body())


def test_late_duplicate_and_out_of_order_notices_lose_nothing_and_repeat_nothing() -> None:
    async def body() -> None:
        db = FakeThreads()
        hub = make_hub(db)
        await hub.start()
        sub = await joined(hub, THREAD)
        v1, v2 = db.change(THREAD, 1), db.change(THREAD, 2)
        hub.notice(THREAD, v2)  # the later change is announced first
        assert await received(sub) == b"c1@1;c2@2;"
        await eventually(lambda: db.loads[-1] == (THREAD, 0))
        loads = hub.loads
        hub.notice(THREAD, v1)  # late, and already handed out: no load at all
        hub.notice(THREAD, v2)  # a duplicate
        await asyncio.sleep(0.05)
        assert hub.loads == loads
        # A change to a comment already sent goes out again, in its new state only.
        hub.notice(THREAD, db.change(THREAD, 1))
        assert await received(sub) == b"c1@3;"
        await hub.stop()

    run(body())


def test_a_lost_notice_is_made_good_by_the_next_one_or_by_missed() -> None:
    async def body() -> None:
        db = FakeThreads()
        hub = make_hub(db)
        await hub.start()
        sub = await joined(hub, THREAD)
        other = await joined(hub, OTHER)
        db.change(THREAD, 1)  # its notice is lost
        hub.notice(THREAD, db.change(THREAD, 2))
        assert await received(sub) == b"c1@1;c2@2;"
        db.change(THREAD, 3)
        db.change(OTHER, 9)  # both notices lost, e.g. while the broker reconnected
        hub.missed()
        assert await received(sub) == b"c3@3;"
        assert await received(other) == b"c9@1;"
        await hub.stop()

    run(body())


def test_frames_already_in_a_readers_replay_are_not_sent_twice() -> None:
    async def body() -> None:
        db = FakeThreads()
        hub = make_hub(db)
        await hub.start()
        early = await joined(hub, THREAD)
        db.change(THREAD, 1)  # committed; its notice has not arrived here yet
        # A reader that saw change 1 elsewhere (another instance) resumes here: its replay
        # is read from the database and reaches version 1 …
        late = await joined(hub, THREAD, after=1)
        assert late.after == 1 and db.loads[-1] == (THREAD, 1)
        hub.notice(THREAD, 1)
        assert await received(early) == b"c1@1;"
        hub.notice(THREAD, db.change(THREAD, 2))
        assert await received(early) == b"c2@2;"
        # … so the fan-out of change 1 it also got is skipped.
        assert await received(late) == b"c2@2;"
        await hub.stop()

    run(body())


def test_a_reader_already_where_the_hub_is_needs_no_replay_and_misses_nothing() -> None:
    async def body() -> None:
        db = FakeThreads()
        hub = make_hub(db)
        await hub.start()
        await joined(hub, THREAD)
        loads = len(db.loads)
        db.gate = asyncio.Event()
        hub.notice(THREAD, db.change(THREAD, 1))  # the hub's load is held in flight
        await eventually(lambda: hub.loads == 1)
        fresh = await joined(hub, THREAD)  # "from now on"
        resumed = await joined(hub, THREAD, after=0)  # caught up with the hub (version 0)
        assert len(db.loads) == loads + 1  # neither read the database
        assert fresh.after == resumed.after == 0
        db.gate.set()
        # Change 1 was committed before they joined: the fan-out brings it to both.
        assert await received(fresh) == b"c1@1;"
        assert await received(resumed) == b"c1@1;"
        await hub.stop()

    run(body())


def test_a_reader_too_far_behind_is_disconnected_and_the_others_are_not() -> None:
    async def body() -> None:
        db = FakeThreads()
        hub = make_hub(db, max_pending=5)
        await hub.start()
        slow = await joined(hub, THREAD)
        fast = await joined(hub, THREAD)
        for n in range(1, 9):
            hub.notice(THREAD, db.change(THREAD, n))
            assert await received(fast) == b"c%d@%d;" % (n, n)
        assert slow.closed
        assert await received(slow) is None
        hub.leave(slow)
        assert hub.connections == 1
        await hub.stop()

    run(body())


def test_heartbeats_reach_idle_readers() -> None:
    async def body() -> None:
        db = FakeThreads()
        hub = make_hub(db, heartbeat_s=0.05)
        await hub.start()
        subs = [await joined(hub, t) for t in (THREAD, OTHER)]
        for sub in subs:
            assert await received(sub, timeout=2) == BEAT
        await hub.stop()

    run(body())


def test_heartbeats_are_spread_over_the_period_one_slice_per_tick() -> None:
    async def body() -> None:
        db = FakeThreads()
        hub = Hub(db.load, heartbeat_s=1.5, heartbeat=BEAT, heartbeat_tick_s=0.5)
        await hub.start()
        subs = [await joined(hub, THREAD) for _ in range(9)]
        assert sorted(s.slot for s in subs) == [0, 0, 0, 1, 1, 1, 2, 2, 2]

        def beaten() -> set[int]:
            return {s.slot for s in subs if s._beat}

        await eventually(lambda: bool(beaten()), what="the first tick")
        assert len(beaten()) == 1  # one slice per tick (the next is 0.5 s away) …
        await eventually(lambda: beaten() == {0, 1, 2}, what="a whole period")
        assert [await received(s) for s in subs] == [BEAT] * 9  # … everyone in a period
        await hub.stop()

    run(body())


def test_a_failed_load_disconnects_its_readers_who_can_follow_again_later(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def body() -> None:
        db = FakeThreads()
        hub = make_hub(db)
        await hub.start()
        sub = await joined(hub, THREAD)
        db.fail = True
        hub.notice(THREAD, db.change(THREAD, 1))
        assert await received(sub) is None  # it reconnects and replays from its last id
        assert hub.connections == 0
        with pytest.raises(RuntimeError, match="database down"):
            await hub.join(THREAD)
        assert hub.connections == 0
        db.fail = False
        again = await joined(hub, THREAD, after=0)
        assert again.after == 1
        await hub.stop()

    run(body())
    assert "database down" in caplog.text


def test_leaving_forgets_a_thread_and_stop_ends_every_stream() -> None:
    async def body() -> None:
        db = FakeThreads()
        hub = make_hub(db)
        with pytest.raises(RuntimeError):
            await hub.join(THREAD)  # not started
        await hub.start()
        a = await joined(hub, THREAD)
        b = await joined(hub, OTHER)
        hub.leave(a)
        hub.notice(THREAD, db.change(THREAD, 1))  # nobody follows it: no load
        await asyncio.sleep(0.05)
        assert hub.loads == 0
        await hub.stop()
        assert b.closed and await received(b) is None
        assert not hub.running

    run(body())


def test_the_recheck_finds_changes_whose_notice_never_came() -> None:
    async def body() -> None:
        db = FakeThreads()
        hub = make_hub(db, recheck_s=0.05)
        await hub.start()
        sub = await joined(hub, THREAD)
        await joined(hub, OTHER)
        db.change(THREAD, 1)  # written by a process whose notices never reach this one
        assert await received(sub) == b"c1@1;"
        await asyncio.sleep(0.2)  # several rechecks, nothing new: no further loads
        assert hub.loads == 1
        assert ("versions", "2") in [t for t, _ in db.loads]  # both threads in one call
        await hub.stop()

    run(body())
