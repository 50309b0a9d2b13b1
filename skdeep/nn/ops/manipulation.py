"""Shape and indexing ops: reshape, transpose, joins and splits, gathers, ``x[...]``."""
import builtins

import numpy as np

from ._core import OPERATOR, Op, apply, unwrap

__all__ = [
    "broadcast_to",
    "concatenate",
    "expand_dims",
    "flip",
    "getitem",
    "hstack",
    "moveaxis",
    "pad",
    "ravel",
    "repeat",
    "reshape",
    "split",
    "squeeze",
    "stack",
    "swapaxes",
    "take",
    "take_along_axis",
    "tile",
    "transpose",
    "unstack",
    "vstack",
]


def _shape_back(g, out, x, **params):
    return (g.reshape(np.shape(x)),)


_RESHAPE = Op("reshape", lambda x, newshape: np.reshape(x, newshape), _shape_back)
_EXPAND = Op("expand_dims", lambda x, axis: np.expand_dims(x, axis), _shape_back)
_SQUEEZE = Op("squeeze", lambda x, axis: np.squeeze(x, axis), _shape_back)
_RAVEL = Op("ravel", np.ravel, _shape_back)
_BROADCAST = Op("broadcast_to", lambda x, shape: np.broadcast_to(x, shape).copy(),
                lambda g, out, x, shape: (g,), broadcast=True)


def _as_axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def reshape(x, newshape):
    """Give ``x`` a new shape (one dimension may be -1)."""
    newshape = (newshape,) if isinstance(newshape, int) else tuple(
        -1 if d is None else int(d) for d in newshape)
    return apply(_RESHAPE, (x,), newshape=newshape)


def expand_dims(x, axis):
    """Insert a length-1 axis (or several, for a tuple) at ``axis``."""
    return apply(_EXPAND, (x,), axis=_as_axis(axis))


def squeeze(x, axis=None):
    """Remove length-1 axes (all of them, or those in ``axis``)."""
    return apply(_SQUEEZE, (x,), axis=_as_axis(axis))


def ravel(x):
    """Flatten to one dimension."""
    return apply(_RAVEL, (x,))


def broadcast_to(x, shape):
    """Broadcast ``x`` to ``shape``; the gradient is summed back."""
    return apply(_BROADCAST, (x,), shape=tuple(shape))


def _transpose_vjp(g, out, x, axes):
    if axes is None:
        return (np.transpose(g),)
    return (np.transpose(g, np.argsort(axes)),)


_TRANSPOSE = Op("transpose", lambda x, axes: np.transpose(x, axes), _transpose_vjp)
_SWAPAXES = Op("swapaxes", np.swapaxes,
               lambda g, out, x, axis1, axis2: (np.swapaxes(g, axis1, axis2),))
_MOVEAXIS = Op("moveaxis", np.moveaxis,
               lambda g, out, x, source, destination: (np.moveaxis(g, destination, source),))
_FLIP = Op("flip", lambda x, axis: np.flip(x, axis), lambda g, out, x, axis: (np.flip(g, axis),))


def transpose(x, axes=None):
    """Permute the axes (reverse them by default)."""
    return apply(_TRANSPOSE, (x,), axes=None if axes is None else tuple(axes))


def swapaxes(x, axis1, axis2):
    """Interchange two axes."""
    return apply(_SWAPAXES, (x,), axis1=axis1, axis2=axis2)


def moveaxis(x, source, destination):
    """Move axes to new positions."""
    return apply(_MOVEAXIS, (x,), source=_as_axis(source), destination=_as_axis(destination))


def flip(x, axis=None):
    """Reverse the order of elements along ``axis`` (all axes by default)."""
    return apply(_FLIP, (x,), axis=_as_axis(axis))


# ----------------------------------------------------------------------------- joins / splits
def _concat_vjp(g, out, *xs, axis):
    if axis is None:
        sizes = [np.size(x) for x in xs]
        parts = np.split(g, np.cumsum(sizes)[:-1])
        return [p.reshape(np.shape(x)) for p, x in zip(parts, xs)]
    sizes = [np.shape(x)[axis] for x in xs]
    return np.split(g, np.cumsum(sizes)[:-1], axis=axis)


_CONCAT = Op("concatenate", lambda *xs, axis: np.concatenate(xs, axis=axis), _concat_vjp)
_STACK = Op("stack", lambda *xs, axis: np.stack(xs, axis=axis),
            lambda g, out, *xs, axis: [np.take(g, i, axis=axis) for i in range(len(xs))])
