"""Your own data: a CSV or a zip of image folders, checked, stored by content hash, trained like any dataset.

Files, one job each: ``limits.py`` (every bound, ``SYNAPTIC_UPLOAD_*``), ``errors.py``
(UploadError: plain text naming the part at fault), ``csv_table.py`` (decode, parse, plan the
columns, prepare arrays for a seed), ``images_zip.py`` (the hostile-zip checks and decoding),
``store.py`` (``$SYNAPTIC_HOME/uploads/<key>/``, who uploaded what), ``ingest.py`` (check ->
store -> remember), ``entry.py`` (an upload as a registry row), ``hooks.py`` (the task hooks
of uploaded tables: read, regression prepare and evaluation).

A spec names an upload ``dataset="upload:<16 hex digits>"``; ``registry.find_entry`` resolves
it here, so loading, presets, size checks and validation need nothing else. No Streamlit, no
TensorFlow, no pickle.
"""

from importlib import import_module
from typing import Any

from .errors import UploadError
from .limits import COLORS, MISSING_CHOICES, SIZES, UploadLimits
from .store import delete, exists, is_upload_name, owned, owner_bytes, read_meta, remember

# pandas-heavy parts load on first use, so the CLI's parser and the spec's validation stay light
_LAZY = {"MISSING_TITLES": "csv_table", "ParsedCsv": "csv_table", "TablePlan": "csv_table", "parse_csv": "csv_table",
         "plan_table": "csv_table", "upload_entry": "entry", "Uploaded": "ingest", "ingest_csv": "ingest",
         "ingest_zip": "ingest", "preview_image_zip": "images_zip", "ZipPreview": "images_zip"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(name)


__all__ = ["MISSING_CHOICES", "MISSING_TITLES", "ParsedCsv", "TablePlan", "parse_csv", "plan_table", "upload_entry",
           "UploadError", "COLORS", "SIZES", "Uploaded", "ingest_csv", "ingest_zip", "UploadLimits", "exists",
           "is_upload_name", "owned", "read_meta", "remember", "delete", "owner_bytes", "preview_image_zip",
           "ZipPreview"]
