"""Fused bias + activation forward and activation backward kernels.

Activations are selected by an integer code (see ``skdeep.nn.activations``)
so one compiled specialization per dtype serves every activation. The code
is tested once, outside the loops, so that each activation's loop is a
straight elementwise pass that LLVM can vectorize; scalars are cast to the
arrays' dtype so float32 stays float32.
Arrays are 2-D C-contiguous ``(rows, units)``; higher-rank tensors are passed
as reshaped views.
"""
import math

import numpy as np
from numba import njit

from . import JIT

LINEAR, RELU, SIGMOID, TANH, SOFTMAX, ELU, SELU, SOFTPLUS = 0, 1, 2, 3, 4, 5, 6, 7
SOFTSIGN, SWISH, GELU, LEAKY_RELU, HARD_SIGMOID, EXPONENTIAL, RELU6 = 8, 9, 10, 11, 12, 13, 14

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


@njit(**JIT)
def _sigmoid(v):
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


@njit(**JIT)
def fast_tanh(v):
    """tanh through one exp (about 5x faster than libm's tanh here), with a
    Taylor series near 0 where the exp form would cancel; within a few ulp."""
    a = abs(v)
    if a < 0.1:
        s = v * v
        r = v * (1.0 + s * (-1.0 / 3.0 + s * (2.0 / 15.0 + s * (-17.0 / 315.0 +
                                                                   s * (62.0 / 2835.0)))))
        return r
    e = math.exp(-2.0 * a)
    r = (1.0 - e) / (1.0 + e)
    return r if v >= 0 else -r


@njit(**JIT)
def _softmax_rows(x, out):
    n, m = x.shape
    for i in range(n):
        mx = x[i, 0]
        for j in range(1, m):
            mx = max(mx, x[i, j])
        s = 0.0
        for j in range(m):
            e = math.exp(x[i, j] - mx)
            out[i, j] = e
            s += e
        inv = out.dtype.type(1.0 / s)
        for j in range(m):
            out[i, j] *= inv


@njit(**JIT)
def bias_act_forward(z, bias, code, alpha, out):
    """out[i, j] = act(z[i, j] + bias[j]).

    z, out: (n, m) float arrays (may be the same array); bias: (m,) or (0,)
    for no bias. ``alpha`` is the slope of leaky_relu / alpha of elu.
    """
    n, m = z.shape
    t = z.dtype.type
    zero, one, a = t(0.0), t(1.0), t(alpha)
    x = z
    if bias.shape[0] > 0:
        for i in range(n):
            for j in range(m):
                out[i, j] = z[i, j] + bias[j]
        x = out
    if code == LINEAR:
        if x is not out:
            out[...] = x
    elif code == RELU:
        for i in range(n):
            for j in range(m):
                out[i, j] = max(x[i, j], zero)
    elif code == SIGMOID:
        for i in range(n):
            for j in range(m):
                out[i, j] = _sigmoid(x[i, j])
    elif code == TANH:
        for i in range(n):
            for j in range(m):
                out[i, j] = fast_tanh(x[i, j])
    elif code == SOFTMAX:
        _softmax_rows(x, out)
    elif code == ELU:
        for i in range(n):
            for j in range(m):
                v = x[i, j]
                out[i, j] = v if v > zero else a * (math.exp(v) - one)
    elif code == SELU:
        sa, sc = t(SELU_SCALE * SELU_ALPHA), t(SELU_SCALE)
        for i in range(n):
            for j in range(m):
                v = x[i, j]
                out[i, j] = sc * v if v > zero else sa * (math.exp(v) - one)
    elif code == SOFTPLUS:
        for i in range(n):
            for j in range(m):
                v = x[i, j]
                out[i, j] = max(v, zero) + math.log1p(math.exp(-abs(v)))
    elif code == SOFTSIGN:
        for i in range(n):
            for j in range(m):
                v = x[i, j]
                out[i, j] = v / (one + abs(v))
    elif code == SWISH:
        for i in range(n):
            for j in range(m):
                v = x[i, j]
                out[i, j] = v * _sigmoid(v)
    elif code == GELU:
        r2 = math.sqrt(2.0)
        for i in range(n):
            for j in range(m):
                v = x[i, j]
                out[i, j] = 0.5 * v * (1.0 + math.erf(v / r2))
    elif code == LEAKY_RELU:
        for i in range(n):
            for j in range(m):
                v = x[i, j]
                out[i, j] = v if v > zero else a * v
    elif code == HARD_SIGMOID:
        sixth, half = t(1.0 / 6.0), t(0.5)
        for i in range(n):
            for j in range(m):
                out[i, j] = min(max(x[i, j] * sixth + half, zero), one)
    elif code == EXPONENTIAL:
        for i in range(n):
            for j in range(m):
                out[i, j] = math.exp(x[i, j])
    else:  # RELU6
        six = t(6.0)
        for i in range(n):
            for j in range(m):
                out[i, j] = min(max(x[i, j], zero), six)


