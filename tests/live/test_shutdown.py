"""A server asked to stop ends its live streams at once and cleanly: it does not wait out its
graceful-shutdown timeout on streams that never end, nor cancel them with an error each.
Readers then reconnect (elsewhere, or after the restart) and replay what they missed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.live.servers import EVENTS, add_demo_site, http, post_comment, running, server_env
from tests.live.sse import SSEClient

pytestmark = pytest.mark.slow
GRACEFUL_TIMEOUT = 5.0  # `threadline serve` gives open responses this long


def test_stopping_ends_open_streams_at_once_and_they_resume_after_a_restart(
    tmp_path: Path,
) -> None:
    env = server_env(tmp_path / "data")
    url = f"sqlite:///{tmp_path / 'threadline.db'}"
    add_demo_site(url, env)
    readers: list[SSEClient] = []
    try:
        with running(url, env, tmp_path / "server.log") as server:
            with http() as client:
                post_comment(client, server, "story", "Before the restart")
            readers = [
                SSEClient(server.base_url, EVENTS, {"site": "demo", "key": "story"})
                for _ in range(3)
            ]
            last = [r.resume_point() for r in readers]
            assert last == [1, 1, 1]
            started = time.monotonic()
            server.stop()
            took = time.monotonic() - started
            assert took < GRACEFUL_TIMEOUT - 1, f"stop took {took:.1f}s"
            for reader in readers:
                assert reader.next_block(timeout=5) is None  # ended by the server, cleanly
            log = server.log_text()
            assert "Traceback" not in log and "Exception in ASGI application" not in log

            server.start()
            with http() as client:
                missed = post_comment(client, server, "story", "While they were away")
            with SSEClient(
                server.base_url, EVENTS, {"site": "demo", "key": "story"}, {"Last-Event-ID": "1"}
            ) as again:
                replayed, resume = again.events_until_resume()
                assert [e.json()["id"] for e in replayed] == [missed["comment"]["id"]]
                assert resume == 2
    finally:
        for reader in readers:
            reader.close()
