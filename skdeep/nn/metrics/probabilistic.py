"""Probabilistic metrics: cross-entropies, KL divergence and Poisson (Keras 3)."""
import numpy as np

from .. import losses as _losses
from .base import MeanMetricWrapper

__all__ = [
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "KLDivergence",
    "Poisson",
    "SparseCategoricalCrossentropy",
    "kl_divergence",
    "poisson",
]

_EPS = 1e-7


def kl_divergence(y_true, y_pred):
    """``sum(t * log(t / p), axis=-1)`` with both clipped to ``[1e-7, 1]`` (Keras)."""
    y_pred = np.asarray(y_pred, dtype=np.float64)
    y_true = np.asarray(y_true, dtype=np.float64).reshape(y_pred.shape) \
        if np.size(y_true) == y_pred.size else np.asarray(y_true, dtype=np.float64)
    t = np.clip(y_true, _EPS, 1.0)
    p = np.clip(y_pred, _EPS, 1.0)
    return np.sum(t * np.log(t / p), axis=-1)


def poisson(y_true, y_pred):
    """``mean(p - t * log(p + 1e-7), axis=-1)`` (Keras)."""
    y_pred = np.asarray(y_pred, dtype=np.float64)
    y_true = np.asarray(y_true, dtype=np.float64).reshape(y_pred.shape) \
        if np.size(y_true) == y_pred.size else np.asarray(y_true, dtype=np.float64)
    return np.mean(y_pred - y_true * np.log(y_pred + _EPS), axis=-1)


class BinaryCrossentropy(MeanMetricWrapper):
    """Mean binary cross-entropy.

    Examples
    --------
    >>> round(float(BinaryCrossentropy()([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])), 4)
    0.8149
    """

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(_losses.binary_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing)


class CategoricalCrossentropy(MeanMetricWrapper):
    """Mean categorical cross-entropy against one-hot targets.

    Examples
    --------
    >>> round(float(CategoricalCrossentropy()([[0, 1, 0], [0, 0, 1]],
    ...                                       [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), 4)
    1.1769
    """

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(_losses.categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Mean categorical cross-entropy against integer targets.

    Examples
    --------
    >>> round(float(SparseCategoricalCrossentropy()([1, 2],
    ...                                             [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])), 4)
    1.1769
    """

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 axis=-1):
        if axis != -1:
            raise ValueError(f"SparseCategoricalCrossentropy supports only axis=-1, got {axis!r}")
        super().__init__(_losses.sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits)

    def get_config(self):
        return dict(super().get_config(), axis=-1)


class KLDivergence(MeanMetricWrapper):
    """Mean Kullback-Leibler divergence ``sum(t * log(t / p))``.

    Examples
    --------
    >>> round(float(KLDivergence()([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])), 4)
    0.4581
    """

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, dtype=dtype)


class Poisson(MeanMetricWrapper):
    """Mean Poisson deviance term ``p - t * log(p)``.

    Examples
    --------
    >>> round(float(Poisson()([[0, 1], [0, 0]], [[1, 1], [0, 0]])), 4)
    0.5
    """

    def __init__(self, name="poisson", dtype=None):
        super().__init__(poisson, name=name, dtype=dtype)
