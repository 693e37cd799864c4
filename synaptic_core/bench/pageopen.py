"""What one page open and one idle tab cost the server, in CPU seconds of the server process.

Why: Streamlit runs every session's script and fragments as threads of one process under one
interpreter lock, so with a class of thirty the server's CPU per page open and per idle tab is
the budget everyone shares (targets: <= 0.2 s per open, <= 1% of a core per idle tab).

What it does: starts ``streamlit run app.py`` (the repo's config, no file watcher, pinned to one
core when the machine has two or more) and drives chromium from this process, pinned to the other
cores. It measures

* ``first_open_s``: server CPU for the first Playground open on a fresh server (imports, caches);
* ``open_s``: server CPU per later open, each in a fresh browser context (a new Streamlit
  session, an empty browser cache: a student's first visit): from ``goto`` until the Train
  button is visible and the app idle, plus a settle second, the tab then closed; the median and
  every value;
* ``static_s``: of that, what serving Streamlit's own frontend files costs (the ``/static/``
  files one fresh open fetched, fetched again without a browser; a browser caches them for a
  year, so only a first visit pays it);
* ``reopen_median_s``: server CPU per open in a browser that has those files cached (new tabs in
  one context: a reload, a second tab, a student coming back);
* ``idle_pct_per_tab``: with ``idle_tabs`` Playground tabs open and idle, the server's CPU over
  ``idle_seconds`` as a percentage of one core, divided by the tabs (the baseline with no tab,
  measured the same way, is reported beside it and not subtracted);
* ``rss_mb``: the server's memory at the end; ``sigterm_exit_s``: how long it took to exit.

With ``--proxy nginx`` the browsers go through nginx in front of the same server
(``synaptic_core.class_proxy``: Streamlit's frontend files from disk, the rest proxied), nginx
pinned with the browsers; every figure above is still the Streamlit server's own CPU, and nginx's
(master and worker) is reported beside it as ``nginx_*``.

Run it as ``python -m synaptic_core.bench.pageopen [--opens 8] [--idle-tabs 5] [--idle-seconds 30]
[--proxy nginx]``; it prints JSON.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synaptic_core.bench import print_figures
from synaptic_core.bench.appserver import APP, AppServer, free_port, start_app
from synaptic_core.bench.browser import CHROMIUM, VIEWPORT, chromium_available, launch_chromium, wait_idle
from synaptic_core.class_proxy.nginx import NginxProxy, nginx_version, start_nginx
from synaptic_core.class_proxy.nginx_conf import ProxySettings, streamlit_static_dir, worker_user

PATH = "/playground"
TRAIN_BUTTON = ".st-key-train button"
PROXIES = ("none", "nginx")


@dataclass
class Front:
    """Where the browsers go (the server itself, or nginx in front of it), and the two CPU clocks read."""

    server: AppServer
    proxy: NginxProxy | None = None

    @property
    def url(self) -> str:
        return self.proxy.url if self.proxy is not None else self.server.url

    def cpu(self) -> tuple[float, float]:
        """(Streamlit server CPU seconds, nginx CPU seconds: 0 without it) so far."""
        return self.server.cpu_seconds(), self.proxy.cpu_seconds() if self.proxy is not None else 0.0


def split_cores() -> tuple[set[int] | None, set[int] | None]:
    """(server cores, browser cores): the first core for the server, the rest for the browsers; (None,
    None) on a one-core machine (nothing to pin apart)."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return None, None
    return {cores[0]}, set(cores[1:])


def usable(page: Any, timeout_ms: float) -> None:
    """Wait until a student could press Train: the button visible and the script finished."""
    page.locator(TRAIN_BUTTON).first.wait_for(state="visible", timeout=timeout_ms)
    wait_idle(page, timeout_ms=timeout_ms)


def _open_once(browser: Any, front: Front, path: str, settle: float, timeout_ms: float,
               context: Any = None, static: list[str] | None = None) -> tuple[float, float, float]:
    """(server CPU seconds, wall seconds to usable, nginx CPU seconds) for one open, the tab then closed: in a
    new context (``context`` None) or a new tab of ``context``. ``static`` collects the /static/ URLs fetched."""
    own = context is None
    context = browser.new_context(viewport=VIEWPORT) if own else context
    try:
        page = context.new_page()
        if static is not None:
            page.on("request", lambda r: static.append(r.url) if "/static/" in r.url else None)
        (cpu0, proxy0), t0 = front.cpu(), time.perf_counter()
        page.goto(front.url + path, wait_until="domcontentloaded", timeout=timeout_ms)
        usable(page, timeout_ms)
        wall = time.perf_counter() - t0
        time.sleep(settle)
        cpu1, proxy1 = front.cpu()
        return cpu1 - cpu0, wall, proxy1 - proxy0
    finally:
        page.close()
        if own:
            context.close()


