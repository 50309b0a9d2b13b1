"""Embedding lookup and its gradient (a scatter-add of rows).

``ids`` is a 1-D int64 array of row indices already checked to lie in
``[0, input_dim)``; tables and gradients are 2-D C-contiguous arrays.
"""
from numba import njit

from . import JIT

_EW = dict(JIT, error_model="numpy")


@njit(**_EW)
def embedding_forward(table, ids, out):
    """out[k] = table[ids[k]] for every k; out: (len(ids), output_dim)."""
    for k in range(ids.shape[0]):
        row = table[ids[k]]
        o = out[k]
        for j in range(o.shape[0]):
            o[j] = row[j]


@njit(**_EW)
def embedding_backward(ids, dy, grad):
    """grad[ids[k]] += dy[k] for every k (repeated ids accumulate).

    Serial on purpose: repeated ids would race between threads, and one pass
    over ``len(ids) * output_dim`` values is memory-bound anyway.
    """
    for k in range(ids.shape[0]):
        g = grad[ids[k]]
        d = dy[k]
        for j in range(g.shape[0]):
            g[j] += d[j]
