"""Custom losses: ``Loss`` subclasses that define only ``call`` and plain loss
functions, differentiated with the ops tape.

Built-in losses keep their closed-form gradients (and their fused
softmax/sigmoid heads); a loss without a ``gradient`` method is run once on
a tape-tracked ``y_pred`` and replayed backwards. A built-in loss called on
tape tensors inside a custom ``call()`` (``self.loss_fn(targets, logits)``)
becomes one tape node whose gradient is its own ``value_and_grad``.
"""
import numpy as np

from ..ops import _core
from ..ops._core import Op, Tape


def _align_targets(y_true, y_pred):
    """Targets as Keras' LossFunctionWrapper sees them: the predictions' float
    dtype, and a trailing axis of 1 added or removed to match ranks."""
    y_true = np.asarray(_core.unwrap(y_true))
    dtype = np.asarray(_core.unwrap(y_pred)).dtype
    if np.issubdtype(y_true.dtype, np.number) or y_true.dtype == bool:
        y_true = y_true.astype(dtype, copy=False)
    pred_ndim = np.ndim(_core.unwrap(y_pred))
    if y_true.ndim == pred_ndim + 1 and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    elif y_true.ndim + 1 == pred_ndim and np.shape(_core.unwrap(y_pred))[-1] == 1:
        y_true = y_true[..., None]
    return y_true


def _cotangent(loss, per_sample_shape, sample_weight, dtype):
    """d(reduced loss) / d(per-sample losses)."""
    scale = np.full(per_sample_shape, 1.0 / loss._divisor(per_sample_shape, sample_weight))
    if sample_weight is not None:
        scale = scale * loss._expand_weight(sample_weight, per_sample_shape, np.float64)
    return scale.astype(dtype)


def value_and_grad(loss, y_true, y_pred, sample_weight=None):
    """Reduced loss and its gradient for a loss defined by ``call`` alone."""
    y_pred = np.asarray(y_pred)
    targets = _align_targets(y_true, y_pred)
    tape = Tape()
    with tape:
        watched = tape.watch(y_pred)
        per_sample = loss.call(targets, watched)
    values = np.asarray(_core.unwrap(per_sample))
    if not np.issubdtype(values.dtype, np.floating):
        raise TypeError(f"Loss '{loss.name}': call() returned {values.dtype} values; it must "
                        "return float per-sample losses")
    value = loss._reduce(values, sample_weight)
    (grad,) = tape.backward([(per_sample, _cotangent(loss, values.shape, sample_weight,
                                                     y_pred.dtype))], [watched])
    if grad is None:
        raise ValueError(f"Loss '{loss.name}' does not depend on y_pred through skdeep.nn.ops "
                         "(NumPy functions on the predictions cut the gradient); write "
                         "call() with skdeep.nn.ops")
    return value, np.asarray(grad, dtype=y_pred.dtype)


def call_value(loss, y_true, y_pred, sample_weight=None):
    """The reduced loss of a ``call``-defined loss on arrays or tensors."""
    targets = _align_targets(y_true, y_pred)
    per_sample = loss.call(targets, y_pred)
    if loss.reduction in ("none", None) or _core.is_tensor(per_sample):
        return _reduce_tensor(loss, per_sample, sample_weight)
    return loss._reduce(np.asarray(per_sample), sample_weight)


def _reduce_tensor(loss, per_sample, sample_weight):
    from .. import ops

    if sample_weight is not None:
        shape = np.shape(_core.unwrap(per_sample))
        per_sample = ops.multiply(per_sample, loss._expand_weight(
            sample_weight, shape, np.asarray(_core.unwrap(per_sample)).dtype))
    if loss.reduction in ("none", None):
        return per_sample
    shape = np.shape(_core.unwrap(per_sample))
    return ops.divide(ops.sum(per_sample), loss._divisor(shape, sample_weight))


def _builtin_forward(y_true, y_pred, sample_weight, loss):
    return np.asarray(loss(y_true, y_pred, sample_weight), dtype=np.asarray(y_pred).dtype)


def _builtin_vjp(g, out, y_true, y_pred, sample_weight, loss):
    _, grad = loss.value_and_grad(y_true, np.asarray(y_pred), sample_weight)
    return None, grad * g, None


_BUILTIN_LOSS = Op("loss_call", _builtin_forward, _builtin_vjp)


def call_on_tensors(loss, y_true, y_pred, sample_weight=None):
    """A built-in loss (closed-form gradient) called on tape tensors: one
    differentiable tape node."""
    if loss.reduction in ("none", None):
        raise NotImplementedError(f"Loss '{loss.name}' with reduction=None inside a custom "
                                  "call(): use a reducing loss or skdeep.nn.ops")
    return _core.apply(_BUILTIN_LOSS, (np.asarray(_core.unwrap(y_true)), y_pred,
                                       None if sample_weight is None else
                                       np.asarray(_core.unwrap(sample_weight))), loss=loss)
