"""Neural-network ops: activations, ``one_hot`` and the cross-entropies.

Activations are primitives with closed-form gradients (one NumPy pass
each way); the cross-entropies are written with the primitives, with the
clipping and normalisation of Keras' backends.
"""
import math

import numpy as np

from .. import backend
from ._core import Op, apply, unwrap
from .elementwise import clip, log, multiply, negative
from .reduce import sum as _sum

__all__ = [
    "binary_crossentropy",
    "categorical_crossentropy",
    "elu",
    "gelu",
    "hard_sigmoid",
    "hard_silu",
    "leaky_relu",
    "log_softmax",
    "one_hot",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "softsign",
    "sparse_categorical_crossentropy",
    "swish",
    "tanh",
]

EPSILON = 1e-7
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _cast(mask, g):
    return mask.astype(g.dtype, copy=False)


def _sigmoid(x):
    x = np.asarray(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(np.result_type(x, np.float32))


def _activation(name, forward, vjp, doc):
    op = Op(name, forward, vjp)

    def fn(x):
        return apply(op, (x,))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


relu = _activation("relu", lambda x: np.maximum(x, 0),
                   lambda g, out, x: (g * _cast(np.asarray(x) > 0, g),),
                   "Rectified linear unit ``max(x, 0)``.")
relu6 = _activation("relu6", lambda x: np.clip(x, 0, 6),
                    lambda g, out, x: (g * _cast((np.asarray(x) > 0) & (np.asarray(x) < 6), g),),
                    "``min(max(x, 0), 6)``.")
sigmoid = _activation("sigmoid", _sigmoid, lambda g, out, x: (g * out * (1 - out),),
                      "Logistic sigmoid ``1 / (1 + exp(-x))``, computed stably.")
tanh = _activation("tanh", np.tanh, lambda g, out, x: (g * (1 - out * out),),
                   "Hyperbolic tangent.")
softsign = _activation("softsign", lambda x: x / (1 + np.abs(x)),
                       lambda g, out, x: (g / np.square(1 + np.abs(x)),), "``x / (1 + |x|)``.")


def _softplus(x):
    x = np.asarray(x)
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


softplus = _activation("softplus", _softplus, lambda g, out, x: (g * _sigmoid(x),),
                       "``log(1 + exp(x))``, computed stably.")


def _silu_vjp(g, out, x):
    s = _sigmoid(x)
    return (g * (s + out * (1 - s)),)


silu = _activation("silu", lambda x: x * _sigmoid(x), _silu_vjp,
                   "Sigmoid linear unit ``x * sigmoid(x)`` (also called swish).")
swish = silu
hard_sigmoid = _activation(
    "hard_sigmoid", lambda x: np.clip(np.asarray(x) / 6 + 0.5, 0, 1),
    lambda g, out, x: (g * _cast(np.abs(np.asarray(x)) < 3, g) / 6,),
    "Piecewise-linear sigmoid ``relu6(x + 3) / 6`` (Keras 3).")
hard_silu = _activation(
    "hard_silu", lambda x: x * np.clip(np.asarray(x) / 6 + 0.5, 0, 1),
    lambda g, out, x: (g * np.where(np.asarray(x) <= -3, 0, np.where(
        np.asarray(x) >= 3, 1, np.asarray(x) / 3 + 0.5)).astype(g.dtype),),
    "``x * hard_sigmoid(x)``.")


def _softmax_forward(x, axis):
    z = np.asarray(x)
    z = np.exp(z - z.max(axis=axis, keepdims=True))
    return z / z.sum(axis=axis, keepdims=True)


def _log_softmax_forward(x, axis):
    z = np.asarray(x)
    z = z - z.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


_SOFTMAX = Op("softmax", _softmax_forward,
              lambda g, out, x, axis: (out * (g - (g * out).sum(axis=axis, keepdims=True)),))
_LOG_SOFTMAX = Op("log_softmax", _log_softmax_forward,
                  lambda g, out, x, axis: (g - np.exp(out) * g.sum(axis=axis, keepdims=True),))


def softmax(x, axis=-1):
    """Softmax along ``axis``."""
    return apply(_SOFTMAX, (x,), axis=axis)


def log_softmax(x, axis=-1):
    """Logarithm of the softmax along ``axis``, computed stably."""
    return apply(_LOG_SOFTMAX, (x,), axis=axis)


def _gelu_forward(x, approximate):
    x = np.asarray(x)
    if approximate:
        inner = _SQRT_2_OVER_PI * (x + 0.044715 * x ** 3)
        return (0.5 * x * (1 + np.tanh(inner))).astype(x.dtype, copy=False)
    from scipy.special import erf

    return (0.5 * x * (1 + erf(x / math.sqrt(2)))).astype(x.dtype, copy=False)


def _gelu_vjp(g, out, x, approximate):
    x = np.asarray(x)
    if approximate:
        t = np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x ** 3))
        d = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
    else:
        from scipy.special import erf

        d = 0.5 * (1 + erf(x / math.sqrt(2))) + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
    return (g * d.astype(g.dtype, copy=False),)


