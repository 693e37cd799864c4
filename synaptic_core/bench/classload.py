"""A class of browser students on one server: open the page at the same moment, each train a toy run.

Why: a teacher's promise is one server, one link, thirty students training at once. Streamlit runs
every session's script and fragments in one process under one interpreter lock, so what matters
is the server's CPU per student, the time to a usable page and to a result, and that nothing
breaks. This is the driver of ``tests/load`` (which asserts on it); it is a module so the figures
can be taken without pytest too: ``python -m synaptic_core.bench.classload --students 5``.

Setup, as the issue measured it: the server is pinned to the first core (its training processes
inherit that), the browsers (one chromium, a context per student: a fresh browser each, so each
fetches Streamlit's frontend files once, as a real student's first visit does) to the others.
By default a class is created first (``synaptic_core.classroom``: the toy Playground, a class
password) and every student opens its link at once, joins with a name and the password, waits
for the Train button (the page usable, not just Streamlit's idle flag); once every page is up the
whole class clicks Train together (as a teacher says "now press Train"; ``together=False``: each as
soon as their page is usable), so the opening phase's server CPU is page opens and joins only; then
each waits for the results; with ``path`` given they open that page instead (no class). Then all tabs stay open
and idle while the server's CPU is measured, and the server gets SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synaptic_core.bench.appserver import AppServer, start_app
from synaptic_core.bench.browser import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, chromium_available
from synaptic_core.bench.pageopen import PROXIES, Front, split_cores, start_proxy

PATH = "/playground?dataset=circle&model=mlp"  # the toy opening: a run takes seconds
CLASS_PASSWORD = "load-test-class"
TRAIN = ".st-key-train button"
RESULTS = ".st-key-results"
EXCEPTION = '[data-testid="stException"]'
ERROR_BOX = '[data-testid="stAlertContentError"]'
# Server log lines that mean something went wrong (a traceback, Streamlit's uncaught-exception
# log, a logged error). Training chatter and Streamlit's start-up lines do not match.
LOG_PROBLEM = re.compile(r"Traceback \(most recent call last\)|Uncaught app execution|\bERROR\b|\bCRITICAL\b")


@dataclass
class Student:
    """What one student saw: seconds from the start to a usable page, from Train to the result."""

    index: int
    usable_s: float | None = None
    result_s: float | None = None
    problems: list[str] = field(default_factory=list)
    run_id: str | None = None  # from the page's URL once the click was taken (None: no run was seen)
    seen: str = ""  # what the page showed when the student gave up (a finding to explain, not to hide)


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]  # nearest rank


async def _join(page: Any, student: Student, timeout_ms: float) -> None:
    """A class link shows the join form first: a name and the class password."""
    name = page.locator(".st-key-class_join_name input").first
    await name.wait_for(state="visible", timeout=timeout_ms)
    await name.fill(f"Student {student.index + 1}")
    await page.locator(".st-key-class_join_password input").first.fill(CLASS_PASSWORD)
    await page.get_by_role("button", name="Join class", exact=True).click(timeout=timeout_ms)


async def _student(browser: Any, url: str, student: Student, timeout_ms: float, started: float,
                   pages: list, joins: bool, go: asyncio.Event | None = None) -> None:
    context = await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    pages.append((context, page))
    page.on("pageerror", lambda exc: student.problems.append(f"page error: {exc}"))
    try:
        await page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
        if joins:
            await _join(page, student, timeout_ms)
        train = page.locator(TRAIN).first
        await train.wait_for(state="visible", timeout=timeout_ms)
        student.usable_s = time.perf_counter() - started
        deadline = time.perf_counter() + timeout_ms / 1000
        while not await train.is_enabled():  # visible first, then enabled once the spec is checked
            if time.perf_counter() > deadline:
                raise TimeoutError("the Train button never became enabled")
            await asyncio.sleep(0.2)
        if go is not None:  # "now press Train": the whole class at once, once every page is up
            await go.wait()
        clicked = time.perf_counter()
        await train.click(timeout=timeout_ms)
        await page.locator(RESULTS).first.wait_for(state="visible", timeout=timeout_ms)
        student.result_s = time.perf_counter() - clicked
        for selector, what in ((EXCEPTION, "exception box"), (ERROR_BOX, "error message")):
            for text in await page.locator(selector).all_inner_texts():
                student.problems.append(f"{what}: {text.strip()[:300]}")
    except Exception as exc:  # noqa: BLE001 - a student who got stuck is a finding, not a crash of the test
        student.problems.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}")
        await _what_the_page_shows(page, student)


async def _what_the_page_shows(page: Any, student: Student) -> None:
    """A stuck student's run id (from the URL) and the live view's text, to tell a lost click from
    a page that stopped following its run."""
    match = re.search(r"[?&]run=([0-9A-Za-z-]+)", page.url)
    student.run_id = match.group(1) if match else None
    try:
        texts = await page.locator(".st-key-live_progress").all_inner_texts()
        student.seen = " | ".join(t.strip().replace("\n", " ")[:200] for t in texts) or "(no live view)"
    except Exception as exc:  # noqa: BLE001 - a closed page says nothing more
        student.seen = f"(page unreadable: {type(exc).__name__})"


def _store_states(home: Path, run_ids: list[str]) -> dict[str, str]:
    """The stuck students' runs as the store has them after the class (status, error)."""
    from synaptic_core.store import RunStore

    if not run_ids:
        return {}
    store = RunStore(home / "runs.db")
    try:
        return {r: (f"{row['status']}" + (f" ({row['error']})" if row.get("error") else "")) if (row := store.get_run(r))
                else "not in the store" for r in run_ids}
    finally:
        store.close()


