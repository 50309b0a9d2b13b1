"""Regression losses (Keras 3 formulas)."""
import numpy as np

from .base import EPSILON, Loss, _RegressionLoss

__all__ = ["MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
           "MeanSquaredLogarithmicError", "Huber"]


class MeanSquaredError(_RegressionLoss):
    """``mean((y_pred - y_true) ** 2, axis=-1)``."""

    def call(self, y_true, y_pred):
        return np.mean(np.square(y_pred - y_true), axis=-1)

    def gradient(self, y_true, y_pred):
        return (2.0 / y_pred.shape[-1]) * (y_pred - y_true)


class MeanAbsoluteError(_RegressionLoss):
    """``mean(|y_pred - y_true|, axis=-1)``."""

    def call(self, y_true, y_pred):
        return np.mean(np.abs(y_pred - y_true), axis=-1)

    def gradient(self, y_true, y_pred):
        return np.sign(y_pred - y_true) / y_pred.shape[-1]


class MeanAbsolutePercentageError(_RegressionLoss):
    """``100 * mean(|y_true - y_pred| / max(|y_true|, eps), axis=-1)``."""

    def call(self, y_true, y_pred):
        return 100.0 * np.mean(np.abs(y_true - y_pred) / np.maximum(np.abs(y_true), EPSILON),
                               axis=-1)

    def gradient(self, y_true, y_pred):
        return (100.0 / y_pred.shape[-1]) * np.sign(y_pred - y_true) / np.maximum(
            np.abs(y_true), EPSILON)


class MeanSquaredLogarithmicError(_RegressionLoss):
    """``mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)) ** 2, axis=-1)``."""

    def call(self, y_true, y_pred):
        d = np.log1p(np.maximum(y_pred, EPSILON)) - np.log1p(np.maximum(y_true, EPSILON))
        return np.mean(d * d, axis=-1)

    def gradient(self, y_true, y_pred):
        p = np.maximum(y_pred, EPSILON)
        d = np.log1p(p) - np.log1p(np.maximum(y_true, EPSILON))
        return (2.0 / y_pred.shape[-1]) * d / (1.0 + p) * (y_pred > EPSILON)


class Huber(Loss):
    """Quadratic for ``|error| <= delta``, linear beyond (Keras' Huber)."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss",
                 dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if not isinstance(delta, (int, float, np.number)) or not delta > 0:
            raise ValueError(f"Huber delta must be > 0, got {delta}")
        self.delta = float(delta)

    def call(self, y_true, y_pred):
        e = np.abs(y_pred - y_true)
        d = self.delta
        return np.mean(np.where(e <= d, 0.5 * e * e, d * e - 0.5 * d * d), axis=-1)

    def gradient(self, y_true, y_pred):
        e = y_pred - y_true
        return np.clip(e, -self.delta, self.delta) / y_pred.shape[-1]

    def get_config(self):
        return dict(super().get_config(), delta=self.delta)


class LogCosh(_RegressionLoss):
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``: about ``x**2 / 2`` for
    small errors and ``|x| - log(2)`` for large ones.

    Examples
    --------
    >>> round(LogCosh()([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]]), 4)
    0.1084
    """

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)

    def call(self, y_true, y_pred):
        x = y_pred - y_true
        return np.mean(np.logaddexp(x, -x) - np.log(2.0).astype(x.dtype), axis=-1)

    def gradient(self, y_true, y_pred):
        return np.tanh(y_pred - y_true) / y_pred.shape[-1]


def _l2_normalize(x):
    """``x / max(||x||, 1e-7)`` along the last axis (Keras' ``ops.normalize``)."""
    norm = np.sqrt(np.sum(x * x, axis=-1, keepdims=True))
    return x / np.maximum(norm, EPSILON), norm


class CosineSimilarity(_RegressionLoss):
    """Negative cosine similarity ``-sum(l2_normalize(t) * l2_normalize(p), axis=-1)``:
    -1 for aligned vectors, 0 for orthogonal ones.

    Examples
    --------
    >>> round(CosineSimilarity()([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]]), 4)
    -0.5
    """

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)
        if axis != -1:
            raise ValueError(f"CosineSimilarity supports only axis=-1, got axis={axis!r}")
        self.axis = axis

    def call(self, y_true, y_pred):
        return -np.sum(_l2_normalize(y_true)[0] * _l2_normalize(y_pred)[0], axis=-1)

    def gradient(self, y_true, y_pred):
        t = _l2_normalize(y_true)[0]
        p, norm = _l2_normalize(y_pred)
        floor = norm <= EPSILON  # the norm is clamped there: p / eps is linear
        radial = np.sum(t * p, axis=-1, keepdims=True) * p
        return np.where(floor, -t / EPSILON, -(t - radial) / np.maximum(norm, EPSILON))

    def get_config(self):
        return dict(super().get_config(), axis=self.axis)
