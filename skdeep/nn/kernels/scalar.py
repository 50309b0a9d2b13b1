"""The scalar activation table: one formula per activation, shared by every kernel.

The dense kernels (``activations.py``: one small forward/backward pair per
activation) call the per-activation functions below inside their
elementwise loops; the recurrent kernels (``recurrent.py``), whose
activation is a runtime code, call :func:`tanh`, :func:`sigmoid`,
:func:`d_tanh`, :func:`d_sigmoid` in their own loops and :func:`value`
and :func:`deriv` for the other codes, which dispatch to the same
functions. Numba inlines these small functions into the caller's loop,
which LLVM still vectorises; both paths give the same bits.

Policy
------
* **dtype**: every constant goes through :func:`like`, which gives it the
  type of the argument, so float32 arithmetic stays float32 (no silent
  float64 promotion) and float64 keeps full-precision constants.
* **tanh and sigmoid**: float32 uses code with no libm call, so that the
  loops vectorise: a rational approximation of tanh (max abs error ~4e-7)
  and the stable sigmoid on our own float32 exp (Cephes' polynomial, the
  power of two built from its bits; max relative error ~3e-7); float64
  uses tanh through one libm exp (a few ulp; a Taylor series near 0 where
  the exp form would cancel) and the same stable sigmoid on libm's exp.
  The choice is made at compile time from the argument's type.
* **derivatives** come from the activation's output ``y`` (``d_<name>``),
  except for swish and gelu, whose derivative needs the input ``v``.
* ``alpha`` is the slope of leaky_relu and the alpha of elu (a Python
  float; Keras' defaults are :data:`DEFAULT_ALPHA`).

Numba's cache checks only the caller's source file: after editing this
module, clear the cache (``NUMBA_CACHE_DIR`` or ``__pycache__``) or touch
``activations.py`` and ``recurrent.py``, or their kernels keep the old code.
"""
import math

import numpy as np
from numba import njit, types
from numba.extending import intrinsic, overload

from . import JIT

# The formulas are inlined into the calling kernel at Numba-IR level: no
# separate compilation per function and signature (cold-compile time), and
# the caller's flags apply: callers compile with :data:`EW`. ``tanh`` and
# ``sigmoid`` (a choice by type, one small compiled function each) and the
# by-code dispatchers ``value`` and ``deriv`` are compiled once per type and
# LLVM inlines them (inlining them at Numba-IR level compiled slower).
_INLINE = dict(JIT, inline="always")
#: the flags of the kernels that call this table: ``contract`` lets LLVM fuse
#: multiply-adds (the polynomials), without fastmath's no-nan/no-inf licence
EW = dict(JIT, fastmath={"contract"})

LINEAR, RELU, SIGMOID, TANH, SOFTMAX, ELU, SELU, SOFTPLUS = 0, 1, 2, 3, 4, 5, 6, 7
SOFTSIGN, SWISH, GELU, LEAKY_RELU, HARD_SIGMOID, EXPONENTIAL, RELU6 = 8, 9, 10, 11, 12, 13, 14
#: the codes :func:`value` and :func:`deriv` dispatch on: the elementwise
#: activations whose derivative follows from their output (all but softmax,
#: which needs a whole row, and swish and gelu, which need the input)
BY_CODE = (LINEAR, RELU, SIGMOID, TANH, ELU, SELU, SOFTPLUS, SOFTSIGN, LEAKY_RELU,
           HARD_SIGMOID, EXPONENTIAL, RELU6)
#: Keras' default parameter of the activations that take one
DEFAULT_ALPHA = {ELU: 1.0, LEAKY_RELU: 0.2}

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


@intrinsic
def like(typingctx, c, v):
    """``like(c, v)``: the constant ``c`` in the float type of ``v`` (a compile-time
    cast in kernels: float32 arithmetic stays float32); jitted code only."""
    def codegen(context, builder, signature, args):
        return context.cast(builder, args[0], signature.args[0], signature.return_type)
    return v(c, v), codegen


# ----------------------------------------------------------------------------- tanh policy
_CLAMP = np.float32(7.90531110763549805)
# Rational minimax approximation of tanh on [-7.9, 7.9] (degree 13/6, the one
# Eigen and XLA use for float32); outside the clamp tanh is +-1 in float32.
_A1 = np.float32(4.89352455891786e-03)
_A3 = np.float32(6.37261928875436e-04)
_A5 = np.float32(1.48572235717979e-05)
_A7 = np.float32(5.12229709037114e-08)
_A9 = np.float32(-8.60467152213735e-11)
_A11 = np.float32(2.00018790482477e-13)
_A13 = np.float32(-2.76076847742355e-16)
_B0 = np.float32(4.89352518554385e-03)
_B2 = np.float32(2.26843463243900e-03)
_B4 = np.float32(1.18534705686654e-04)
_B6 = np.float32(1.19825839466702e-06)


