"""Inside a trained CNN: saliency a person can read, every convolution's activation maps, first-layer kernels.

One copy of the mechanism for every page (the Playground's results, the draw page). Plain
numpy in and out; TensorFlow and Keras are imported inside the functions, so importing this
package costs nothing. Images are raw pixels 0..255 (the app's image models rescale inside).
"""

from .attribution import Attribution, integrated_gradients, readable_map, smoothgrad
from .layers import ConvMaps, activation_maps, conv_layers, first_kernels, has_conv

__all__ = ["Attribution", "ConvMaps", "activation_maps", "conv_layers", "first_kernels", "has_conv",
           "integrated_gradients", "readable_map", "smoothgrad"]
