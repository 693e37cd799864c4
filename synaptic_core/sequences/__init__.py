"""Sequences: text tokenisation, time-series windows, character streams, generation, explanations.

Pure numpy (Keras only where a model is called), so every step is testable on its own.
"""
