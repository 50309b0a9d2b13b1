"""Fused bias + activation forward and activation backward kernels.

Activations are selected by an integer code (see ``skdeep.nn.activations``)
so one compiled specialization per dtype serves every activation.
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
def bias_act_forward(z, bias, code, alpha, out):
    """out[i, j] = act(z[i, j] + bias[j]).

    z, out: (n, m) float arrays (may be the same array); bias: (m,) or (0,)
    for no bias. ``alpha`` is the slope of leaky_relu / alpha of elu.
    """
    n, m = z.shape
    has_bias = bias.shape[0] > 0
    for i in range(n):
        for j in range(m):
            v = z[i, j]
            if has_bias:
                v += bias[j]
            if code == LINEAR:
                r = v
            elif code == RELU:
                r = v if v > 0 else 0.0
            elif code == SIGMOID:
                r = _sigmoid(v)
            elif code == TANH:
                r = math.tanh(v)
            elif code == SOFTMAX:
                r = v
            elif code == ELU:
                r = v if v > 0 else alpha * (math.exp(v) - 1.0)
            elif code == SELU:
                r = SELU_SCALE * v if v > 0 else SELU_SCALE * SELU_ALPHA * (math.exp(v) - 1.0)
            elif code == SOFTPLUS:
                r = max(v, 0.0) + math.log1p(math.exp(-abs(v)))
            elif code == SOFTSIGN:
                r = v / (1.0 + abs(v))
            elif code == SWISH:
                r = v * _sigmoid(v)
            elif code == GELU:
                r = 0.5 * v * (1.0 + math.erf(v / math.sqrt(2.0)))
            elif code == LEAKY_RELU:
                r = v if v > 0 else alpha * v
            elif code == HARD_SIGMOID:
                r = min(max(v / 6.0 + 0.5, 0.0), 1.0)
            elif code == EXPONENTIAL:
                r = math.exp(v)
            else:  # RELU6
                r = min(max(v, 0.0), 6.0)
            out[i, j] = r
        if code == SOFTMAX:
            mx = out[i, 0]
            for j in range(1, m):
                if out[i, j] > mx:
                    mx = out[i, j]
            s = 0.0
            for j in range(m):
                e = math.exp(out[i, j] - mx)
                out[i, j] = e
                s += e
            inv = 1.0 / s
            for j in range(m):
                out[i, j] *= inv


@njit(**JIT)
def act_backward(dy, y, z, code, alpha, dz):
    """dz = dy * act'(z), written into ``dz`` (may alias ``dy``).

    y: the activation output; z: the pre-activation (only read by swish and
    gelu, pass ``y`` for the others). All (n, m).
    """
    n, m = dy.shape
    for i in range(n):
        if code == SOFTMAX:
            s = 0.0
            for j in range(m):
                s += dy[i, j] * y[i, j]
            for j in range(m):
                dz[i, j] = y[i, j] * (dy[i, j] - s)
            continue
        for j in range(m):
            g = dy[i, j]
            yy = y[i, j]
            if code == LINEAR:
                d = 1.0
            elif code == RELU:
                d = 1.0 if yy > 0 else 0.0
            elif code == SIGMOID:
                d = yy * (1.0 - yy)
            elif code == TANH:
                d = 1.0 - yy * yy
            elif code == ELU:
                d = 1.0 if yy > 0 else yy + alpha
            elif code == SELU:
                d = SELU_SCALE if yy > 0 else yy + SELU_SCALE * SELU_ALPHA
            elif code == SOFTPLUS:
                d = -math.expm1(-yy)
            elif code == SOFTSIGN:
                t = 1.0 - abs(yy)
                d = t * t
            elif code == SWISH:
                s = _sigmoid(z[i, j])
                d = s * (1.0 + z[i, j] * (1.0 - s))
            elif code == GELU:
                v = z[i, j]
                d = 0.5 * (1.0 + math.erf(v / math.sqrt(2.0))) + v * math.exp(-0.5 * v * v) / math.sqrt(2.0 * math.pi)
            elif code == LEAKY_RELU:
                d = 1.0 if yy > 0 else alpha
            elif code == HARD_SIGMOID:
                d = 1.0 / 6.0 if (yy > 0.0 and yy < 1.0) else 0.0
            elif code == EXPONENTIAL:
                d = yy
            else:  # RELU6
                d = 1.0 if (yy > 0.0 and yy < 6.0) else 0.0
            dz[i, j] = g * d


@njit(**JIT)
def column_sum_add(dz, out):
    """out[j] += sum_i dz[i, j] (bias gradient)."""
    n, m = dz.shape
    for i in range(n):
        for j in range(m):
            out[j] += dz[i, j]
