"""Idle live-update (SSE) connections on one server process: memory and CPU per connection.

Starts one `threadline serve` process (SQLite, in-process broker), opens N idle
GET /api/v1/threads/events streams to it from one asyncio client (raw sockets, spread over
a number of threads), and reports:

  - the server's RSS before and after, and per connection;
  - the server's CPU time over a fixed idle interval (heartbeats included);
  - the time to open all connections, and whether every stream got its heartbeats;
  - the fan-out: the time from posting one comment to the last of its thread's readers
    receiving it.

Everything runs on 127.0.0.1; every phase has a deadline; the server is stopped (its whole
process group) on the way out, whatever happens.

    .venv/bin/python bench/sse_idle.py                      # 10,000 connections
    .venv/bin/python bench/sse_idle.py --connections 2000 --idle-seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
VENV_BIN = Path(sys.executable).parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def threadline() -> str:
    beside = VENV_BIN / "threadline"
    return str(beside) if beside.exists() else (shutil.which("threadline") or "threadline")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * PAGE


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def raise_fd_limit(wanted: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, wanted)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    if target < wanted:
        raise SystemExit(
            f"need {wanted} file descriptors, the hard limit is {hard}: run with fewer "
            "--connections or raise the limit (ulimit -Hn)"
        )
    return target


def http_request(port: int, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Server:
    """One `threadline serve` process in its own process group."""

    def __init__(self, workdir: Path, heartbeat_s: int) -> None:
        self.port = free_port()
        self.database = f"sqlite:///{workdir / 'bench.db'}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("THREADLINE_")}
        self.env.update(
            THREADLINE_RATE_LIMITS="off",
            THREADLINE_DATA_DIR=str(workdir / "data"),
            THREADLINE_SECRET_KEY="bench",
            THREADLINE_LIVE_HEARTBEAT_S=str(heartbeat_s),
            THREADLINE_LOG_LEVEL="warning",
        )
        self.log_path = workdir / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        subprocess.run(
            [threadline(), "--database", self.database, "site", "add", "bench", "--name", "B"],
            env=self.env,
            check=True,
            capture_output=True,
            timeout=60,
        )
        with self.log_path.open("ab") as log_file:
            self.process = subprocess.Popen(
                [threadline(), "--database", self.database, "serve", "--port", str(self.port)],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit("the server exited:\n" + self.log_path.read_text()[-3000:])
            with contextlib.suppress(OSError):
                if http_request(self.port, "GET", "/healthz")[0] == 200:
                    return
            time.sleep(0.1)
        raise SystemExit("the server did not become ready:\n" + self.log_path.read_text()[-3000:])

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)
        self.process = None


class Reader(asyncio.Protocol):
    """One idle SSE stream: counts what arrives, nothing more."""

    def __init__(self, request: bytes, thread: int) -> None:
        self.request = request
        self.thread = thread
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.head = b""
        self.transport: asyncio.Transport | None = None
        self.heartbeats = 0
        self.comment_at: float | None = None
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        if not self.ready.done():
            self.head += data
            # Ready once the replay's resume point ("id: N" after "retry:") has arrived.
            if b" 200 OK" in self.head[:20] and b"\nid: " in self.head:
                self.ready.set_result(None)
                self.head = b""
            elif not self.head.startswith(b"HTTP/1.1 200") and b"\r\n\r\n" in self.head:
                self.ready.set_exception(RuntimeError(self.head[:200].decode("latin-1")))
            return
        self.heartbeats += data.count(b": heartbeat")
        if self.comment_at is None and b"event: comment" in data:
            self.comment_at = time.monotonic()

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if not self.ready.done():
            self.ready.set_exception(ConnectionError("closed before the stream started"))


async def open_readers(port: int, count: int, threads: int, parallel: int) -> list[Reader]:
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(parallel)
    readers: list[Reader] = []

    async def one(i: int) -> None:
        request = (
            f"GET /api/v1/threads/events?site=bench&key=article-{i % threads} HTTP/1.1\r\n"
            f"Host: {HOST}:{port}\r\nAccept: text/event-stream\r\n\r\n"
        ).encode()
        async with gate:
            reader = Reader(request, i % threads)
            await loop.create_connection(lambda: reader, HOST, port)
            await asyncio.wait_for(reader.ready, 60)
            readers.append(reader)

    await asyncio.gather(*(one(i) for i in range(count)))
    return readers


async def run(args: argparse.Namespace, server: Server) -> dict[str, Any]:
    pid = server.pid
    # Warm up: every code path of a stream imported and exercised, then released.
    warm = await open_readers(server.port, 100, args.threads, 100)
    for r in warm:
        assert r.transport is not None
        r.transport.close()
    await asyncio.sleep(2)
    rss_before = rss_bytes(pid)
    log(
        f"server pid {pid}: RSS {rss_before / 2**20:.1f} MiB before; opening "
        f"{args.connections} streams over {args.threads} threads"
    )

    started, cpu_before_connect = time.monotonic(), cpu_seconds(pid)
    readers = await asyncio.wait_for(
        open_readers(server.port, args.connections, args.threads, args.parallel), args.timeout
    )
    connect_s = time.monotonic() - started
    connect_cpu = cpu_seconds(pid) - cpu_before_connect
    log(f"{len(readers)} streams open in {connect_s:.1f}s")
    await asyncio.sleep(3)  # let the server settle (thread pool, allocator)
    rss_after = rss_bytes(pid)
    log(f"RSS {rss_after / 2**20:.1f} MiB with {len(readers)} idle streams")

    beats_before = sum(r.heartbeats for r in readers)
    cpu_start = cpu_seconds(pid)
    await asyncio.sleep(args.idle_seconds)
    cpu_idle = cpu_seconds(pid) - cpu_start
    beats = sum(r.heartbeats for r in readers) - beats_before
    log(f"idle {args.idle_seconds}s: server CPU {cpu_idle:.2f}s, {beats} heartbeats sent")

    # Fan-out: one comment to thread 0, whose readers are connections // threads.
    audience = [r for r in readers if r.thread == 0]
    posted_at = time.monotonic()
    status, _ = await asyncio.to_thread(
        http_request,
        server.port,
        "POST",
        "/api/v1/comments",
        {"site": "bench", "thread": "article-0", "body": "Breaking", "author": {"name": "B"}},
    )
    assert status == 201, status
    deadline = posted_at + 30
    while any(r.comment_at is None for r in audience) and time.monotonic() < deadline:
        await asyncio.sleep(0.005)
    arrived = [r.comment_at for r in audience if r.comment_at is not None]
    fanout_ms = (max(arrived) - posted_at) * 1000 if arrived else float("nan")
    log(
        f"fan-out: {len(arrived)}/{len(audience)} readers had the comment {fanout_ms:.0f} ms "
        "after the POST was sent"
    )

    lost = sum(r.lost for r in readers)
    for r in readers:
        if r.transport is not None:
            r.transport.close()
    return {
        "connections": len(readers),
        "threads": args.threads,
        "connect_seconds": round(connect_s, 2),
        "server_cpu_ms_per_connect": round(1000 * connect_cpu / len(readers), 2),
        "rss_before_mib": round(rss_before / 2**20, 1),
        "rss_after_mib": round(rss_after / 2**20, 1),
        "rss_per_connection_kib": round((rss_after - rss_before) / len(readers) / 1024, 1),
        "idle_seconds": args.idle_seconds,
        "heartbeat_seconds": args.heartbeat,
        "idle_cpu_seconds": round(cpu_idle, 3),
        "idle_cpu_percent_of_one_core": round(100 * cpu_idle / args.idle_seconds, 2),
        "cpu_us_per_heartbeat": round(1e6 * cpu_idle / max(beats, 1), 1),
        "heartbeats_per_stream": round(beats / len(readers), 2),
        "heartbeat_rounds_due": args.idle_seconds // args.heartbeat,
        "streams_lost": lost,
        "fanout_readers": len(audience),
        "fanout_delivered": len(arrived),
        "fanout_ms": round(fanout_ms, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=100, help="threads the readers follow")
    parser.add_argument("--idle-seconds", type=int, default=30)
    parser.add_argument("--heartbeat", type=int, default=15, help="live_heartbeat_s")
    parser.add_argument("--parallel", type=int, default=256, help="connections opening at once")
    parser.add_argument("--timeout", type=float, default=300, help="for opening all streams")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    limit = raise_fd_limit(args.connections + 200)  # the server inherits it too
    log(f"file descriptor limit {limit}")
    workdir = Path(tempfile.mkdtemp(prefix="threadline-bench-sse-"))
    server = Server(workdir, args.heartbeat)
    try:
        server.start()
        budget = args.timeout + args.idle_seconds + 120
        figures = asyncio.run(asyncio.wait_for(run(args, server), budget))
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    figures["python"] = sys.version.split()[0]
    figures["cpus"] = os.cpu_count()
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