def static_cost(front: Front, urls: list[str]) -> tuple[float, int, float]:
    """(server CPU seconds, bytes, nginx CPU seconds) to serve ``urls`` once more, fetched one by one
    without a browser (through nginx when the browsers went through it)."""
    import urllib.request

    (cpu0, proxy0), size = front.cpu(), 0
    for url in dict.fromkeys(urls):
        with urllib.request.urlopen(url, timeout=60) as resp:
            size += len(resp.read())
    cpu1, proxy1 = front.cpu()
    return cpu1 - cpu0, size, proxy1 - proxy0


def idle_cpu(front: Front, seconds: float) -> tuple[float, float]:
    """The server's and nginx's CPU over ``seconds`` of wall time, each as a percentage of one core."""
    (cpu0, proxy0), t0 = front.cpu(), time.perf_counter()
    time.sleep(seconds)
    (cpu1, proxy1), wall = front.cpu(), time.perf_counter() - t0
    return 100.0 * (cpu1 - cpu0) / wall, 100.0 * (proxy1 - proxy0) / wall


def measure_page_open(opens: int = 8, idle_tabs: int = 5, idle_seconds: float = 30.0, settle: float = 1.0,
                      path: str = PATH, timeout: float = 120.0, pin: bool = True, app: Path = APP,
                      proxy: str = "none") -> dict[str, Any]:
    """Start a server (and nginx in front of it with ``proxy="nginx"``), measure as described in the module
    docstring, stop them; the figures as a dict."""
    if proxy not in PROXIES:
        raise ValueError(f"proxy must be one of {', '.join(PROXIES)}, not {proxy!r}")
    if not chromium_available():
        raise RuntimeError(f"{CHROMIUM} is missing: install chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    server_cores, browser_cores = split_cores() if pin else (None, None)
    before = os.sched_getaffinity(0)
    out: dict[str, Any] = {"bench": "pageopen", "path": path, "pinned": bool(server_cores), "proxy": proxy,
                           "load_before": round(os.getloadavg()[0], 2)}
    with tempfile.TemporaryDirectory(prefix="synaptic-pageopen-") as tmp:
        server = start_app(Path(tmp) / "server.log", env={"SYNAPTIC_HOME": str(Path(tmp) / "home")},
                           extra_args=["--server.fileWatcherType", "none"], cpus=server_cores, app=app)
        front = Front(server)
        try:
            server.wait_healthy(timeout=timeout)
            if proxy == "nginx":
                front.proxy = start_proxy(server, Path(tmp) / "nginx", browser_cores, timeout)
                out["nginx_version"] = nginx_version()
            time.sleep(1.0)
            base_pct, base_proxy = idle_cpu(front, min(idle_seconds, 10.0))
            out["baseline_pct"] = round(base_pct, 2)
            if browser_cores:
                os.sched_setaffinity(0, browser_cores)  # chromium, started below, inherits it
            with sync_playwright() as pw:
                browser = launch_chromium(pw)
                try:
                    out.update(_opens(browser, front, path, opens, settle, timeout * 1000))
                    if idle_tabs:
                        out.update(_idle(browser, front, path, idle_tabs, idle_seconds, timeout * 1000))
                finally:
                    browser.close()
            out["rss_mb"] = round(server.rss_mb(), 1)
        finally:
            os.sched_setaffinity(0, before)
            if front.proxy is not None:
                front.proxy.stop()
            took = server.stop()
            out["sigterm_exit_s"] = round(took, 2) if took is not None else None
    if proxy == "nginx":
        out["nginx_baseline_pct"] = round(base_proxy, 2)
    out["load_after"] = round(os.getloadavg()[0], 2)
    return out


def start_proxy(server: AppServer, prefix: Path, cores: set[int] | None, timeout: float) -> NginxProxy:
    """nginx on a free loopback port in front of ``server`` (the class launcher's config), ready."""
    settings = ProxySettings(listen_host="127.0.0.1", listen_port=free_port(), upstream_port=server.port,
                             static_dir=streamlit_static_dir(), prefix=prefix, user=worker_user())
    proxy = start_nginx(settings, cpus=cores)
    try:
        proxy.wait_ready(timeout=timeout)
    except RuntimeError:
        proxy.stop()
        raise
    return proxy


def _opens(browser: Any, front: Front, path: str, opens: int, settle: float, timeout_ms: float) -> dict[str, Any]:
    """The first open, ``opens`` fresh ones, their static files again, and ``opens`` cached ones."""
    out: dict[str, Any] = {}
    first_cpu, first_wall, first_proxy = _open_once(browser, front, path, settle, timeout_ms)
    out["first_open_s"], out["first_usable_wall_s"] = round(first_cpu, 3), round(first_wall, 2)
    cpus, walls, proxies, urls = [], [], [], []
    for i in range(opens):
        cpu, wall, proxy_cpu = _open_once(browser, front, path, settle, timeout_ms, static=urls if i == 0 else None)
        cpus.append(cpu)
        walls.append(wall)
        proxies.append(proxy_cpu)
    out["open_median_s"] = round(statistics.median(cpus), 3)
    out["open_s"] = [round(c, 3) for c in cpus]
    out["usable_wall_median_s"] = round(statistics.median(walls), 2)
    static_cpu, static_bytes, static_proxy = static_cost(front, urls)
    out["static_s"], out["static_files"] = round(static_cpu, 3), len(set(urls))
    out["static_mb"] = round(static_bytes / 1e6, 1)
    cached = browser.new_context(viewport=VIEWPORT)
    try:
        _open_once(browser, front, path, settle, timeout_ms, context=cached)  # fills its cache
        again = [_open_once(browser, front, path, settle, timeout_ms, context=cached) for _ in range(opens)]
    finally:
        cached.close()
    out["reopen_median_s"] = round(statistics.median(a[0] for a in again), 3)
    out["reopen_s"] = [round(a[0], 3) for a in again]
    if front.proxy is not None:
        out["nginx_first_open_s"] = round(first_proxy, 3)
        out["nginx_open_median_s"] = round(statistics.median(proxies), 3)
        out["nginx_static_s"] = round(static_proxy, 3)
        out["nginx_reopen_median_s"] = round(statistics.median(a[2] for a in again), 3)
    return out


def _idle(browser: Any, front: Front, path: str, tabs: int, seconds: float, timeout_ms: float) -> dict:
    contexts = []
    try:
        for _ in range(tabs):
            context = browser.new_context(viewport=VIEWPORT)
            contexts.append(context)
            page = context.new_page()
            page.goto(front.url + path, wait_until="domcontentloaded", timeout=timeout_ms)
            usable(page, timeout_ms)
        time.sleep(5.0)  # let the last page's follow-up reruns finish
        pct, proxy_pct = idle_cpu(front, seconds)
        out = {"idle_tabs": tabs, "idle_seconds": seconds, "idle_pct_all_tabs": round(pct, 2),
               "idle_pct_per_tab": round(pct / tabs, 2)}
        if front.proxy is not None:
            out["nginx_idle_pct_all_tabs"] = round(proxy_pct, 2)
        return out
    finally:
        for context in contexts:
            context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m synaptic_core.bench.pageopen",
                                     description="Server CPU per page open and per idle tab.")
    parser.add_argument("--opens", type=int, default=8, help="measured opens after the first (default 8)")
    parser.add_argument("--idle-tabs", type=int, default=5, help="tabs held open for the idle figure (default 5)")
    parser.add_argument("--idle-seconds", type=float, default=30.0, help="idle measurement window (default 30)")
    parser.add_argument("--path", default=PATH, help="page to open (default /playground)")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the server and browsers to separate cores")
    parser.add_argument("--app", type=Path, default=APP,
                        help="the app to serve (default: this checkout's app.py; e.g. an older checkout's, to compare)")
    parser.add_argument("--proxy", choices=PROXIES, default="none",
                        help="nginx: the browsers go through nginx serving Streamlit's files (python -m "
                             "synaptic_core.class_proxy's config; needs the nginx system package)")
    args = parser.parse_args(argv)
    return print_figures(lambda: measure_page_open(opens=args.opens, idle_tabs=args.idle_tabs,
                                                   idle_seconds=args.idle_seconds, path=args.path,
                                                   pin=not args.no_pin, app=args.app, proxy=args.proxy))


if __name__ == "__main__":
    sys.exit(main())
