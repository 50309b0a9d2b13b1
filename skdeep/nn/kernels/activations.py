"""Fused bias + activation forward and activation backward kernels.

One small kernel pair per activation, so that a model compiles only the
activations it uses (the former single dispatching kernel took ~4.5 s to
compile on a cold cache; one activation's pair takes ~0.2 s), and each loop
is a straight elementwise pass that LLVM vectorizes. The scalar formulas
(values, derivatives, the float32/float64 tanh and sigmoid policy) live in
``scalar.py``, shared with the recurrent kernels; they keep float32 float32.
``bias_act_forward`` and ``act_backward`` dispatch on the integer code (see
``skdeep.nn.activations``). Arrays are 2-D C-contiguous ``(rows, units)``;
higher-rank tensors are passed as reshaped views. This module is regular
source; the per-activation kernels share one shape on purpose (a template
would defeat Numba's cache).
"""
import math

from numba import njit

from . import JIT
from . import scalar as sc
from .scalar import (ELU, EXPONENTIAL, GELU, HARD_SIGMOID, LEAKY_RELU, LINEAR, RELU, RELU6,
                     SELU, SELU_ALPHA, SELU_SCALE, SIGMOID, SOFTMAX, SOFTPLUS, SOFTSIGN, SWISH,
                     TANH)

__all__ = ["bias_act_forward", "act_backward", "column_sum_add", "LINEAR", "RELU", "SIGMOID",
           "TANH", "SOFTMAX", "ELU", "SELU", "SOFTPLUS", "SOFTSIGN", "SWISH", "GELU",
           "LEAKY_RELU", "HARD_SIGMOID", "EXPONENTIAL", "RELU6", "SELU_ALPHA", "SELU_SCALE"]


@njit(**JIT)
def _biased(z, bias, out):
    """``z + bias`` written into ``out`` (returned), or ``z`` itself without bias."""
    if bias.shape[0] == 0:
        return z
    n, m = z.shape
    for i in range(n):
        for j in range(m):
            out[i, j] = z[i, j] + bias[j]
    return out


@njit(**JIT)
def _in_out(z, bias, out):
    """``out = z + bias`` (or ``z``), so that the activation's loop then runs on
    ``out`` alone, in place: a loop reading ``z`` and writing ``out``, which may
    be the same array, fails LLVM's runtime alias check (the scalar loop)."""
    n, m = z.shape
    if z is out:
        if bias.shape[0] > 0:
            for i in range(n):
                for j in range(m):
                    out[i, j] += bias[j]
    elif bias.shape[0] > 0:
        for i in range(n):
            for j in range(m):
                out[i, j] = z[i, j] + bias[j]
    else:
        for i in range(n):
            for j in range(m):
                out[i, j] = z[i, j]


@njit(**JIT)
def linear_forward(z, bias, alpha, out):
    # explicit loops: an array-to-array slice assignment (``out[...] = z``)
    # costs ~10 s of first compile
    _in_out(z, bias, out)


@njit(**JIT)
def linear_backward(dy, y, z, bias, alpha, dz):
    if dz is not dy:
        n, m = dy.shape
        for i in range(n):
            for j in range(m):
                dz[i, j] = dy[i, j]


@njit(**JIT)
def softmax_forward(z, bias, alpha, out):
    x = _biased(z, bias, out)
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
def softmax_backward(dy, y, z, bias, alpha, dz):
    n, m = dy.shape
    t = dy.dtype.type
    for i in range(n):
        s = 0.0
        for j in range(m):
            s += dy[i, j] * y[i, j]
        st = t(s)
        for j in range(m):
            dz[i, j] = y[i, j] * (dy[i, j] - st)


@njit(**sc.EW)
def relu_forward(z, bias, alpha, out):
    _in_out(z, bias, out)
    n, m = out.shape
    for i in range(n):
        for j in range(m):
            v = out[i, j]
            out[i, j] = sc.relu(v)


@njit(**sc.EW)
def relu_backward(dy, y, z, bias, alpha, dz):
    n, m = dy.shape
    for i in range(n):
        for j in range(m):
            dz[i, j] = dy[i, j] * sc.d_relu(y[i, j])


