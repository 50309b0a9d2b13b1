"""Fused bias + activation forward and activation backward kernels.

One small kernel pair per activation, so that a model compiles only the
activations it uses (the former single dispatching kernel took ~4.5 s to
compile on a cold cache; one activation's pair takes ~0.2 s), and each loop
is a straight elementwise pass that LLVM vectorizes. Scalars are cast to the
arrays' dtype so float32 stays float32. ``bias_act_forward`` and
``act_backward`` dispatch on the integer code (see ``skdeep.nn.activations``).
Arrays are 2-D C-contiguous ``(rows, units)``; higher-rank tensors are passed
as reshaped views. This module is regular source; the per-activation kernels
share one shape on purpose (a template would defeat Numba's cache).
"""
import math

from numba import njit

from . import JIT

LINEAR, RELU, SIGMOID, TANH, SOFTMAX, ELU, SELU, SOFTPLUS = 0, 1, 2, 3, 4, 5, 6, 7
SOFTSIGN, SWISH, GELU, LEAKY_RELU, HARD_SIGMOID, EXPONENTIAL, RELU6 = 8, 9, 10, 11, 12, 13, 14

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


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
        return v * (1.0 + s * (-1.0 / 3.0 + s * (2.0 / 15.0 + s * (-17.0 / 315.0 +
                                                                      s * (62.0 / 2835.0)))))
    e = math.exp(-2.0 * a)
    r = (1.0 - e) / (1.0 + e)
    return r if v >= 0 else -r


@njit(**JIT)
def _swish_grad(v):
    s = _sigmoid(v)
    return s * (1.0 + v * (1.0 - s))


@njit(**JIT)
def _gelu_grad(v):
    return 0.5 * (1.0 + math.erf(v / _SQRT2)) + v * math.exp(-0.5 * v * v) * _INV_SQRT_2PI


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
def linear_forward(z, bias, alpha, out):
    # explicit loops: an array-to-array slice assignment (``out[...] = z``)
    # costs ~10 s of first compile
    x = _biased(z, bias, out)
    if x is not out:
        n, m = x.shape
        for i in range(n):
            for j in range(m):
                out[i, j] = x[i, j]


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


@njit(**JIT)
def relu_forward(z, bias, alpha, out):
    x = _biased(z, bias, out)
    n, m = x.shape
    t = x.dtype.type
    zero = t(0.0)
    for i in range(n):
        for j in range(m):
            v = x[i, j]
            out[i, j] = max(v, zero)


@njit(**JIT)
def relu_backward(dy, y, z, bias, alpha, dz):
    n, m = dy.shape
    t = dy.dtype.type
    zero = t(0.0)
    for i in range(n):
        for j in range(m):
            g = dy[i, j]
            yy = y[i, j]
            dz[i, j] = g if yy > zero else zero


@njit(**JIT)
def sigmoid_forward(z, bias, alpha, out):
    x = _biased(z, bias, out)
    n, m = x.shape
    for i in range(n):
        for j in range(m):
            v = x[i, j]
            out[i, j] = _sigmoid(v)


@njit(**JIT)
def sigmoid_backward(dy, y, z, bias, alpha, dz):
    n, m = dy.shape
    t = dy.dtype.type
    one = t(1.0)
    for i in range(n):
        for j in range(m):
            g = dy[i, j]
            yy = y[i, j]
            dz[i, j] = g * yy * (one - yy)


@njit(**JIT)
def tanh_forward(z, bias, alpha, out):
    x = _biased(z, bias, out)
    n, m = x.shape
    for i in range(n):
        for j in range(m):
            v = x[i, j]
            out[i, j] = fast_tanh(v)


@njit(**JIT)
def tanh_backward(dy, y, z, bias, alpha, dz):
    n, m = dy.shape
    t = dy.dtype.type
    one = t(1.0)
    for i in range(n):
        for j in range(m):
            g = dy[i, j]
            yy = y[i, j]
            dz[i, j] = g * (one - yy * yy)


@njit(**JIT)
def elu_forward(z, bias, alpha, out):
    x = _biased(z, bias, out)
    n, m = x.shape
    t = x.dtype.type
    zero, one, a = t(0.0), t(1.0), t(alpha)
    for i in range(n):
        for j in range(m):
            v = x[i, j]
            out[i, j] = v if v > zero else a * (math.exp(v) - one)


@njit(**JIT)
def elu_backward(dy, y, z, bias, alpha, dz):
    n, m = dy.shape
    t = dy.dtype.type
    zero, one, a = t(0.0), t(1.0), t(alpha)
    for i in range(n):
        for j in range(m):
            g = dy[i, j]
            yy = y[i, j]
            dz[i, j] = g * (one if yy > zero else yy + a)


@njit(**JIT)
def selu_forward(z, bias, alpha, out):
    x = _biased(z, bias, out)
    n, m = x.shape
    t = x.dtype.type
    zero, one = t(0.0), t(1.0)
    sa, sc = t(SELU_SCALE * SELU_ALPHA), t(SELU_SCALE)
    for i in range(n):
        for j in range(m):
            v = x[i, j]
            out[i, j] = sc * v if v > zero else sa * (math.exp(v) - one)


@njit(**JIT)
def selu_backward(dy, y, z, bias, alpha, dz):
    n, m = dy.shape
    t = dy.dtype.type
    zero = t(0.0)
    sa, sc = t(SELU_SCALE * SELU_ALPHA), t(SELU_SCALE)
    for i in range(n):
        for j in range(m):
            g = dy[i, j]
            yy = y[i, j]
            dz[i, j] = g * (sc if yy > zero else yy + sa)