_UNSTACK = Op("unstack", lambda x, axis: tuple(np.moveaxis(x, axis, 0)),
              lambda gs, out, x, axis: (np.stack(gs, axis=axis),), multi=True)
_SPLIT = Op("split", lambda x, indices_or_sections, axis: tuple(
    np.split(x, indices_or_sections, axis=axis)),
    lambda gs, out, x, indices_or_sections, axis: (np.concatenate(gs, axis=axis),), multi=True)


def concatenate(xs, axis=0):
    """Join a sequence of tensors along an existing axis."""
    return apply(_CONCAT, tuple(xs), axis=axis)


def stack(x, axis=0):
    """Join a sequence of tensors along a new axis."""
    return apply(_STACK, tuple(x), axis=axis)


def unstack(x, num=None, axis=0):
    """Split along ``axis`` into a list of tensors with that axis removed."""
    n = np.shape(unwrap(x))[axis]
    if num is not None and num != n:
        raise ValueError(f"unstack: num={num} but axis {axis} has length {n}")
    return apply(_UNSTACK, (x,), axis=axis)


def split(x, indices_or_sections, axis=0):
    """Split into equal sections or at the given indices (a list of tensors)."""
    ios = indices_or_sections
    ios = tuple(int(i) for i in ios) if isinstance(ios, (list, tuple)) else int(ios)
    return apply(_SPLIT, (x,), indices_or_sections=ios, axis=axis)


def vstack(xs):
    """Stack along the first axis (1-D inputs become rows)."""
    return concatenate([reshape(x, (1, -1)) if np.ndim(unwrap(x)) == 1 else x for x in xs], 0)


def hstack(xs):
    """Stack along the second axis (the first for 1-D inputs)."""
    first = unwrap(xs[0])
    return concatenate(xs, axis=0 if np.ndim(first) == 1 else 1)


def _tile_vjp(g, out, x, repeats):
    shape = np.shape(x)
    reps = (1,) * (len(shape) - len(repeats)) + tuple(repeats)
    full = (1,) * (len(reps) - len(shape)) + tuple(shape)
    interleaved = [d for pair in zip(reps, full) for d in pair]
    summed = g.reshape(interleaved).sum(axis=tuple(range(0, 2 * len(full), 2)))
    return (summed.reshape(shape),)


_TILE = Op("tile", lambda x, repeats: np.tile(x, repeats), _tile_vjp)


def tile(x, repeats):
    """Repeat the whole tensor ``repeats`` times along each axis."""
    repeats = (int(repeats),) if np.ndim(repeats) == 0 else tuple(int(r) for r in repeats)
    return apply(_TILE, (x,), repeats=repeats)


def _repeat_vjp(g, out, x, repeats, axis):
    x_arr = np.asarray(x)
    src = x_arr.ravel() if axis is None else x_arr
    ax = 0 if axis is None else axis
    n = src.shape[ax]
    index = np.repeat(np.arange(n), repeats)
    grad = np.zeros(np.moveaxis(src, ax, 0).shape, g.dtype)
    np.add.at(grad, index, np.moveaxis(g, ax, 0))
    grad = np.moveaxis(grad, 0, ax)
    return (grad.reshape(x_arr.shape),)


_REPEAT = Op("repeat", lambda x, repeats, axis: np.repeat(x, repeats, axis), _repeat_vjp)


def repeat(x, repeats, axis=None):
    """Repeat each element ``repeats`` times (an int or one count per element)."""
    return apply(_REPEAT, (x,), repeats=np.asarray(unwrap(repeats)), axis=axis)


# ----------------------------------------------------------------------------- gathers
def _take_vjp(g, out, x, indices, axis):
    x_arr = np.asarray(x)
    if axis is None:
        grad = np.zeros(x_arr.size, g.dtype)
        np.add.at(grad, np.ravel(indices), np.ravel(g))
        return grad.reshape(x_arr.shape), None
    ax = axis % x_arr.ndim
    grad = np.zeros(np.moveaxis(x_arr, ax, 0).shape, g.dtype)
    idx = np.asarray(indices)
    moved = np.moveaxis(g, tuple(range(ax, ax + idx.ndim)), tuple(range(idx.ndim)))
    np.add.at(grad, idx, moved)
    return np.moveaxis(grad, 0, ax), None


