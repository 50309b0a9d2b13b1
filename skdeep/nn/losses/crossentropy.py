"""Cross-entropies, fused with their usual output activation (Keras 3 formulas).

When a model's output layer ends in softmax (sigmoid) and the loss is
categorical (binary) cross-entropy on probabilities, the engine computes
loss and gradient from the logits, which is exact and numerically stable
(see ``fused_value_and_grad``).
"""
import numpy as np

from .. import activations
from ..kernels import losses as _lk
from .base import _NO_WEIGHTS, EPSILON, Loss, _log_softmax

__all__ = ["BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy"]


class _Crossentropy(Loss):
    """Shared options of the cross-entropies (Keras argument order)."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name=None, dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if not 0 <= label_smoothing <= 1:
            raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
        if axis != -1:
            raise ValueError(f"{type(self).__name__} supports only axis=-1, got axis={axis!r}")
        self.from_logits = bool(from_logits)
        self.label_smoothing = float(label_smoothing)
        self.axis = axis
        if self.from_logits:  # logits in: nothing left to fuse with
            self.fused_activation = None

    def get_config(self):
        return dict(super().get_config(), from_logits=self.from_logits,
                    label_smoothing=self.label_smoothing, axis=self.axis)


class BinaryCrossentropy(_Crossentropy):
    """Binary cross-entropy averaged over the last axis.

    Probabilities are clipped to ``[1e-7, 1 - 1e-7]`` as in Keras; with
    ``from_logits=True`` the exact, stable logits formula is used.
    ``label_smoothing`` squeezes targets towards 0.5:
    ``t * (1 - label_smoothing) + 0.5 * label_smoothing``.
    """

    fused_activation = "sigmoid"

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(from_logits, label_smoothing, axis, reduction, name, dtype)

    def _targets(self, y_true, y_pred):
        t = self.prepare(y_true, y_pred)
        if self.label_smoothing:
            return t * (1.0 - self.label_smoothing) + 0.5 * self.label_smoothing
        return t

    @staticmethod
    def _from_logits(t, z):
        return np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))

    def call(self, y_true, y_pred):
        t = y_true
        if self.from_logits:
            return np.mean(self._from_logits(t, y_pred), axis=-1)
        p = np.clip(y_pred, EPSILON, 1.0 - EPSILON)
        return np.mean(-(t * np.log(p) + (1.0 - t) * np.log1p(-p)), axis=-1)

    def gradient(self, y_true, y_pred):
        t = y_true
        k = y_pred.shape[-1]
        if self.from_logits:
            return (activations.sigmoid(y_pred) - t) / k
        inside = (y_pred > EPSILON) & (y_pred < 1.0 - EPSILON)
        p = np.clip(y_pred, EPSILON, 1.0 - EPSILON)
        return inside * (p - t) / (p * (1.0 - p)) / k

    def fused_value_and_grad(self, y_true, logits, sample_weight=None):
        t = self._targets(y_true, logits)
        per_sample = np.mean(self._from_logits(t, logits), axis=-1)
        value = self._reduce(per_sample, sample_weight)
        probs = activations.sigmoid(logits)
        scale = self._grad_scale(per_sample.shape, sample_weight, logits.dtype)
        grad = (probs - t) * (scale / logits.shape[-1])
        return value, grad.astype(logits.dtype, copy=False), probs


class CategoricalCrossentropy(_Crossentropy):
    """``-sum(y_true * log(y_pred), axis=-1)`` with one-hot (or soft) targets.

    Probabilities are renormalised to sum to 1 and clipped to
    ``[1e-7, 1 - 1e-7]`` as in Keras; with ``from_logits=True`` the
    predictions are logits. ``label_smoothing`` gives
    ``t * (1 - label_smoothing) + label_smoothing / num_classes``.
    """

    fused_activation = "softmax"

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(from_logits, label_smoothing, axis, reduction, name, dtype)

    def _targets(self, y_true, y_pred):
        t = self.prepare(y_true, y_pred)
        if self.label_smoothing:
            k = y_pred.shape[-1]
            t = t * (1.0 - self.label_smoothing) + self.label_smoothing / k
        return t

    def prepare(self, y_true, y_pred):
        y_true = np.asarray(y_true, dtype=y_pred.dtype)
        if y_true.shape != y_pred.shape:
            raise ValueError(
                f"Loss '{self.name}' needs one-hot targets of shape {y_pred.shape}, got "
                f"{y_true.shape}. Use to_categorical(y) or the "
                "'sparse_categorical_crossentropy' loss for integer labels")
        return y_true

    def call(self, y_true, y_pred):
        t = y_true
        if self.from_logits:
            return -np.sum(t * _log_softmax(y_pred), axis=-1)
        p = y_pred / y_pred.sum(axis=-1, keepdims=True)
        p = np.clip(p, EPSILON, 1.0 - EPSILON)
        return -np.sum(t * np.log(p), axis=-1)

    def gradient(self, y_true, y_pred):
        t = y_true
        st = t.sum(axis=-1, keepdims=True)
        if self.from_logits:
            return st * np.exp(_log_softmax(y_pred)) - t
        s = y_pred.sum(axis=-1, keepdims=True)
        p = y_pred / s
        inside = (p > EPSILON) & (p < 1.0 - EPSILON)
        return -(t * inside) / (np.clip(p, EPSILON, 1.0 - EPSILON) * s) + \
            np.sum(t * inside, axis=-1, keepdims=True) / s

    def _fast_weights(self, sample_weight, n):
        """(n,) float64 weights (or an empty array) when the fused kernel applies."""
        if self.reduction not in ("sum_over_batch_size", "mean", "sum"):
            return None
        if sample_weight is None:
            return _NO_WEIGHTS
        sw = np.asarray(sample_weight, dtype=np.float64)
        return sw if sw.shape == (n,) else None

    def _fused_kernel(self, kernel, targets, logits, weights):
        n = logits.shape[0]
        scale = 1.0 if self.reduction == "sum" else 1.0 / max(n, 1)
        probs = np.empty_like(logits)
        grad = np.empty_like(logits)
        total = kernel(logits, targets, weights, scale, probs, grad)
        return total * scale, grad, probs

    def fused_value_and_grad(self, y_true, logits, sample_weight=None):
        if logits.ndim == 2 and not self.label_smoothing and type(self) is \
                CategoricalCrossentropy:
            weights = self._fast_weights(sample_weight, logits.shape[0])
            t = np.asarray(y_true)
            if weights is not None and t.shape == logits.shape:
                return self._fused_kernel(_lk.dense_softmax_xent,
                                          np.ascontiguousarray(t, dtype=logits.dtype),
                                          np.ascontiguousarray(logits), weights)
        t = self._targets(y_true, logits)
        logp = _log_softmax(logits)
        per_sample = -np.sum(t * logp, axis=-1)
        value = self._reduce(per_sample, sample_weight)
        probs = np.exp(logp)
        scale = self._grad_scale(per_sample.shape, sample_weight, logits.dtype)
        grad = (probs * t.sum(axis=-1, keepdims=True) - t) * scale
        return value, grad.astype(logits.dtype, copy=False), probs.astype(logits.dtype)


class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    """Categorical cross-entropy with integer class targets.

    ``ignore_class`` (as Keras): targets equal to it contribute no loss and
    no gradient, and the ``'sum_over_batch_size'`` mean is taken over the
    remaining targets only.
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        _Crossentropy.__init__(self, from_logits, 0.0, -1, reduction, name, dtype)
        if ignore_class is not None and (isinstance(ignore_class, bool) or
                                         not isinstance(ignore_class, (int, np.integer))):
            raise ValueError(f"ignore_class must be an integer class id or None, got "
                             f"{ignore_class!r}")
        self.ignore_class = None if ignore_class is None else int(ignore_class)

    def _ids(self, y_true, y_pred):
        y_true = np.asarray(y_true)
        k = y_pred.shape[-1]
        if y_true.shape == y_pred.shape[:-1] + (1,) and k != 1:
            y_true = y_true[..., 0]
        if y_true.shape != y_pred.shape[:-1]:
            if y_true.size == int(np.prod(y_pred.shape[:-1])):
                y_true = y_true.reshape(y_pred.shape[:-1])
            else:
                raise ValueError(f"Loss '{self.name}' needs integer targets of shape "
                                 f"{y_pred.shape[:-1]}, got {y_true.shape}")
        if np.issubdtype(y_true.dtype, np.floating):
            if not np.all(np.mod(y_true, 1) == 0):
                raise ValueError(f"Loss '{self.name}' needs integer class ids as targets")
        return y_true.astype(np.int64)

    def prepare(self, y_true, y_pred):
        ids = self._ids(y_true, y_pred)
        k = y_pred.shape[-1]
        valid = ids if self.ignore_class is None else ids[ids != self.ignore_class]
        if valid.size and (valid.min() < 0 or valid.max() >= k):
            raise ValueError(f"Loss '{self.name}': target class ids must be in [0, {k}), got "
                             f"values in [{valid.min()}, {valid.max()}]")
        onehot = np.zeros(y_pred.shape, dtype=y_pred.dtype)
        if self.ignore_class is None:
            np.put_along_axis(onehot, ids[..., None], 1.0, axis=-1)
        else:
            # an all-zero target row gives zero loss and zero gradient
            keep = ids != self.ignore_class
            np.put_along_axis(onehot, np.where(keep, ids, 0)[..., None],
                              keep[..., None].astype(y_pred.dtype), axis=-1)
        return onehot

    def _masked_weight(self, y_true, y_pred, sample_weight):
        """Fold the ignore_class mask into the sample weights as Keras does."""
        if self.ignore_class is None:
            return sample_weight
        mask = (self._ids(y_true, y_pred) != self.ignore_class).astype(np.float64)
        if self.reduction in ("sum_over_batch_size", "mean"):
            valid = mask.sum()
            mask *= mask.size / valid if valid else 0.0
        if sample_weight is None:
            return mask
        sw = self._expand_weight(sample_weight, mask.shape, np.float64)
        return mask * sw

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_pred = np.asarray(y_pred)
        return super().__call__(y_true, y_pred, self._masked_weight(y_true, y_pred, sample_weight))

    def value_and_grad(self, y_true, y_pred, sample_weight=None):
        return super().value_and_grad(y_true, y_pred,
                                      self._masked_weight(y_true, y_pred, sample_weight))

    def fused_value_and_grad(self, y_true, logits, sample_weight=None):
        if self.ignore_class is None and logits.ndim == 2:
            weights = self._fast_weights(sample_weight, logits.shape[0])
            if weights is not None:
                ids = self._ids(y_true, logits)
                k = logits.shape[1]
                if ids.size and (ids.min() < 0 or ids.max() >= k):
                    raise ValueError(f"Loss '{self.name}': target class ids must be in [0, {k}), "
                                     f"got values in [{ids.min()}, {ids.max()}]")
                return self._fused_kernel(_lk.sparse_softmax_xent, ids,
                                          np.ascontiguousarray(logits), weights)
        return super().fused_value_and_grad(y_true, logits,
                                            self._masked_weight(y_true, logits, sample_weight))

    def get_config(self):
        config = Loss.get_config(self)
        config.update(from_logits=self.from_logits, ignore_class=self.ignore_class)
        return config
