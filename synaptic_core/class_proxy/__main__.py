"""``python -m synaptic_core.class_proxy``: a class server, Streamlit behind nginx, in one command.

    .venv/bin/python -m synaptic_core.class_proxy --listen 0.0.0.0:8080

starts ``streamlit run app.py`` on 127.0.0.1 (a free port, or ``--streamlit-port``; the repo's
``.streamlit/config.toml`` applies, and arguments after ``--`` go to ``streamlit run``) and nginx on
``--listen`` in front of it (config and logs in ``--work``, a fresh temp folder by default). Students
open ``http://<this machine>:8080/...``; only nginx listens beyond this machine. Ctrl-C or SIGTERM
stops both (Streamlit with SIGTERM, so running trainings are marked interrupted); if either exits,
the other is stopped too and the status is 1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from synaptic_core.bench.appserver import APP, LOOPBACK, AppServer, free_port, streamlit_command
from synaptic_core.class_proxy.nginx import NginxProxy, nginx_binary, start_nginx
from synaptic_core.class_proxy.nginx_conf import (ProxySettings, listen_directive, render, streamlit_static_dir,
                                                  worker_user)


def upload_limit_mb(app: Path = APP) -> int:
    """Streamlit's ``server.maxUploadSize`` from the app's ``.streamlit/config.toml`` (Streamlit's default 200)."""
    try:
        config = tomllib.loads((app.parent / ".streamlit" / "config.toml").read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return 200
    value = config.get("server", {}).get("maxUploadSize", 200)
    return value if isinstance(value, int) and value > 0 else 200


def parse_listen(text: str) -> tuple[str, int]:
    """"0.0.0.0:8080", "[::]:8080" or "8080" (this machine only) -> (address, port); ValueError otherwise."""
    host, sep, port = text.rpartition(":")
    host = host.strip("[]") if sep else LOOPBACK
    try:
        number = int(port)
    except ValueError:
        raise ValueError(f"--listen {text!r}: expected ADDRESS:PORT, e.g. 0.0.0.0:8080") from None
    listen_directive(host, number)  # raises ValueError for a bad address or port
    return host, number


@dataclass
class _Streamlit(AppServer):
    """AppServer whose address includes Streamlit's base path (its health check lives under it)."""

    base_path: str = ""

    @property
    def url(self) -> str:
        base = self.base_path.strip("/")
        return f"http://127.0.0.1:{self.port}" + (f"/{base}" if base else "")


def start_streamlit(port: int, base_path: str, extra: list[str]) -> AppServer:
    """``streamlit run app.py`` on the loopback address, its output on this terminal, in its own process group."""
    args = (["--server.baseUrlPath", base_path.strip("/")] if base_path.strip("/") else []) + extra
    process = subprocess.Popen(streamlit_command(port, args, APP, address=LOOPBACK), cwd=APP.parent,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    # The log is this terminal: a failure report's log tail is empty and the output is above it.
    return _Streamlit(process=process, port=port, log_path=Path(os.devnull), started_at=time.perf_counter(),
                      base_path=base_path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m synaptic_core.class_proxy",
                                     description="A class server: Streamlit on 127.0.0.1, nginx in front serving "
                                                 "Streamlit's frontend files. Arguments after -- go to streamlit run.")
    parser.add_argument("--listen", default="0.0.0.0:8080",
                        help="where nginx listens, ADDRESS:PORT (default 0.0.0.0:8080: every interface, for a class)")
    parser.add_argument("--streamlit-port", type=int, default=0, help="Streamlit's port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--base-path", default="", help="serve under /<path>/ (Streamlit's server.baseUrlPath)")
    parser.add_argument("--work", type=Path, default=None, help="nginx's config, logs and temp files (default: a temp folder)")
    parser.add_argument("--no-gzip", action="store_true", help="send JS/CSS uncompressed (less nginx CPU, more bytes)")
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    if nginx_binary() is None:
        print("error: nginx is not installed (an optional system package: apt-get install nginx); without it, "
              "serve the class with: streamlit run app.py --server.address 0.0.0.0", file=sys.stderr)
        return 1
    try:
        host, port = parse_listen(args.listen)
        work = args.work or Path(tempfile.mkdtemp(prefix="synaptic-class-proxy-"))
        settings = ProxySettings(listen_host=host, listen_port=port, upstream_port=args.streamlit_port or free_port(),
                                 static_dir=streamlit_static_dir(), prefix=work.resolve(), base_path=args.base_path,
                                 max_body_mb=upload_limit_mb(), gzip=not args.no_gzip, user=worker_user())
        render(settings)  # refuse a bad setting before anything starts
    except (ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return serve(settings, extra, cleanup=work if args.work is None else None)


def serve(settings: ProxySettings, extra: list[str], cleanup: Path | None = None) -> int:
    """Start both, wait until either exits or a signal comes, stop both."""
    def on_signal(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # SIGTERM ends the class the way Ctrl-C does

    signal.signal(signal.SIGTERM, on_signal)
    server = start_streamlit(settings.upstream_port, settings.base_path, extra)
    proxy: NginxProxy | None = None
    status = 0
    try:
        server.wait_healthy(timeout=180)
        proxy = start_nginx(settings)
        proxy.wait_ready()
        print(f"Class server ready: {proxy.url}/  (nginx on {settings.listen_host}:{settings.listen_port}; "
              f"Streamlit on 127.0.0.1:{settings.upstream_port}, this machine only; nginx config and logs in "
              f"{settings.prefix})", flush=True)
        while True:
            if server.process.poll() is not None or proxy.process.poll() is not None:
                which = "Streamlit" if server.process.poll() is not None else "nginx"
                print(f"error: {which} exited; stopping the other.\n{proxy.log_tail() if which == 'nginx' else ''}",
                      file=sys.stderr)
                status = 1
                break
            time.sleep(0.5)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        status = 1
    except KeyboardInterrupt:
        print("Stopping the class server.", flush=True)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not cut the clean stop short
            signal.signal(sig, signal.SIG_IGN)
        if proxy is not None:
            proxy.stop()
        server.stop()
        if cleanup is not None:
            shutil.rmtree(cleanup, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