class _Memory(threading.Thread):
    """Samples the server's resident memory every half second; ``peak`` in MB."""

    def __init__(self, server: AppServer):
        super().__init__(daemon=True)
        self.server, self.peak, self.stop = server, 0.0, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.5):
            try:
                self.peak = max(self.peak, self.server.rss_mb())
            except OSError:
                return


async def _class(front: Front, n: int, path: str, timeout_s: float, idle_s: float,
                 joins: bool, together: bool = True) -> dict[str, Any]:
    server = front.server
    from playwright.async_api import async_playwright

    students = [Student(i) for i in range(n)]
    out: dict[str, Any] = {}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        pages: list = []
        try:
            go = asyncio.Event() if together else None
            (cpu0, proxy0), started = front.cpu(), time.perf_counter()
            opening = [asyncio.create_task(_student(browser, front.url + path, s, timeout_s * 1000, started, pages,
                                                    joins, go)) for s in students]
            # the opening phase's CPU: until the last page is usable (or its student gave up)
            while not all(s.usable_s is not None or s.problems for s in students):
                await asyncio.sleep(0.2)
            out["open_cpu_s"] = server.cpu_seconds() - cpu0
            out["open_proxy_cpu_s"] = front.cpu()[1] - proxy0
            out["all_usable_s"] = time.perf_counter() - started
            if go is not None:
                await asyncio.sleep(1.0)  # the last joins' follow-up reruns settle before anyone trains
                go.set()
            await asyncio.gather(*opening)
            out["class_cpu_s"] = server.cpu_seconds() - cpu0
            out["class_proxy_cpu_s"] = front.cpu()[1] - proxy0
            out["all_done_s"] = time.perf_counter() - started
            await asyncio.sleep(5.0)  # the last results' follow-up reruns and fragment ticks settle
            cpu1, t1 = server.cpu_seconds(), time.perf_counter()
            await asyncio.sleep(idle_s)
            out["idle_pct"] = 100.0 * (server.cpu_seconds() - cpu1) / (time.perf_counter() - t1)
            out["idle_tabs"] = len(pages)
            for _context, page in pages:  # anything that appeared while idle (a late error)
                for s_sel in (EXCEPTION, ERROR_BOX):
                    if await page.locator(s_sel).count():
                        out.setdefault("late_problems", []).append(s_sel)
        finally:
            for context, _page in pages:
                await context.close()
            await browser.close()
    out["students"] = students
    return out


def make_class(home: Path) -> str:
    """A class in the store under ``home`` (before the server opens it): the toy Playground, a password.
    Returns the class link's path."""
    from synaptic_core.classroom import CLASS_KEY, create_class
    from synaptic_core.presets import layered_spec
    from synaptic_core.store import RunStore

    home.mkdir(parents=True, exist_ok=True)
    store = RunStore(home / "runs.db")
    try:
        klass = create_class(store, "o-loadtest-teacher", "Load test", layered_spec({"dataset": "circle", "model": "mlp"}),
                             password=CLASS_PASSWORD)
    finally:
        store.close()
    return f"/playground?{CLASS_KEY}={klass.id}"


