"""Activation functions, by Keras name.

Each activation is both a NumPy-callable function (``activations.relu(x)``)
and an integer code for the fused kernels. ``get`` resolves a name, ``None``
or one of these functions to the function.
"""
import numpy as np

from .kernels import activations as _k

__all__ = ["get", "serialize", "linear", "relu", "sigmoid", "tanh", "softmax", "elu",
           "selu", "softplus", "softsign", "swish", "silu", "gelu", "leaky_relu",
           "hard_sigmoid", "exponential", "relu6"]

# Default parameter of the activations that take one (Keras 3 defaults).
_ALPHA = {_k.ELU: 1.0, _k.LEAKY_RELU: 0.2}


def _make(name, code):
    def activation(x):
        x = np.asarray(x)
        if not np.issubdtype(x.dtype, np.floating):
            x = x.astype("float32")
        shape = x.shape
        x2 = np.ascontiguousarray(x).reshape(-1, shape[-1] if x.ndim else 1)
        out = np.empty_like(x2)
        _k.bias_act_forward(x2, np.zeros(0, x2.dtype), code, float(_ALPHA.get(code, 0.0)), out)
        return out.reshape(shape)

    activation.__name__ = activation.__qualname__ = name
    activation.__doc__ = f"The {name} activation, applied to a NumPy array (last axis for softmax)."
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


def get(identifier):
    """Resolve an activation name, ``None`` or activation function."""
    if callable(identifier) and getattr(identifier, "code", None) is not None:
        return identifier
    if isinstance(identifier, dict):  # serialized form
        identifier = identifier.get("config", identifier).get("name", identifier.get("class_name"))
    if identifier is None or isinstance(identifier, str):
        name = _ALIASES.get(identifier, identifier)
        if name in ALL:
            return ALL[name]
        raise ValueError(
            f"Unknown activation {identifier!r}. Known activations: {sorted(ALL) + ['silu']}")
    raise ValueError(
        f"Could not interpret activation {identifier!r}: pass a name such as 'relu' or a "
        "function from skdeep.nn.activations (custom Python functions cannot be "
        "differentiated by the engine)")


def serialize(activation):
    """The name of an activation function (as stored in layer configs)."""
    return activation.__name__
