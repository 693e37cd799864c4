"""Command line: datasets | train | runs | bench | labs. For scripts, benchmarks and class preparation.

``train`` goes through the same job path as the app (spawned job process, live events,
SQLite store), so what the CLI measures is what a user gets. Every spec parameter is a
flag (``batch_size`` -> ``--batch-size``), from the same table the URL uses.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
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


def run_job(spec: RunSpec, on_event=None, poll: float = 0.05,
            runner_kind: str | None = None) -> tuple[str, dict[str, Any] | None, list[dict]]:
    """Submit through a job runner (local processes, or Ray: ``runner_kind``, default
    ``$SYNAPTIC_RUNNER``), wait for the end; returns (run_id, result, events)."""
    from synaptic_core.jobs import follow
    from synaptic_core.jobs.factory import make_runner
    from synaptic_core.store import RunStore, synaptic_home

    store = RunStore(synaptic_home() / "runs.db")
    runner = make_runner(store, runner_kind, max_jobs=1, extra_spares=0, recover=False, warm=False)
    try:
        run_id = runner.submit(spec, owner="cli")
        events: list[dict] = []
        for ev in follow(runner, run_id, poll=poll):
            if on_event:
                on_event(ev)
            events.append(ev)
        return run_id, runner.result(run_id), events
    finally:
        runner.shutdown()


def _metrics_text(values: dict, names: tuple[str, ...], short: dict[str, str] | None = None, sep: str = "  ") -> str:
    """``"loss 0.1234  acc 0.9000"``: only the metrics the run has (a regression has no accuracy)."""
    short = short or {}
    return sep.join(f"{short.get(n, n)} {values[n]:.4f}" for n in names
                    if isinstance(values.get(n), (int, float)) and not isinstance(values.get(n), bool))


def epoch_line(ev: dict) -> str:
    """One progress line for an ``epoch`` event."""
    metrics = _metrics_text(ev, ("loss", "accuracy", "val_loss", "val_accuracy"),
                            short={"accuracy": "acc", "val_accuracy": "val_acc"})
    t = f"  ({ev['t']:.1f} s)" if isinstance(ev.get("t"), (int, float)) else ""
    return f"epoch {ev['epoch'] + 1}/{ev['epochs']}  {metrics}{t}"


def summary_line(run_id: str, result: dict) -> str:
    """The non-JSON end line: the test metrics the result has (accuracy, rmse, perplexity...)."""
    test = _metrics_text(result.get("test") or {}, ("accuracy", "loss", "rmse", "perplexity"), sep=", ")
    speed = (f" ({result['samples_per_second']:.0f} samples/s)"
             if isinstance(result.get("samples_per_second"), (int, float)) else "")
    return (f"run {run_id}: test {test or 'metrics unavailable'}, {result.get('epochs_run', 0)} epochs in "
            f"{result.get('train_seconds') or 0.0:.1f} s{speed}; model: {result.get('model_path')}")


def _progress_printer(quiet: bool):
    def show(ev: dict) -> None:
        if quiet:
            return
        if ev["type"] == "epoch":
            print(epoch_line(ev), file=sys.stderr)
        elif ev["type"] == "data":
            print(ev["source_label"], file=sys.stderr)
        elif ev["type"] == "error":
            print(f"error: {ev['message']}", file=sys.stderr)
    return show


def ingest_upload(args: argparse.Namespace) -> str | None:
    """``--csv`` / ``--image-zip``: check and store the file (as the page's upload does); its dataset name.

    Raises UploadError (a DataError) with the message a person needs when the file cannot be used.
    """
    from pathlib import Path

    from synaptic_core.data.uploads import UploadError, UploadLimits, ingest_csv, ingest_zip

    path = args.csv or args.image_zip
    if not path:
        return None
    if args.csv and args.image_zip:
        raise UploadError("Give either --csv or --image-zip, not both.")
    if args.dataset is not None:
        raise UploadError("--dataset and --csv/--image-zip both name the data: give one of them.")
    file = Path(path)
    limit = UploadLimits.from_env().max_bytes
    try:
        if file.stat().st_size > limit:
            raise UploadError(f"{file.name} is {file.stat().st_size / 1e6:.1f} MB, more than the limit of "
                              f"{limit / 1e6:.0f} MB (SYNAPTIC_UPLOAD_MAX_BYTES).")
        data = file.read_bytes()
    except OSError as exc:
        raise UploadError(f"Could not read {path}: {exc.strerror or exc}.") from None
    if args.csv:
        return ingest_csv(data, file.name, target=args.target, missing=args.missing, owner="cli").name
    return ingest_zip(data, file.name, size=args.image_size, color=args.color, owner="cli").name


def cmd_train(args: argparse.Namespace) -> int:
    from synaptic_core.data import DataError, dataset_names
    from synaptic_core.models import model_names

    try:
        upload = ingest_upload(args)
    except DataError as e:
        if args.json:
            print(json.dumps({"run_id": None, "error": {"kind": "data", "message": str(e)}}))
        print(f"error: {e}", file=sys.stderr)
        return 2
    if upload is not None:
        args.dataset = upload
        if not args.quiet:
            print(f"your data is stored as dataset {upload} (reuse it with --dataset {upload})", file=sys.stderr)
    try:
        spec = spec_from_args(args).validated(known_datasets=dataset_names(), known_models=model_names())
    except SpecError as e:
        for msg in e.errors:
            print(f"error: {msg}", file=sys.stderr)
        return 2
    from synaptic_core.jobs.factory import runner_kind

    try:
        kind = runner_kind(args.runner)
        run_id, result, events = run_job(spec, _progress_printer(args.quiet), runner_kind=kind)
    except (ValueError, RuntimeError, ConnectionError) as e:  # unknown SYNAPTIC_RUNNER; Ray missing or unreachable
        print(f"error: {e}", file=sys.stderr)
        return 2
    if result is None:
        err = next((e for e in reversed(events) if e["type"] == "error"), {"kind": "crash", "message": "no result"})
        out = {"run_id": run_id, "runner": kind, "error": {"kind": err.get("kind"), "message": err.get("message")}}
        print(json.dumps(out) if args.json else f"failed: {out['error']['message']}")
        return 1
    result["run_id"], result["runner"] = run_id, kind
    if args.save_model:
        shutil.copyfile(result["model_path"], args.save_model)
        result["saved_model"] = args.save_model
    if args.json:
        print(json.dumps(result))
    else:
        print(summary_line(run_id, result))
    return 0


def _add_upload_flags(p: argparse.ArgumentParser) -> None:
    """Your own data: a CSV (with its target column) or a zip of class folders, stored as ``upload:<key>``."""
    from synaptic_core.data.uploads import COLORS, MISSING_CHOICES, SIZES

    g = p.add_argument_group("your own data (instead of --dataset)")
    g.add_argument("--csv", metavar="PATH", help="train on this CSV file (checked and stored as upload:<hash>)")
    g.add_argument("--target", metavar="COLUMN", help="the CSV column to predict (default: the last one); text or "
                   "few integer values: classification, other numbers: regression")
    g.add_argument("--missing", choices=MISSING_CHOICES, default="drop",
                   help="rows with an empty feature: drop them, or fill with the median / most frequent value")
    g.add_argument("--image-zip", metavar="PATH", help="train on a zip of image folders, one folder per class")
    g.add_argument("--image-size", type=int, choices=SIZES, default=32, help="images are resized to N x N")
    g.add_argument("--color", choices=COLORS, default="rgb", help="keep colour or convert to grey")


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
    p.add_argument("--runner", choices=("local", "ray"), default=None,
                   help="where the run trains: local processes, or a Ray cluster ($SYNAPTIC_RAY_ADDRESS); "
                        "default $SYNAPTIC_RUNNER, else local")
    p.add_argument("--no-preset", action="store_true",
                   help="use the plain spec defaults, not the model's preset and the dataset's defaults")
    _add_upload_flags(p)
    p.set_defaults(func=cmd_train)
    p = sub.add_parser("bench", help="measure training overhead, time to first metric, cold start, digits")
    p.add_argument("--json", action="store_true")
    p.add_argument("--only", action="append", help="run only these figures (repeatable)")
    p.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke check")
    p.set_defaults(func=cmd_bench)
    from synaptic_core.serving.cli import add_parser as add_serve_parser  # no FastAPI import until `serve` runs
    add_serve_parser(sub)
    from synaptic_core.export.cli import add_export_parser  # export RUN_ID --format ... --out PATH

    add_export_parser(sub)
    from synaptic_core.search.cli import add_search_parser  # search, lr-find (no Optuna import until they run)

    add_search_parser(sub)
    from synaptic_core.jobs.cli import add_resume_parser  # resume RUN_ID: continue an interrupted run

    add_resume_parser(sub)
    from synaptic_core.data.cli import add_download_parser  # download NAME: a full set, on request only

    add_download_parser(sub)
    from synaptic_core.transfer import add_transfer_parser  # transfer --source RUN --dataset D: vs from scratch

    add_transfer_parser(sub)
    from synaptic_core.runs.cli import add_runs_parser  # runs [--json]: the store's runs as a table

    add_runs_parser(sub)
    sub.add_parser("labs", help="visual labs from the command line (see `labs --help`)", add_help=False)
    return parser


def main(argv: list[str]) -> int:
    if argv[:1] == ["labs"]:
        return cmd_labs(argv[1:])
    args = build_parser().parse_args(argv)
    return args.func(args)
