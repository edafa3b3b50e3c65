"""A test client for Server-Sent Events over a raw socket: every wait is bounded, comments
(heartbeats) are visible, and the stream can be dropped at any moment like a real network.

HTTP/1.0 is used so the server sends the body unframed (no chunked encoding to undo).
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit


@dataclass
class Block:
    """One blank-line-terminated block of the stream, fields as sent."""

    id: str | None = None
    event: str | None = None
    data: list[str] = field(default_factory=list)
    retry: int | None = None
    comments: list[str] = field(default_factory=list)

    @property
    def is_event(self) -> bool:
        return bool(self.data)

    def json(self) -> Any:
        return json.loads("\n".join(self.data))


class SSEClient:
    def __init__(
        self,
        base_url: str,
        path: str,
        params: Mapping[str, str],
        headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,
    ) -> None:
        parts = urlsplit(base_url)
        assert parts.hostname and parts.port
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
        lines = [f"GET {path}?{urlencode(params)} HTTP/1.0", f"Host: {parts.netloc}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self._buffer = b""
        self.closed_by_server = False
        head = self._read_until(b"\r\n\r\n", time.monotonic() + timeout)
        assert head is not None, "no response head"
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        self.status = int(status_line.split()[1])
        self.headers = {
            k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in header_lines)
        }
        self.seen: list[Block] = []

    def _read_until(self, marker: bytes, deadline: float) -> bytes | None:
        while marker not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"nothing complete within the wait; got {self._buffer!r}")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                self.closed_by_server = True
                return None
            self._buffer += chunk
        found, self._buffer = self._buffer.split(marker, 1)
        return found

    def body_rest(self, timeout: float = 10.0) -> bytes:
        """Everything until the server closes (for error responses)."""
        deadline = time.monotonic() + timeout
        while self._read_until(b"\x00never\x00", deadline) is not None:
            pass
        return self._buffer

    def next_block(self, timeout: float = 10.0) -> Block | None:
        """The next block, or None if the server ended the stream."""
        raw = self._read_until(b"\n\n", time.monotonic() + timeout)
        if raw is None:
            return None
        block = Block()
        for line in raw.decode("utf-8").split("\n"):
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "":
                block.comments.append(value)
            elif name == "id":
                block.id = value
            elif name == "event":
                block.event = value
            elif name == "data":
                block.data.append(value)
            elif name == "retry":
                block.retry = int(value)
        self.seen.append(block)
        return block

    def wait_for(self, check: Callable[[Block], bool], timeout: float = 10.0) -> Block:
        deadline = time.monotonic() + timeout
        while True:
            block = self.next_block(max(0.0, deadline - time.monotonic()))
            if block is None:
                raise AssertionError(f"the stream ended; seen {self.seen}")
            if check(block):
                return block

    def next_event(self, timeout: float = 10.0) -> Block:
        """The next dispatched event (a block with data), skipping heartbeats and hints."""
        return self.wait_for(lambda b: b.is_event, timeout)

    def resume_point(self, timeout: float = 10.0) -> int:
        """Read up to the id-only block that follows the replay: the stream is now live."""
        block = self.wait_for(lambda b: b.id is not None and not b.is_event, timeout)
        assert block.id is not None
        return int(block.id)

    def events_until_resume(self, timeout: float = 10.0) -> tuple[list[Block], int]:
        """The replayed events, and the version the stream resumes from."""
        events = []
        deadline = time.monotonic() + timeout
        while True:
            block = self.next_block(max(0.0, deadline - time.monotonic()))
            assert block is not None, "the stream ended during the replay"
            if block.is_event:
                events.append(block)
            elif block.id is not None:
                return events, int(block.id)

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> SSEClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
