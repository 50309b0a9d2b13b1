"""skdeep.nn: a Keras-style layer engine on Numba kernels.

``import skdeep.nn as keras`` stands in for ``import keras``: the
submodules and top-level names below are Keras 3's.

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
from . import (activations, backend, callbacks, config, constraints, datasets, initializers,
               layers, losses, metrics, models, optimizers, preprocessing, regularizers, saving,
               utils)
from . import object_registry, ops, random
from .initializers import Initializer
from .layers import InputSpec
from .layers.base import Input, KTensor as KerasTensor, Layer, is_keras_tensor as _is_kt
from .losses import Loss
from .metrics import Metric
from .model import Model, Sequential, function as _function
from .optimizers import Optimizer
from .regularizers import Regularizer
from .saving import load_model
from .variables import Variable, name_scope

# K.function builds a Model, so it is defined next to Model; the backend
# namespace (below every layer) gets it here, where both exist
backend.function = _function
backend.is_keras_tensor = _is_kt
# loading may name the public classes and functions of these modules
object_registry.BUILTIN_MODULES[:] = [layers, losses, metrics, optimizers, optimizers.schedules,
                                      initializers, regularizers, constraints, activations, ops]

__all__ = ["Sequential", "Model", "Input", "InputSpec", "Layer", "Loss", "Metric", "Optimizer",
           "Initializer", "Regularizer", "KerasTensor", "Variable", "name_scope", "load_model",
           "version", "activations",
           "backend", "callbacks", "config", "constraints", "datasets", "initializers", "layers",
           "losses", "metrics", "models", "optimizers", "preprocessing", "regularizers", "saving",
           "utils", "ops", "random", "applications"]


def __getattr__(name):
    # keras.applications is imported on first use: most programs never build one
    if name == "applications":
        import importlib

        module = importlib.import_module(f"{__name__}.applications")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'skdeep.nn' has no attribute {name!r}")


def version():
    """skdeep's version string (``keras.version()``)."""
    from .. import __version__

    return __version__
