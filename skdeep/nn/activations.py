"""Activation functions, by Keras name.

Each activation is both a NumPy-callable function (``activations.relu(x)``)
and an integer code for the fused kernels. ``get`` resolves a name, ``None``
or one of these functions to the function. Layers always use the Keras
defaults (e.g. ``leaky_relu`` slope 0.2, exact ``gelu``); the keyword
arguments of the Keras functions (``relu(x, negative_slope, max_value,
threshold)``, ``leaky_relu(x, negative_slope)``, ``elu(x, alpha)``,
``softmax(x, axis)``, ``gelu(x, approximate)``) work for direct calls.
"""
import inspect
import math

import numpy as np

from .kernels import activations as _k
from .ops._core import is_tensor

__all__ = ["get", "serialize", "custom_forward", "linear", "relu", "sigmoid", "tanh", "softmax", "elu",
           "selu", "softplus", "softsign", "swish", "silu", "gelu", "leaky_relu",
           "hard_sigmoid", "exponential", "relu6"]

# Default parameter of the activations that take one (Keras 3 defaults).
_ALPHA = {_k.ELU: 1.0, _k.LEAKY_RELU: 0.2}
# Keyword arguments of the Keras functions and their defaults.
_KWARGS = {_k.RELU: {"negative_slope": 0.0, "max_value": None, "threshold": 0.0},
           _k.LEAKY_RELU: {"negative_slope": 0.2}, _k.ELU: {"alpha": 1.0},
           _k.SOFTMAX: {"axis": -1}, _k.GELU: {"approximate": False}}


def _as_float(x):
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype("float32")


def _kernel_call(x, code, alpha):
    shape = x.shape
    x2 = np.ascontiguousarray(x).reshape(-1, shape[-1] if x.ndim else 1)
    out = np.empty_like(x2)
    _k.bias_act_forward(x2, np.zeros(0, x2.dtype), code, float(alpha), out)
    return out.reshape(shape)


def _relu_general(x, negative_slope, max_value, threshold):
    # Keras' ReLU.static_call: x above threshold (clipped at max_value),
    # negative_slope * (x - threshold) below it.
    y = np.where(x > threshold, x, 0.0) if threshold else np.maximum(x, 0.0)
    if max_value is not None:
        y = np.clip(y, 0.0, max_value)
    if negative_slope:
        y = y - negative_slope * np.maximum(threshold - x, 0.0)
    return y.astype(x.dtype, copy=False)


def _gelu_tanh(x):
    c = math.sqrt(2.0 / math.pi)
    return (0.5 * x * (1.0 + np.tanh(c * (x + 0.044715 * x ** 3)))).astype(x.dtype, copy=False)


def _call_with_kwargs(code, x, kwargs):
    spec = _KWARGS.get(code, {})
    unknown = sorted(set(kwargs) - set(spec))
    if unknown:
        raise TypeError(f"Unexpected keyword argument(s) {unknown}; this activation accepts "
                        f"{sorted(spec) or 'none'}")
    opts = dict(spec, **kwargs)
    if code in (_k.LEAKY_RELU, _k.ELU):
        return _kernel_call(x, code, opts["negative_slope" if code == _k.LEAKY_RELU else "alpha"])
    if code == _k.RELU:
        return _relu_general(x, opts["negative_slope"], opts["max_value"], opts["threshold"])
    if code == _k.SOFTMAX:
        axis = opts["axis"]
        if x.ndim == 0:
            raise ValueError("softmax needs an array with at least one dimension")
        moved = np.moveaxis(x, axis, -1)
        return np.moveaxis(_kernel_call(moved, code, 0.0), -1, axis)
    if code == _k.GELU and opts["approximate"]:
        return _gelu_tanh(x)
    return _kernel_call(x, code, _ALPHA.get(code, 0.0))


