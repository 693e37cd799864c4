"""The sequence datasets (text, time series, characters) seen through the data layer's API.

Their readers live in synaptic_core.sequences (what arrays they become depends on spec
parameters such as vocabulary size and look-back); this module only lets the dataset
list, source resolution and ``load_dataset`` cover them with the same calls as images.
"""

from __future__ import annotations

from typing import Any

from .types import DatasetInfo, SourceInfo


def sequence_names() -> list[str]:
    from synaptic_core.sequences.datasets import ENTRIES

    return list(ENTRIES)


def sequence_infos() -> list[DatasetInfo]:
    from synaptic_core.sequences.datasets import ENTRIES

    return [DatasetInfo(name=e.name, title=e.title, task=e.task, description=e.description, citation=e.citation,
                        licence=e.licence, class_names=e.class_names, input_shape=(), n_train=0, n_test=0,
                        downloadable=False) for e in ENTRIES.values()]


def sequence_source(name: str) -> SourceInfo:
    from synaptic_core.sequences.datasets import ENTRIES, locate

    source, path = locate(name)
    where = {"local": f"local data dir ({path.parent if path else ''})", "generated": "generated",
             "bundled": "bundled sample" if ENTRIES[name].bundled_is_sample else "bundled copy"}[source]
    return SourceInfo(name, source, path, where, offline=True,
                      is_sample=source == "bundled" and ENTRIES[name].bundled_is_sample)


def load_sequence(spec: Any):
    from synaptic_core.sequences.prepare import load_sequence_dataset

    return load_sequence_dataset(spec)
