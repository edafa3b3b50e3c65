"""`threadline serve` as a real process, for tests that need a live server.

The server listens on 127.0.0.1 on an OS-chosen free port, readiness is decided by polling
/healthz (never by sleeping a fixed time), and it runs in its own process group so that
`stop()` (SIGTERM, then SIGKILL) and `kill()` (SIGKILL at once, a crash) reach every worker.

    with LiveServer(database_url=url, env=cli_environ(THREADLINE_RATE_LIMITS="off")) as server:
        httpx2.get(server.url("/healthz"))
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

HOST = "127.0.0.1"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
CLI_TIMEOUT = 60.0
_PORT_ATTEMPTS = 3
# Direct connections only: a proxy from the environment must never see test traffic.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def threadline_executable() -> str:
    """The `threadline` script installed next to the running interpreter (the venv's)."""
    beside = Path(sys.executable).with_name("threadline")
    if beside.exists():
        return str(beside)
    found = shutil.which("threadline")
    if found is None:
        raise RuntimeError("the threadline command is not installed (pip install -e .)")
    return found


def cli_environ(**settings: str) -> dict[str, str]:
    """This process's environment without any THREADLINE_* variable, plus `settings`.

    Unknown THREADLINE_* variables stop start-up, and the test suite's own variables
    (TEST_POSTGRES_URL) must not leak into the server.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("THREADLINE_")}
    env.update(settings)
    return env


def free_port() -> int:
    """A port the OS just handed out on 127.0.0.1 (see LiveServer for the race it leaves)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def run_cli(
    args: Sequence[str],
    env: Mapping[str, str],
    database_url: str | None = None,
    timeout: float = CLI_TIMEOUT,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `threadline [--database URL] ARGS…` to completion and return what it printed;
    `input` is its standard input (e.g. a password for `--password-stdin`), else none."""
    argv = [threadline_executable()]
    if database_url is not None:
        argv += ["--database", database_url]
    return subprocess.run(
        [*argv, *args],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        **({"input": input} if input is not None else {"stdin": subprocess.DEVNULL}),
        check=False,
    )


def http_status(url: str, timeout: float = 2.0) -> int | None:
    """The status of GET url, or None when nothing answered."""
    try:
        with _OPENER.open(url, timeout=timeout) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, urllib.error.URLError):
        return None


class ServerFailed(RuntimeError):
    """The server exited or did not become ready; the message carries its log."""


class LiveServer:
    """One `threadline [--database URL] serve --port P ARGS…` process, restartable.

    Output goes to `log_path` (appended across restarts), never to a pipe that could fill
    up and stall the server.
    """

    def __init__(
        self,
        database_url: str | None,
        env: Mapping[str, str],
        log_path: Path,
        serve_args: Sequence[str] = (),
    ) -> None:
        self.database_url = database_url
        self.env = dict(env)
        self.log_path = log_path
        self.serve_args = list(serve_args)
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def start(self, timeout: float = START_TIMEOUT) -> LiveServer:
        """Start on a fresh free port and return once /healthz answers 200.

        The port is free when chosen but could be taken before the server binds it; a
        start that fails with "address already in use" is retried on another port.
        """
        if self.process is not None:
            raise RuntimeError("the server is already running")
        for attempt in range(_PORT_ATTEMPTS):
            self.port = free_port()
            log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
            self._spawn()
            try:
                self.wait_ready(timeout)
                return self
            except ServerFailed:
                self.kill()
                fresh_log = self.log_text()[log_offset:]
                if "address already in use" in fresh_log.lower() and attempt + 1 < _PORT_ATTEMPTS:
                    continue
                raise
        raise AssertionError("unreachable")

    def _spawn(self) -> None:
        argv = [threadline_executable()]
        if self.database_url is not None:
            argv += ["--database", self.database_url]
        argv += ["serve", "--host", HOST, "--port", str(self.port), *self.serve_args]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            log.write(f"\n$ {' '.join(argv)}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                argv,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: signals reach every worker
            )

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Poll /healthz until it answers 200; fail early if the process exits."""
        process = self._running()
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise ServerFailed(
                    f"threadline serve exited with {process.returncode} before it was ready:\n"
                    + self.log_tail()
                )
            if http_status(self.url("/healthz"), timeout=1.0) == 200:
                return
            if time.monotonic() > deadline:
                raise ServerFailed(
                    f"threadline serve not ready after {timeout:.0f}s:\n" + self.log_tail()
                )
            # Wakes at once if the process dies; otherwise a short pause between polls.
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.05)

    def _running(self) -> subprocess.Popen[bytes]:
        if self.process is None:
            raise RuntimeError("the server is not running")
        return self.process

    def _signal_group(self, sig: signal.Signals) -> None:
        process = self._running()
        with contextlib.suppress(ProcessLookupError):  # the group is gone already
            os.killpg(process.pid, sig)  # the group id is the leader's pid (start_new_session)

    def kill(self) -> int:
        """SIGKILL the whole process group at once (a crash) and reap it; the exit code."""
        process = self._running()
        self._signal_group(signal.SIGKILL)
        code = process.wait(timeout=STOP_TIMEOUT)
        self.process = None
        return code

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM (graceful shutdown), SIGKILL if still running after `timeout`."""
        process = self._running()
        if process.poll() is None:
            self._signal_group(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=timeout)
        # Workers of a multi-process server may outlive the leader: make sure none is left.
        self._signal_group(signal.SIGKILL)
        code = process.wait(timeout=timeout)
        self.process = None
        return code

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_text()[-chars:]

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.process is not None:
            self.stop()
