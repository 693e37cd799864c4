"""SynapticHub's engine: specs, data, models, training, jobs, store, labs and figures.

Never imports streamlit; imports TensorFlow only where a model is built or trained.
"""

__version__ = "0.1.0"
