"""Elementwise ops: arithmetic, unary math, comparisons, ``clip`` and ``where``.

Binary ops broadcast as NumPy (and Keras) do; their gradients are summed
back to each input's shape by the tape.
"""
import math

import numpy as np

from ._core import OPERATOR, Op, apply

__all__ = [
    "abs",
    "absolute",
    "add",
    "arctan",
    "ceil",
    "clip",
    "cos",
    "cosh",
    "divide",
    "equal",
    "erf",
    "exp",
    "expm1",
    "floor",
    "floor_divide",
    "greater",
    "greater_equal",
    "isfinite",
    "isinf",
    "isnan",
    "less",
    "less_equal",
    "log",
    "log1p",
    "log2",
    "log10",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "maximum",
    "minimum",
    "mod",
    "multiply",
    "nan_to_num",
    "negative",
    "not_equal",
    "power",
    "reciprocal",
    "round",
    "sign",
    "sin",
    "sinh",
    "sqrt",
    "square",
    "subtract",
    "tan",
    "true_divide",
    "where",
]


def _mask(condition, like):
    return condition.astype(like.dtype, copy=False) if hasattr(like, "dtype") else condition


# ----------------------------------------------------------------------------- binary
_ADD = Op("add", np.add, lambda g, out, a, b: (g, g), broadcast=True)
_SUB = Op("subtract", np.subtract, lambda g, out, a, b: (g, -g), broadcast=True)
_MUL = Op("multiply", np.multiply, lambda g, out, a, b: (g * b, g * a), broadcast=True)
_DIV = Op("divide", np.true_divide, lambda g, out, a, b: (g / b, -g * out / b),
          broadcast=True)


def _power_vjp(g, out, a, b):
    a_arr = np.asarray(a)
    scalar_exponent = isinstance(b, (int, float))
    # a Python exponent stays a weak scalar, so float32 inputs keep float32 gradients
    da = g * b * np.power(a_arr, b - 1 if scalar_exponent else np.subtract(b, 1))
    if scalar_exponent:
        return da, None
    # d/db a**b = a**b log a, taken as 0 where a <= 0 (log undefined) as JAX does for a == 0
    safe = np.where(a_arr > 0, a_arr, 1)
    db = g * out * np.log(safe).astype(np.result_type(out), copy=False)
    return da, db


def _minmax_vjp(pick):
    def vjp(g, out, a, b):
        a_arr, b_arr = np.asarray(a), np.asarray(b)
        first = _mask(pick(a_arr, b_arr), g)
        tie = _mask(a_arr == b_arr, g) * g.dtype.type(0.5)
        return g * (first + tie), g * (1 - first - tie)
    return vjp


_POW = Op("power", np.power, _power_vjp, broadcast=True)
_MAX = Op("maximum", np.maximum, _minmax_vjp(np.greater), broadcast=True)
_MIN = Op("minimum", np.minimum, _minmax_vjp(np.less), broadcast=True)
_FLOORDIV = Op("floor_divide", np.floor_divide)
_MOD = Op("mod", np.mod,
          lambda g, out, a, b: (g, -g * np.floor_divide(a, b).astype(g.dtype, copy=False)),
          broadcast=True)


def add(x1, x2):
    """Elementwise ``x1 + x2`` (broadcasting), as ``keras.ops.add``."""
    return apply(_ADD, (x1, x2))


def subtract(x1, x2):
    """Elementwise ``x1 - x2``."""
    return apply(_SUB, (x1, x2))


def multiply(x1, x2):
    """Elementwise ``x1 * x2``."""
    return apply(_MUL, (x1, x2))


def divide(x1, x2):
    """Elementwise true division ``x1 / x2``."""
    return apply(_DIV, (x1, x2))


true_divide = divide


def power(x1, x2):
    """Elementwise ``x1 ** x2``."""
    return apply(_POW, (x1, x2))


def maximum(x1, x2):
    """Elementwise maximum; at ties the gradient is shared equally (as JAX)."""
    return apply(_MAX, (x1, x2))


def minimum(x1, x2):
    """Elementwise minimum; at ties the gradient is shared equally."""
    return apply(_MIN, (x1, x2))


def floor_divide(x1, x2):
    """Elementwise ``x1 // x2`` (not differentiable)."""
    return apply(_FLOORDIV, (x1, x2))


def mod(x1, x2):
    """Elementwise remainder ``x1 % x2`` (sign of ``x2``, as NumPy)."""
    return apply(_MOD, (x1, x2))


# ----------------------------------------------------------------------------- unary
def _unary(name, forward, vjp, doc):
    op = Op(name, forward, vjp)

    def fn(x):
        return apply(op, (x,))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


def _erf(x):
    from scipy.special import erf as _scipy_erf

    return _scipy_erf(x)


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

negative = _unary("negative", np.negative, lambda g, out, x: (-g,), "Elementwise ``-x``.")
square = _unary("square", np.square, lambda g, out, x: (2 * g * x,), "Elementwise ``x ** 2``.")
sqrt = _unary("sqrt", np.sqrt, lambda g, out, x: (g / (2 * out),), "Elementwise square root.")
abs = _unary("abs", np.abs, lambda g, out, x: (g * np.sign(x),),
             "Elementwise absolute value (gradient ``sign(x)``, 0 at 0).")
