"""Where a dataset comes from: the resolution order, decided by looking at file names only.

Order (first match wins):

1. ``$SYNAPTIC_DATA_DIR/<file>`` -- a folder with the same file names as ``../shared/datasets``
   (``mnist.npz``, ``fashion_mnist.npz``, ``cifar10.npz`` or ``cifar10_subset.npz``,
   ``sonar.all-data``, ``WA_Fn-UseC_-Telco-Customer-Churn.csv``, ``imdb_reviews.jsonl.xz``...);
2. the Keras cache, ``$KERAS_HOME/datasets`` (``~/.keras/datasets`` when KERAS_HOME is unset),
   with Keras' own file names (for CIFAR-10 the *binary* archive that `download()` puts there);
3. a download into that cache -- only when the caller allows it;
4. the bundled sample in ``assets/data/`` (always there, so the app works offline), except for
   CIFAR-100, which has none: until it is downloaded (on request only, never at import) its
   source says so and loading it raises a DataError naming the download command.

Generated sets (toy sets, the sine) have no files. Nothing here reads a file or touches the network,
so the UI can say where data *would* come from before anything is loaded.
"""

from __future__ import annotations

import os
from pathlib import Path

from .registry import Entry, get_entry
from .types import DataError, SourceInfo

#: the bundled samples; a module attribute so tests can point it at a temporary folder
BUNDLED_DIR: Path = Path(__file__).resolve().parents[2] / "assets" / "data"


def data_dir() -> Path | None:
    """``$SYNAPTIC_DATA_DIR`` when set and non-empty."""
    value = os.environ.get("SYNAPTIC_DATA_DIR", "").strip()
    return Path(value).expanduser() if value else None


def keras_datasets_dir() -> Path:
    """Keras' download cache: ``$KERAS_HOME/datasets``, else ``~/.keras/datasets`` (as Keras decides)."""
    home = os.environ.get("KERAS_HOME")
    base = Path(home).expanduser() if home else Path.home() / ".keras"
    return base / "datasets"


def bundled_path(entry: Entry) -> Path | None:
    """The bundled file of ``entry`` (whether or not it exists), None when it has none."""
    return BUNDLED_DIR / entry.bundled_file if entry.bundled_file else None


def find_local(entry: Entry) -> Path | None:
    """The first of the entry's file names present in ``$SYNAPTIC_DATA_DIR`` (a folder for the UCI sentences)."""
    root = data_dir()
    if root is None:
        return None
    for fname in entry.local_files:
        if (root / fname).exists():
            return root / fname
    return None


def find_keras_cache(entry: Entry) -> Path | None:
    """The entry's file in the Keras cache when all its cache files are there.

    For a set stored as several files (Fashion-MNIST's four IDX files) the folder holding them
    is returned.
    """
    if not entry.cache_files:
        return None
    root = keras_datasets_dir()
    paths = [root / f for f in entry.cache_files]
    if not all(p.is_file() for p in paths):
        return None
    return paths[0] if len(paths) == 1 else paths[0].parent


def download_target(entry: Entry) -> Path:
    """Where `download()` puts the entry's file(s): the same place `find_keras_cache` looks."""
    root = keras_datasets_dir()
    paths = [root / f.fname for f in entry.remote]
    return paths[0] if len(paths) == 1 else paths[0].parent


def _shorten(path: Path) -> str:
    """``/home/me/.keras/datasets`` -> ``~/.keras/datasets``: shorter labels, no user name shown."""
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)


def resolve_source(name: str, allow_download: bool = False) -> SourceInfo:
    """Where ``name`` would load from now. Reads no file and touches no network.

    ``allow_download`` says whether a download may come before the bundled sample, as in
    ``load_dataset(spec, allow_download=True)``.
    """
    entry = get_entry(name)
    if entry.generated:
        return generated_source(name)
    candidates = list(iter_sources(entry, allow_download))
    if not candidates and entry.remote and not entry.bundled_file:  # CIFAR-100: only there once fetched
        return not_downloaded(entry)
    if not candidates:
        raise DataError(f"{entry.title}: no data dir file, no Keras cache and no bundled sample found "
                        f"(looked for {', '.join(entry.local_files)} and {BUNDLED_DIR}).")
    return candidates[0]


def download_size(entry: Entry) -> str:
    """"161 MB": the total of the entry's download, for messages."""
    total = sum(f.size or 0 for f in entry.remote)
    return f"{total / 2**20:,.0f} MB" if total else "size unknown"


def not_downloaded(entry: Entry) -> SourceInfo:
    """A set with no bundled sample that is not here yet: a download (on request only) is its one source."""
    return SourceInfo(entry.name, "download", download_target(entry),
                      f"not downloaded yet: `python -m synaptic_core download {entry.name}` fetches it "
                      f"({download_size(entry)}) into the Keras cache", offline=False, is_sample=False)


def generated_source(name: str) -> SourceInfo:
    """The source of a set with no files: generated from the spec."""
    return SourceInfo(name, "generated", None, "generated", offline=True, is_sample=False)


def iter_sources(entry: Entry, allow_download: bool):
    """Every usable source of ``entry`` in resolution order (the loader falls back along it)."""
    if entry.stored_file:  # an upload: its one stored file, nothing to fall back to
        yield SourceInfo(entry.name, "upload", Path(entry.stored_file), "your upload", offline=True, is_sample=False)
        return
    local = find_local(entry)
    if local is not None:
        yield SourceInfo(entry.name, "local", local, f"local data dir ({_shorten(local.parent)})",
                         offline=True, is_sample=False)
    cached = find_keras_cache(entry)
    if cached is not None:
        yield SourceInfo(entry.name, "keras-cache", cached, f"Keras cache ({_shorten(keras_datasets_dir())})",
                         offline=True, is_sample=False)
    elif allow_download and entry.remote:
        target = download_target(entry)
        yield SourceInfo(entry.name, "download", target, f"downloaded to the Keras cache ({_shorten(target)})",
                         offline=False, is_sample=False)
    bundled = bundled_path(entry)
    if bundled is not None and bundled.is_file():
        what = "bundled sample" if entry.bundled_is_sample else "bundled copy"
        yield SourceInfo(entry.name, "bundled", bundled, what, offline=True, is_sample=entry.bundled_is_sample)
