"""An acknowledged comment survives kill -9 of the server, on SQLite and PostgreSQL.

A real `threadline serve` process takes posts from several client threads as fast as they can
send them; once enough posts were acknowledged (201) the whole process group is SIGKILLed
while more posts are in flight. After a restart on the same database every acknowledged
comment must be there, with the exact text that was acknowledged: the group-commit writer
answers a write only after its transaction committed. (Killing the process cannot lose what
the operating system already holds; surviving power loss is what synchronous=FULL adds.)
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import pytest

from tests.conftest import database_url_for
from tests.live_server import LiveServer, cli_environ, run_cli
from threadline.app import open_store
from threadline.config import Settings

CLIENTS = 8
ROUNDS = 2  # crash, restart and verify twice: the second crash also hits a recovered database
MIN_ACKS_BEFORE_KILL = 300  # per round
ACK_TIMEOUT = 120.0  # seconds allowed to collect the acknowledgements of one round
REQUEST_TIMEOUT = 10.0
MAX_POSTS_PER_CLIENT = 5_000  # per round: a hard bound even if the kill never happens
SITE = "durable"


@dataclass
class Acks:
    """Acknowledged comments, shared by the client threads: id → (body, html)."""

    comments: dict[int, tuple[str, str]] = field(default_factory=dict)
    errors_after_kill: int = 0
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Condition = field(default_factory=threading.Condition)

    def add(self, comment_id: int, body: str, html: str) -> None:
        with self.lock:
            self.comments[comment_id] = (body, html)
            self.lock.notify_all()

    def count(self) -> int:
        with self.lock:
            return len(self.comments)

    def wait_for(self, n: int, timeout: float) -> bool:
        with self.lock:
            return self.lock.wait_for(
                lambda: len(self.comments) >= n or bool(self.unexpected), timeout=timeout
            )


def _poster(base_url: str, worker: int, round_no: int, acks: Acks, killed: threading.Event) -> None:
    """Post as fast as possible until the server is gone (or a bound is reached)."""
    deadline = time.monotonic() + ACK_TIMEOUT + 30
    with httpx2.Client(base_url=base_url, timeout=REQUEST_TIMEOUT, trust_env=False) as client:
        for i in range(MAX_POSTS_PER_CLIENT):
            if killed.is_set() or time.monotonic() > deadline:
                return
            body = f"round {round_no} worker {worker} post {i} {uuid.uuid4().hex}"
            try:
                response = client.post(
                    "/api/v1/comments",
                    json={
                        "site": SITE,
                        "thread": f"article-{worker % 3}",
                        "body": body,
                        "author": {"name": f"Writer {worker}"},
                    },
                )
            except httpx2.TransportError as exc:
                if killed.is_set():
                    with acks.lock:
                        acks.errors_after_kill += 1
                    return
                with acks.lock:
                    acks.unexpected.append(f"worker {worker}: {exc!r} before the kill")
                    acks.lock.notify_all()
                return
            if response.status_code != 201:
                with acks.lock:
                    acks.unexpected.append(
                        f"worker {worker}: {response.status_code} {response.text[:300]}"
                    )
                    acks.lock.notify_all()
                return
            comment = response.json()["comment"]
            acks.add(comment["id"], body, comment["html"])


def _crash_while_posting(server: LiveServer, round_no: int, acks: Acks) -> int:
    """Post from CLIENTS threads, SIGKILL the server mid-stream; acks of this round."""
    before = acks.count()
    killed = threading.Event()
    threads = [
        threading.Thread(
            target=_poster,
            args=(server.base_url, w, round_no, acks, killed),
            name=f"poster-{w}",
            daemon=True,
        )
        for w in range(CLIENTS)
    ]
    for t in threads:
        t.start()
    try:
        reached = acks.wait_for(before + MIN_ACKS_BEFORE_KILL, timeout=ACK_TIMEOUT)
    finally:
        # Posts are still in flight here: the clients never pause for the kill.
        killed.set()
        server.kill()
        for t in threads:
            t.join(timeout=REQUEST_TIMEOUT + 5)
    assert not any(t.is_alive() for t in threads), "a client thread did not finish"
    assert not acks.unexpected, acks.unexpected
    assert reached, (
        f"only {acks.count() - before} posts acknowledged in {ACK_TIMEOUT:.0f}s\n"
        + server.log_tail()
    )
    return acks.count() - before


def _verify_through_api(server: LiveServer, acks: Acks) -> None:
    missing: list[int] = []
    changed: list[tuple[int, str, str]] = []
    with httpx2.Client(
        base_url=server.base_url, timeout=REQUEST_TIMEOUT, trust_env=False
    ) as client:
        for comment_id, (body, html) in sorted(acks.comments.items()):
            response = client.get(f"/api/v1/comments/{comment_id}")
            if response.status_code == 404:
                missing.append(comment_id)
                continue
            assert response.status_code == 200, response.text
            got = response.json()["comment"]["html"]
            if got != html or html != f"<p>{body}</p>":
                changed.append((comment_id, html, got))
    assert not missing, f"{len(missing)} acknowledged comments lost after kill -9: {missing[:20]}"
    assert not changed, f"acknowledged comments changed after kill -9: {changed[:5]}"


def _verify_in_store(database_url: str, data_dir: Path, acks: Acks) -> None:
    """The stored source text, read with the storage layer once the server is stopped."""
    store = open_store(Settings(database_url=database_url, data_dir=str(data_dir)))
    try:
        with store.reading() as db:
            for comment_id, (body, _) in acks.comments.items():
                stored = db.get_comment(comment_id)
                assert stored is not None, f"comment {comment_id} missing from the store"
                assert stored.body == body
    finally:
        store.close()


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_acknowledged_comments_survive_kill_9(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    database_url = database_url_for(backend, tmp_path, request)
    data_dir = tmp_path / "data"
    env = cli_environ(THREADLINE_RATE_LIMITS="off", THREADLINE_DATA_DIR=str(data_dir))
    added = run_cli(["site", "add", SITE, "--name", "Durable News"], env, database_url)
    assert added.returncode == 0, added.stderr

    server = LiveServer(database_url, env, tmp_path / "server.log")
    acks = Acks()
    per_round: list[int] = []
    try:
        server.start()
        for round_no in range(ROUNDS):
            per_round.append(_crash_while_posting(server, round_no, acks))
            server.start()  # same database, after the crash
            _verify_through_api(server, acks)
    finally:
        if server.process is not None:
            server.stop()
    _verify_in_store(database_url, data_dir, acks)
    print(
        f"{backend}: {acks.count()} acknowledged comments ({per_round} per crash) verified "
        f"after kill -9; {acks.errors_after_kill} posts were cut off by the kill"
    )
