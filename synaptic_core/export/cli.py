"""``python -m synaptic_core export RUN_ID --format keras|savedmodel|script --out PATH``.

Reads the run from the store at $SYNAPTIC_HOME. Exit status: 0 written (the path is printed),
2 when the export cannot be done (unknown run, run not finished, no model file, output path
taken, a spec the script exporter cannot reproduce): the message says which, on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys

from synaptic_core.export.run import FORMATS


def add_export_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``export`` command to the CLI's subparsers (called from synaptic_core/cli.py)."""
    p = sub.add_parser("export", help="export a finished run: .keras model, TensorFlow SavedModel, or a "
                                      "standalone Keras training script")
    p.add_argument("run_id", metavar="RUN_ID", help="the run's id (see the Runs page or `runs`)")
    p.add_argument("--format", dest="fmt", choices=FORMATS, required=True,
                   help="keras: copy of the model file; savedmodel: TensorFlow SavedModel folder (model.export); "
                        "script: a Python script that trains the same model on the same data")
    p.add_argument("--out", required=True, metavar="PATH", help="file (keras, script) or folder (savedmodel) to write")
    p.add_argument("--force", action="store_true", help="replace an existing file (never a folder)")
    p.add_argument("--json", action="store_true", help='print {"run_id", "format", "out"} as one JSON line')
    p.set_defaults(func=cmd_export)
    return p


def cmd_export(args: argparse.Namespace) -> int:
    from synaptic_core.export.errors import ExportError
    from synaptic_core.export.run import export_run

    try:
        out = export_run(args.run_id, args.fmt, args.out, force=args.force)
    except ExportError as e:
        print(f"error: {e.message}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"run_id": args.run_id, "format": args.fmt, "out": str(out)}))
    else:
        print(f"exported run {args.run_id} as {args.fmt}: {out}")
    return 0
