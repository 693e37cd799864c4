"""Start and stop a headless ``streamlit run app.py`` server, the way Streamlit's own e2e suite does.

Used by the cold-start benchmark and by the real-browser tests, so both measure and test
the app exactly as ``streamlit run`` serves it: a subprocess in its own process group
(so stopping it also stops the training processes it spawned), its output in a log file,
readiness judged by ``/_stcore/health`` answering HTTP 200.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
APP = REPO_ROOT / "app.py"


def free_port() -> int:
    """A TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


LOOPBACK = "127.0.0.1"


def streamlit_command(port: int, extra_args: list[str] | None = None, app: Path = APP,
                      address: str | None = LOOPBACK) -> list[str]:
    """The command line: README's ``streamlit run app.py`` plus headless, port and no telemetry.

    ``address`` is where the server listens (``--server.address``): the loopback address by
    default, so tests and benchmarks are never reachable from the network whatever the
    config says; None leaves it to ``.streamlit/config.toml`` (what ``streamlit run`` does).
    """
    where = ["--server.address", address] if address else []
    return [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.headless", "true",
        *where,
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
        *(extra_args or []),
    ]


@dataclass
class AppServer:
    """A running (or finished) Streamlit server subprocess."""

    process: subprocess.Popen
    port: int
    log_path: Path
    started_at: float  # time.perf_counter() just before the process was launched
    _log_file: object = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, max_chars: int = 8_000) -> str:
        """The end of the server's stdout+stderr, for failure reports."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as exc:
            return f"(no server log: {exc})"
        return text[-max_chars:]

    def is_healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as resp:
                return resp.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return False

    def wait_healthy(self, timeout: float = 60.0, poll: float = 0.05) -> float:
        """Block until ``/_stcore/health`` answers 200; return seconds since launch.

        Raises RuntimeError (with the server log) if the process exits or the timeout passes.
        """
        deadline = time.perf_counter() + timeout
        while True:
            if self.is_healthy():
                return time.perf_counter() - self.started_at
            code = self.process.poll()
            if code is not None:
                raise RuntimeError(f"streamlit exited with code {code} before it was healthy:\n{self.log_tail()}")
            if time.perf_counter() > deadline:
                raise RuntimeError(f"streamlit was not healthy after {timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(poll)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server process itself has used so far, from /proc.

        Its training processes are not counted (they are children with their own clocks): this is
        the budget every session's script and fragments share under one interpreter lock.
        """
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime

    def rss_mb(self) -> float:
        """The server process's resident memory now, in MB (its training processes not counted)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self, timeout: float = 10.0) -> float | None:
        """SIGTERM the whole process group, then SIGKILL whatever is left after ``timeout``.

        Returns the seconds the server took to exit after SIGTERM (None: it was not running, or
        needed the SIGKILL).
        """
        took = None
        if self.process.poll() is None:
            _signal_group(self.process.pid, signal.SIGTERM)
            sent = time.perf_counter()
            try:
                self.process.wait(timeout=timeout)
                took = time.perf_counter() - sent
            except subprocess.TimeoutExpired:
                pass
        # Children (job workers) share the group and may outlive the server: kill them too.
        _signal_group(self.process.pid, signal.SIGKILL)
        self.process.wait()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        return took


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def start_app(log_path: Path, port: int | None = None, env: dict[str, str] | None = None,
              extra_args: list[str] | None = None, app: Path = APP, address: str | None = LOOPBACK,
              cpus: set[int] | None = None) -> AppServer:
    """Launch ``app`` in its own process group (no waiting); ``env`` entries override os.environ.

    The server runs in the app's folder, so that folder's ``.streamlit/config.toml`` applies.
    ``address``: see :func:`streamlit_command`. ``cpus``: pin the server (and the training
    processes it spawns, which inherit it) to these cores, as ``taskset -c`` would: a load test
    keeps the server on one core and the browsers on the other.
    """
    port = port or free_port()
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_file = open(log_path, "wb")
    started = time.perf_counter()
    pin = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None
    process = subprocess.Popen(
        streamlit_command(port, extra_args, app, address), cwd=app.parent, env=full_env,
        stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        preexec_fn=pin,
    )
    return AppServer(process=process, port=port, log_path=log_path, started_at=started, _log_file=log_file)
