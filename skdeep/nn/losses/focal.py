"""Focal cross-entropies: cross-entropy down-weighted on well-classified
examples by ``(1 - p_t) ** gamma`` (Lin et al.), with Keras 3's formulas."""
import warnings

import numpy as np

from .. import activations
from .base import EPSILON, _log_softmax
from .crossentropy import CategoricalCrossentropy, _Crossentropy

__all__ = ["BinaryFocalCrossentropy", "CategoricalFocalCrossentropy"]


def _check_focal(owner, alpha, gamma):
    for name, value in (("alpha", alpha), ("gamma", gamma)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or \
                not np.isfinite(value) or value < 0:
            raise ValueError(f"{owner}: {name} must be a finite number >= 0, got {value!r}")
    return float(alpha), float(gamma)


def _power_and_slope(base, gamma):
    """``base ** gamma`` and its derivative, 0 where both vanish (base = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(base > 0, gamma * np.power(base, gamma - 1.0),
                         1.0 if gamma == 1.0 else 0.0) if gamma else np.zeros_like(base)
    return np.power(base, gamma), slope


class BinaryFocalCrossentropy(_Crossentropy):
    """Binary focal cross-entropy, averaged over the last axis.

    ``focal = (1 - p_t) ** gamma * bce`` with ``p_t = t * p + (1 - t) * (1 - p)``;
    with ``apply_class_balancing`` each term is also weighted by ``alpha``
    (positives) or ``1 - alpha`` (negatives). ``bce`` clips probabilities to
    ``[1e-7, 1 - 1e-7]`` as Keras; ``from_logits`` applies a sigmoid first.

    Examples
    --------
    >>> y_true, y_pred = [[0, 1], [0, 0]], [[-18.6, 0.51], [2.94, -12.8]]
    >>> round(BinaryFocalCrossentropy(gamma=2, from_logits=True)(y_true, y_pred), 3)
    0.691
    """

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(from_logits, label_smoothing, axis, reduction, name, dtype)
        self.apply_class_balancing = bool(apply_class_balancing)
        self.alpha, self.gamma = _check_focal(type(self).__name__, alpha, gamma)

    def _targets(self, y_true, y_pred):
        t = self.prepare(y_true, y_pred)
        if self.label_smoothing:
            return t * (1.0 - self.label_smoothing) + 0.5 * self.label_smoothing
        return t

    def _terms(self, t, y_pred):
        p = activations.sigmoid(y_pred) if self.from_logits else y_pred
        pc = np.clip(p, EPSILON, 1.0 - EPSILON)
        bce = -(t * np.log(pc) + (1.0 - t) * np.log(1.0 - pc))
        focal, slope = _power_and_slope(1.0 - (t * p + (1.0 - t) * (1.0 - p)), self.gamma)
        weight = t * self.alpha + (1.0 - t) * (1.0 - self.alpha) \
            if self.apply_class_balancing else 1.0
        return p, pc, bce, focal, slope, weight

    def call(self, y_true, y_pred):
        _, _, bce, focal, _, weight = self._terms(y_true, y_pred)
        return np.mean(weight * focal * bce, axis=-1)

    def gradient(self, y_true, y_pred):
        t = y_true
        p, pc, bce, focal, slope, weight = self._terms(t, y_pred)
        inside = (p > EPSILON) & (p < 1.0 - EPSILON)
        dbce = np.where(inside, -t / pc + (1.0 - t) / (1.0 - pc), 0.0)
        # d(1 - p_t)/dp = 1 - 2t
        dp = weight * (slope * (1.0 - 2.0 * t) * bce + focal * dbce)
        if self.from_logits:
            dp = dp * p * (1.0 - p)
        return dp / y_pred.shape[-1]

    def get_config(self):
        return dict(super().get_config(), apply_class_balancing=self.apply_class_balancing,
                    alpha=self.alpha, gamma=self.gamma)


class CategoricalFocalCrossentropy(_Crossentropy):
    """Categorical focal cross-entropy against one-hot targets.

    ``sum_j alpha * (1 - o_j) ** gamma * (-t_j * log(o_j))`` where ``o`` are
    the predictions renormalised to sum to 1 and clipped to
    ``[1e-7, 1 - 1e-7]``; ``from_logits`` applies a softmax first.

    Examples
    --------
    >>> y_true = [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    >>> y_pred = [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]]
    >>> round(CategoricalFocalCrossentropy()(y_true, y_pred), 4)
    0.2332
    """

    prepare = CategoricalCrossentropy.prepare

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        super().__init__(from_logits, label_smoothing, axis, reduction, name, dtype)
        self.alpha, self.gamma = _check_focal(type(self).__name__, alpha, gamma)

    def _targets(self, y_true, y_pred):
        t = self.prepare(y_true, y_pred)
        if y_pred.shape[-1] == 1:
            warnings.warn("CategoricalFocalCrossentropy expects predictions of shape "
                          f"(batch_size, num_classes) with num_classes > 1, got "
                          f"{y_pred.shape}; consider 'binary_focal_crossentropy'",
                          UserWarning, stacklevel=4)
        if self.label_smoothing:
            t = t * (1.0 - self.label_smoothing) + self.label_smoothing / y_pred.shape[-1]
        return t

    def _output(self, y_pred):
        p = np.exp(_log_softmax(y_pred)) if self.from_logits else y_pred
        s = p.sum(axis=-1, keepdims=True)
        o = p / s
        return p, s, o, np.clip(o, EPSILON, 1.0 - EPSILON)

    def call(self, y_true, y_pred):
        oc = self._output(y_pred)[3]
        focal = np.power(1.0 - oc, self.gamma)
        return np.sum(self.alpha * focal * (-y_true * np.log(oc)), axis=-1)

    def gradient(self, y_true, y_pred):
        p, s, o, oc = self._output(y_pred)
        focal, slope = _power_and_slope(1.0 - oc, self.gamma)
        inside = (o > EPSILON) & (o < 1.0 - EPSILON)
        # d/doc of alpha * (1 - oc)^g * (-t log oc)
        g_o = np.where(inside, self.alpha * y_true * (slope * np.log(oc) - focal / oc), 0.0)
        g_p = (g_o - np.sum(g_o * o, axis=-1, keepdims=True)) / s
        if self.from_logits:
            g_p = p * (g_p - np.sum(g_p * p, axis=-1, keepdims=True))
        return g_p

    def get_config(self):
        return dict(super().get_config(), alpha=self.alpha, gamma=self.gamma)
