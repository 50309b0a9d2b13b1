"""Hinge losses for maximum-margin classifiers (Keras 3 formulas)."""
import numpy as np

from .base import _RegressionLoss

__all__ = ["Hinge", "SquaredHinge", "CategoricalHinge"]


def _signed_labels(y_true):
    """0/1 targets become -1/1, as Keras does when every target is 0 or 1."""
    if np.all((y_true == 0) | (y_true == 1)):
        return 2.0 * y_true - 1.0
    return y_true


class Hinge(_RegressionLoss):
    """``mean(max(1 - t * p, 0), axis=-1)`` with targets in {-1, 1} (0/1 converted).

    Examples
    --------
    >>> round(Hinge()([[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]]), 4)
    1.3
    """

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)

    def _targets(self, y_true, y_pred):
        return _signed_labels(self.prepare(y_true, y_pred))

    def call(self, y_true, y_pred):
        return np.mean(np.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)

    def gradient(self, y_true, y_pred):
        return np.where(1.0 - y_true * y_pred > 0, -y_true, 0.0) / y_pred.shape[-1]


class SquaredHinge(Hinge):
    """``mean(max(1 - t * p, 0) ** 2, axis=-1)`` with targets in {-1, 1} (0/1 converted).

    Examples
    --------
    >>> round(SquaredHinge()([[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]]), 4)
    1.86
    """

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)

    def call(self, y_true, y_pred):
        return np.mean(np.square(np.maximum(1.0 - y_true * y_pred, 0.0)), axis=-1)

    def gradient(self, y_true, y_pred):
        return -2.0 * y_true * np.maximum(1.0 - y_true * y_pred, 0.0) / y_pred.shape[-1]


class CategoricalHinge(_RegressionLoss):
    """``max(max((1 - t) * p) - sum(t * p) + 1, 0)`` with one-hot targets.

    Examples
    --------
    >>> round(CategoricalHinge()([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]), 4)
    1.4
    """

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)

    def call(self, y_true, y_pred):
        pos = np.sum(y_true * y_pred, axis=-1)
        neg = np.max((1.0 - y_true) * y_pred, axis=-1)
        return np.maximum(neg - pos + 1.0, 0.0)

    def gradient(self, y_true, y_pred):
        other = (1.0 - y_true) * y_pred
        pick = np.zeros_like(y_pred)
        np.put_along_axis(pick, np.argmax(other, axis=-1)[..., None], 1.0, axis=-1)
        active = (self.call(y_true, y_pred) > 0)[..., None]
        return np.where(active, pick * (1.0 - y_true) - y_true, 0.0)