def run_class(students: int = 30, path: str | None = None, timeout_s: float = 600.0, idle_s: float = 30.0,
              pin: bool = True, max_jobs: int | None = None, together: bool = True,
              proxy: str = "none") -> dict[str, Any]:
    """Start a server, run the class, stop the server; every figure in one dict (``students``: the
    per-student records; ``problems``: every page and server-log problem found). ``path`` None: a
    class is created and its link opened (students join it); else that page is opened as it is."""
    if not chromium_available():
        raise RuntimeError(f"{CHROMIUM} is missing: install chromium (apt-get install chromium)")
    if proxy not in PROXIES:
        raise ValueError(f"proxy must be one of {', '.join(PROXIES)}, not {proxy!r}")
    server_cores, browser_cores = split_cores() if pin else (None, None)
    before = os.sched_getaffinity(0)
    with tempfile.TemporaryDirectory(prefix="synaptic-classload-") as tmp:
        joins = path is None
        path = make_class(Path(tmp) / "home") if joins else path
        figures: dict[str, Any] = {"students": students, "path": path, "class_link": joins, "together": together,
                                   "proxy": proxy,
                                   "pinned": bool(server_cores), "load_before": round(os.getloadavg()[0], 2)}
        env = {"SYNAPTIC_HOME": str(Path(tmp) / "home")}
        if max_jobs:
            env["SYNAPTIC_MAX_JOBS"] = str(max_jobs)
        server = start_app(Path(tmp) / "server.log", env=env, cpus=server_cores,
                           extra_args=["--server.fileWatcherType", "none"])
        memory = _Memory(server)
        front = Front(server)
        try:
            server.wait_healthy(timeout=120)
            if proxy == "nginx":  # on the browsers' cores: the server's core stays the Python server's
                front.proxy = start_proxy(server, Path(tmp) / "nginx", browser_cores, 60.0)
            time.sleep(2.0)  # the job runner starts with the first session; let the process settle
            figures["rss_start_mb"] = round(server.rss_mb(), 1)
            memory.start()
            if browser_cores:
                os.sched_setaffinity(0, browser_cores)  # chromium, launched now, inherits it
            out = asyncio.run(_class(front, students, path, timeout_s, idle_s, joins, together))
            figures["rss_end_mb"] = round(server.rss_mb(), 1)
        finally:
            os.sched_setaffinity(0, before)
            memory.stop.set()
            if front.proxy is not None:
                front.proxy.stop()
            took = server.stop(timeout=30.0)
            log_text = server.log_path.read_text(errors="replace")
        stuck = [stu for stu in out["students"] if stu.result_s is None] if "out" in locals() else []
        states = _store_states(Path(tmp) / "home", [stu.run_id for stu in stuck if stu.run_id])
        for stu in stuck:
            stu.problems.append(f"its page showed: {stu.seen or '?'}; its run: "
                               + (f"{stu.run_id}, {states.get(stu.run_id)} in the store" if stu.run_id
                                  else "none in the URL (the Train click was not taken)"))
    records: list[Student] = out.pop("students")
    usable = [s.usable_s for s in records if s.usable_s is not None]
    results = [s.result_s for s in records if s.result_s is not None]
    figures.update({
        "usable": len(usable), "finished": len(results),
        "usable_p50_s": _round(_pct(usable, 50)), "usable_p95_s": _round(_pct(usable, 95)),
        "result_p50_s": _round(_pct(results, 50)), "result_p95_s": _round(_pct(results, 95)),
        "result_max_s": _round(max(results) if results else None),
        "all_usable_s": _round(out["all_usable_s"]), "all_done_s": _round(out["all_done_s"]),
        "cpu_per_open_s": _round(out["open_cpu_s"] / students, 3),
        "cpu_per_student_s": _round(out["class_cpu_s"] / students, 3),
        "cpu_total_s": _round(out["class_cpu_s"]),
        "proxy_cpu_per_open_s": _round(out["open_proxy_cpu_s"] / students, 3),
        "proxy_cpu_total_s": _round(out["class_proxy_cpu_s"]),
        "idle_pct_all_tabs": _round(out["idle_pct"]), "idle_pct_per_tab": _round(out["idle_pct"] / max(1, students), 3),
        "rss_peak_mb": round(max(memory.peak, figures["rss_end_mb"]), 1),
        "sigterm_exit_s": _round(took), "load_after": round(os.getloadavg()[0], 2),
    })
    problems = [f"student {s.index}: {p}" for s in records for p in s.problems]
    problems += [f"late: {p}" for p in out.get("late_problems", [])]
    problems += [f"server log: {line.strip()[:300]}" for line in log_text.splitlines() if LOG_PROBLEM.search(line)]
    if took is None:
        problems.append("server: did not exit within 30 s of SIGTERM (killed)")
    figures["problems"] = problems
    figures["server_log_tail"] = log_text[-4000:]
    return figures


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


