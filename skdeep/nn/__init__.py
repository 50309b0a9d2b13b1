"""skdeep.nn: a Keras-style layer engine on Numba kernels.

Examples
--------
>>> import numpy as np
>>> from skdeep.nn import Sequential
>>> from skdeep.nn.layers import Dense
>>> model = Sequential([Dense(4, activation="relu", input_shape=(3,)), Dense(1)])
>>> model.compile(optimizer="adam", loss="mse")
>>> history = model.fit(np.ones((8, 3)), np.ones(8), epochs=2, verbose=0)
>>> len(history.history["loss"])
2
"""
from . import (activations, backend, callbacks, constraints, initializers, layers, losses,
               metrics, optimizers, regularizers, utils)
from .layers.base import Input
from .model import Model, Sequential


def load_model(filepath, custom_objects=None, compile=True):
    """Load a model saved with ``model.save`` (architecture, weights, optimizer)."""
    from .saving import load_model as _load

    return _load(filepath, custom_objects=custom_objects, compile=compile)


__all__ = ["Sequential", "Model", "Input", "load_model", "activations", "backend", "callbacks",
           "constraints", "initializers", "layers", "losses", "metrics", "optimizers",
           "regularizers", "utils"]
