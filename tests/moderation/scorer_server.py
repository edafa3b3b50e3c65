"""A real HTTP server standing in for a newsroom's own hosted scorer (outside our stack).

Each path answers one way: /ok scores by a word in the text, /slow answers late, /error is a
500, /garbage is not JSON, /wrong is JSON without a usable score. Every request is recorded.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SLOW_S = 3.0


@dataclass
class ScorerServer:
    base_url: str
    requests: list[dict[str, Any]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path


def _answer(path: str, asked: dict[str, Any]) -> tuple[int, bytes]:
    if path == "/ok":
        flagged = "pineapple" in str(asked.get("text", "")).lower()
        body = {"score": 0.91 if flagged else 0.04, "reason": "Off-brand fruit talk."}
        if not flagged:
            body.pop("reason")
        return 200, json.dumps(body).encode()
    if path == "/slow":
        time.sleep(SLOW_S)
        return 200, b'{"score": 0.9, "hold": true}'
    if path == "/error":
        return 500, b"Internal Server Error"
    if path == "/garbage":
        return 200, b"<html>surprise</html>"
    if path == "/wrong":
        return 200, b'{"score": 7, "hold": "yes"}'
    return 404, b"{}"


@contextmanager
def scorer_server() -> Iterator[ScorerServer]:
    state = ScorerServer("")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes: without this, Nagle's algorithm and the
            # client's delayed ACK add ~40 ms to every answer.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            asked = json.loads(self.rfile.read(length) or b"{}")
            state.requests.append({"path": self.path, **asked})
            status, body = _answer(self.path, asked)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up waiting (the slow path): nothing to answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