TARGETS = [  # (figure, limit, what the issue asks)
    ("cpu_per_open_s", 0.2, "server CPU per page open <= 0.2 s"),
    ("idle_pct_per_tab", 1.0, "server CPU per idle tab <= 1% of a core"),
    ("result_max_s", 180.0, "every student's result within 3 minutes"),
    ("sigterm_exit_s", 5.0, "server exits within 5 s of SIGTERM after the load"),
]


def report(f: dict[str, Any]) -> list[str]:
    """The figures as lines a person reads (and the targets, met or not)."""
    n = f["students"]
    lines = [
        f"{n} browser students, {'a class link (join with a name and the class password)' if f['class_link'] else 'page'} "
        f"{f['path']}; server pinned to one core, browsers to the other: "
        f"{'yes' if f['pinned'] else 'no (one core)'}; load average {f['load_before']} before, {f['load_after']} after",
        f"usable page (Train button visible{', after joining' if f['class_link'] else ''}): {f['usable']}/{n}; p50 {f['usable_p50_s']} s, p95 {f['usable_p95_s']} s, "
        f"all {f['all_usable_s']} s after the start",
        f"Train -> result: {f['finished']}/{n} finished; p50 {f['result_p50_s']} s, p95 {f['result_p95_s']} s, "
        f"slowest {f['result_max_s']} s; the whole class done {f['all_done_s']} s after the start",
        f"server CPU: {f['cpu_per_open_s']} s per page open (until the last page was usable, / {n}; "
        f"{'nobody trained before then' if f.get('together') else 'early runs trained and were watched meanwhile'}), "
        f"{f['cpu_per_student_s']} s per student in all (open + train + results), {f['cpu_total_s']} s total",
        *([f"nginx in front (its own CPU, not the server's): {f['proxy_cpu_per_open_s']} s per page open, "
           f"{f['proxy_cpu_total_s']} s in all"] if f.get("proxy") == "nginx" else []),
        f"idle tabs: server at {f['idle_pct_all_tabs']}% of a core with {n} tabs open and idle "
        f"= {f['idle_pct_per_tab']}% per tab",
        f"server memory: {f['rss_start_mb']} MB at start, peak {f['rss_peak_mb']} MB, {f['rss_end_mb']} MB at the end "
        "(training processes not counted)",
        f"SIGTERM after the load: the server exited in {f['sigterm_exit_s']} s",
    ]
    for key, limit, what in TARGETS:
        value = f.get(key)
        mark = "met" if value is not None and value <= limit else "MISSED"
        lines.append(f"target {what}: {value} -> {mark}")
    lines.append(f"problems found: {len(f['problems'])}")
    lines += [f"  {p}" for p in f["problems"][:20]]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m synaptic_core.bench.classload",
                                     description="A class of browser students training on one server.")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--path", default=None,
                        help=f"a page students open instead of a new class's link (e.g. {PATH})")
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    parser.add_argument("--train-as-ready", action="store_true",
                        help="each student presses Train as soon as their page is usable (default: the whole class "
                             "presses it together once every page is up, as a teacher would say 'now press Train')")
    parser.add_argument("--proxy", choices=PROXIES, default="none",
                        help="nginx: students go through the class launcher's nginx (python -m synaptic_core.class_proxy), "
                             "which serves Streamlit's frontend files itself")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = run_class(args.students, args.path, idle_s=args.idle_seconds, together=not args.train_as_ready,
                        proxy=args.proxy)
    if args.json:
        print(json.dumps({k: v for k, v in figures.items() if k != "server_log_tail"}, indent=2))
    else:
        print("\n".join(report(figures)))
    return 0 if not figures["problems"] and figures["finished"] == args.students else 1


if __name__ == "__main__":
    sys.exit(main())
