"""Fused softmax + cross-entropy: loss, probabilities and logit gradient in one
pass over the logits (the common classification output)."""
import math

from numba import njit

from . import JIT


@njit(**JIT)
def _exp_row(logits, i, probs):
    """probs[i] = exp(logits[i] - max); returns (max, sum of the exponentials)."""
    k = logits.shape[1]
    mx = logits[i, 0]
    for j in range(1, k):
        mx = max(mx, logits[i, j])
    s = 0.0
    for j in range(k):
        e = math.exp(logits[i, j] - mx)
        probs[i, j] = e
        s += e
    return mx, s


@njit(**JIT)
def sparse_softmax_xent(logits, labels, weights, scale, probs, grad):
    """Softmax cross-entropy against integer ``labels`` (n,).

    Writes ``probs`` = softmax(logits) and ``grad`` = (probs - onehot) * w_i *
    scale; returns ``sum_i w_i * loss_i`` (float64). ``weights``: (n,) or (0,)
    for all ones. ``logits``, ``probs``, ``grad``: (n, k).
    """
    n, k = logits.shape
    t = logits.dtype.type
    total = 0.0
    for i in range(n):
        mx, s = _exp_row(logits, i, probs)
        inv = t(1.0 / s)
        w = weights[i] if weights.shape[0] > 0 else 1.0
        ws = t(w * scale)
        for j in range(k):
            p = probs[i, j] * inv
            probs[i, j] = p
            grad[i, j] = p * ws
        c = labels[i]
        grad[i, c] -= ws
        total += w * (math.log(s) + mx - logits[i, c])
    return total


@njit(**JIT)
def dense_softmax_xent(logits, targets, weights, scale, probs, grad):
    """As ``sparse_softmax_xent`` with (n, k) soft or one-hot ``targets``:
    loss_i = -sum_j t_ij log p_ij, grad = (p * sum_j t_ij - t) * w_i * scale."""
    n, k = logits.shape
    t = logits.dtype.type
    total = 0.0
    for i in range(n):
        mx, s = _exp_row(logits, i, probs)
        log_s = math.log(s)
        inv = t(1.0 / s)
        w = weights[i] if weights.shape[0] > 0 else 1.0
        ws = t(w * scale)
        st = 0.0
        loss = 0.0
        for j in range(k):
            tj = targets[i, j]
            st += tj
            loss -= tj * (logits[i, j] - mx - log_s)
        stt = t(st)
        for j in range(k):
            p = probs[i, j] * inv
            probs[i, j] = p
            grad[i, j] = (p * stt - targets[i, j]) * ws
        total += w * loss
    return total
