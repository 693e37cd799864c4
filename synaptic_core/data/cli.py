"""``python -m synaptic_core download NAME``: fetch a dataset's full files into the Keras cache, on request.

The one place the CLI touches the network for data: the files are hashed on the way and kept only
when the hash matches (``fetch.download``). Nothing is ever downloaded at import or by ``datasets``.
"""

from __future__ import annotations

import argparse
import sys


def cmd_download(args: argparse.Namespace) -> int:
    from .fetch import download
    from .registry import find_entry
    from .types import DataError

    if find_entry(args.name) is None:
        from .registry import dataset_names

        print(f"Unknown dataset {args.name!r}: choose one of {', '.join(dataset_names())}.", file=sys.stderr)
        return 2
    shown = [-1]

    def progress(done: int, total: int) -> None:
        pct = int(100 * done / total) if total else -1
        if pct != shown[0] and (pct % 5 == 0 or done >= total):
            shown[0] = pct
            print(f"\r{done / 2**20:,.1f} of {total / 2**20:,.1f} MB", end="", file=sys.stderr, flush=True)

    try:
        path = download(args.name, progress=progress)
    except DataError as exc:
        print(f"\n{exc}", file=sys.stderr)
        return 1
    print(f"\n{args.name}: {path}")
    return 0


def add_download_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("download", help="fetch a dataset's full files into the Keras cache (hash-checked)")
    p.add_argument("name", help="dataset name, e.g. cifar100 (see `datasets`)")
    p.set_defaults(func=cmd_download)