_GELU = Op("gelu", _gelu_forward, _gelu_vjp)


def gelu(x, approximate=True):
    """Gaussian error linear unit (tanh approximation by default, as Keras 3 ops)."""
    return apply(_GELU, (x,), approximate=bool(approximate))


def _elu_forward(x, alpha):
    x = np.asarray(x)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))).astype(x.dtype, copy=False)


_ELU = Op("elu", _elu_forward, lambda g, out, x, alpha: (
    g * np.where(np.asarray(x) > 0, 1, out + alpha).astype(g.dtype, copy=False),))
_LEAKY = Op("leaky_relu", lambda x, negative_slope: np.where(
    np.asarray(x) > 0, x, np.asarray(x) * negative_slope).astype(np.asarray(x).dtype),
    lambda g, out, x, negative_slope: (g * np.where(
        np.asarray(x) > 0, 1, negative_slope).astype(g.dtype, copy=False),))
_SELU = Op("selu", lambda x: (_SELU_SCALE * _elu_forward(x, _SELU_ALPHA)).astype(
    np.asarray(x).dtype), lambda g, out, x: (g * (_SELU_SCALE * np.where(
        np.asarray(x) > 0, 1, _SELU_ALPHA * np.exp(np.minimum(x, 0))).astype(g.dtype)),))


def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``."""
    return apply(_ELU, (x,), alpha=alpha)


def selu(x):
    """Scaled exponential linear unit (Keras' constants)."""
    return apply(_SELU, (x,))


def leaky_relu(x, negative_slope=0.2):
    """``x`` if ``x > 0`` else ``negative_slope * x``."""
    return apply(_LEAKY, (x,), negative_slope=negative_slope)


# ----------------------------------------------------------------------------- one_hot / losses
_ONE_HOT = Op("one_hot", lambda x, num_classes, axis, dtype: np.moveaxis(
    (np.asarray(x)[..., None] == np.arange(num_classes)).astype(dtype), -1, axis))


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot encode integer ids into ``num_classes`` columns (ids outside the
    range give all-zero rows, as Keras)."""
    if sparse:
        raise NotImplementedError("one_hot(sparse=True): skdeep has no sparse tensors")
    return apply(_ONE_HOT, (x,), num_classes=int(num_classes), axis=axis,
                 dtype=np.dtype(dtype or backend.floatx()).name)


def _log_sigmoid_parts(logits):
    from .elementwise import abs as _abs
    from .elementwise import exp, log1p, maximum

    return maximum(logits, 0), log1p(exp(negative(_abs(logits))))


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary cross-entropy (no reduction), as ``keras.ops``."""
    from .elementwise import add, subtract

    if from_logits:
        pos, soft = _log_sigmoid_parts(output)
        return add(subtract(pos, multiply(output, target)), soft)
    output = clip(output, EPSILON, 1.0 - EPSILON)
    bce = add(multiply(target, log(output)), multiply(subtract(1.0, target),
                                                      log(subtract(1.0, output))))
    return negative(bce)


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between one-hot (or soft) ``target`` and ``output``, summed
    over ``axis``; probabilities are renormalised and clipped as in Keras."""
    from .elementwise import divide

    t_shape, o_shape = np.shape(unwrap(target)), np.shape(unwrap(output))
    if len(t_shape) != len(o_shape) or t_shape[axis] != o_shape[axis]:
        raise ValueError(f"categorical_crossentropy: target of shape {t_shape} does not match "
                         f"output of shape {o_shape}")
    if from_logits:
        log_prob = log_softmax(output, axis=axis)
    else:
        output = divide(output, _sum(output, axis=axis, keepdims=True))
        log_prob = log(clip(output, EPSILON, 1.0 - EPSILON))
    return negative(_sum(multiply(target, log_prob), axis=axis))


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Categorical cross-entropy with integer class ids as ``target``."""
    ids = np.asarray(unwrap(target))
    out_shape = np.shape(unwrap(output))
    if ids.ndim == len(out_shape) and ids.shape[-1] == 1:
        ids = ids[..., 0]
    if ids.ndim != len(out_shape) - 1:
        raise ValueError(f"sparse_categorical_crossentropy: target of shape {ids.shape} does not "
                         f"match output of shape {out_shape}")
    k = out_shape[axis]
    dtype = np.asarray(unwrap(output)).dtype
    return categorical_crossentropy(one_hot(ids.astype("int64"), k, axis=axis, dtype=dtype.name),
                                    output, from_logits=from_logits, axis=axis)