@njit(**JIT)
def act_backward(dy, y, z, code, alpha, dz):
    """dz = dy * act'(z), written into ``dz`` (may alias ``dy``).

    y: the activation output; z: the pre-activation (only read by swish and
    gelu, pass ``y`` for the others). All (n, m).
    """
    n, m = dy.shape
    t = dy.dtype.type
    zero, one, a = t(0.0), t(1.0), t(alpha)
    if code == SOFTMAX:
        for i in range(n):
            s = 0.0
            for j in range(m):
                s += dy[i, j] * y[i, j]
            st = t(s)
            for j in range(m):
                dz[i, j] = y[i, j] * (dy[i, j] - st)
    elif code == LINEAR:
        if dz is not dy:
            dz[...] = dy
    elif code == RELU:
        for i in range(n):
            for j in range(m):
                dz[i, j] = dy[i, j] if y[i, j] > zero else zero
    elif code == SIGMOID:
        for i in range(n):
            for j in range(m):
                yy = y[i, j]
                dz[i, j] = dy[i, j] * yy * (one - yy)
    elif code == TANH:
        for i in range(n):
            for j in range(m):
                yy = y[i, j]
                dz[i, j] = dy[i, j] * (one - yy * yy)
    elif code == ELU:
        for i in range(n):
            for j in range(m):
                yy = y[i, j]
                dz[i, j] = dy[i, j] * (one if yy > zero else yy + a)
    elif code == SELU:
        sa, sc = t(SELU_SCALE * SELU_ALPHA), t(SELU_SCALE)
        for i in range(n):
            for j in range(m):
                yy = y[i, j]
                dz[i, j] = dy[i, j] * (sc if yy > zero else yy + sa)
    elif code == SOFTPLUS:
        for i in range(n):
            for j in range(m):
                dz[i, j] = dy[i, j] * -math.expm1(-y[i, j])
    elif code == SOFTSIGN:
        for i in range(n):
            for j in range(m):
                r = one - abs(y[i, j])
                dz[i, j] = dy[i, j] * r * r
    elif code == SWISH:
        for i in range(n):
            for j in range(m):
                v = z[i, j]
                s = _sigmoid(v)
                dz[i, j] = dy[i, j] * s * (1.0 + v * (1.0 - s))
    elif code == GELU:
        r2, c = math.sqrt(2.0), 1.0 / math.sqrt(2.0 * math.pi)
        for i in range(n):
            for j in range(m):
                v = z[i, j]
                d = 0.5 * (1.0 + math.erf(v / r2)) + v * math.exp(-0.5 * v * v) * c
                dz[i, j] = dy[i, j] * d
    elif code == LEAKY_RELU:
        for i in range(n):
            for j in range(m):
                dz[i, j] = dy[i, j] * (one if y[i, j] > zero else a)
    elif code == HARD_SIGMOID:
        sixth = t(1.0 / 6.0)
        for i in range(n):
            for j in range(m):
                yy = y[i, j]
                dz[i, j] = dy[i, j] * sixth if (yy > zero and yy < one) else zero
    elif code == EXPONENTIAL:
        for i in range(n):
            for j in range(m):
                dz[i, j] = dy[i, j] * y[i, j]
    else:  # RELU6
        six = t(6.0)
        for i in range(n):
            for j in range(m):
                yy = y[i, j]
                dz[i, j] = dy[i, j] if (yy > zero and yy < six) else zero


@njit(**JIT)
def column_sum_add(dz, out):
    """out[j] += sum_i dz[i, j] (bias gradient)."""
    n, m = dz.shape
    for i in range(n):
        for j in range(m):
            out[j] += dz[i, j]
