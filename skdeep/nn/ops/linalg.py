"""Products: matmul, dot, tensordot, einsum, outer (NumPy/Keras semantics)."""
import string

import numpy as np

from ._core import OPERATOR, Op, apply, unbroadcast, unwrap

__all__ = ["dot", "einsum", "matmul", "outer", "tensordot"]


def _matmul_vjp(g, out, a, b, needs=(True, True)):
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 2 and b.ndim == 2:  # the hot path of every Dense-like layer
        return (g @ b.T if needs[0] else None), (a.T @ g if needs[1] else None)
    if a.ndim == 1 and b.ndim == 1:
        return g * b, g * a
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    g2 = g
    if a.ndim == 1:
        g2 = np.expand_dims(g2, -2)
    if b.ndim == 1:
        g2 = np.expand_dims(g2, -1)
    da = unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
    db = unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)
    return da, db


_MATMUL = Op("matmul", np.matmul, _matmul_vjp, needs=True)


def matmul(x1, x2):
    """Matrix product with NumPy's broadcasting of leading (batch) axes."""
    return apply(_MATMUL, (x1, x2))


def _norm_axes(axes, nda, ndb):
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        return list(range(nda - n, nda)), list(range(n))
    a_axes, b_axes = axes
    a_axes = [a_axes] if isinstance(a_axes, (int, np.integer)) else list(a_axes)
    b_axes = [b_axes] if isinstance(b_axes, (int, np.integer)) else list(b_axes)
    return [int(i) % nda for i in a_axes], [int(i) % ndb for i in b_axes]


def _tensordot_vjp(g, out, a, b, axes):
    a, b = np.asarray(a), np.asarray(b)
    a_axes, b_axes = _norm_axes(axes, a.ndim, b.ndim)
    a_free = [i for i in range(a.ndim) if i not in a_axes]
    b_free = [i for i in range(b.ndim) if i not in b_axes]
    nf = len(a_free)
    da = np.tensordot(g, b, axes=(list(range(nf, g.ndim)), b_free))
    order = a_free + [a_axes[b_axes.index(k)] for k in sorted(b_axes)]
    da = np.transpose(da, np.argsort(order))
    db = np.tensordot(a, g, axes=(a_free, list(range(nf))))
    order = [b_axes[a_axes.index(k)] for k in sorted(a_axes)] + b_free
    db = np.transpose(db, np.argsort(order))
    return da, db


_TENSORDOT = Op("tensordot", lambda a, b, axes: np.tensordot(a, b, axes=axes), _tensordot_vjp)


def tensordot(x1, x2, axes=2):
    """Sum of products over ``axes`` (an int: last axes of ``x1`` with first of ``x2``)."""
    if not isinstance(axes, (int, np.integer)):
        axes = tuple(tuple(a) if isinstance(a, (list, tuple)) else a for a in axes)
    return apply(_TENSORDOT, (x1, x2), axes=axes)


def _dot_vjp(g, out, a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        return unbroadcast(g * b, a.shape), unbroadcast(g * a, b.shape)
    axes = ([a.ndim - 1], [max(b.ndim - 2, 0)])
    return _tensordot_vjp(g, out, a, b, axes)


_DOT = Op("dot", np.dot, _dot_vjp)


def dot(x1, x2):
    """NumPy ``dot``: matrix product for 2-D, sum over the last axis of ``x1``
    and the second-to-last of ``x2`` in general."""
    return apply(_DOT, (x1, x2))


_OUTER = Op("outer", np.outer, lambda g, out, a, b: (
    (g @ np.ravel(b)).reshape(np.shape(a)), (np.ravel(a) @ g).reshape(np.shape(b))))


def outer(x1, x2):
    """Outer product of the flattened inputs."""
    return apply(_OUTER, (x1, x2))


# ----------------------------------------------------------------------------- einsum
def _parse_einsum(subscripts, shapes):
    """Explicit per-operand subscripts and output, with ``...`` expanded."""
    spec = subscripts.replace(" ", "")
    lhs, arrow, rhs = spec.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: {len(terms)} operand subscripts for {len(shapes)} operands")
    used = set(spec) - set(".,->")
    free = [c for c in string.ascii_letters if c not in used]
    n_ell = max((len(s) - len(t.replace("...", "")) for t, s in zip(terms, shapes)
                 if "..." in t), default=0)
    ell = "".join(free[:n_ell])
    expanded = []
    for t, s in zip(terms, shapes):
        if "..." in t:
            k = len(s) - len(t.replace("...", ""))
            t = t.replace("...", ell[n_ell - k:] if k else "")
        expanded.append(t)
    if arrow:
        out = rhs.replace("...", ell)
    else:
        letters = "".join(expanded)
        out = ell + "".join(sorted(c for c in set(letters) - set(ell) if letters.count(c) == 1))
    return expanded, out


def _einsum_vjp(g, out, *operands, subscripts):
    shapes = [np.shape(o) for o in operands]
    terms, out_sub = _parse_einsum(subscripts, shapes)
    grads = []
    for i, term in enumerate(terms):
        if len(set(term)) != len(term):
            raise NotImplementedError(f"einsum gradient with a repeated index in {term!r} "
                                      "(a diagonal) is not supported")
        others = [t for j, t in enumerate(terms) if j != i]
        available = set(out_sub).union(*others)
        kept = "".join(c for c in term if c in available)
        spec = ",".join([out_sub] + others) + "->" + kept
        gi = np.einsum(spec, g, *[o for j, o in enumerate(operands) if j != i])
        if kept != term:  # an index summed in this operand alone: its gradient is broadcast
            expand = [term.index(c) for c in term if c not in available]
            gi = np.expand_dims(gi.reshape([shapes[i][term.index(c)] if c in kept else 1
                                            for c in term if c in kept]), expand)
            gi = np.broadcast_to(gi, shapes[i])
        else:
            gi = gi.reshape(shapes[i])
        grads.append(np.ascontiguousarray(gi))
    return grads


_EINSUM = Op("einsum", lambda *ops, subscripts: np.einsum(subscripts, *ops), _einsum_vjp)


def einsum(subscripts, *operands, **kwargs):
    """Einstein summation, e.g. ``einsum('bij,bjk->bik', a, b)``."""
    if kwargs:
        raise TypeError(f"einsum got unexpected keyword argument(s) {sorted(kwargs)}")
    _parse_einsum(subscripts, [np.shape(unwrap(o)) for o in operands])
    return apply(_EINSUM, operands, subscripts=subscripts)


OPERATOR.update(matmul=matmul)