def _on_tensor(name, x, kwargs):
    """The activation through :mod:`skdeep.nn.ops`, so that a custom ``call()``
    using it stays differentiable."""
    from . import ops

    if name == "linear":
        return x
    if name == "exponential":
        return ops.exp(x)
    if name == "relu" and kwargs:
        slope = kwargs.get("negative_slope", 0.0)
        threshold = kwargs.get("threshold", 0.0)
        y = ops.where(ops.greater(x, threshold), x, 0.0)
        if kwargs.get("max_value") is not None:
            y = ops.clip(y, 0.0, kwargs["max_value"])
        return y - slope * ops.relu(threshold - x) if slope else y
    if name == "gelu":
        return ops.gelu(x, approximate=kwargs.get("approximate", False))
    return getattr(ops, name)(x, **kwargs)


def _make(name, code):
    def activation(x, **kwargs):
        if is_tensor(x):
            return _on_tensor(name, x, kwargs)
        x = _as_float(x)
        if kwargs:
            return _call_with_kwargs(code, x, kwargs)
        return _kernel_call(x, code, _ALPHA.get(code, 0.0))

    activation.__name__ = activation.__qualname__ = name
    params = ", ".join(f"{k}={v!r}" for k, v in _KWARGS.get(code, {}).items())
    activation.__doc__ = (f"The Keras {name} activation applied to a NumPy array"
                          + (f" (keyword arguments {params})." if params else "."))
    activation.code = code
    activation.alpha = float(_ALPHA.get(code, 0.0))
    return activation


linear = _make("linear", _k.LINEAR)
relu = _make("relu", _k.RELU)
sigmoid = _make("sigmoid", _k.SIGMOID)
tanh = _make("tanh", _k.TANH)
softmax = _make("softmax", _k.SOFTMAX)
elu = _make("elu", _k.ELU)
selu = _make("selu", _k.SELU)
softplus = _make("softplus", _k.SOFTPLUS)
softsign = _make("softsign", _k.SOFTSIGN)
swish = _make("swish", _k.SWISH)
silu = swish
gelu = _make("gelu", _k.GELU)
leaky_relu = _make("leaky_relu", _k.LEAKY_RELU)
hard_sigmoid = _make("hard_sigmoid", _k.HARD_SIGMOID)
exponential = _make("exponential", _k.EXPONENTIAL)
relu6 = _make("relu6", _k.RELU6)

ALL = {f.__name__: f for f in (linear, relu, sigmoid, tanh, softmax, elu, selu, softplus,
                               softsign, swish, gelu, leaky_relu, hard_sigmoid,
                               exponential, relu6)}
_ALIASES = {"silu": "swish", None: "linear", "None": "linear"}
# Activations whose backward needs the pre-activation, not just the output.
NEEDS_PREACTIVATION = frozenset({_k.SWISH, _k.GELU})


#: the kernel code of a custom activation (a Python function run under the ops tape)
CUSTOM = -1


def kernel_code(activation):
    """The fused-kernel code of ``activation``, or :data:`CUSTOM` for a custom
    function (which layers run through :func:`custom_forward`)."""
    code = getattr(activation, "code", None)
    return CUSTOM if code is None else code


def is_builtin(activation):
    """Whether ``activation`` is one of this module's functions."""
    return activation is not None and ALL.get(getattr(activation, "__name__", None)) is activation


def get(identifier):
    """Resolve an activation name, ``None``, a serialized config or a function.

    Any other callable (a custom activation such as ``lambda x: ops.tanh(x) ** 2``)
    is returned unchanged, as in Keras; layers run it on a tape tensor, so it
    must be written with :mod:`skdeep.nn.ops` (or NumPy ufuncs) to be
    differentiable. A serialized custom function (``{"class_name":
    "function", "config": name}``) is found among the registered, scoped or
    passed custom objects, like any Keras custom object.

    Examples
    --------
    >>> from skdeep.nn import activations, ops
    >>> activations.get("silu") is activations.swish
    True
    >>> def squared_tanh(x):
    ...     return ops.tanh(x) ** 2
    >>> activations.get(squared_tanh) is squared_tanh
    True
    """
    if callable(identifier) and not isinstance(identifier, (type, dict)):
        return identifier
    if isinstance(identifier, dict):  # serialized form
        identifier = _from_config(identifier)
        if callable(identifier):
            return identifier
    if identifier is None or isinstance(identifier, str):
        name = _ALIASES.get(identifier, identifier)
        if name in ALL:
            return ALL[name]
        raise ValueError(
            f"Unknown activation {identifier!r}. Known activations: {sorted(ALL) + ['silu']}"
            " (a custom function must be registered with register_keras_serializable "
            "or passed in custom_objects)")
    raise ValueError(
        f"Could not interpret activation {identifier!r:.200}: pass a name such as 'relu', "
        "a function (built-in or custom) or its serialized config")


