"""The data layer: which datasets exist, where each one comes from, and loading them as numpy.

Contract (docs/ARCHITECTURE.md, section 2)::

    from synaptic_core.data import (Dataset, DatasetInfo, SourceInfo, DataError,
                                    list_datasets, dataset_names, resolve_source, load_dataset,
                                    download)

Files, one job each: ``types.py`` (the dataclasses and DataError), ``registry.py`` (the one
table of datasets, every kind; each row names its task record in ``synaptic_core.tasks``),
``sources.py`` (the resolution order: $SYNAPTIC_DATA_DIR, Keras cache, download, bundled
sample), ``images.py`` / ``tabular.py`` / ``toy.py`` (readers and generators),
``fetch.py`` (``download()``: urllib into the Keras cache, hash-checked; not called
``download.py`` so the module is not shadowed by the function of that name), ``loader.py``
(``load_dataset``: source -> the task's ``read`` -> the task's ``prepare``; the hooks of the
image, toy and tabular kinds). The sequence kinds' hooks are in ``synaptic_core.sequences.prepare``.

``load_dataset(spec, allow_download=False, progress=None, fallback_to_bundled=False)`` also
accepts a bare dataset name; ``fallback_to_bundled=True`` loads the bundled sample when the
configured file is unreadable or the download fails (the Dataset's ``notes`` say why).
Pure numpy/pandas: no TensorFlow, no Keras, no pickle (the task records name their Keras parts
as strings, imported only by training).
"""

from . import loader as _loader
from . import registry as _registry
from . import sources as _sources
from .fetch import download
from .types import DataError, Dataset, DatasetInfo, SourceInfo


def dataset_names() -> list[str]:
    """Every dataset name, in table order: images, toy sets, tables, then the sequence sets."""
    return _registry.dataset_names()


def list_datasets() -> list[DatasetInfo]:
    """Every dataset's public description, with its task's page and its spec defaults."""
    return _registry.list_datasets()


def resolve_source(name: str, allow_download: bool = False) -> SourceInfo:
    return _sources.resolve_source(name, allow_download)


load_dataset = _loader.load_dataset


__all__ = ["Dataset", "DatasetInfo", "SourceInfo", "DataError", "list_datasets", "dataset_names",
           "resolve_source", "load_dataset", "download"]