@njit(**JIT)
def softplus_forward(z, bias, alpha, out):
    x = _biased(z, bias, out)
    n, m = x.shape
    t = x.dtype.type
    zero = t(0.0)
    for i in range(n):
        for j in range(m):
            v = x[i, j]
            out[i, j] = max(v, zero) + math.log1p(math.exp(-abs(v)))


@njit(**JIT)
def softplus_backward(dy, y, z, bias, alpha, dz):
    n, m = dy.shape
    for i in range(n):
        for j in range(m):
            g = dy[i, j]
            yy = y[i, j]
            dz[i, j] = g * -math.expm1(-yy)


@njit(**JIT)
def softsign_forward(z, bias, alpha, out):
    x = _biased(z, bias, out)
    n, m = x.shape
    t = x.dtype.type
    one = t(1.0)
    for i in range(n):
        for j in range(m):
            v = x[i, j]
            out[i, j] = v / (one + abs(v))


@njit(**JIT)
def softsign_backward(dy, y, z, bias, alpha, dz):
    n, m = dy.shape
    t = dy.dtype.type
    one = t(1.0)
    for i in range(n):
        for j in range(m):
            g = dy[i, j]
            yy = y[i, j]
            dz[i, j] = g * (one - abs(yy)) * (one - abs(yy))


@njit(**JIT)
def swish_forward(z, bias, alpha, out):
    x = _biased(z, bias, out)
    n, m = x.shape
    for i in range(n):
        for j in range(m):
            v = x[i, j]
            out[i, j] = v * _sigmoid(v)


@njit(**JIT)
def swish_backward(dy, y, z, bias, alpha, dz):
    n, m = dy.shape
    has_bias = bias.shape[0] > 0
    for i in range(n):
        for j in range(m):
            v = z[i, j] + bias[j] if has_bias else z[i, j]
            dz[i, j] = dy[i, j] * _swish_grad(v)


@njit(**JIT)
def gelu_forward(z, bias, alpha, out):
    x = _biased(z, bias, out)
    n, m = x.shape
    for i in range(n):
        for j in range(m):
            v = x[i, j]
            out[i, j] = 0.5 * v * (1.0 + math.erf(v / _SQRT2))


@njit(**JIT)
def gelu_backward(dy, y, z, bias, alpha, dz):
    n, m = dy.shape
    has_bias = bias.shape[0] > 0
    for i in range(n):
        for j in range(m):
            v = z[i, j] + bias[j] if has_bias else z[i, j]
            dz[i, j] = dy[i, j] * _gelu_grad(v)


@njit(**JIT)
def leaky_relu_forward(z, bias, alpha, out):
    x = _biased(z, bias, out)
    n, m = x.shape
    t = x.dtype.type
    zero, a = t(0.0), t(alpha)
    for i in range(n):
        for j in range(m):
            v = x[i, j]
            out[i, j] = v if v > zero else a * v


@njit(**JIT)
def leaky_relu_backward(dy, y, z, bias, alpha, dz):
    n, m = dy.shape
    t = dy.dtype.type
    zero, one, a = t(0.0), t(1.0), t(alpha)
    for i in range(n):
        for j in range(m):
            g = dy[i, j]
            yy = y[i, j]
            dz[i, j] = g * (one if yy > zero else a)


@njit(**JIT)
def hard_sigmoid_forward(z, bias, alpha, out):
    x = _biased(z, bias, out)
    n, m = x.shape
    t = x.dtype.type
    zero, one = t(0.0), t(1.0)
    sixth, half = t(1.0 / 6.0), t(0.5)
    for i in range(n):
        for j in range(m):
            v = x[i, j]
            out[i, j] = min(max(v * sixth + half, zero), one)


@njit(**JIT)
def hard_sigmoid_backward(dy, y, z, bias, alpha, dz):
    n, m = dy.shape
    t = dy.dtype.type
    zero, one = t(0.0), t(1.0)
    sixth = t(1.0 / 6.0)
    for i in range(n):
        for j in range(m):
            g = dy[i, j]
            yy = y[i, j]
            dz[i, j] = g * sixth if (yy > zero and yy < one) else zero


@njit(**JIT)
def exponential_forward(z, bias, alpha, out):
    x = _biased(z, bias, out)
    n, m = x.shape
    for i in range(n):
        for j in range(m):
            v = x[i, j]
            out[i, j] = math.exp(v)


@njit(**JIT)
def exponential_backward(dy, y, z, bias, alpha, dz):
    n, m = dy.shape
    for i in range(n):
        for j in range(m):
            g = dy[i, j]
            yy = y[i, j]
            dz[i, j] = g * yy


@njit(**JIT)
def relu6_forward(z, bias, alpha, out):
    x = _biased(z, bias, out)
    n, m = x.shape
    t = x.dtype.type
    zero = t(0.0)
    six = t(6.0)
    for i in range(n):
        for j in range(m):
            v = x[i, j]
            out[i, j] = min(max(v, zero), six)


@njit(**JIT)
def relu6_backward(dy, y, z, bias, alpha, dz):
    n, m = dy.shape
    t = dy.dtype.type
    zero = t(0.0)
    six = t(6.0)
    for i in range(n):
        for j in range(m):
            g = dy[i, j]
            yy = y[i, j]
            dz[i, j] = g if (yy > zero and yy < six) else zero


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