@njit(**_INLINE)
def tanh32(x):
    """float32 tanh: the rational approximation (vectorisable, ~4e-7 abs)."""
    x = _CLAMP if x > _CLAMP else x
    x = -_CLAMP if x < -_CLAMP else x
    y = x * x
    p = ((((((_A13 * y + _A11) * y + _A9) * y + _A7) * y + _A5) * y + _A3) * y + _A1)
    q = (((_B6 * y + _B4) * y + _B2) * y + _B0)
    return x * p / q


@njit(**_INLINE)
def tanh64(v):
    """float64 tanh through one exp (about 5x faster than libm's tanh here), with
    a Taylor series near 0 where the exp form would cancel; within a few ulp."""
    a = abs(v)
    if a < 0.1:
        s = v * v
        p = s * (-1382.0 / 155925.0 + s * (21844.0 / 6081075.0))
        return v * (1.0 + s * (-1.0 / 3.0 + s * (2.0 / 15.0 + s * (-17.0 / 315.0 +
                                                                      s * (62.0 / 2835.0 + p)))))
    e = math.exp(-2.0 * a)
    r = (1.0 - e) / (1.0 + e)
    return r if v >= 0 else -r


@njit(**_INLINE)
def sigmoid64(v):
    """The stable two-branch sigmoid (one exp)."""
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


@intrinsic
def _pow2(typingctx, n):
    """2.0 ** n as float32 for an integral float32 n in [-126, 127], from its bits."""
    def codegen(context, builder, signature, args):
        k = builder.fptosi(args[0], context.get_value_type(types.int32))
        k = builder.add(k, context.get_constant(types.int32, 127))
        bits = builder.shl(k, context.get_constant(types.int32, 23))
        return builder.bitcast(bits, context.get_value_type(types.float32))
    return types.float32(types.float32), codegen


_F05, _F1 = np.float32(0.5), np.float32(1.0)
_EXP_LO = np.float32(-87.33)  # e^-87.33 ~ 1.19e-38, about the smallest normal float32
_LOG2E = np.float32(1.44269504088896341)
_LN2_HI, _LN2_LO = np.float32(0.693359375), np.float32(-2.12194440e-4)
_P0, _P1, _P2 = np.float32(1.9875691500e-4), np.float32(1.3981999507e-3), np.float32(8.3334519073e-3)
_P3, _P4, _P5 = np.float32(4.1665795894e-2), np.float32(1.6666665459e-1), np.float32(5.0000001201e-1)


@njit(**_INLINE)
def exp32_neg(x):
    """float32 e^x for x <= 0 (clamped at -87.33): x = n ln2 + r, |r| <= ln2 / 2,
    e^r by Cephes' expf polynomial, 2^n from its bits (vectorisable)."""
    x = _EXP_LO if x < _EXP_LO else x
    n = np.floor(x * _LOG2E + _F05)
    r = x - n * _LN2_HI - n * _LN2_LO
    p = (((((_P0 * r + _P1) * r + _P2) * r + _P3) * r + _P4) * r + _P5) * r * r + r + _F1
    return p * _pow2(n)


@njit(**_INLINE)
def sigmoid32(x):
    """float32 stable sigmoid on :func:`exp32_neg` (max relative error ~3e-7)."""
    e = exp32_neg(-abs(x))
    s = _F1 / (_F1 + e)
    return s if x >= 0 else e * s


def tanh(v):
    """tanh by the policy: :func:`tanh32` for float32, :func:`tanh64` otherwise."""
    return math.tanh(v)


@overload(tanh, jit_options=JIT)
def _tanh(v):
    if v == types.float32:
        return lambda v: tanh32(v)
    return lambda v: tanh64(v)


def sigmoid(v):
    """sigmoid by the policy: :func:`sigmoid32` for float32, :func:`sigmoid64` otherwise."""
    return 1.0 / (1.0 + math.exp(-v))


@overload(sigmoid, jit_options=JIT)
def _sigmoid(v):
    if v == types.float32:
        return lambda v: sigmoid32(v)
    return lambda v: sigmoid64(v)


# ----------------------------------------------------------------------------- values
@njit(**_INLINE)
def relu(v):
    z = like(0.0, v)
    return v if v > z else z


@njit(**_INLINE)
def elu(v, alpha):
    # exp - 1, not expm1: libm's expm1f is ~1.7x slower than expf here
    return v if v > 0 else like(alpha, v) * (math.exp(v) - like(1.0, v))


