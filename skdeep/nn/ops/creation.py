"""Tensor creation, dtype conversion and introspection."""
import numpy as np

from .. import backend
from ._core import Op, Tensor, apply, is_tensor, unwrap

__all__ = [
    "arange",
    "argsort",
    "cast",
    "convert_to_numpy",
    "convert_to_tensor",
    "copy",
    "diag",
    "dtype",
    "eye",
    "full",
    "full_like",
    "identity",
    "is_tensor",
    "linspace",
    "ndim",
    "ones",
    "ones_like",
    "shape",
    "size",
    "sort",
    "stop_gradient",
    "tri",
    "tril",
    "triu",
    "zeros",
    "zeros_like",
]


def _float_dtype(dtype):
    return np.dtype(dtype or backend.floatx()).name


def _shape(shape):
    return (int(shape),) if np.ndim(shape) == 0 else tuple(int(d) for d in shape)


def zeros(shape, dtype=None):
    """A tensor of zeros (floatx by default)."""
    return np.zeros(_shape(shape), _float_dtype(dtype))


def ones(shape, dtype=None):
    """A tensor of ones (floatx by default)."""
    return np.ones(_shape(shape), _float_dtype(dtype))


def full(shape, fill_value, dtype=None):
    """A tensor filled with ``fill_value`` (floatx unless ``dtype``)."""
    return np.full(_shape(shape), unwrap(fill_value), _float_dtype(dtype))


def _like_dtype(x, dtype):
    return np.dtype(dtype).name if dtype is not None else np.asarray(unwrap(x)).dtype.name


def zeros_like(x, dtype=None):
    """Zeros of the shape (and dtype) of ``x``."""
    return np.zeros(np.shape(unwrap(x)), _like_dtype(x, dtype))


def ones_like(x, dtype=None):
    """Ones of the shape (and dtype) of ``x``."""
    return np.ones(np.shape(unwrap(x)), _like_dtype(x, dtype))


def full_like(x, fill_value, dtype=None):
    """``fill_value`` in the shape (and dtype) of ``x``."""
    return np.full(np.shape(unwrap(x)), unwrap(fill_value), _like_dtype(x, dtype))


def eye(N, M=None, k=0, dtype=None):
    """A 2-D tensor with ones on the ``k``-th diagonal."""
    return np.eye(int(N), None if M is None else int(M), k=int(k), dtype=_float_dtype(dtype))


def identity(n, dtype=None):
    """The ``n`` x ``n`` identity matrix."""
    return eye(n, dtype=dtype)


def tri(N, M=None, k=0, dtype=None):
    """Ones at and below the ``k``-th diagonal."""
    return np.tri(int(N), None if M is None else int(M), k=int(k), dtype=_float_dtype(dtype))


_TRIL = Op("tril", lambda x, k: np.tril(x, k), lambda g, out, x, k: (np.tril(g, k),))
_TRIU = Op("triu", lambda x, k: np.triu(x, k), lambda g, out, x, k: (np.triu(g, k),))


def tril(x, k=0):
    """The lower triangle of ``x`` (zeros above the ``k``-th diagonal)."""
    return apply(_TRIL, (x,), k=int(k))


def triu(x, k=0):
    """The upper triangle of ``x``."""
    return apply(_TRIU, (x,), k=int(k))


def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values; int32 for integer arguments, floatx for floats (as Keras)."""
    step = 1 if step is None else step
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, stop, step) if v is not None)
        dtype = "int32" if ints else backend.floatx()
    if stop is None:
        start, stop = 0, start
    return np.arange(start, stop, step).astype(dtype)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop``."""
    out = np.linspace(unwrap(start), unwrap(stop), int(num), endpoint=endpoint, retstep=retstep,
                      dtype=None, axis=axis)
    if retstep:
        return out[0].astype(_float_dtype(dtype)), out[1]
    return out.astype(_float_dtype(dtype))


