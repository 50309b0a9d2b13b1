"""Kullback-Leibler divergence and Poisson losses (Keras 3 formulas)."""
import numpy as np

from .base import EPSILON, _RegressionLoss

__all__ = ["KLDivergence", "Poisson"]


class KLDivergence(_RegressionLoss):
    """``sum(t * log(t / p), axis=-1)`` with ``t`` and ``p`` clipped to ``[1e-7, 1]``.

    Examples
    --------
    >>> round(KLDivergence()([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]), 4)
    0.4581
    """

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)

    def call(self, y_true, y_pred):
        t = np.clip(y_true, EPSILON, 1.0)
        return np.sum(t * np.log(t / np.clip(y_pred, EPSILON, 1.0)), axis=-1)

    def gradient(self, y_true, y_pred):
        t = np.clip(y_true, EPSILON, 1.0)
        inside = (y_pred >= EPSILON) & (y_pred <= 1.0)
        return np.where(inside, -t / np.clip(y_pred, EPSILON, 1.0), 0.0)


class Poisson(_RegressionLoss):
    """``mean(p - t * log(p + 1e-7), axis=-1)``, for count targets.

    Examples
    --------
    >>> round(Poisson()([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]]), 4)
    0.5
    """

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)

    def call(self, y_true, y_pred):
        return np.mean(y_pred - y_true * np.log(y_pred + EPSILON), axis=-1)

    def gradient(self, y_true, y_pred):
        return (1.0 - y_true / (y_pred + EPSILON)) / y_pred.shape[-1]
