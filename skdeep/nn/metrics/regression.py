"""Regression metrics (Keras 3 names, formulas and defaults)."""
import warnings

import numpy as np

from .. import losses as _losses
from .base import Mean, MeanMetricWrapper, Metric

__all__ = [
    "CosineSimilarity",
    "LogCoshError",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "R2Score",
    "RootMeanSquaredError",
    "cosine_similarity",
    "log_cosh",
]


def _pair(y_true, y_pred):
    y_pred = np.asarray(y_pred, dtype=np.float64)
    y_true = np.asarray(y_true, dtype=np.float64)
    if y_true.shape != y_pred.shape and y_true.size == y_pred.size:
        y_true = y_true.reshape(y_pred.shape)
    return y_true, y_pred


def cosine_similarity(y_true, y_pred, axis=-1):
    """Cosine of the angle between ``y_true`` and ``y_pred`` along ``axis``
    (each divided by ``max(norm, 1e-7)``, as Keras' ``ops.normalize``)."""
    y_true, y_pred = _pair(y_true, y_pred)
    t = y_true / np.maximum(np.sqrt(np.sum(y_true * y_true, axis=axis, keepdims=True)), 1e-7)
    p = y_pred / np.maximum(np.sqrt(np.sum(y_pred * y_pred, axis=axis, keepdims=True)), 1e-7)
    return np.sum(t * p, axis=axis)


def log_cosh(y_true, y_pred):
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed stably."""
    y_true, y_pred = _pair(y_true, y_pred)
    x = y_pred - y_true
    return np.mean(np.logaddexp(x, -x) - np.log(2.0), axis=-1)


class MeanSquaredError(MeanMetricWrapper):
    """Mean of ``(y_true - y_pred) ** 2``.

    Examples
    --------
    >>> float(MeanSquaredError()([[0, 1], [0, 0]], [[1, 1], [0, 0]]))
    0.25
    """

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(_losses.mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """Mean of ``|y_true - y_pred|``.

    Examples
    --------
    >>> float(MeanAbsoluteError()([[0, 1], [0, 0]], [[1, 1], [0, 0]]))
    0.25
    """

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(_losses.mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """Mean of ``100 * |y_true - y_pred| / max(|y_true|, 1e-7)``.

    Examples
    --------
    >>> round(float(MeanAbsolutePercentageError()([[0, 1], [0, 0]], [[1, 1], [0, 0]])), -5)
    250000000.0
    """

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(_losses.mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """Mean of ``(log(1 + y_pred) - log(1 + y_true)) ** 2``.

    Examples
    --------
    >>> round(float(MeanSquaredLogarithmicError()([[0, 1], [0, 0]], [[1, 1], [0, 0]])), 4)
    0.1201
    """

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(_losses.mean_squared_logarithmic_error, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """Square root of the (weighted) mean squared error.

    Examples
    --------
    >>> float(RootMeanSquaredError()([[0, 1], [0, 0]], [[1, 1], [0, 0]]))
    0.5
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _pair(y_true, y_pred)
        super().update_state(np.square(y_pred - y_true), sample_weight)

    def result(self):
        return np.sqrt(super().result())


class LogCoshError(MeanMetricWrapper):
    """Mean of ``log(cosh(y_pred - y_true))``.

    Examples
    --------
    >>> round(float(LogCoshError()([[0, 1], [0, 0]], [[1, 1], [0, 0]])), 4)
    0.1084
    """

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(log_cosh, name=name, dtype=dtype)


class CosineSimilarity(MeanMetricWrapper):
    """Mean cosine similarity between targets and predictions along ``axis``.

    Examples
    --------
    >>> float(CosineSimilarity()([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]]))
    0.5
    """

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)