def _from_config(config):
    """A builtin's name, or the custom function (or object) a serialized config names."""
    from . import object_registry

    kind, inner = config.get("class_name"), config.get("config", config)
    if kind == "__lambda__":  # Python bytecode: refused unless safe_mode=False
        return object_registry.load_lambda(inner, object_registry.in_safe_mode(),
                                           what="an activation lambda")
    if kind != "function":  # {"class_name": "relu"}, {"config": {"name": "relu"}} or an object
        name = inner.get("name", kind) if isinstance(inner, dict) else kind
        if _ALIASES.get(name, name) in ALL or not isinstance(inner, dict):
            return name
        return object_registry.deserialize_keras_object(config)
    if not isinstance(inner, str):
        raise ValueError(f"Could not interpret activation config {config!r:.200}")
    if str(config.get("module", "")).startswith(("keras", "skdeep")):
        return inner
    found = object_registry.lookup(inner)
    if found is None and ">" not in inner:  # a name saved without its package (Keras <= 3.6)
        found = next((obj for key, obj in object_registry.custom_objects_in_view().items()
                      if key.endswith(">" + inner)), None)
    if found is None:
        found = ALL.get(_ALIASES.get(inner, inner))
    if found is None:
        raise ValueError(
            f"Unknown activation function {inner!r}: decorate it with "
            "@register_keras_serializable() or pass custom_objects={" + repr(inner) +
            ": function} when loading")
    return found


def custom_forward(activation, z):
    """``(y, backward)`` of a custom activation function applied to the array ``z``.

    The function runs on a tape tensor; ``backward(dy)`` replays the tape and
    returns the gradient with respect to ``z``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn import activations, ops
    >>> y, backward = activations.custom_forward(lambda x: x * ops.sigmoid(x),
    ...                                          np.array([0.0, 2.0]))
    >>> backward(np.ones(2)).round(3)
    array([0.5  , 1.091])
    """
    from .ops._core import Tape, Tensor

    tape = Tape()
    x = tape.watch(z)
    with tape:
        out = activation(x)
    name = getattr(activation, "__name__", repr(activation))
    if type(out) is not Tensor:
        raise ValueError(
            f"The custom activation {name!r} returned {type(out).__name__}, not a tensor: "
            "write it with skdeep.nn.ops (or NumPy ufuncs such as np.tanh), so that its "
            "gradient can be computed")
    y = np.asarray(out.value)
    if y.shape != z.shape:
        raise ValueError(f"The custom activation {name!r} changed the shape {z.shape} to "
                         f"{y.shape}; an activation must be elementwise or keep the shape")
    if y.dtype != z.dtype:
        y = y.astype(z.dtype)

    def backward(dy):
        (dz,) = tape.backward([(out, dy)], [x])
        return np.zeros_like(z) if dz is None else np.asarray(dz, dtype=z.dtype)

    return y, backward


def serialize(activation):
    """What a layer config stores: a built-in's name, or for a custom function
    Keras 3's ``{"module": "builtins", "class_name": "function", "config":
    registered name, "registered_name": "function"}``.

    Examples
    --------
    >>> from skdeep.nn import activations
    >>> activations.serialize(activations.relu)
    'relu'
    """
    if is_builtin(activation):
        return activation.__name__
    from . import object_registry

    if inspect.isfunction(activation) and activation.__name__ != "<lambda>":
        return {"module": "builtins", "class_name": "function",
                "config": object_registry.get_registered_name(activation),
                "registered_name": "function"}
    return object_registry.serialize_keras_object(activation)
