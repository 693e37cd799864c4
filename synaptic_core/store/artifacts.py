"""A run's files, read for a download in chunks: a multi-GB model never sits in memory whole.

Why: issue 11 saw a 3 GB ``.keras`` file downloaded from another browser grow the server from
209 MB to 2.8 GB, because the whole file was read into memory to hand it over. Whatever serves a
download (a REST route, a page) gets the file's size and an iterator of chunks from here, and
writes them out as they come. The name is checked: only a file inside the run's own artifact
folder, never a path that climbs out of it or a link that points elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

CHUNK_BYTES = 1 << 20  # 1 MiB: big enough for throughput, small enough to never matter in memory


@dataclass(frozen=True)
class Artifact:
    """One file of a run: where it is and how big (bytes)."""

    run_id: str
    name: str
    path: Path
    size: int

    def chunks(self, chunk_size: int = CHUNK_BYTES, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The file's bytes ``[start, end)`` in chunks of at most ``chunk_size``."""
        return iter_file(self.path, chunk_size, start, end)


def artifact(store: Any, run_id: str, name: str) -> Artifact:
    """The file ``name`` (e.g. ``"model.keras"``, ``"export/model.py"``) of run ``run_id``.

    FileNotFoundError when there is no such regular file in the run's folder; ValueError for a
    name that is absolute, climbs out (``..``) or resolves outside the folder (a link).
    """
    folder = Path(store.artifacts_dir(run_id))
    rel = Path(name)
    if not name or rel.is_absolute() or ".." in rel.parts or "\\" in name:
        raise ValueError(f"not a file name inside a run's folder: {name!r}")
    path = folder / rel
    try:
        real, root = path.resolve(strict=True), folder.resolve(strict=True)
    except (OSError, RuntimeError):
        raise FileNotFoundError(f"run {run_id} has no file {name!r}") from None
    if root not in real.parents:
        raise ValueError(f"{name!r} is not inside the folder of run {run_id}")
    if not real.is_file():
        raise FileNotFoundError(f"run {run_id} has no file {name!r}")
    return Artifact(run_id, name, real, real.stat().st_size)


def iter_file(path: Path, chunk_size: int = CHUNK_BYTES, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """Read ``path`` from ``start`` to ``end`` (default: its end) in chunks; the file is opened on
    the first ``next()`` and closed when the iterator ends or is closed."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    with open(path, "rb") as f:
        f.seek(max(0, start))
        left = None if end is None else max(0, end - max(0, start))
        while left is None or left > 0:
            block = f.read(chunk_size if left is None else min(chunk_size, left))
            if not block:
                return
            if left is not None:
                left -= len(block)
            yield block
