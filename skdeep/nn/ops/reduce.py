"""Reductions (with ``axis`` and ``keepdims``), cumulative ops and norms."""
import numpy as np

from .. import backend
from ._core import Op, apply, unwrap

__all__ = [
    "all",
    "amax",
    "amin",
    "any",
    "argmax",
    "argmin",
    "average",
    "count_nonzero",
    "cumprod",
    "cumsum",
    "logsumexp",
    "max",
    "mean",
    "min",
    "norm",
    "prod",
    "std",
    "sum",
    "var",
]


def _axis(axis):
    if isinstance(axis, list):
        return tuple(axis)
    return axis


def _restore(g, shape, axis, keepdims):
    """``g`` with the reduced axes put back (length 1), ready to broadcast to ``shape``."""
    if keepdims or axis is None and np.ndim(g) == len(shape):
        return g
    if axis is None:
        return np.reshape(g, (1,) * len(shape))
    axes = (axis,) if np.ndim(axis) == 0 else axis
    axes = sorted(a % len(shape) for a in axes)
    return np.expand_dims(g, tuple(axes))


def _count(shape, axis):
    if axis is None:
        return int(np.prod(shape))
    axes = (axis,) if np.ndim(axis) == 0 else axis
    return int(np.prod([shape[a] for a in axes]))


def _float_result(value):
    # Keras averages integer tensors into floatx, not float64
    if np.issubdtype(np.result_type(value), np.floating):
        return value
    return np.asarray(value, dtype=backend.floatx())


_SUM = Op("sum", lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims),
          lambda g, out, x, axis, keepdims: (
              np.broadcast_to(_restore(g, np.shape(x), axis, keepdims), np.shape(x)),))


def _mean_forward(x, axis, keepdims):
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(backend.floatx())
    return np.mean(x, axis=axis, keepdims=keepdims)


def _mean_vjp(g, out, x, axis, keepdims):
    shape = np.shape(x)
    g = _restore(g, shape, axis, keepdims) / g.dtype.type(_count(shape, axis))
    return (np.broadcast_to(g, shape),)


_MEAN = Op("mean", _mean_forward, _mean_vjp)


def _extreme_vjp(g, out, x, axis, keepdims, initial):
    shape = np.shape(x)
    hit = (np.asarray(x) == _restore(out, shape, axis, keepdims)).astype(g.dtype)
    ties = hit.sum(axis=axis, keepdims=True)
    return (hit * (_restore(g, shape, axis, keepdims) / np.maximum(ties, 1)),)


_MAX = Op("max", lambda x, axis, keepdims, initial: np.max(
    x, axis=axis, keepdims=keepdims, **({} if initial is None else {"initial": initial})),
    _extreme_vjp)
_MIN = Op("min", lambda x, axis, keepdims, initial: np.min(
    x, axis=axis, keepdims=keepdims, **({} if initial is None else {"initial": initial})),
    _extreme_vjp)


