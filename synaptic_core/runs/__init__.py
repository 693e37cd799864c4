"""Every run a person may see, as a table; comparing a few; changing one on its owner's behalf.

``table`` builds plain rows from the store (the Runs page, the ``runs`` CLI and the CSV share
them), ``compare`` the data of the Compare section (its figures: ``synaptic_core.viz.compare``),
``actions`` renames, tags, deletes and re-seeds with the owner check done in the handler.
No Streamlit here.
"""

from .actions import another_seed, may_change
from .table import build_row, changed_params, csv_text, filter_rows, list_rows, sort_rows

__all__ = ["another_seed", "build_row", "changed_params", "csv_text", "filter_rows", "list_rows", "may_change",
           "sort_rows"]
