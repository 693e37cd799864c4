"""Model builders: spec -> keras.Model.

Each builder is a small function with explicit inputs (the spec, the input shape, the
number of classes), in the Keras style. Keras is imported inside the builders so that
importing this package (for the list of names) stays cheap in the Streamlit process.
"""

from synaptic_core.models.registry import MODELS, ModelInfo, build_model, model_names
from synaptic_core.models.summary import model_summary

__all__ = ["MODELS", "ModelInfo", "build_model", "model_names", "model_summary"]