def sum(x, axis=None, keepdims=False):
    """Sum over ``axis`` (an int, a tuple, or all axes)."""
    return apply(_SUM, (x,), axis=_axis(axis), keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    """Arithmetic mean over ``axis`` (integers average into floatx, as Keras)."""
    return apply(_MEAN, (x,), axis=_axis(axis), keepdims=keepdims)


def max(x, axis=None, keepdims=False, initial=None):
    """Maximum over ``axis``; tied maxima share the gradient equally."""
    return apply(_MAX, (x,), axis=_axis(axis), keepdims=keepdims, initial=initial)


def min(x, axis=None, keepdims=False, initial=None):
    """Minimum over ``axis``; tied minima share the gradient equally."""
    return apply(_MIN, (x,), axis=_axis(axis), keepdims=keepdims, initial=initial)


amax, amin = max, min


def _prod_vjp(g, out, x, axis, keepdims, dtype):
    # products of all the other elements, from exclusive prefix and suffix
    # products, so that zeros in x get the right gradient (no division by x)
    x = np.asarray(x)
    axes = tuple(range(x.ndim)) if axis is None else (
        (axis,) if np.ndim(axis) == 0 else tuple(axis))
    axes = tuple(a % x.ndim for a in axes)
    rest = [a for a in range(x.ndim) if a not in axes]
    moved = np.transpose(x, rest + list(axes))
    flat = moved.reshape(moved.shape[:len(rest)] + (-1,))
    ones = np.ones(flat.shape[:-1] + (1,), flat.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = (left * right).reshape(moved.shape)
    others = np.transpose(others, np.argsort(rest + list(axes)))
    return (others * _restore(g, x.shape, axis, keepdims),)


_PROD = Op("prod", lambda x, axis, keepdims, dtype: np.prod(x, axis=axis, keepdims=keepdims,
                                                           dtype=dtype), _prod_vjp)


def prod(x, axis=None, keepdims=False, dtype=None):
    """Product over ``axis``."""
    return apply(_PROD, (x,), axis=_axis(axis), keepdims=keepdims, dtype=dtype)


def _var_vjp(g, out, x, axis, keepdims):
    x = np.asarray(x)
    centred = x - x.mean(axis=axis, keepdims=True)
    n = g.dtype.type(_count(x.shape, axis))
    return (_restore(g, x.shape, axis, keepdims) * (2 / n) * centred,)


def _std_vjp(g, out, x, axis, keepdims):
    x = np.asarray(x)
    centred = x - x.mean(axis=axis, keepdims=True)
    n = g.dtype.type(_count(x.shape, axis))
    scale = _restore(g, x.shape, axis, keepdims) / (n * _restore(out, x.shape, axis, keepdims))
    return (scale * centred,)


_VAR = Op("var", lambda x, axis, keepdims: _float_result(np.var(x, axis=axis,
                                                                keepdims=keepdims)), _var_vjp)
_STD = Op("std", lambda x, axis, keepdims: _float_result(np.std(x, axis=axis,
                                                                keepdims=keepdims)), _std_vjp)


def var(x, axis=None, keepdims=False):
    """Population variance over ``axis``."""
    return apply(_VAR, (x,), axis=_axis(axis), keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    """Population standard deviation over ``axis``."""
    return apply(_STD, (x,), axis=_axis(axis), keepdims=keepdims)


def _arg(fn):
    def forward(x, axis, keepdims):
        return fn(x, axis=axis, keepdims=keepdims).astype("int32")
    return forward


_ARGMAX = Op("argmax", _arg(np.argmax))
_ARGMIN = Op("argmin", _arg(np.argmin))


def argmax(x, axis=None, keepdims=False):
    """Index of the maximum (int32; of the flattened tensor when ``axis`` is None)."""
    return apply(_ARGMAX, (x,), axis=axis, keepdims=keepdims)


def argmin(x, axis=None, keepdims=False):
    """Index of the minimum (int32)."""
    return apply(_ARGMIN, (x,), axis=axis, keepdims=keepdims)


def _reverse_cumsum(g, axis):
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


def _cumsum_vjp(g, out, x, axis, dtype):
    if axis is None:
        return (_reverse_cumsum(g, 0).reshape(np.shape(x)),)
    return (_reverse_cumsum(g, axis),)


def _cumprod_vjp(g, out, x, axis, dtype):
    # valid where x has no zeros; enough for the usual positive-factor uses
    x = np.asarray(x)
    flat = x.ravel() if axis is None else x
    ax = 0 if axis is None else axis
    return ((_reverse_cumsum(g * out, ax) / flat).reshape(x.shape),)


_CUMSUM = Op("cumsum", lambda x, axis, dtype: np.cumsum(x, axis=axis, dtype=dtype), _cumsum_vjp)
_CUMPROD = Op("cumprod", lambda x, axis, dtype: np.cumprod(x, axis=axis, dtype=dtype),
              _cumprod_vjp)


def cumsum(x, axis=None, dtype=None):
    """Cumulative sum along ``axis`` (of the flattened tensor by default)."""
    return apply(_CUMSUM, (x,), axis=axis, dtype=dtype)


def cumprod(x, axis=None, dtype=None):
    """Cumulative product along ``axis`` (gradient assumes no zeros)."""
    return apply(_CUMPROD, (x,), axis=axis, dtype=dtype)


def _logsumexp_forward(x, axis, keepdims):
    x = np.asarray(x)
    top = np.max(x, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0)
    out = np.log(np.sum(np.exp(x - top), axis=axis, keepdims=True)) + top
    return out if keepdims else np.squeeze(out, axis=axis)


def _logsumexp_vjp(g, out, x, axis, keepdims):
    shape = np.shape(x)
    return (_restore(g, shape, axis, keepdims) *
            np.exp(np.asarray(x) - _restore(out, shape, axis, keepdims)),)


_LOGSUMEXP = Op("logsumexp", _logsumexp_forward, _logsumexp_vjp)


def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` over ``axis``, computed stably."""
    return apply(_LOGSUMEXP, (x,), axis=_axis(axis), keepdims=keepdims)


def _norm_vjp(g, out, x, ord, axis, keepdims):
    x = np.asarray(x)
    gx = _restore(g, x.shape, axis, keepdims)
    o = _restore(out, x.shape, axis, keepdims)
    matrix = axis is not None and np.ndim(axis) == 1 and len(axis) == 2
    if ord in (None, 2, "fro") and (not matrix or ord != 2):
        return (gx * x / np.where(o == 0, 1, o),)
    if matrix:
        raise NotImplementedError(f"norm: the gradient of the matrix norm ord={ord!r} is not "
                                  "supported (use ord='fro' or a vector norm)")
    if ord == 1:
        return (gx * np.sign(x),)
    if ord in (np.inf, -np.inf):
        hit = (np.abs(x) == o).astype(g.dtype)
        return (gx * np.sign(x) * hit / hit.sum(axis=axis, keepdims=True),)
    if ord == 0:
        return (np.zeros_like(x),)
    p = float(ord)
    return (gx * np.sign(x) * np.abs(x) ** (p - 1) / np.where(o == 0, 1, o) ** (p - 1),)


def _norm_forward(x, ord, axis, keepdims):
    x = np.asarray(x)
    if axis is None and ord is None:
        out = np.sqrt(np.sum(x * x))
        return out.reshape((1,) * x.ndim) if keepdims else out
    return np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims).astype(x.dtype)


_NORM = Op("norm", _norm_forward, _norm_vjp)


def norm(x, ord=None, axis=None, keepdims=False):
    """Vector or matrix norm (``ord`` and ``axis`` as ``numpy.linalg.norm``)."""
    if axis is None and ord is not None and np.ndim(unwrap(x)) not in (1, 2):
        raise ValueError("norm with ord needs axis for tensors of rank above 2")
    return apply(_NORM, (x,), ord=ord, axis=_axis(axis), keepdims=keepdims)


_ALL = Op("all", lambda x, axis, keepdims: np.all(x, axis=axis, keepdims=keepdims))
_ANY = Op("any", lambda x, axis, keepdims: np.any(x, axis=axis, keepdims=keepdims))
_NONZERO = Op("count_nonzero", lambda x, axis: np.asarray(np.count_nonzero(x, axis=axis),
                                                          dtype="int32"))


def all(x, axis=None, keepdims=False):
    """Whether all elements along ``axis`` are true."""
    return apply(_ALL, (x,), axis=_axis(axis), keepdims=keepdims)


def any(x, axis=None, keepdims=False):
    """Whether any element along ``axis`` is true."""
    return apply(_ANY, (x,), axis=_axis(axis), keepdims=keepdims)


def count_nonzero(x, axis=None):
    """Number of non-zero elements along ``axis``."""
    return apply(_NONZERO, (x,), axis=_axis(axis))


def average(x, axis=None, weights=None):
    """Weighted mean along ``axis`` (plain mean without ``weights``)."""
    if weights is None:
        return mean(x, axis=axis)
    from .elementwise import divide, multiply
    from .manipulation import reshape

    if axis is not None and np.ndim(unwrap(weights)) == 1 and np.ndim(unwrap(x)) > 1:
        shape = [1] * np.ndim(unwrap(x))
        shape[axis] = -1
        weights = reshape(weights, shape)
    w_total = sum(multiply(weights, np.ones_like(unwrap(x))), axis=axis)
    return divide(sum(multiply(x, weights), axis=axis), w_total)