@njit(**sc.EW)
def sigmoid_forward(z, bias, alpha, out):
    _in_out(z, bias, out)
    n, m = out.shape
    for i in range(n):
        for j in range(m):
            v = out[i, j]
            out[i, j] = sc.sigmoid(v)


@njit(**sc.EW)
def sigmoid_backward(dy, y, z, bias, alpha, dz):
    n, m = dy.shape
    for i in range(n):
        for j in range(m):
            dz[i, j] = dy[i, j] * sc.d_sigmoid(y[i, j])


@njit(**sc.EW)
def tanh_forward(z, bias, alpha, out):
    _in_out(z, bias, out)
    n, m = out.shape
    for i in range(n):
        for j in range(m):
            v = out[i, j]
            out[i, j] = sc.tanh(v)


@njit(**sc.EW)
def tanh_backward(dy, y, z, bias, alpha, dz):
    n, m = dy.shape
    for i in range(n):
        for j in range(m):
            dz[i, j] = dy[i, j] * sc.d_tanh(y[i, j])


@njit(**sc.EW)
def elu_forward(z, bias, alpha, out):
    _in_out(z, bias, out)
    n, m = out.shape
    for i in range(n):
        for j in range(m):
            v = out[i, j]
            out[i, j] = sc.elu(v, alpha)


@njit(**sc.EW)
def elu_backward(dy, y, z, bias, alpha, dz):
    n, m = dy.shape
    for i in range(n):
        for j in range(m):
            dz[i, j] = dy[i, j] * sc.d_elu(y[i, j], alpha)


@njit(**sc.EW)
def selu_forward(z, bias, alpha, out):
    _in_out(z, bias, out)
    n, m = out.shape
    for i in range(n):
        for j in range(m):
            v = out[i, j]
            out[i, j] = sc.selu(v)


@njit(**sc.EW)
def selu_backward(dy, y, z, bias, alpha, dz):
    n, m = dy.shape
    for i in range(n):
        for j in range(m):
            dz[i, j] = dy[i, j] * sc.d_selu(y[i, j])


@njit(**sc.EW)
def softplus_forward(z, bias, alpha, out):
    _in_out(z, bias, out)
    n, m = out.shape
    for i in range(n):
        for j in range(m):
            v = out[i, j]
            out[i, j] = sc.softplus(v)


@njit(**sc.EW)
def softplus_backward(dy, y, z, bias, alpha, dz):
    n, m = dy.shape
    for i in range(n):
        for j in range(m):
            dz[i, j] = dy[i, j] * sc.d_softplus(y[i, j])


@njit(**sc.EW)
def softsign_forward(z, bias, alpha, out):
    _in_out(z, bias, out)
    n, m = out.shape
    for i in range(n):
        for j in range(m):
            v = out[i, j]
            out[i, j] = sc.softsign(v)


@njit(**sc.EW)
def softsign_backward(dy, y, z, bias, alpha, dz):
    n, m = dy.shape
    for i in range(n):
        for j in range(m):
            dz[i, j] = dy[i, j] * sc.d_softsign(y[i, j])


@njit(**sc.EW)
def swish_forward(z, bias, alpha, out):
    _in_out(z, bias, out)
    n, m = out.shape
    for i in range(n):
        for j in range(m):
            v = out[i, j]
            out[i, j] = sc.swish(v)


@njit(**sc.EW)
def swish_backward(dy, y, z, bias, alpha, dz):
    n, m = dy.shape
    has_bias = bias.shape[0] > 0
    for i in range(n):
        for j in range(m):
            v = z[i, j] + bias[j] if has_bias else z[i, j]
            dz[i, j] = dy[i, j] * sc.d_swish(v)


@njit(**sc.EW)
def gelu_forward(z, bias, alpha, out):
    _in_out(z, bias, out)
    n, m = out.shape
    for i in range(n):
        for j in range(m):
            v = out[i, j]
            out[i, j] = sc.gelu(v)


@njit(**sc.EW)
def gelu_backward(dy, y, z, bias, alpha, dz):
    n, m = dy.shape
    has_bias = bias.shape[0] > 0
    for i in range(n):
        for j in range(m):
            v = z[i, j] + bias[j] if has_bias else z[i, j]
            dz[i, j] = dy[i, j] * sc.d_gelu(v)


