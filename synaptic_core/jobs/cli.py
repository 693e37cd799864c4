"""``python -m synaptic_core resume RUN_ID``: continue an interrupted run from its last finished epoch.

The same job path as ``train`` (a spawned worker, the store, live events): the run is queued
again under its own id, training finds the run's checkpoint in its folder, and the events and
history continue where they stopped. Prints each new epoch, then the result line (``--json``:
one JSON line, the same contract as ``train --json``).
"""

from __future__ import annotations

import argparse
import json
import sys


def add_resume_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``resume`` subcommand on the CLI's subparsers."""
    p = sub.add_parser("resume", help="continue an interrupted run from its last finished epoch")
    p.add_argument("run_id", metavar="RUN_ID", help="the id of an interrupted or failed run")
    p.add_argument("--json", action="store_true", help="print the result as one JSON line")
    p.add_argument("--quiet", action="store_true", help="no per-epoch progress on stderr")
    p.set_defaults(func=cmd_resume)


def cmd_resume(args: argparse.Namespace) -> int:
    from synaptic_core.cli import _progress_printer, summary_line
    from synaptic_core.jobs import LocalJobRunner, RunRefused, follow
    from synaptic_core.store import RunStore, synaptic_home

    store = RunStore(synaptic_home() / "runs.db")
    if store.get_run(args.run_id) is None:
        print(f"error: no run {args.run_id!r} in {store.path}", file=sys.stderr)
        return 2
    since = store.last_seq(args.run_id)
    runner = LocalJobRunner(store, max_jobs=1, extra_spares=0, recover=False)
    try:
        try:
            runner.resume(args.run_id)
        except (RunRefused, PermissionError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        show = _progress_printer(args.quiet)
        events = []
        for ev in follow(runner, args.run_id, since=since):
            show(ev)
            events.append(ev)
        result, status = runner.result(args.run_id), runner.status(args.run_id)
    finally:
        runner.shutdown()
    if result is None or status.state != "done":
        err = next((e for e in reversed(events) if e["type"] == "error"), None)
        out = {"run_id": args.run_id, "state": status.state,
               "error": {"kind": (err or {}).get("kind"), "message": (err or {}).get("message") or status.message}}
        print(json.dumps(out) if args.json else f"{status.state}: {out['error']['message']}")
        return 1
    print(json.dumps(result) if args.json else summary_line(args.run_id, result))
    return 0