def _cast_vjp(g, out, x, dtype):
    src = np.asarray(x).dtype
    if not (np.issubdtype(src, np.floating) and np.issubdtype(np.dtype(dtype), np.floating)):
        return (None,)
    return (g.astype(src),)


_CAST = Op("cast", lambda x, dtype: np.asarray(x).astype(dtype), _cast_vjp)


def cast(x, dtype):
    """``x`` converted to ``dtype`` (differentiable between float types)."""
    return apply(_CAST, (x,), dtype=np.dtype(dtype).name)


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """An array (or the tensor itself) from array-like ``x``.

    Python floats become floatx, as in Keras; NumPy arrays keep their dtype.
    """
    if sparse or ragged:
        raise NotImplementedError("convert_to_tensor: skdeep has no sparse or ragged tensors")
    if is_tensor(x):
        return x if dtype is None or np.dtype(dtype) == x.dtype else cast(x, dtype)
    if dtype is None and not isinstance(x, np.ndarray):
        arr = np.asarray(x)
        if arr.dtype == np.float64:
            return arr.astype(backend.floatx())
        if arr.dtype == np.int64:
            return arr.astype("int32")
        return arr
    return np.asarray(x, dtype=dtype)


def convert_to_numpy(x):
    """The NumPy array behind a tensor, a weight or an array-like."""
    return np.array(unwrap(x))


def shape(x):
    """The shape, a tuple of ints."""
    return tuple(np.shape(unwrap(x)))


def ndim(x):
    """The number of axes."""
    return int(np.ndim(unwrap(x)))


def size(x):
    """The number of elements."""
    return int(np.size(unwrap(x)))


def dtype(x):
    """The dtype name, e.g. ``'float32'``."""
    return np.asarray(unwrap(x)).dtype.name


def stop_gradient(variable):
    """The same values, cut off from differentiation."""
    if type(variable) is Tensor:
        return Tensor(variable.value, tracked=False)
    if is_tensor(variable):
        return Tensor(unwrap(variable).copy(), tracked=False)
    return variable


_COPY = Op("copy", lambda x: np.array(x, copy=True), lambda g, out, x: (g,))


def copy(x):
    """A copy of ``x`` (the gradient flows through)."""
    return apply(_COPY, (x,))


def _diag_vjp(g, out, x, k):
    if np.ndim(x) == 1:
        return (np.diagonal(g, k).copy(),)
    return (_diag_back(g, np.shape(x), k),)


def _diag_back(g, shape, k):
    grad = np.zeros(shape, g.dtype)
    n = len(g)
    rows = np.arange(n) + max(-k, 0)
    cols = np.arange(n) + max(k, 0)
    grad[rows, cols] = g
    return grad


_DIAG = Op("diag", lambda x, k: np.diag(x, k), _diag_vjp)


def diag(x, k=0):
    """A diagonal matrix from a vector, or the ``k``-th diagonal of a matrix."""
    if np.ndim(unwrap(x)) not in (1, 2):
        raise ValueError(f"diag needs a 1-D or 2-D tensor, got rank {np.ndim(unwrap(x))}")
    return apply(_DIAG, (x,), k=int(k))


def _sort_vjp(g, out, x, axis):
    order = np.argsort(x, axis=axis, kind="stable")
    grad = np.zeros_like(g)
    np.put_along_axis(grad, order, g, axis=axis)
    return (grad,)


_SORT = Op("sort", lambda x, axis: np.sort(x, axis=axis, kind="stable"), _sort_vjp)
_ARGSORT = Op("argsort", lambda x, axis: np.argsort(x, axis=axis, kind="stable").astype("int32"))


def sort(x, axis=-1):
    """Values sorted along ``axis`` (the gradient follows the permutation)."""
    return apply(_SORT, (x,), axis=axis)


def argsort(x, axis=-1):
    """Indices that sort ``x`` along ``axis`` (int32)."""
    return apply(_ARGSORT, (x,), axis=axis)
