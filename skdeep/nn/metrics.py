"""Metrics: running, sample-weighted means over an epoch (Keras semantics).

``'accuracy'`` / ``'acc'`` resolve to binary, categorical or sparse
categorical accuracy from the target and prediction shapes, as Keras 3 does.
"""
import numpy as np

from . import losses as _losses

__all__ = ["Metric", "Mean", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy",
           "CategoricalAccuracy", "SparseCategoricalAccuracy", "MeanSquaredError",
           "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError",
           "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
           "accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
           "get", "resolve"]


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

    @classmethod
    def from_config(cls, config):
        return cls(**config)


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

    def get_config(self):
        return dict(super().get_config(), **self.kwargs)


def _match(y_true, y_pred):
    """``y_true`` as an array shaped like ``y_pred`` where only a reshape is needed."""
    y_true = np.asarray(y_true)
    if y_true.shape != y_pred.shape and y_true.size == y_pred.size:
        y_true = y_true.reshape(y_pred.shape)
    return y_true


def accuracy(y_true, y_pred):
    """1.0 where predictions equal targets exactly."""
    y_pred = np.asarray(y_pred)
    return (_match(y_true, y_pred) == y_pred).astype(np.float64)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Mean over the last axis of ``y_true == (y_pred > threshold)`` (Keras)."""
    y_pred = np.asarray(y_pred)
    y_true = _match(y_true, y_pred)
    return np.mean(y_true == (y_pred > threshold), axis=-1, dtype=np.float64)


def categorical_accuracy(y_true, y_pred):
    """1.0 where the arg-max of predictions and one-hot targets agree."""
    y_pred = np.asarray(y_pred)
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype(np.float64)


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the arg-max of predictions equals the integer target."""
    y_pred = np.asarray(y_pred)
    y_true = np.asarray(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    # compared as values, like Keras: a target of 1.5 matches no class
    return (y_true == np.argmax(y_pred, axis=-1)).astype(np.float64)


def _metric_class(fn, doc):
    class _Cls(MeanMetricWrapper):
        __doc__ = doc

        def __init__(self, name=None, **kwargs):
            super().__init__(fn, name=name or fn.__name__, **kwargs)

    return _Cls


def _named(fn, class_name, doc):
    cls = _metric_class(fn, doc)
    cls.__name__ = cls.__qualname__ = class_name
    return cls


Accuracy = _named(accuracy, "Accuracy", "Exact-match accuracy.")
BinaryAccuracy = _named(binary_accuracy, "BinaryAccuracy",
                        "Accuracy of probabilities thresholded at ``threshold`` (0.5).")
CategoricalAccuracy = _named(categorical_accuracy, "CategoricalAccuracy",
                             "Accuracy against one-hot targets.")
SparseCategoricalAccuracy = _named(sparse_categorical_accuracy, "SparseCategoricalAccuracy",
                                   "Accuracy against integer targets.")
MeanSquaredError = _named(_losses.mean_squared_error, "MeanSquaredError",
                          "Mean squared error.")
MeanAbsoluteError = _named(_losses.mean_absolute_error, "MeanAbsoluteError",
                           "Mean absolute error.")
MeanAbsolutePercentageError = _named(_losses.mean_absolute_percentage_error,
                                     "MeanAbsolutePercentageError",
                                     "Mean absolute percentage error.")
MeanSquaredLogarithmicError = _named(_losses.mean_squared_logarithmic_error,
                                     "MeanSquaredLogarithmicError",
                                     "Mean squared logarithmic error.")
BinaryCrossentropy = _named(_losses.binary_crossentropy, "BinaryCrossentropy",
                            "Mean binary cross-entropy (keyword arguments of the loss).")
CategoricalCrossentropy = _named(_losses.categorical_crossentropy, "CategoricalCrossentropy",
                                 "Mean categorical cross-entropy.")
SparseCategoricalCrossentropy = _named(_losses.sparse_categorical_crossentropy,
                                       "SparseCategoricalCrossentropy",
                                       "Mean sparse categorical cross-entropy.")

_CLASSES = (Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
            MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
            MeanSquaredLogarithmicError, BinaryCrossentropy, CategoricalCrossentropy,
            SparseCategoricalCrossentropy)
_BY_CLASS = {c.__name__: c for c in _CLASSES}
# function names (as Keras' metric functions) and Keras' short aliases
_REGISTRY = {c().fn.__name__: c for c in _CLASSES if c is not Accuracy}
_REGISTRY.update(mse=MeanSquaredError, mae=MeanAbsoluteError, mape=MeanAbsolutePercentageError,
                 msle=MeanSquaredLogarithmicError, bce=BinaryCrossentropy)


def is_binary_or_sparse_categorical(y_true_shape, y_pred_shape):
    """Keras 3's rule: binary when the prediction has one unit; sparse when the
    target has a lower rank or a last dimension of 1 against several units."""
    is_binary = y_pred_shape[-1] == 1
    is_sparse = (len(y_true_shape) < len(y_pred_shape)
                 or (y_true_shape[-1] == 1 and y_pred_shape[-1] > 1))
    return is_binary, is_sparse


def _accuracy_from_loss(loss):
    if isinstance(loss, _losses.SparseCategoricalCrossentropy):
        return SparseCategoricalAccuracy
    if isinstance(loss, _losses.CategoricalCrossentropy):
        return CategoricalAccuracy
    return BinaryAccuracy


def resolve(identifier, loss=None, y_true_shape=None, y_pred_shape=None):
    """A Metric instance for ``identifier``.

    ``'accuracy'`` / ``'acc'`` resolve as in Keras 3, from the shapes only:
    binary accuracy when the predictions have one unit, sparse categorical
    accuracy when the targets have a lower rank (or one column against
    several units), categorical accuracy otherwise -- so a multi-label
    sigmoid output with 0/1 target matrices gets categorical accuracy, as in
    Keras 3; ask for ``'binary_accuracy'`` there. Without shapes the loss
    decides.

    Examples
    --------
    >>> from skdeep.nn import metrics
    >>> type(metrics.resolve("accuracy", y_true_shape=(8,), y_pred_shape=(8, 3))).__name__
    'SparseCategoricalAccuracy'
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, str):
        if identifier.lower() in ("accuracy", "acc"):
            if y_true_shape is not None and y_pred_shape is not None and len(y_true_shape) \
                    and len(y_pred_shape):
                is_binary, is_sparse = is_binary_or_sparse_categorical(y_true_shape,
                                                                        y_pred_shape)
                cls = (BinaryAccuracy if is_binary else SparseCategoricalAccuracy if is_sparse
                       else CategoricalAccuracy)
            else:
                cls = _accuracy_from_loss(loss)
            return cls(name=identifier)
        cls = _REGISTRY.get(identifier) or _BY_CLASS.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown metric {identifier!r}. Known metrics: "
                             f"{sorted(_REGISTRY) + ['accuracy', 'acc']}")
        return cls(name=identifier) if identifier in _REGISTRY else cls()
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise ValueError(f"Could not interpret metric {identifier!r}: pass a name such as "
                     "'accuracy' or 'mae', a Metric instance or a function "
                     "fn(y_true, y_pred) -> per-sample values")


get = resolve
