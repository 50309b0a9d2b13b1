"""skdeep: Keras-style neural networks as scikit-learn estimators.

The estimators are imported on first use (PEP 562), so that ``import
skdeep.nn`` does not pay for scikit-learn, SciPy and pandas.
"""
__version__ = "0.2.0.dev0"

__all__ = ["NeuralClassifier", "NeuralRegressor", "Autoencoder"]


def __getattr__(name):
    if name in __all__:
        from . import estimators

        value = getattr(estimators, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'skdeep' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
