"""Run nginx as a child process with ``nginx_conf``'s config, in a work folder, and stop it.

No root and no system config: ``nginx -p <prefix> -c <prefix>/nginx.conf -e <prefix>/logs/error.log``
with ``daemon off``, so the master stays this process's child (its pid is ours to signal and to
time), its pid file, logs and temp folders stay in the prefix. Its CPU time (master plus workers,
from /proc) is readable for the page-open benchmark, which reports it beside the Streamlit server's.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from synaptic_core.class_proxy.nginx_conf import ProxySettings, write_config


def nginx_binary() -> str | None:
    """The nginx executable (PATH, else Debian's /usr/sbin/nginx, which a non-root PATH may lack), or None."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def nginx_version() -> str | None:
    """"nginx/1.22.1" or None when it is not installed."""
    binary = nginx_binary()
    if binary is None:
        return None
    done = subprocess.run([binary, "-v"], capture_output=True, text=True, timeout=30)
    return (done.stderr or done.stdout).strip().rsplit(" ", 1)[-1] or None


def _connect_host(host: str) -> str:
    """Where a client on this machine reaches a server listening on ``host``."""
    return {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)


@dataclass
class NginxProxy:
    """A running (or finished) nginx master started by :func:`start_nginx`."""

    process: subprocess.Popen
    settings: ProxySettings
    _log_file: object = field(default=None, repr=False)

    @property
    def url(self) -> str:
        host = _connect_host(self.settings.listen_host)
        host = f"[{host}]" if ":" in host else host
        base = "/" + self.settings.base_path.strip("/") if self.settings.base_path.strip("/") else ""
        return f"http://{host}:{self.settings.listen_port}{base}"

    def log_tail(self, max_chars: int = 4_000) -> str:
        """The end of nginx's error log and of its stderr, for failure reports."""
        text = ""
        for path in (self.settings.prefix / "logs" / "error.log", self.settings.prefix / "logs" / "stderr.log"):
            try:
                text += path.read_text(errors="replace")
            except OSError:
                pass
        return text[-max_chars:]

    def pids(self) -> list[int]:
        """The master and its workers (children found in /proc)."""
        master, found = self.process.pid, [self.process.pid]
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                found.append(int(entry.name))
        return found

    def cpu_seconds(self) -> float:
        """CPU time (user + system) nginx's master and workers have used so far."""
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def wait_ready(self, timeout: float = 30.0, poll: float = 0.05) -> None:
        """Block until nginx answers on its address with Streamlit's favicon from disk (which also proves its
        workers can read Streamlit's folder). RuntimeError with the log when it exits or the time passes."""
        deadline = time.perf_counter() + timeout
        probe = self.url + "/favicon.png"
        while True:
            code = self.process.poll()
            if code is not None:
                raise RuntimeError(f"nginx exited with code {code}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(probe, timeout=2) as resp:
                    if resp.status == 200:
                        return
            except urllib.error.HTTPError as exc:
                raise RuntimeError(f"nginx answered {exc.code} for {probe}: can its workers "
                                   f"({self.settings.user or 'this user'}) read {self.settings.static_dir}?\n"
                                   f"{self.log_tail()}") from exc
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError, socket.timeout):
                pass
            if time.perf_counter() > deadline:
                raise RuntimeError(f"nginx did not answer on {self.url} within {timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(poll)

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM (nginx's fast shutdown: open WebSockets are closed), SIGKILL the group after ``timeout``."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # workers left behind, if any
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


def start_nginx(settings: ProxySettings, cpus: set[int] | None = None) -> NginxProxy:
    """Write the config into ``settings.prefix`` and start nginx on it (no waiting: see ``wait_ready``).

    ``cpus``: pin nginx to these cores (the benchmark keeps it off the Streamlit server's core).
    RuntimeError when nginx is not installed."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed (an optional system package: apt-get install nginx)")
    conf = write_config(settings)
    stderr = open(settings.prefix / "logs" / "stderr.log", "wb")
    pin = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None
    process = subprocess.Popen(
        [binary, "-p", f"{settings.prefix}/", "-c", str(conf), "-e", str(settings.prefix / "logs" / "error.log")],
        stdin=subprocess.DEVNULL, stdout=stderr, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=pin,
    )
    return NginxProxy(process=process, settings=settings, _log_file=stderr)
