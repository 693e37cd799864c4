"""The maths of the visual labs, without Streamlit.

One module per lab (``activations``, ``vanishing``, ``losses``, ``softmax_scratch`` and the
optimizer labs). Nothing is imported here on purpose: TensorFlow and Keras are imported
inside the functions that need them, so importing a lab module stays cheap.
"""
