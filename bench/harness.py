"""Shared plumbing for the benchmarks: ports, processes, HTTP, wrk, memory, tables.

Everything here talks to 127.0.0.1 only; every loop is bounded in count and time; every
process started through `Service` is stopped (its whole process group) on exit.
"""

from __future__ import annotations

import atexit
import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"

_apt_updated = False


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- tools ------------------------------------------------------------------------------------


def ensure_tool(command: str, apt_package: str) -> str:
    """The tool's path; installs its Debian package first (root only) when it is missing."""
    global _apt_updated
    found = shutil.which(command) or shutil.which(command, path="/usr/sbin:/usr/bin")
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit(f"{command} is missing: apt-get install {apt_package}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if not _apt_updated:
        log("apt-get update")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, timeout=600)
        _apt_updated = True
    log(f"apt-get install {apt_package}")
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", apt_package], check=True, env=env, timeout=900
    )
    found = shutil.which(command) or shutil.which(command, path="/usr/sbin:/usr/bin")
    if not found:
        raise SystemExit(f"{apt_package} installed but {command} is still not on PATH")
    return found


def free_port() -> int:
    """A port the OS says is free now (bound and released at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def scratch_dir(prefix: str) -> Path:
    """A fresh directory for databases and logs, removed at exit unless BENCH_KEEP=1."""
    path = Path(tempfile.mkdtemp(prefix=f"threadline-bench-{prefix}-"))
    if os.environ.get("BENCH_KEEP") != "1":
        atexit.register(shutil.rmtree, path, True)
    return path


# -- processes --------------------------------------------------------------------------------


class Service:
    """A server process in its own process group, logging to a file; stopped on exit."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            list(argv),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def pids(self) -> list[int]:
        """This process and its descendants (server workers)."""
        found = [self.pid]
        frontier = [self.pid]
        for _ in range(4):  # bounded depth
            nxt: list[int] = []
            for parent in frontier:
                # Every thread's children: the moderation engine's worker processes are
                # started by a worker thread, not by the main one.
                for children in Path(f"/proc/{parent}/task").glob("*/children"):
                    try:
                        nxt.extend(int(p) for p in children.read_text().split())
                    except OSError:
                        continue
            found.extend(nxt)
            frontier = nxt
            if not nxt:
                break
        return found

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            tail = self.log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{tail}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._log.close()

    def __enter__(self) -> Service:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_http(service: Service, port: int, path: str, timeout_s: float = 60.0) -> None:
    """Until the server answers `path` with any HTTP status below 500."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        service.check_alive()
        try:
            status, _, _ = request(port, "GET", path, timeout=5)
            if status < 500:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{service.name} did not answer {path} on port {port} in {timeout_s}s")


# -- HTTP -------------------------------------------------------------------------------------


def request(
    port: int,
    method: str,
    path: str,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 60.0,
    conn: http.client.HTTPConnection | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One request; `body` is sent as JSON unless it is bytes. Reuses `conn` when given."""
    own = conn is None
    c = conn or http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        hdrs = dict(headers or {})
        data: bytes | None = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        c.request(method, path, body=data, headers=hdrs)
        resp = c.getresponse()
        payload = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, payload
    finally:
        if own:
            c.close()


# -- wrk --------------------------------------------------------------------------------------

# Appended to every wrk script: prints the run's figures as one JSON line.
WRK_REPORT_LUA = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,' ..
    '"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean))
end
"""


@dataclass(frozen=True)
class WrkResult:
    requests: int
    duration_us: int
    bytes: int
    connect_errors: int
    read_errors: int
    write_errors: int
    status_errors: int
    timeouts: int
    p50_us: int
    p90_us: int
    p99_us: int
    max_us: int
    mean_us: float

    @property
    def rps(self) -> float:
        """Successful (2xx/3xx) responses per second."""
        return (self.requests - self.status_errors) / (self.duration_us / 1e6)

    @property
    def errors(self) -> int:
        return self.connect_errors + self.read_errors + self.write_errors + self.status_errors

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rps": self.rps}


def run_wrk(
    url: str,
    *,
    connections: int,
    duration_s: float,
    threads: int = 2,
    timeout_s: float = 10.0,
    headers: Mapping[str, str] | None = None,
    lua: str = "",
    workdir: Path | None = None,
) -> WrkResult:
    """One wrk run against `url`; `lua` (request generation) gets the JSON reporter appended."""
    wrk = ensure_tool("wrk", "wrk")
    folder = workdir or scratch_dir("wrk")
    script = folder / f"wrk-{os.getpid()}-{time.monotonic_ns()}.lua"
    script.write_text(lua + "\n" + WRK_REPORT_LUA)
    argv = [
        wrk,
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(duration_s))}s",
        f"--timeout={max(1, round(timeout_s))}s",
        "-s",
        str(script),
    ]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    argv.append(url)
    proc = subprocess.run(
        argv, capture_output=True, text=True, timeout=duration_s + timeout_s + 60, check=False
    )
    script.unlink(missing_ok=True)
    for line in proc.stdout.splitlines():
        if line.startswith("WRKJSON "):
            return WrkResult(**json.loads(line[len("WRKJSON ") :]))
    raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stdout}\n{proc.stderr}")


def server_runtime(pid: int) -> str:
    """Which event loop and HTTP parser a uvicorn process has loaded."""
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return "unknown"
    loop = "uvloop" if "/uvloop/" in maps else "asyncio"
    parser = "httptools" if "/httptools/" in maps else "h11"
    return f"{loop} + {parser}"


# -- memory -----------------------------------------------------------------------------------


_CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: Iterable[int]) -> float:
    """User + system CPU time the processes (all their threads) have used so far.

    Unlike wall-clock latency this barely moves when other work shares the machine, so
    CPU per request is the steadier figure on a busy box (resolution: 1/CLK_TCK s, so
    only averages over many requests mean much)."""
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / _CLK_TCK


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class RssSampler:
    """Samples the largest RSS among some processes every `every_s` while running."""

    def __init__(self, pids: Iterable[int], every_s: float = 0.2) -> None:
        self._pids = list(pids)
        self._every = every_s
        self._stop = threading.Event()
        self.peak: dict[int, float] = {}
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in self._pids:
                value = rss_mib(pid)
                if value is not None:
                    self.peak[pid] = max(self.peak.get(pid, 0.0), value)
            self._stop.wait(self._every)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


# -- figures ----------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0–100) of a non-empty sample."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: Iterable[float]) -> float:
    return float(statistics.median(list(values)))


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table (readable in a terminal, pasteable into docs)."""
    body = [[str(c) for c in row] for row in rows]
    widths = [
        max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(headers)
    ]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    rows_text = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in body
    ]
    return "\n".join([line, rule, *rows_text])


def save_results(name: str, data: Mapping[str, Any]) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    payload = {"benchmark": name, "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **data}
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return path


def machine_summary() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores ({cpu}), Python {sys.version.split()[0]}, load avg {load}"
