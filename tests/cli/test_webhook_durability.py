"""Every acknowledged comment's webhook arrives, across kill -9: a real `threadline serve`
takes comments while the receiver is down (its deliveries fail and wait for a retry), is
SIGKILLed while a client is still posting, the receiver comes up, the server restarts on
the same database, and the receiver gets a signed `comment.published` for every comment the
server acknowledged as published — written in the comment's own transaction, so the kill
cannot lose it."""

from __future__ import annotations

import re
import threading
import time
import uuid
from pathlib import Path

import httpx2
import pytest

from tests.conftest import database_url_for
from tests.live_server import LiveServer, cli_environ, free_port, run_cli
from tests.webhook_receiver import Received, Receiver, signature_valid

SITE = "hooked"
MIN_ACKS = 30
WAIT_FOR_DELIVERIES_S = 90.0


def _post_until_killed(server: LiveServer, acked: set[int], stop: threading.Event) -> None:
    with httpx2.Client(base_url=server.base_url, timeout=10.0, trust_env=False) as client:
        for i in range(2000):
            if stop.is_set():
                return
            try:
                answer = client.post(
                    "/api/v1/comments",
                    json={
                        "site": SITE,
                        "thread": f"article-{i % 3}",
                        "body": f"Comment {i} {uuid.uuid4().hex}",
                        "author": {"name": "Poster"},
                    },
                )
            except httpx2.TransportError:
                return  # the server was killed mid-request: not acknowledged
            if answer.status_code == 201 and answer.json()["comment"]["status"] == "published":
                acked.add(int(answer.json()["comment"]["id"]))


def _published(received: list[Received]) -> set[int]:
    return {r.json["comment"]["id"] for r in received if r.json["event"] == "comment.published"}


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_acknowledged_comments_webhooks_survive_kill_9(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    database_url = database_url_for(backend, tmp_path, request)
    env = cli_environ(
        THREADLINE_RATE_LIMITS="off",
        THREADLINE_DATA_DIR=str(tmp_path / "data"),
        THREADLINE_MODERATION_PROCESSES="0",
        THREADLINE_WEBHOOK_ALLOW_PRIVATE_ADDRESSES="on",
        THREADLINE_WEBHOOK_FIRST_RETRY_S="1",
        THREADLINE_WEBHOOK_TIMEOUT_MS="1000",
    )
    port = free_port()  # the receiver's, while nothing listens there
    assert run_cli(["site", "add", SITE, "--name", "Hooked"], env, database_url).returncode == 0
    added = run_cli(
        ["webhook", "add", SITE, f"http://127.0.0.1:{port}/hook", "--event", "comment.published"],
        env,
        database_url,
    )
    assert added.returncode == 0, added.stderr
    secret = re.search(r"secret: (whsec_\S+)", added.stdout).group(1)  # type: ignore[union-attr]

    server = LiveServer(database_url, env, tmp_path / "server.log")
    acked: set[int] = set()
    stop = threading.Event()
    try:
        server.start()
        poster = threading.Thread(target=_post_until_killed, args=(server, acked, stop))
        poster.start()
        deadline = time.monotonic() + 60
        # Kill once enough comments were acknowledged and the worker (it looks every second)
        # has tried the receiver and failed, while the client is still posting.
        while (
            (len(acked) < MIN_ACKS or "retrying later" not in server.log_text())
            and poster.is_alive()
            and time.monotonic() < deadline
        ):
            time.sleep(0.05)
        server.kill()
        stop.set()
        poster.join(15)
        assert len(acked) >= MIN_ACKS, server.log_tail()
        assert "retrying later" in server.log_text()  # the receiver was down: attempts failed

        with Receiver(port) as receiver:
            server.start()
            got = receiver.wait_until(
                lambda received: acked <= _published(received), WAIT_FOR_DELIVERIES_S
            )
            missing = acked - _published(got)
            assert not missing, f"{len(missing)} of {len(acked)} never arrived\n{server.log_tail()}"
            for r in got:
                assert signature_valid(secret, r.headers["Threadline-Signature"], r.body)
                assert r.headers["Threadline-Event"] == "comment.published"
    finally:
        if server.process is not None:
            server.stop()
    print(f"{backend}: {len(acked)} acknowledged comments, {len(got)} deliveries received")