absolute = abs
sign = _unary("sign", np.sign, None, "Elementwise sign (-1, 0 or 1; not differentiable).")
exp = _unary("exp", np.exp, lambda g, out, x: (g * out,), "Elementwise ``e ** x``.")
log = _unary("log", np.log, lambda g, out, x: (g / x,), "Elementwise natural logarithm.")
log1p = _unary("log1p", np.log1p, lambda g, out, x: (g / (1 + x),),
               "Elementwise ``log(1 + x)``, accurate for small ``x``.")
expm1 = _unary("expm1", np.expm1, lambda g, out, x: (g * (out + 1),),
               "Elementwise ``exp(x) - 1``, accurate for small ``x``.")
log2 = _unary("log2", np.log2, lambda g, out, x: (g / (x * math.log(2)),),
              "Elementwise base-2 logarithm.")
log10 = _unary("log10", np.log10, lambda g, out, x: (g / (x * math.log(10)),),
               "Elementwise base-10 logarithm.")
sin = _unary("sin", np.sin, lambda g, out, x: (g * np.cos(x),), "Elementwise sine.")
cos = _unary("cos", np.cos, lambda g, out, x: (-g * np.sin(x),), "Elementwise cosine.")
tan = _unary("tan", np.tan, lambda g, out, x: (g * (1 + out * out),), "Elementwise tangent.")
arctan = _unary("arctan", np.arctan, lambda g, out, x: (g / (1 + x * x),),
                "Elementwise inverse tangent.")
sinh = _unary("sinh", np.sinh, lambda g, out, x: (g * np.cosh(x),), "Elementwise sinh.")
cosh = _unary("cosh", np.cosh, lambda g, out, x: (g * np.sinh(x),), "Elementwise cosh.")
erf = _unary("erf", _erf, lambda g, out, x: (g * _TWO_OVER_SQRT_PI * np.exp(-x * x),),
             "Elementwise error function.")
reciprocal = _unary("reciprocal", np.reciprocal, lambda g, out, x: (-g * out * out,),
                    "Elementwise ``1 / x``.")
floor = _unary("floor", np.floor, None, "Elementwise floor (not differentiable).")
ceil = _unary("ceil", np.ceil, None, "Elementwise ceiling (not differentiable).")
logical_not = _unary("logical_not", np.logical_not, None, "Elementwise logical not.")
isnan = _unary("isnan", np.isnan, None, "Elementwise test for NaN.")
isfinite = _unary("isfinite", np.isfinite, None, "Elementwise test for finite values.")
isinf = _unary("isinf", np.isinf, None, "Elementwise test for infinities.")

_ROUND = Op("round", np.round)


def round(x, decimals=0):
    """Round half to even to ``decimals`` digits, as ``keras.ops.round``."""
    return apply(_ROUND, (x,), decimals=decimals)


_NAN_TO_NUM = Op("nan_to_num", np.nan_to_num,
                 lambda g, out, x, **kw: (g * _mask(np.isfinite(x), g),))


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """Replace NaN and infinities by finite numbers."""
    return apply(_NAN_TO_NUM, (x,), nan=nan, posinf=posinf, neginf=neginf)


# ----------------------------------------------------------------------------- clip / where
def _clip_vjp(g, out, x, lo, hi):
    x = np.asarray(x)
    return g * _mask((x >= lo) & (x <= hi), g), None, None


_CLIP = Op("clip", lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi), _clip_vjp,
           broadcast=True)


def clip(x, x_min, x_max):
    """Clip values to ``[x_min, x_max]``; the gradient passes inside the range."""
    return apply(_CLIP, (x, x_min, x_max))


def _where_vjp(g, out, condition, a, b):
    cond = np.asarray(condition, dtype=bool)
    zero = np.zeros((), g.dtype)
    return None, np.where(cond, g, zero), np.where(cond, zero, g)


_WHERE = Op("where", lambda c, a, b: np.where(np.asarray(c, dtype=bool), a, b), _where_vjp,
            broadcast=True)
_NONZERO = Op("nonzero", lambda c: tuple(np.nonzero(c)), multi=True)


def where(condition, x1=None, x2=None):
    """``x1`` where ``condition`` holds, else ``x2``; with one argument the
    indices of the non-zero elements (a tuple of index arrays, as NumPy)."""
    if x1 is None and x2 is None:
        return tuple(apply(_NONZERO, (condition,)))
    if x1 is None or x2 is None:
        raise ValueError("where needs both x1 and x2, or neither")
    return apply(_WHERE, (condition, x1, x2))


# ----------------------------------------------------------------------------- comparisons
def _compare(name, forward):
    op = Op(name, forward)

    def fn(x1, x2):
        return apply(op, (x1, x2))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` (boolean result, not differentiable)."
    return fn


equal = _compare("equal", np.equal)
not_equal = _compare("not_equal", np.not_equal)
greater = _compare("greater", np.greater)
greater_equal = _compare("greater_equal", np.greater_equal)
less = _compare("less", np.less)
less_equal = _compare("less_equal", np.less_equal)
logical_and = _compare("logical_and", np.logical_and)
logical_or = _compare("logical_or", np.logical_or)
logical_xor = _compare("logical_xor", np.logical_xor)

OPERATOR.update(add=add, subtract=subtract, multiply=multiply, divide=divide,
                floor_divide=floor_divide, mod=mod, power=power, negative=negative, abs=abs,
                less=less, less_equal=less_equal, greater=greater, greater_equal=greater_equal,
                equal=equal, not_equal=not_equal, logical_and=logical_and,
                logical_or=logical_or, logical_not=logical_not)
