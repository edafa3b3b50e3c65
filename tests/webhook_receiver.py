"""A real HTTP server on 127.0.0.1 that receives webhooks, for tests: it keeps every request
(headers and raw body) and answers with the statuses it is told to (200 by default),
optionally after a delay or with a redirect; over HTTPS when given a server TLS context.

    with Receiver() as receiver:
        receiver.answers = [500, 200]      # the first request gets 500, the rest 200
        ... receiver.wait(2) ...
        assert receiver.verified(SECRET)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def signature_valid(secret: str, header: str, body: bytes, tolerance_s: float = 300.0) -> bool:
    """The receiver's side of docs/webhooks.md, written out independently of the server's
    code: t=<unix seconds>,v1=<hex HMAC-SHA256 over "<t>.<raw body>">."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    if "t" not in fields or "v1" not in fields:
        return False
    if abs(time.time() - int(fields["t"])) > tolerance_s:
        return False
    expected = hmac.new(secret.encode(), fields["t"].encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), fields["v1"])


class Receiver:
    def __init__(self, port: int = 0, tls: ssl.SSLContext | None = None) -> None:
        self.received: list[Received] = []
        self.answers: list[int] = []  # statuses for the next requests, in order; then 200
        self.delay_s = 0.0
        self.location = ""  # sent with 3xx answers
        self._lock = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the http.server API names it
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    delay = receiver.delay_s
                if delay:
                    time.sleep(delay)
                with receiver._lock:
                    receiver.received.append(Received(self.path, dict(self.headers), body))
                    receiver._lock.notify_all()
                self.send_response(status)
                if 300 <= status < 400 and receiver.location:
                    self.send_header("Location", receiver.location)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        if tls is not None:
            # The handshake runs on accept; one a client breaks off (an untrusted
            # certificate) is an OSError the server shrugs off.
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.scheme = "https" if tls is not None else "http"
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str = "/hook") -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def wait(self, count: int, timeout: float = 10.0) -> list[Received]:
        """At least `count` requests (fails the test when they do not come)."""
        with self._lock:
            self._lock.wait_for(lambda: len(self.received) >= count, timeout=timeout)
            got = list(self.received)
        assert len(got) >= count, f"received {len(got)} of {count} webhook requests"
        return got

    def wait_until(self, done: Any, timeout: float = 30.0) -> list[Received]:
        """Requests until `done(received)` is true (or the timeout: then what came)."""
        with self._lock:
            self._lock.wait_for(lambda: done(list(self.received)), timeout=timeout)
            return list(self.received)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
