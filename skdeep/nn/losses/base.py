"""The ``Loss`` base class: per-sample values, their gradient, Keras 3 reductions."""
import numpy as np

from ..ops._core import is_tensor
from . import custom

__all__ = ["Loss", "EPSILON"]

EPSILON = 1e-7
_NO_WEIGHTS = np.zeros(0, dtype=np.float64)
_REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


def _log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


class Loss:
    """Base class: ``loss(y_true, y_pred, sample_weight=None) -> float``.

    Subclasses implement ``call`` (per-sample loss, shape ``y_pred.shape[:-1]``)
    and ``gradient`` (d per-sample loss / d y_pred, shape of ``y_pred``).

    Parameters
    ----------
    name : str, optional
    reduction : str or None, default 'sum_over_batch_size'
        As Keras 3: ``'sum_over_batch_size'`` and ``'mean'`` sum the weighted
        per-sample losses and divide by their number (sample weights do not
        change the divisor); ``'mean_with_sample_weight'`` divides by the sum
        of the sample weights instead; ``'sum'`` sums; ``'none'``/None return
        the weighted per-sample losses.
    dtype : str, optional
        Computation dtype for standalone calls; by default the predictions'
        float dtype.
    """

    #: activation whose logits this loss can consume directly (fused path)
    fused_activation = None

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        if reduction not in _REDUCTIONS:
            raise ValueError(f"Unknown reduction {reduction!r}; expected one of {_REDUCTIONS}")
        self.name = name or _default_name(type(self))
        self.reduction = reduction
        self.dtype = None if dtype is None else np.dtype(dtype).name

    def prepare(self, y_true, y_pred):
        """Cast ``y_true`` to the predictions' dtype and shape."""
        y_true = np.asarray(y_true, dtype=y_pred.dtype)
        if y_true.shape != y_pred.shape:
            if y_true.size == y_pred.size:
                y_true = y_true.reshape(y_pred.shape)
            else:
                raise ValueError(f"Loss '{self.name}': targets of shape {y_true.shape} do not "
                                 f"match predictions of shape {y_pred.shape}")
        return y_true

    def _targets(self, y_true, y_pred):
        """Targets ready for ``call``/``gradient`` (cast, reshaped, one-hot, smoothed)."""
        return self.prepare(y_true, y_pred)

    def call(self, y_true, y_pred):
        raise NotImplementedError

    def gradient(self, y_true, y_pred):
        raise NotImplementedError

    @staticmethod
    def _expand_weight(sample_weight, per_sample_shape, dtype):
        sw = np.asarray(sample_weight, dtype=dtype)
        # Keras squeezes a weight of one more rank, e.g. (batch, 1) for (batch,) losses
        while sw.ndim > len(per_sample_shape) and sw.shape[-1] == 1:
            sw = sw.reshape(sw.shape[:-1])
        return sw.reshape(sw.shape + (1,) * (len(per_sample_shape) - sw.ndim))

    def _divisor(self, per_sample_shape, sample_weight):
        """What the summed, weighted per-sample losses are divided by."""
        if self.reduction in ("sum", "none", None):
            return 1.0
        if self.reduction == "mean_with_sample_weight" and sample_weight is not None:
            sw = self._expand_weight(sample_weight, per_sample_shape, np.float64)
            total = float(np.broadcast_to(sw, per_sample_shape).sum())
            # Keras divides with divide_no_nan: all-zero weights give 0, not NaN.
            return total if total > 0 else np.inf
        # 'sum_over_batch_size' / 'mean': the number of per-sample values,
        # whatever the sample weights are (Keras 3 semantics).
        return float(max(int(np.prod(per_sample_shape)), 1))

    def _reduce(self, per_sample, sample_weight):
        if sample_weight is not None:
            per_sample = per_sample * self._expand_weight(sample_weight, per_sample.shape,
                                                          per_sample.dtype)
        if self.reduction in ("none", None):
            return per_sample
        total = float(per_sample.sum(dtype=np.float64))
        return total / self._divisor(per_sample.shape, sample_weight)

    def _grad_scale(self, per_sample_shape, sample_weight, dtype):
        """Factor turning d(per-sample loss) into d(reduced loss)."""
        scale = np.asarray(1.0 / self._divisor(per_sample_shape, sample_weight), dtype=dtype)
        if sample_weight is not None:
            sw = self._expand_weight(sample_weight, per_sample_shape, dtype)
            scale = np.broadcast_to(sw * scale, per_sample_shape)
        return scale[..., None] if np.ndim(scale) else scale

    def __call__(self, y_true, y_pred, sample_weight=None):
        if self._call_defined():  # a custom loss defined by call() alone (also on tape tensors)
            return custom.call_value(self, y_true, y_pred, sample_weight)
        if is_tensor(y_pred) or is_tensor(y_true):  # inside a custom call(): differentiable
            return custom.call_on_tensors(self, y_true, y_pred, sample_weight)
        y_pred = np.asarray(y_pred)
        if self.dtype is not None:
            y_pred = y_pred.astype(self.dtype, copy=False)
        elif not np.issubdtype(y_pred.dtype, np.floating):
            y_pred = y_pred.astype("float32")
        y_true = self._targets(y_true, y_pred)
        return self._reduce(self.call(y_true, y_pred), sample_weight)

    @classmethod
    def _call_defined(cls):
        """Whether this loss has no closed-form ``gradient`` (a custom ``call``,
        differentiated with the ops tape)."""
        return cls.gradient is Loss.gradient

    def value_and_grad(self, y_true, y_pred, sample_weight=None):
        """Reduced loss and its gradient with respect to ``y_pred``."""
        if self._call_defined():  # call() alone: differentiated by the tape
            return custom.value_and_grad(self, y_true, y_pred, sample_weight)
        y_true = self._targets(y_true, y_pred)
        per_sample = self.call(y_true, y_pred)
        value = self._reduce(per_sample, sample_weight)
        grad = self.gradient(y_true, y_pred) * self._grad_scale(per_sample.shape, sample_weight,
                                                                 y_pred.dtype)
        return value, grad.astype(y_pred.dtype, copy=False)

    def fused_value_and_grad(self, y_true, logits, sample_weight=None):
        """Loss, gradient with respect to the logits, and the activated predictions."""
        raise NotImplementedError

    def get_config(self):
        config = {"name": self.name, "reduction": self.reduction}
        if self.dtype is not None:
            config["dtype"] = self.dtype
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _default_name(cls):
    import re

    return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


class _RegressionLoss(Loss):
    """A loss whose only options are Keras' ``reduction``, ``name``, ``dtype``
    (in Keras' argument order)."""

    def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