class R2Score(Metric):
    """Coefficient of determination, accumulated over batches (Keras 3).

    Parameters
    ----------
    class_aggregation : {'uniform_average', 'variance_weighted_average', None}
        How the scores of several output columns are combined; None returns
        one score per column.
    num_regressors : int, default 0
        Gives the adjusted R2 ``1 - (1 - r2) * (n - 1) / (n - num_regressors - 1)``.

    Examples
    --------
    >>> m = R2Score()
    >>> round(float(m([[1], [4], [3]], [[2], [4], [4]])), 4)
    0.5714
    """

    _AGGREGATIONS = ("uniform_average", "variance_weighted_average", None)

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        if class_aggregation not in self._AGGREGATIONS:
            raise ValueError(f"R2Score: class_aggregation must be one of {self._AGGREGATIONS}, "
                             f"got {class_aggregation!r}")
        if isinstance(num_regressors, bool) or not isinstance(num_regressors, (int, np.integer)) \
                or num_regressors < 0:
            raise ValueError(f"R2Score: num_regressors must be an integer >= 0, got "
                             f"{num_regressors!r}")
        self.class_aggregation = class_aggregation
        self.num_regressors = int(num_regressors)
        self.num_samples = self.add_variable((), "zeros", dtype="int64", name="num_samples")
        self._built = False

    def _build(self, n_outputs):
        self.squared_sum = self.add_variable((n_outputs,), "zeros", name="squared_sum")
        self.sum = self.add_variable((n_outputs,), "zeros", name="sum")
        self.total_mse = self.add_variable((n_outputs,), "zeros", name="residual")
        self.count = self.add_variable((n_outputs,), "zeros", name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _pair(y_true, y_pred)
        if y_pred.ndim == 1:
            y_true, y_pred = y_true[:, None], y_pred[:, None]
        if y_pred.ndim != 2:
            raise ValueError(f"R2Score expects 2D targets and predictions (samples, outputs), "
                             f"got shape {y_pred.shape}")
        if not self._built:
            self._build(y_pred.shape[1])
        elif y_pred.shape[1] != self.sum.shape[0]:
            raise ValueError(f"R2Score was built for {self.sum.shape[0]} outputs, got "
                             f"{y_pred.shape[1]}")
        sw = np.ones(y_true.shape[0]) if sample_weight is None else \
            np.asarray(sample_weight, np.float64)
        sw = np.broadcast_to(sw.reshape(sw.shape[0], -1) if sw.ndim else sw, y_true.shape)
        self.sum.assign_add(np.sum(y_true * sw, axis=0))
        self.squared_sum.assign_add(np.sum(y_true * y_true * sw, axis=0))
        self.total_mse.assign_add(np.sum((y_true - y_pred) ** 2 * sw, axis=0))
        self.count.assign_add(np.sum(sw, axis=0))
        self.num_samples.assign_add(y_true.size)  # every entry, as Keras

    def result(self):
        if not self._built:
            return np.asarray(0.0, self.dtype)[()]
        count = self.count.value.astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = self.sum.value / count
            total = self.squared_sum.value - self.sum.value * mean
            raw = 1.0 - self.total_mse.value / total
        raw = np.where(np.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            r2 = np.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            r2 = np.sum(total * raw) / np.sum(total)
        else:
            r2 = raw
        n, p = float(self.num_samples), self.num_regressors
        if p:
            if p > n - 1:
                warnings.warn("R2Score: more regressors than samples; the adjusted R2 is "
                              "not defined, returning the plain R2", UserWarning, stacklevel=2)
            elif p == n - 1:
                warnings.warn("R2Score: as many regressors as samples minus one; the "
                              "adjusted R2 is not defined, returning the plain R2",
                              UserWarning, stacklevel=2)
            else:
                r2 = 1.0 - (1.0 - r2) * (n - 1.0) / (n - p - 1.0)
        return np.asarray(r2, self.dtype)[()] if np.ndim(r2) == 0 else np.asarray(r2, self.dtype)

    def get_config(self):
        return dict(super().get_config(), class_aggregation=self.class_aggregation,
                    num_regressors=self.num_regressors)
