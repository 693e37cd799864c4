"""``load_dataset(spec)``: pick the source, read or generate the raw material, then prepare it for the spec.

One pipeline for every dataset; what differs between kinds of data comes from the dataset's
task record (``synaptic_core.tasks``): its ``read`` hook turns one source into raw material
(a DataError there means *that file* is bad), its ``prepare`` hook turns the raw material
into a ``Dataset`` for the spec (a DataError there means the spec does not fit the data).

For the classification kinds (images, toy sets, tables) this module holds the hooks. After
the arrays are read, the spec is applied in a fixed order, so that the same spec always
gives the same data:

1. ``spec.classes`` keeps only those classes and renumbers them 0..k-1 *in the order given*
   (``classes=(3, 5)`` on CIFAR-10: cat -> 0, dog -> 1; class_names ``["cat", "dog"]``);
2. the training set is shuffled with ``spec.seed`` and the first ``spec.subset`` examples are
   kept (0 = all). The test set is never subsampled.

``fallback_to_bundled=True`` turns an unreadable data-dir/cache file or a failed download into
a load of the bundled sample; the Dataset then says so in ``source_label`` and ``notes``.
Without it the DataError propagates, and its message names the file and says the bundled
sample can be used instead. ``allow_download=False`` (the default) never touches the network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from synaptic_core.tasks import Task, get_task, resolve

from ..specs import RunSpec
from .fetch import Progress, download
from .images import read_images
from .registry import Entry, get_entry
from .sources import download_size, generated_source, iter_sources
from .toy import make_toy, with_features
from .types import DataError, Dataset, SourceInfo

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def load_dataset(spec: RunSpec | str, allow_download: bool = False, progress: Progress | None = None,
                 fallback_to_bundled: bool = False) -> Dataset:
    """Load the dataset a spec names (or a bare dataset name, with default spec values).

    Raises DataError when no source can be read; see the module docstring for the options.
    """
    if isinstance(spec, str):
        spec = RunSpec().replace(dataset=spec)
    entry = get_entry(spec.dataset)
    task = get_task(entry.task)
    if entry.generated:
        raw, source, notes = resolve(task.read)(entry, None, spec), generated_source(entry.name), []
    else:
        raw, source, notes = _load_files(entry, task, spec, allow_download, progress, fallback_to_bundled)
    ds = resolve(task.prepare)(entry, spec, raw, source)
    if notes:
        ds.notes = notes
        ds.source_label += " (the configured file could not be read)"
    return ds


def _read(entry: Entry, task: Task, source: SourceInfo, spec: Any, progress: Progress | None) -> Any:
    path = download(entry.name, progress) if source.source == "download" else source.path
    return resolve(task.read)(entry, path, spec)


def _load_files(entry: Entry, task: Task, spec: Any, allow_download: bool, progress: Progress | None,
                fallback_to_bundled: bool) -> tuple[Any, SourceInfo, list[str]]:
    candidates = list(iter_sources(entry, allow_download))
    if getattr(spec, "source", "auto") == "bundled":  # the user chose the offline sample explicitly
        candidates = [c for c in candidates if c.source == "bundled"]
    if not candidates and entry.remote and not entry.bundled_file:
        raise DataError(f"{entry.title} is not downloaded yet and has no bundled sample: fetch it once with "
                        f"`python -m synaptic_core download {entry.name}` or the page's Download button "
                        f"({download_size(entry)}), or put {entry.local_files[0]} in $SYNAPTIC_DATA_DIR.")
    if not candidates:
        raise DataError(f"{entry.title}: no file found in $SYNAPTIC_DATA_DIR ({', '.join(entry.local_files)}), "
                        "in the Keras cache, or in assets/data/ (the bundled sample is missing).")
    first = candidates[0]
    bundled = candidates[-1] if candidates[-1].source == "bundled" else None
    try:
        return _read(entry, task, first, spec, progress), first, []
    except DataError as exc:
        if first.source == "bundled":
            raise DataError(f"{exc} This is the bundled {entry.title} file: rebuild it with "
                            "scripts/make_samples.py or restore it from the repository.") from exc
        if bundled is None:
            raise
        if not fallback_to_bundled:
            raise DataError(f"{exc} The {entry.title} {bundled.where} ({bundled.path}) can be used "
                            "instead: choose source 'bundled' (--source bundled), or fix or remove that file.") from exc
        note = f"{exc} Used the {entry.title} {bundled.where} instead."
        return _read(entry, task, bundled, spec, None), bundled, [note]


# -- hooks of the classification kinds (image, toy, tabular) -----------------------------------------------
def read_image_set(entry: Entry, path: Path, spec: Any) -> Arrays:
    return read_images(entry.name, path, entry.input_shape, len(entry.class_names))


def read_table_set(entry: Entry, path: Path, spec: Any) -> Arrays:
    from .tabular import make_tabular  # imported here: pandas costs ~0.3 s, image-only users skip it
    return make_tabular(entry.name, path, spec.seed)


def generate_points(entry: Entry, path: None, spec: Any) -> Arrays:
    return make_toy(entry.name, spec.n_points, spec.noise, spec.train_ratio, spec.seed)


def prepare_classes(entry: Entry, spec: Any, arrays: Arrays, source: SourceInfo) -> Dataset:
    """Apply ``spec.classes`` and ``spec.subset`` (see the module docstring) and say where the data came from."""
    x_tr, y_tr, x_te, y_te, class_names = select_classes(arrays, list(entry.class_names), spec.classes, entry)
    n_available = len(y_tr)
    x_tr, y_tr = shuffle_subset(x_tr, y_tr, spec.subset, spec.seed)
    title = f"{entry.title} ({', '.join(class_names)})" if spec.classes else entry.title
    return Dataset(name=entry.name, task=entry.task, x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te,
                   class_names=class_names, source=source.source,
                   source_label=source_label(entry, source, len(y_tr), n_available, title=title),
                   n_train_available=n_available, path=source.path)


def prepare_points(entry: Entry, spec: Any, arrays: Arrays, source: SourceInfo) -> Dataset:
    """As prepare_classes; the label also says the noise and seed the points were generated with."""
    ds = prepare_classes(entry, spec, arrays, source)
    ds.source_label += f" (noise {spec.noise:g}, seed {spec.seed})"
    return with_features(ds, spec.features)  # inputs x1, x2 or others; the raw points kept in ds.extra


def select_classes(arrays: Arrays, class_names: list[str], classes: tuple[int, ...], entry: Entry
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Keep only ``classes`` (in that order) and renumber them 0..k-1; () keeps everything."""
    x_tr, y_tr, x_te, y_te = arrays
    if not classes:
        return x_tr, y_tr, x_te, y_te, class_names
    n = len(class_names)
    bad = [c for c in classes if not 0 <= c < n]
    if bad:
        raise DataError(f"classes: {', '.join(map(str, bad))} not a class of {entry.title} (0..{n - 1}).")
    if len(set(classes)) != len(classes):
        raise DataError(f"classes: {', '.join(map(str, classes))} repeats a class.")
    lookup = np.full(n, -1, np.int64)
    lookup[list(classes)] = np.arange(len(classes))
    keep_tr = lookup[y_tr] >= 0
    keep_te = lookup[y_te] >= 0
    return (x_tr[keep_tr], lookup[y_tr[keep_tr]], x_te[keep_te], lookup[y_te[keep_te]],
            [class_names[c] for c in classes])


def shuffle_subset(x: np.ndarray, y: np.ndarray, subset: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle with ``seed`` and keep the first ``subset`` rows (0 or more than there are = all)."""
    order = np.random.default_rng(seed).permutation(len(y))
    if subset and subset < len(order):
        order = order[:subset]
    return x[order], y[order]


def source_label(entry: Entry, source: SourceInfo, n_used: int, n_available: int, what: str = "",
                 title: str = "") -> str:
    """The line the UI shows: "MNIST — bundled sample, 10,000 of 10,000 training images used, offline".

    ``what`` replaces "training <noun>" (series: "training-period months"); ``title`` the dataset's title.
    """
    text = (f"{title or entry.title} — {source.where}, {n_used:,} of {n_available:,} "
            f"{what or 'training ' + entry.noun} used")
    return text + ", offline" if source.source == "bundled" else text