def _take_forward(x, indices, axis):
    return np.take(x, indices, axis=axis)


_TAKE = Op("take", _take_forward, _take_vjp)


def _normalize_indices(indices, size):
    idx = np.asarray(unwrap(indices))
    if not np.issubdtype(idx.dtype, np.integer):
        raise TypeError(f"indices must be integers, got dtype {idx.dtype}")
    if idx.size and (idx.max() >= size or idx.min() < -size):
        raise IndexError(f"index {int(idx.max() if idx.max() >= size else idx.min())} is out of "
                         f"bounds for an axis of size {size}")
    return np.where(idx < 0, idx + size, idx)


def take(x, indices, axis=None):
    """Elements of ``x`` at ``indices`` along ``axis`` (of the flattened ``x`` by default)."""
    shape = np.shape(unwrap(x))
    size = int(np.prod(shape)) if axis is None else shape[axis]
    return apply(_TAKE, (x, _normalize_indices(indices, size)), axis=axis)


def _along_vjp(g, out, x, indices, axis):
    x_arr = np.asarray(x)
    if axis is None:
        grad = np.zeros(x_arr.size, g.dtype)
        np.add.at(grad, indices, g)
        return grad.reshape(x_arr.shape), None
    grad = np.zeros(x_arr.shape, g.dtype)
    ax = axis % x_arr.ndim
    grids = list(np.ogrid[tuple(builtins.slice(0, d) for d in g.shape)])
    grids[ax] = np.broadcast_to(indices, g.shape)
    np.add.at(grad, tuple(np.broadcast_arrays(*grids)), g)
    return grad, None


_ALONG = Op("take_along_axis", lambda x, indices, axis: np.take_along_axis(x, indices, axis),
            _along_vjp)


def take_along_axis(x, indices, axis=None):
    """Pick values with ``indices`` matching ``x`` along ``axis`` (NumPy semantics)."""
    shape = np.shape(unwrap(x))
    size = int(np.prod(shape)) if axis is None else shape[axis]
    idx = _normalize_indices(indices, size)
    if axis is None:
        return apply(_ALONG, (ravel(x) if np.ndim(unwrap(x)) != 1 else x, idx.ravel()), axis=0)
    return apply(_ALONG, (x, idx), axis=axis)


def _is_basic(key):
    items = key if isinstance(key, tuple) else (key,)
    return all(k is None or k is Ellipsis or isinstance(k, (int, builtins.slice, np.integer))
               and not isinstance(k, bool) for k in items)


def _getitem_vjp(g, out, x, key):
    grad = np.zeros(np.shape(x), g.dtype)
    if _is_basic(key):
        grad[key] = g
    else:
        np.add.at(grad, key, g)
    return (grad,)


_GETITEM = Op("getitem", lambda x, key: np.asarray(x)[key], _getitem_vjp)


def getitem(x, key):
    """``x[key]`` with NumPy indexing (slices, integers, integer or boolean arrays)."""
    if isinstance(key, tuple):
        key = tuple(np.asarray(unwrap(k)) if hasattr(unwrap(k), "shape") else k for k in key)
    elif hasattr(unwrap(key), "shape") or isinstance(key, list):
        key = np.asarray(unwrap(key))
    return apply(_GETITEM, (x,), key=key)


def _pad_vjp(g, out, x, pad_width, mode, constant_values):
    index = tuple(builtins.slice(lo, g.shape[i] - hi) for i, (lo, hi) in enumerate(pad_width))
    return (g[index],)


def _pad_forward(x, pad_width, mode, constant_values):
    if mode != "constant":
        return np.pad(x, pad_width, mode=mode)
    return np.pad(x, pad_width, mode="constant", constant_values=constant_values or 0)


_PAD = Op("pad", _pad_forward, _pad_vjp)


def pad(x, pad_width, mode="constant", constant_values=None):
    """Pad with ``constant_values`` (gradient for ``mode='constant'`` only)."""
    ndim = np.ndim(unwrap(x))
    width = np.broadcast_to(np.asarray(pad_width, dtype=int), (ndim, 2))
    if mode != "constant":
        raise NotImplementedError(f"pad: only mode='constant' is differentiable, got {mode!r}")
    return apply(_PAD, (x,), pad_width=tuple(map(tuple, width.tolist())), mode=mode,
                 constant_values=constant_values)


OPERATOR.update(getitem=getitem, transpose=transpose)