@njit(**_INLINE)
def selu(v):
    if v > 0:
        return like(SELU_SCALE, v) * v
    return like(SELU_SCALE * SELU_ALPHA, v) * (math.exp(v) - like(1.0, v))


@njit(**_INLINE)
def softplus(v):
    return max(v, like(0.0, v)) + math.log1p(math.exp(-abs(v)))


@njit(**_INLINE)
def softsign(v):
    return v / (like(1.0, v) + abs(v))


@njit(**_INLINE)
def swish(v):
    return v * sigmoid(v)


@njit(**_INLINE)
def gelu(v):
    """The exact gelu (Keras' default ``approximate=False``)."""
    return like(0.5, v) * v * (like(1.0, v) + math.erf(v * like(_INV_SQRT2, v)))


@njit(**_INLINE)
def leaky_relu(v, alpha):
    return v if v > 0 else like(alpha, v) * v


@njit(**_INLINE)
def hard_sigmoid(v):
    """Keras 3: ``x / 6 + 0.5`` clipped to [0, 1]."""
    r = v * like(1.0 / 6.0, v) + like(0.5, v)
    return min(max(r, like(0.0, v)), like(1.0, v))


@njit(**_INLINE)
def relu6(v):
    return min(max(v, like(0.0, v)), like(6.0, v))


# ----------------------------------------------------------------------------- derivatives
@njit(**_INLINE)
def d_tanh(y):
    return like(1.0, y) - y * y


@njit(**_INLINE)
def d_sigmoid(y):
    return y * (like(1.0, y) - y)


@njit(**_INLINE)
def d_relu(y):
    return like(1.0, y) if y > 0 else like(0.0, y)


@njit(**_INLINE)
def d_elu(y, alpha):
    return like(1.0, y) if y > 0 else y + like(alpha, y)


@njit(**_INLINE)
def d_selu(y):
    return like(SELU_SCALE, y) if y > 0 else y + like(SELU_SCALE * SELU_ALPHA, y)


@njit(**_INLINE)
def d_softplus(y):
    return -math.expm1(-y)


@njit(**_INLINE)
def d_softsign(y):
    t = like(1.0, y) - abs(y)
    return t * t


@njit(**_INLINE)
def d_leaky_relu(y, alpha):
    return like(1.0, y) if y > 0 else like(alpha, y)


@njit(**_INLINE)
def d_hard_sigmoid(y):
    return like(1.0 / 6.0, y) if (y > 0 and y < 1) else like(0.0, y)


@njit(**_INLINE)
def d_relu6(y):
    return like(1.0, y) if (y > 0 and y < 6) else like(0.0, y)


@njit(**_INLINE)
def d_swish(v):
    """From the input ``v``."""
    s = sigmoid(v)
    one = like(1.0, v)
    return s * (one + v * (one - s))


@njit(**_INLINE)
def d_gelu(v):
    """From the input ``v``."""
    return (like(0.5, v) * (like(1.0, v) + math.erf(v * like(_INV_SQRT2, v)))
            + v * math.exp(like(-0.5, v) * v * v) * like(_INV_SQRT_2PI, v))


# ----------------------------------------------------------------------------- by code
@njit(**EW)
def value(v, code, alpha):
    """act(v) for an activation ``code`` of :data:`BY_CODE`."""
    if code == TANH:
        return tanh(v)
    if code == SIGMOID:
        return sigmoid(v)
    if code == LINEAR:
        return v
    if code == RELU:
        return relu(v)
    if code == HARD_SIGMOID:
        return hard_sigmoid(v)
    if code == ELU:
        return elu(v, alpha)
    if code == SELU:
        return selu(v)
    if code == SOFTPLUS:
        return softplus(v)
    if code == SOFTSIGN:
        return softsign(v)
    if code == LEAKY_RELU:
        return leaky_relu(v, alpha)
    if code == EXPONENTIAL:
        return math.exp(v)
    return relu6(v)


@njit(**EW)
def deriv(y, code, alpha):
    """act'(.) from the output ``y`` for an activation ``code`` of :data:`BY_CODE`."""
    if code == TANH:
        return d_tanh(y)
    if code == SIGMOID:
        return d_sigmoid(y)
    if code == LINEAR:
        return like(1.0, y)
    if code == RELU:
        return d_relu(y)
    if code == HARD_SIGMOID:
        return d_hard_sigmoid(y)
    if code == ELU:
        return d_elu(y, alpha)
    if code == SELU:
        return d_selu(y)
    if code == SOFTPLUS:
        return d_softplus(y)
    if code == SOFTSIGN:
        return d_softsign(y)
    if code == LEAKY_RELU:
        return d_leaky_relu(y, alpha)
    if code == EXPONENTIAL:
        return y
    return d_relu6(y)
