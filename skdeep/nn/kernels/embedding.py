"""Embedding lookup and its gradient (a scatter-add of rows).

``ids`` are int64 row indices already checked to lie in ``[0, input_dim)``;
tables and gradients are 2-D C-contiguous arrays.
"""
from numba import njit

from . import JIT



@njit(**JIT)
def embedding_forward(table, ids, out):
    """out[k] = table[ids[k]] for every k; out: (len(ids), output_dim)."""
    for k in range(ids.shape[0]):
        row = table[ids[k]]
        o = out[k]
        for j in range(o.shape[0]):
            o[j] = row[j]


@njit(**JIT)
def embedding_backward(ids, dy, grad):
    """grad[ids[i, k]] += dy[i, k] for every (i, k) (repeated ids accumulate).

    ids: (n, m); dy: (n, m, output_dim), any strides (a recurrent layer's
    input gradient is a transposed view: reading it in place saves a copy).
    Serial on purpose: repeated ids would race between threads, and one pass
    over the gradient is memory-bound anyway.
    """
    for i in range(ids.shape[0]):
        for k in range(ids.shape[1]):
            g = grad[ids[i, k]]
            d = dy[i, k]
            for j in range(g.shape[0]):
                g[j] += d[j]
