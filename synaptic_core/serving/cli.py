"""``python -m synaptic_core serve [--host 127.0.0.1] [--port 8000]``: the REST API under uvicorn.

It reads the run store of ``$SYNAPTIC_HOME`` (or ``--db``) and serves predictions of the runs
in it; it never trains and never writes a run. By default it listens on the loopback address
only: anyone who can reach it and holds a run's id may see that run and ask it for predictions.
"""

from __future__ import annotations

import argparse
import sys


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """The ``serve`` subcommand (called from synaptic_core.cli.build_parser)."""
    p = sub.add_parser("serve", help="serve finished runs' models over HTTP (FastAPI; docs at /docs)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--db", metavar="PATH", help="run database (default: $SYNAPTIC_HOME/runs.db)")
    p.add_argument("--max-body-bytes", type=int, default=None, help="largest request body (default 4 MiB)")
    p.add_argument("--max-inputs", type=int, default=None, help="most inputs per predict request (default 256)")
    p.add_argument("--cache-size", type=int, default=None, help="models kept loaded (default 4)")
    p.add_argument("--no-access-log", action="store_true", help="do not log every request")
    p.set_defaults(func=cmd_serve)
    return p


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from synaptic_core.serving.app import create_app
    from synaptic_core.store import RunStore

    if not 0 < args.port < 65536:
        print(f"error: --port {args.port} is not a TCP port", file=sys.stderr)
        return 2
    options = {k: v for k, v in (("max_body_bytes", args.max_body_bytes), ("max_inputs", args.max_inputs),
                                 ("cache_size", args.cache_size)) if v is not None}
    if any(v <= 0 for v in options.values()):
        print("error: limits must be positive", file=sys.stderr)
        return 2
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"note: listening on {args.host}: anyone who can reach it and holds a run's id can see that run "
              "and ask it for predictions", file=sys.stderr)
    app = create_app(RunStore(args.db) if args.db else RunStore(), preload_tensorflow=True, **options)
    uvicorn.run(app, host=args.host, port=args.port, access_log=not args.no_access_log, log_level="info")
    return 0
