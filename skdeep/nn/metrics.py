"""Metrics: running, sample-weighted means over an epoch (Keras semantics).

``'accuracy'`` / ``'acc'`` resolve to binary, categorical or sparse
categorical accuracy from the loss and the shapes, as Keras does.
"""
import numpy as np

from . import losses as _losses

__all__ = ["Metric", "Mean", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy",
           "CategoricalAccuracy", "SparseCategoricalAccuracy", "MeanSquaredError",
           "MeanAbsoluteError", "get", "resolve"]


class Metric:
    """Base class: ``update_state``, ``result``, ``reset_state``."""

    def __init__(self, name=None, dtype=None):
        self.name = name or type(self).__name__.lower()
        self.reset_state()

    def reset_state(self):
        raise NotImplementedError

    def update_state(self, y_true, y_pred, sample_weight=None):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def __call__(self, y_true, y_pred, sample_weight=None):
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    def get_config(self):
        return {"name": self.name}


class Mean(Metric):
    """Weighted running mean of the values passed to ``update_state(values)``."""

    def reset_state(self):
        self.total = 0.0
        self.count = 0.0

    def update_state(self, values, sample_weight=None):
        values = np.asarray(values, dtype=np.float64)
        if sample_weight is None:
            self.total += float(values.sum())
            self.count += values.size
        else:
            sw = np.broadcast_to(np.asarray(sample_weight, np.float64).reshape(
                np.shape(sample_weight) + (1,) * (values.ndim - np.ndim(sample_weight))),
                values.shape)
            self.total += float((values * sw).sum())
            self.count += float(sw.sum())

    def result(self):
        return self.total / self.count if self.count else 0.0


class MeanMetricWrapper(Mean):
    """Mean of a per-sample function ``fn(y_true, y_pred)``."""

    def __init__(self, fn, name=None, **kwargs):
        self.fn = fn
        self.kwargs = kwargs
        super().__init__(name=name or fn.__name__)

    def update_state(self, y_true, y_pred, sample_weight=None):
        super().update_state(self.fn(y_true, y_pred, **self.kwargs), sample_weight)


def _match(y_true, y_pred):
    y_true = np.asarray(y_true)
    if y_true.shape != y_pred.shape and y_true.size == y_pred.size:
        y_true = y_true.reshape(y_pred.shape)
    return y_true


def accuracy(y_true, y_pred):
    """1.0 where predictions equal targets exactly."""
    return (_match(y_true, y_pred) == y_pred).astype(np.float64)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Mean over the last axis of ``(y_pred > threshold) == y_true``."""
    y_pred = np.asarray(y_pred)
    y_true = _match(y_true, y_pred)
    return np.mean((y_pred > threshold) == (y_true > 0.5), axis=-1)


def categorical_accuracy(y_true, y_pred):
    """1.0 where the arg-max of predictions and one-hot targets agree."""
    y_pred = np.asarray(y_pred)
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype(np.float64)


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the arg-max of predictions equals the integer target."""
    y_pred = np.asarray(y_pred)
    y_true = np.asarray(y_true)
    if y_true.ndim == y_pred.ndim:
        y_true = y_true[..., 0]
    return (y_true.astype(np.int64) == np.argmax(y_pred, axis=-1)).astype(np.float64)


def _metric_class(fn, doc):
    class _Cls(MeanMetricWrapper):
        __doc__ = doc

        def __init__(self, name=None, **kwargs):
            super().__init__(fn, name=name or fn.__name__, **kwargs)

    return _Cls


Accuracy = _metric_class(accuracy, "Exact-match accuracy.")
Accuracy.__name__ = "Accuracy"
BinaryAccuracy = _metric_class(binary_accuracy, "Accuracy of thresholded probabilities.")
BinaryAccuracy.__name__ = "BinaryAccuracy"
CategoricalAccuracy = _metric_class(categorical_accuracy, "Accuracy against one-hot targets.")
CategoricalAccuracy.__name__ = "CategoricalAccuracy"
SparseCategoricalAccuracy = _metric_class(sparse_categorical_accuracy,
                                          "Accuracy against integer targets.")
SparseCategoricalAccuracy.__name__ = "SparseCategoricalAccuracy"
MeanSquaredError = _metric_class(_losses.mean_squared_error, "Mean squared error.")
MeanSquaredError.__name__ = "MeanSquaredError"
MeanAbsoluteError = _metric_class(_losses.mean_absolute_error, "Mean absolute error.")
MeanAbsoluteError.__name__ = "MeanAbsoluteError"

_REGISTRY = {
    "binary_accuracy": BinaryAccuracy, "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError,
    "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError,
}
_BY_CLASS = {c.__name__: c for c in (Accuracy, BinaryAccuracy, CategoricalAccuracy,
                                     SparseCategoricalAccuracy, MeanSquaredError,
                                     MeanAbsoluteError)}


def resolve(identifier, loss=None, y_true_shape=None, y_pred_shape=None):
    """A Metric instance for ``identifier``; 'accuracy' is resolved like Keras."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, str):
        if identifier in ("accuracy", "acc"):
            if isinstance(loss, _losses.SparseCategoricalCrossentropy):
                cls = SparseCategoricalAccuracy
            elif isinstance(loss, _losses.CategoricalCrossentropy):
                cls = CategoricalAccuracy
            elif isinstance(loss, _losses.BinaryCrossentropy):
                cls = BinaryAccuracy
            elif y_pred_shape is not None and y_pred_shape[-1] == 1:
                cls = BinaryAccuracy
            elif y_true_shape is not None and y_pred_shape is not None and (
                    len(y_true_shape) < len(y_pred_shape) or y_true_shape[-1] == 1):
                cls = SparseCategoricalAccuracy
            else:
                cls = CategoricalAccuracy
            return cls(name=identifier)
        cls = _REGISTRY.get(identifier) or _BY_CLASS.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown metric {identifier!r}. Known metrics: "
                             f"{sorted(_REGISTRY) + ['accuracy', 'acc']}")
        return cls(name=identifier)
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise ValueError(f"Could not interpret metric {identifier!r}")


get = resolve
