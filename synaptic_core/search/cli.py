"""``python -m synaptic_core search`` and ``lr-find``: a study or a learning-rate sweep from the shell.

The base spec comes from the same flags as ``train`` (presets layered the same way); the search adds
what to vary and how. The CLI owns a short-lived runner (``recover=False``: it shares the store with
a server without marking the server's runs interrupted) and drives the study in a thread of its
own, so Ctrl-C stops the study the way a page's Stop does: running trials stop within one batch.
A study whose server or CLI died (a restart, kill -9) goes on with ``--study ID --resume``: what its
last session still owed, the interrupted trials asked again first (``search/session.py``).

``--json`` prints exactly one line: ``study_id, n_trials, n_complete, n_pruned, n_failed, best``
(``{run_id, params, value, trial}`` or null) plus the settings; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from typing import Any

from .config import OBJECTIVES, PRUNERS, SAMPLERS

JSON_KEYS = ("study_id", "n_trials", "n_complete", "n_pruned", "n_failed", "best")


def add_search_parser(sub: Any) -> None:
    """The ``search`` and ``lr-find`` subcommands (called from synaptic_core/cli.py)."""
    from synaptic_core.cli import _add_spec_flags

    p = sub.add_parser("search", help="hyperparameter search whose trials are ordinary runs; --json prints one line")
    _add_spec_flags(p)
    p.add_argument("--vary", help="parameters to vary, comma-separated (e.g. lr,hidden,activation)")
    p.add_argument("--sampler", choices=SAMPLERS, default="tpe")
    p.add_argument("--pruner", choices=PRUNERS, default="median")
    p.add_argument("--objective", choices=OBJECTIVES, default="val_accuracy",
                   help="measured on the validation split; test data is never used to choose")
    p.add_argument("--trials", type=int, default=None, help="new trials to run (default 12 without --minutes)")
    p.add_argument("--minutes", type=float, default=None, help="start no trial after this many minutes")
    p.add_argument("--parallel", type=int, default=0, help="trials at once (0: the runner's slots)")
    p.add_argument("--folds", type=int, default=0, metavar="K",
                   help="k-fold cross-validation for small tabular sets: each trial is K runs, one per stratified "
                        "fold, scored by their mean validation value (0: one validation split)")
    p.add_argument("--range", action="append", default=[], metavar="NAME=LO:HI",
                   help="override a numeric range, e.g. lr=1e-4:0.1 (checked against the spec's limits)")
    p.add_argument("--choices", action="append", default=[], metavar="NAME=A|B",
                   help="override choices, e.g. 'hidden=16|32,32|64,64' or 'activation=relu|tanh'")
    p.add_argument("--study", metavar="ID", help="extend this stored study instead of starting one")
    p.add_argument("--resume", action="store_true",
                   help="with --study: go on with a study whose server or CLI died, running what its last "
                        "session still owed (the interrupted trials first)")
    p.add_argument("--name", default="", help="a label for the study")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON line")
    p.add_argument("--quiet", action="store_true", help="no per-trial progress on stderr")
    p.add_argument("--runner", choices=("local", "ray"), default=None)
    p.add_argument("--no-preset", action="store_true")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("lr-find", help="sweep the learning rate over a few hundred batches; suggests a rate")
    _add_spec_flags(p)
    p.add_argument("--batches", type=int, default=200)
    p.add_argument("--json", action="store_true")
    p.add_argument("--runner", choices=("local", "ray"), default=None)
    p.add_argument("--no-preset", action="store_true")
    p.set_defaults(func=cmd_lr_find)


def _pairs(items: list[str], flag: str) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"{flag} {item!r}: write NAME=VALUE")
        out[name.strip()] = value
    return out


def parse_ranges(items: list[str]) -> dict[str, tuple[str, str]]:
    out = {}
    for name, value in _pairs(items, "--range").items():
        lo, sep, hi = value.partition(":")
        if not sep:
            raise ValueError(f"--range {name}={value}: write LO:HI, e.g. {name}=1e-4:0.1")
        out[name] = (lo.strip(), hi.strip())
    return out


def parse_choices(items: list[str]) -> dict[str, list[str]]:
    return {name: [v.strip() for v in value.split("|") if v.strip()]
            for name, value in _pairs(items, "--choices").items()}


def _runner(kind: str | None, parallel: int) -> Any:
    from synaptic_core.jobs.factory import make_runner, runner_kind
    from synaptic_core.store import RunStore, synaptic_home

    store = RunStore(synaptic_home() / "runs.db")
    return make_runner(store, runner_kind(kind), max_jobs=parallel or None, extra_spares=1, recover=False)


def _progress(quiet: bool):
    def show(row: dict[str, Any]) -> None:
        if quiet:
            return
        params = ", ".join(f"{k}={_short(v)}" for k, v in row["params"].items())
        value = "" if row["value"] is None else f" {row['value']:.4f}"
        where = f" at epoch {row['pruned_at']}" if row.get("pruned_at") else ""
        why = f" ({row['message']})" if row.get("message") and row["state"] in ("failed", "interrupted") else ""
        print(f"trial {row['trial']}: {row['state']}{where}{value}  {params}{why}", file=sys.stderr)
    return show


def _short(v: Any) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def cmd_search(args: argparse.Namespace) -> int:
    from synaptic_core.specs import SpecError

    from .driver import StudyDriver
    from .manager import StudyManager
    from .results import summarize
    from .space import SpaceError
    from .storage import UnknownStudy, check_study_id

    from . import session as sessions

    n_trials = args.trials if args.trials is not None or args.minutes is not None else 12
    minutes = args.minutes
    runner = None
    try:
        from .driver import _budget

        if args.resume and not args.study:
            raise ValueError("--resume needs --study ID (the study to go on with)")
        if not args.resume:
            _budget(n_trials, minutes)
        runner = _runner(args.runner, args.parallel)
        manager = StudyManager(runner)
        if args.study:
            study_id = check_study_id(args.study)
            manager.config(study_id)  # UnknownStudy before anything runs
            if args.resume:
                status = manager.status(study_id)
                if status["state"] != "interrupted":
                    raise ValueError(f"study {study_id} is {status['state']}, not interrupted: "
                                     "use --trials N to run more trials")
                n_trials, minutes = status["owed"]["trials"], status["owed"]["minutes"]
        else:
            if not args.vary:
                raise ValueError("--vary is needed to start a study (or --study ID to extend one)")
            from synaptic_core.cli import spec_from_args

            spec = spec_from_args(args)
            study_id = manager.create(spec, args.vary, sampler=args.sampler, pruner=args.pruner,
                                      objective=args.objective, n_trials=n_trials, parallel=args.parallel,
                                      owner="cli", name=args.name, ranges=parse_ranges(args.range),
                                      choices=parse_choices(args.choices), folds=args.folds)
        driver = StudyDriver(runner, study_id, on_told=_progress(args.quiet or False))
        sessions.check_free(driver.study)  # StudyBusy: a server (or another CLI) runs it now
        if not args.quiet:
            print(f"study {study_id}: {driver.config.sampler} sampler, {driver.config.pruner} pruning, "
                  f"{driver.config.objective}; " + "; ".join(driver.space.describe()), file=sys.stderr)
        t0 = time.perf_counter()
        thread = threading.Thread(target=driver.run, kwargs={"n_trials": n_trials, "minutes": minutes},
                                  name=f"study-{study_id}", daemon=True)
        thread.start()
        try:
            while thread.is_alive():
                thread.join(0.5)
        except KeyboardInterrupt:
            print("stopping the study (running trials stop within one batch)…", file=sys.stderr)
            driver.stop()
            thread.join()
        summary = summarize(driver.study)
        summary.update(seconds=round(time.perf_counter() - t0, 2), state=driver.state, message=driver.message)
    except (SpaceError, SpecError, UnknownStudy, ValueError, RuntimeError, ConnectionError) as exc:
        for line in getattr(exc, "errors", None) or [str(exc)]:
            print(f"error: {line}", file=sys.stderr)
        return 2
    finally:
        if runner is not None:
            runner.shutdown()
    if args.json:
        print(json.dumps(summary))
    else:
        best = summary["best"]
        found = (f"best trial {best['trial']} (run {best['run_id']}): {summary['objective']} {best['value']:.4f} "
                 f"with " + ", ".join(f"{k}={_short(v)}" for k, v in best["params"].items())) if best else \
            "no trial completed"
        print(f"study {summary['study_id']}: {summary['n_trials']} trials ({summary['n_complete']} complete, "
              f"{summary['n_pruned']} pruned, {summary['n_failed']} failed) in {summary['seconds']:.0f} s; {found}")
    return 0 if summary["best"] is not None and driver.state != "failed" else 1


def cmd_lr_find(args: argparse.Namespace) -> int:
    from synaptic_core.cli import spec_from_args
    from synaptic_core.specs import SpecError

    from .lr_finder import lr_finder

    runner = None
    try:
        spec = spec_from_args(args)
        runner = _runner(args.runner, 1)
        finding = lr_finder(spec, runner, batches=args.batches, owner="cli")
    except (SpecError, ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1 if isinstance(exc, RuntimeError) else 2
    finally:
        if runner is not None:
            runner.shutdown()
    out = {"run_id": finding.run_id, "suggested": finding.suggested, "steepest": finding.steepest,
           "min_loss_lr": finding.min_loss_lr, "batches": len(finding.lrs), "diverged": finding.diverged}
    print(json.dumps(out) if args.json else
          f"run {finding.run_id}: suggested learning rate {finding.suggested:.3g} (steepest descent at "
          f"{finding.steepest:.3g}, lowest loss at {finding.min_loss_lr:.3g}) over {len(finding.lrs)} batches"
          if finding.suggested is not None else f"run {finding.run_id}: the curve is too short to suggest a rate")
    return 0
