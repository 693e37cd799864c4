"""The data layer: which datasets exist, where each one comes from, and loading them as numpy.

Contract (docs/ARCHITECTURE.md, section 2)::

    from synaptic_core.data import (Dataset, DatasetInfo, SourceInfo, DataError,
                                    list_datasets, dataset_names, resolve_source, load_dataset,
                                    download)

Files, one job each: ``types.py`` (the dataclasses and DataError), ``registry.py`` (the table
of datasets), ``sources.py`` (the resolution order: $SYNAPTIC_DATA_DIR, Keras cache, download,
bundled sample), ``images.py`` / ``tabular.py`` / ``toy.py`` (readers and generators),
``fetch.py`` (``download()``: urllib into the Keras cache, hash-checked; not called
``download.py`` so the module is not shadowed by the function of that name), ``loader.py``
(``load_dataset``: source -> arrays -> classes -> subset).

``load_dataset(spec, allow_download=False, progress=None, fallback_to_bundled=False)`` also
accepts a bare dataset name; ``fallback_to_bundled=True`` loads the bundled sample when the
configured file is unreadable or the download fails (the Dataset's ``notes`` say why).
Pure numpy/pandas: no TensorFlow, no Keras, no pickle.
"""

from typing import Any

from . import loader as _loader
from . import registry as _registry
from . import sources as _sources
from .fetch import download
from .sequence_sets import load_sequence, sequence_infos, sequence_names, sequence_source
from .types import DataError, Dataset, DatasetInfo, SourceInfo


def dataset_names() -> list[str]:
    """Every dataset name: images, toy sets and tables, then the sequence sets."""
    return [*_registry.dataset_names(), *sequence_names()]


def list_datasets() -> list[DatasetInfo]:
    return [*_registry.list_datasets(), *sequence_infos()]


def resolve_source(name: str, allow_download: bool = False) -> SourceInfo:
    if name in sequence_names():
        return sequence_source(name)
    return _sources.resolve_source(name, allow_download)


def load_dataset(spec: Any, allow_download: bool = False, progress: Any = None,
                 fallback_to_bundled: bool = False) -> Dataset:
    """See loader.load_dataset; sequence sets go to synaptic_core.sequences (their arrays depend on the spec)."""
    from ..specs import RunSpec

    if isinstance(spec, str):
        spec = RunSpec().replace(dataset=spec)
    if spec.dataset in sequence_names():
        return load_sequence(spec)
    return _loader.load_dataset(spec, allow_download, progress, fallback_to_bundled)


__all__ = ["Dataset", "DatasetInfo", "SourceInfo", "DataError", "list_datasets", "dataset_names",
           "resolve_source", "load_dataset", "download"]
