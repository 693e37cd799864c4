"""Export a run: its ``.keras`` model, a TensorFlow SavedModel, or a standalone Keras script.

    from synaptic_core.export import export_run, spec_to_script, ExportError, FORMATS
    export_run(run_id, "script", "train_mnist.py")     # reads the run from the SQLite store
    source = spec_to_script(spec)                      # a RunSpec -> Python source text

Files, one job each: ``errors.py`` (ExportError), ``support.py`` (what can be exported
faithfully), ``script.py`` (the script: settings, training, evaluation, main),
``script_data.py`` and ``script_models.py`` (its data and model code), ``script_imbalance.py``
(a cross-validation fold, class weights, resampling, focal loss, as training does them), ``run.py``
(``export_run``: store, formats, paths), ``cli.py`` (``python -m synaptic_core export``).
Never imports streamlit; Keras only when a SavedModel is written.
"""

from synaptic_core.export.errors import ExportError
from synaptic_core.export.run import FORMATS, default_data_path, export_run
from synaptic_core.export.script import spec_to_script

__all__ = ["ExportError", "FORMATS", "export_run", "spec_to_script", "default_data_path"]
