"""Fetch a full dataset into the Keras cache, with progress and a hash check (urllib only).

The files land where Keras keeps them (``$KERAS_HOME/datasets``, else ``~/.keras/datasets``)
under Keras' own names, so Keras and SynapticHub share one cache. A file is streamed to
``<name>.part``, hashed on the way, and renamed into place only when its hash matches: a cut
connection or a tampered file never leaves a half file where a loader would find it.
A file already in the cache with the right hash is not fetched again.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

from .registry import ENTRIES, Entry, RemoteFile, get_entry
from .sources import bundled_path, download_target, keras_datasets_dir
from .types import DataError

Progress = Callable[[int, int], None]

#: what each dataset downloads; a module-level table so tests can point it at a local server
REMOTE_FILES: dict[str, tuple[RemoteFile, ...]] = {e.name: e.remote for e in ENTRIES if e.remote}

_CHUNK = 1 << 18
_TIMEOUT_S = 60


def _hash_file(path: Path, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def download(name: str, progress: Progress | None = None) -> Path:
    """Download ``name`` into the Keras cache and return its path (the folder for multi-file sets).

    ``progress(done, total)`` is called with bytes received so far over all of the set's files
    and the best-known total (known sizes and Content-Length; 0 while unknown).
    Raises DataError, saying the bundled sample is there, when the network or the hash fails.
    """
    entry = get_entry(name)
    files = REMOTE_FILES.get(name, ())
    if not files:
        raise DataError(f"{entry.title} has no download: "
                        + ("it is generated." if entry.generated else "the complete set is bundled."))
    root = keras_datasets_dir()
    sizes = [f.size or 0 for f in files]
    done = 0
    for i, remote in enumerate(files):
        target = root / remote.fname
        if target.is_file() and _hash_file(target, remote.algorithm) == remote.file_hash.lower():
            sizes[i] = target.stat().st_size
            done += sizes[i]
            if progress:
                progress(done, sum(sizes))
            continue
        done = _fetch(entry, remote, target, sizes, i, done, progress)
    return download_target(entry)


def _fetch(entry: Entry, remote: RemoteFile, target: Path, sizes: list[int], i: int, done: int,
           progress: Progress | None) -> int:
    """Stream one file to ``target`` (via ``.part``), checking its hash; returns the new byte count."""
    title = entry.title
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    h = hashlib.new(remote.algorithm)
    try:
        with urllib.request.urlopen(remote.url, timeout=_TIMEOUT_S) as resp, open(part, "wb") as out:
            length = resp.headers.get("Content-Length")
            if length and length.isdigit():
                sizes[i] = int(length)
            if progress:
                progress(done, sum(sizes))
            for block in iter(lambda: resp.read(_CHUNK), b""):
                out.write(block)
                h.update(block)
                done += len(block)
                if progress:
                    progress(done, max(sum(sizes), done))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        part.unlink(missing_ok=True)
        reason = getattr(exc, "reason", None) or exc
        raise DataError(f"Downloading {title} from {remote.url} failed: {reason}. {_hint(entry)}") from exc
    if h.hexdigest() != remote.file_hash.lower():
        part.unlink(missing_ok=True)
        raise DataError(f"Downloading {title} from {remote.url}: the {remote.algorithm} of the file is "
                        f"{h.hexdigest()}, expected {remote.file_hash}; the file was not kept. {_hint(entry)}")
    os.replace(part, target)
    return done


def _hint(entry: Entry) -> str:
    if bundled_path(entry) is not None:
        return f"The bundled {entry.title} sample can be used instead (it works offline)."
    return ""
