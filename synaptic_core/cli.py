"""Command line: datasets | train | bench | labs. For scripts, benchmarks and class preparation.

``train`` goes through the same job path as the app (spawned job process, live events,
SQLite store), so what the CLI measures is what a user gets. Every spec parameter is a
flag (``batch_size`` -> ``--batch-size``), from the same table the URL uses.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from typing import Any

from synaptic_core.specs import PARAMS, RunSpec, SpecError, cli_flag

CONTRACT_KEYS = ("run_id", "dataset", "source", "n_train", "n_test", "model", "params", "epochs_run", "history",
                 "test", "train_seconds", "samples_per_second")


def _add_spec_flags(p: argparse.ArgumentParser) -> None:
    for prm in PARAMS:
        if prm.kind == "bool":
            p.add_argument(cli_flag(prm.name), dest=prm.name, action=argparse.BooleanOptionalAction, default=None,
                           help=prm.help)
        else:
            p.add_argument(cli_flag(prm.name), dest=prm.name, default=None, help=prm.help)


def cmd_datasets(args: argparse.Namespace) -> int:
    from synaptic_core.data import list_datasets, resolve_source

    rows = []
    for info in list_datasets():
        src = resolve_source(info.name)
        rows.append({"name": info.name, "title": info.title, "task": info.task, "source": src.source,
                     "where": src.label})
    if args.json:
        print(json.dumps(rows))
    else:
        width = max(len(r["name"]) for r in rows)
        for r in rows:
            print(f"{r['name']:<{width}}  {r['task']:<8}  {r['where']}")
    return 0


def spec_from_args(args: argparse.Namespace) -> RunSpec:
    """Explicit flags over the dataset's defaults over the model's preset (see synaptic_core/presets.py)."""
    from synaptic_core.presets import layered_spec

    given = {p.name: getattr(args, p.name) for p in PARAMS if getattr(args, p.name, None) is not None}
    return layered_spec(given, use_presets=not args.no_preset)


def run_job(spec: RunSpec, on_event=None, poll: float = 0.05) -> tuple[str, dict[str, Any] | None, list[dict]]:
    """Submit through a LocalJobRunner, wait for the end; returns (run_id, result, events)."""
    from synaptic_core.jobs import LocalJobRunner
    from synaptic_core.store import RunStore, synaptic_home

    store = RunStore(synaptic_home() / "runs.db")
    runner = LocalJobRunner(store, max_jobs=1, extra_spares=0, recover=False)
    try:
        run_id = runner.submit(spec, owner="cli")
        events: list[dict] = []
        while True:
            new = runner.events(run_id, since=events[-1]["seq"] if events else 0)
            for ev in new:
                if on_event:
                    on_event(ev)
            events += new
            st = runner.status(run_id)
            if st.state in ("done", "failed", "stopped", "interrupted"):
                events += runner.events(run_id, since=events[-1]["seq"] if events else 0)
                return run_id, runner.result(run_id), events
            time.sleep(poll)
    finally:
        runner.shutdown()


def _progress_printer(quiet: bool):
    def show(ev: dict) -> None:
        if quiet:
            return
        if ev["type"] == "epoch":
            val = "" if ev.get("val_accuracy") is None else f"  val_acc {ev['val_accuracy']:.4f}"
            print(f"epoch {ev['epoch'] + 1}/{ev['epochs']}  loss {ev['loss']:.4f}  acc {ev['accuracy']:.4f}{val}"
                  f"  ({ev['t']:.1f} s)", file=sys.stderr)
        elif ev["type"] == "data":
            print(ev["source_label"], file=sys.stderr)
        elif ev["type"] == "error":
            print(f"error: {ev['message']}", file=sys.stderr)
    return show


def cmd_train(args: argparse.Namespace) -> int:
    from synaptic_core.data import dataset_names
    from synaptic_core.models import model_names

    try:
        spec = spec_from_args(args).validated(known_datasets=dataset_names(), known_models=model_names())
    except SpecError as e:
        for msg in e.errors:
            print(f"error: {msg}", file=sys.stderr)
        return 2
    run_id, result, events = run_job(spec, _progress_printer(args.quiet))
    if result is None:
        err = next((e for e in reversed(events) if e["type"] == "error"), {"kind": "crash", "message": "no result"})
        out = {"run_id": run_id, "error": {"kind": err.get("kind"), "message": err.get("message")}}
        print(json.dumps(out) if args.json else f"failed: {out['error']['message']}")
        return 1
    result["run_id"] = run_id
    if args.save_model:
        shutil.copyfile(result["model_path"], args.save_model)
        result["saved_model"] = args.save_model
    if args.json:
        print(json.dumps(result))
    else:
        print(f"run {run_id}: test accuracy {result['test']['accuracy']:.4f}, loss {result['test']['loss']:.4f}, "
              f"{result['epochs_run']} epochs in {result['train_seconds']:.1f} s "
              f"({result['samples_per_second']:.0f} samples/s); model: {result['model_path']}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from synaptic_core.bench.suite import run_all

    figures = run_all(only=args.only, quick=args.quick)
    print(json.dumps(figures) if args.json else json.dumps(figures, indent=2))
    return 0


def cmd_labs(argv: list[str]) -> int:
    from synaptic_core.labs.cli import main as labs_main

    return labs_main(argv)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m synaptic_core", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("datasets", help="list datasets and where each would load from")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_datasets)
    p = sub.add_parser("train", help="train one run through the job path; --json prints one result line")
    _add_spec_flags(p)
    p.add_argument("--json", action="store_true", help="print the result as one JSON line")
    p.add_argument("--save-model", metavar="PATH", help="copy the trained .keras model here")
    p.add_argument("--quiet", action="store_true", help="no per-epoch progress on stderr")
    p.add_argument("--no-preset", action="store_true",
                   help="use the plain spec defaults, not the model's preset and the dataset's defaults")
    p.set_defaults(func=cmd_train)
    p = sub.add_parser("bench", help="measure training overhead, time to first metric, cold start, digits")
    p.add_argument("--json", action="store_true")
    p.add_argument("--only", action="append", help="run only these figures (repeatable)")
    p.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke check")
    p.set_defaults(func=cmd_bench)
    sub.add_parser("labs", help="visual labs from the command line (see `labs --help`)", add_help=False)
    return parser


def main(argv: list[str]) -> int:
    if argv[:1] == ["labs"]:
        return cmd_labs(argv[1:])
    args = build_parser().parse_args(argv)
    return args.func(args)