@njit(**sc.EW)
def leaky_relu_forward(z, bias, alpha, out):
    _in_out(z, bias, out)
    n, m = out.shape
    for i in range(n):
        for j in range(m):
            v = out[i, j]
            out[i, j] = sc.leaky_relu(v, alpha)


@njit(**sc.EW)
def leaky_relu_backward(dy, y, z, bias, alpha, dz):
    n, m = dy.shape
    for i in range(n):
        for j in range(m):
            dz[i, j] = dy[i, j] * sc.d_leaky_relu(y[i, j], alpha)


@njit(**sc.EW)
def hard_sigmoid_forward(z, bias, alpha, out):
    _in_out(z, bias, out)
    n, m = out.shape
    for i in range(n):
        for j in range(m):
            v = out[i, j]
            out[i, j] = sc.hard_sigmoid(v)


@njit(**sc.EW)
def hard_sigmoid_backward(dy, y, z, bias, alpha, dz):
    n, m = dy.shape
    for i in range(n):
        for j in range(m):
            dz[i, j] = dy[i, j] * sc.d_hard_sigmoid(y[i, j])


@njit(**sc.EW)
def exponential_forward(z, bias, alpha, out):
    _in_out(z, bias, out)
    n, m = out.shape
    for i in range(n):
        for j in range(m):
            v = out[i, j]
            out[i, j] = math.exp(v)


@njit(**sc.EW)
def exponential_backward(dy, y, z, bias, alpha, dz):
    n, m = dy.shape
    for i in range(n):
        for j in range(m):
            dz[i, j] = dy[i, j] * y[i, j]


@njit(**sc.EW)
def relu6_forward(z, bias, alpha, out):
    _in_out(z, bias, out)
    n, m = out.shape
    for i in range(n):
        for j in range(m):
            v = out[i, j]
            out[i, j] = sc.relu6(v)


@njit(**sc.EW)
def relu6_backward(dy, y, z, bias, alpha, dz):
    n, m = dy.shape
    for i in range(n):
        for j in range(m):
            dz[i, j] = dy[i, j] * sc.d_relu6(y[i, j])


_FORWARD = {LINEAR: linear_forward, RELU: relu_forward, SIGMOID: sigmoid_forward, TANH: tanh_forward, SOFTMAX: softmax_forward, ELU: elu_forward, SELU: selu_forward, SOFTPLUS: softplus_forward, SOFTSIGN: softsign_forward, SWISH: swish_forward, GELU: gelu_forward, LEAKY_RELU: leaky_relu_forward, HARD_SIGMOID: hard_sigmoid_forward, EXPONENTIAL: exponential_forward, RELU6: relu6_forward}
_BACKWARD = {LINEAR: linear_backward, RELU: relu_backward, SIGMOID: sigmoid_backward, TANH: tanh_backward, SOFTMAX: softmax_backward, ELU: elu_backward, SELU: selu_backward, SOFTPLUS: softplus_backward, SOFTSIGN: softsign_backward, SWISH: swish_backward, GELU: gelu_backward, LEAKY_RELU: leaky_relu_backward, HARD_SIGMOID: hard_sigmoid_backward, EXPONENTIAL: exponential_backward, RELU6: relu6_backward}


def bias_act_forward(z, bias, code, alpha, out):
    """out[i, j] = act(z[i, j] + bias[j]).

    z, out: (n, m) float arrays (may be the same array); bias: (m,) or (0,)
    for no bias. ``alpha`` is the slope of leaky_relu / alpha of elu.
    """
    _FORWARD[code](z, bias, alpha, out)


def act_backward(dy, y, z, bias, code, alpha, dz):
    """dz = dy * act'(z + bias), written into ``dz`` (may alias ``dy``).

    y: the activation output; z: the pre-activation *before* the bias, as
    ``bias_act_forward`` received it, and ``bias`` the same (m,) or (0,) bias
    (both only read by swish and gelu, whose derivative needs the biased
    pre-activation; pass ``y`` and an empty bias for the others). All (n, m).
    """
    _BACKWARD[code](dy, y, z, bias, alpha, dz)


@njit(**JIT)
def column_sum_add(dz, out):
    """out[j] += sum_i dz[i, j] (bias gradient)."""
    n, m = dz.shape
    for i in range(n):
        for j in range(m):
            out[j] += dz[i, j]
