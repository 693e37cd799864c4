"""``python -m synaptic_core runs``: the runs of this machine's store, as a table or as JSON.

``--json`` prints one JSON list; each run has at least ``run_id``, ``dataset``, ``model``,
``status``, ``params`` (the model's parameter count, as in ``train --json``) and ``test`` (the test
metrics, or null), plus its name, tags, the spec values that differ from its dataset's and
model's starting values (``changed``), its metric with best/last validation and test value.
Later versions add keys, never rename them.

The CLI is the machine's operator: it lists every run in the store. ``--owner ID`` (an owner
id, ``cli`` for runs trained from the command line) or ``$SYNAPTIC_TOKEN`` (a browser's owner
token, which stays out of the process list) shows one person's runs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from typing import Any

from synaptic_core.runs.table import SORT_KEYS

STATUSES = ("queued", "starting", "running", "done", "failed", "stopped", "interrupted")
TOKEN_ENV = "SYNAPTIC_TOKEN"


def add_runs_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``runs`` subcommand on the CLI's subparsers."""
    p = sub.add_parser("runs", help="list the runs in the store (filter, sort; --json for scripts)")
    p.add_argument("--json", action="store_true", help="print one JSON list")
    p.add_argument("--status", action="append", choices=STATUSES, help="only runs in this state (repeatable)")
    p.add_argument("--dataset", action="append", help="only runs on this dataset (repeatable)")
    p.add_argument("--model", action="append", help="only runs of this model (repeatable)")
    p.add_argument("--tag", action="append", help="only runs carrying this tag (repeatable: all of them)")
    p.add_argument("--search", default="", help="words to find in the id, name, dataset, model, tags or settings")
    p.add_argument("--sort", choices=tuple(SORT_KEYS), default="newest", help="order (default: newest first)")
    p.add_argument("--limit", type=int, default=50, help="at most this many runs (default 50, 0 = all)")
    p.add_argument("--owner", help=f"only this owner id's runs (or set ${TOKEN_ENV} to a browser's owner token)")
    p.add_argument("--db", metavar="PATH", help="run database (default: $SYNAPTIC_HOME/runs.db)")
    p.set_defaults(func=cmd_runs)


def _owner(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """(owner id to filter by or None, error message or None)."""
    from synaptic_core.identity import owner_id

    if args.owner:
        return args.owner, None
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        return None, None
    owner = owner_id(token)
    return (owner, None) if owner else (None, f"${TOKEN_ENV} is not an owner token (32+ URL-safe characters)")


def cmd_runs(args: argparse.Namespace) -> int:
    from synaptic_core.runs.table import cli_row, filter_rows, list_rows, sort_rows
    from synaptic_core.store import RunStore
    from synaptic_core.store.labels import LabelError, clean_tags

    if args.limit < 0:
        print("error: --limit must be 0 (all) or more", file=sys.stderr)
        return 2
    owner, problem = _owner(args)
    try:
        tags = clean_tags(args.tag or [])
    except LabelError as exc:
        problem = str(exc)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    store = RunStore(args.db) if args.db else RunStore()  # opening brings an older database up to date
    try:
        rows = list_rows(store, owner=owner)
    finally:
        store.close()
    rows = filter_rows(rows, search=args.search, statuses=args.status or (), datasets=args.dataset or (),
                       models=args.model or (), tags=tags)
    rows = sort_rows(rows, args.sort)
    if args.limit:
        rows = rows[:args.limit]
    if args.json:
        print(json.dumps([_json_safe(cli_row(r)) for r in rows], allow_nan=False, default=str))
    else:
        _print_table(rows)
    return 0


def _json_safe(value: Any) -> Any:
    """NaN and infinities (a diverged run's loss) as null: strict JSON for any reader."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def _print_table(rows: list[dict]) -> None:
    if not rows:
        print("no runs")
        return
    lines = [("run", "status", "dataset", "model", "metric", "best", "test", "changed")]
    for r in rows:
        fmt = (lambda v: f"{v:.4f}" if isinstance(v, float) else "-")
        lines.append((r["run_id"] + (f" ({r['name']})" if r.get("name") else ""), r.get("status") or "",
                      r.get("dataset") or "", r.get("model") or "", r.get("metric") or "", fmt(r.get("best")),
                      fmt(r.get("test_metric")), r.get("changed_text") or ""))
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(lines[0]) - 1)]
    for line in lines:
        print("  ".join(str(v).ljust(w) for v, w in zip(line, widths)) + "  " + str(line[-1]))
