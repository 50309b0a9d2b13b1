"""ONNX converters of the feed-forward layers: ``convert(g, layer, inputs, in_shapes) -> outputs``.

Tensors stay channels_last as in skdeep; Conv and Pool transpose to ONNX's
channels_first around the operator.
"""
import math

import numpy as np

from ..nn import activations as _activations

# Keras 3 constants
_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772, 1.0507009873554805


def activation(g, name, x, base="act"):
    """``x`` through the Keras activation ``name``."""
    if isinstance(name, dict) and not str(name.get("module", "")).startswith("keras"):
        custom = name.get("config") if name.get("class_name") == "function" else name
        raise NotImplementedError(f"ONNX export of the custom activation {custom!r:.100} (a "
                                  "Python function) is not implemented")
    name = _activations.serialize(_activations.get(name)) if not isinstance(name, str) else name
    name = {"silu": "swish", "None": "linear"}.get(name, name)
    simple = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "softplus": "Softplus",
              "softsign": "Softsign", "exponential": "Exp"}
    if name == "linear":
        return x
    if name in simple:
        return g.op(simple[name], [x], base)
    if name == "softmax":
        return g.op("Softmax", [x], base, axis=-1)
    if name == "elu":
        return g.op("Elu", [x], base, alpha=1.0)
    if name == "selu":
        return g.op("Selu", [x], base, alpha=_SELU_ALPHA, gamma=_SELU_SCALE)
    if name == "leaky_relu":
        return g.op("LeakyRelu", [x], base, alpha=0.2)
    if name == "hard_sigmoid":  # Keras 3: relu6(x + 3) / 6
        return g.op("HardSigmoid", [x], base, alpha=1.0 / 6.0, beta=0.5)
    if name == "relu6":
        return g.op("Clip", [x, g.const(np.float32(0), "zero"), g.const(np.float32(6), "six")],
                    base)
    if name == "swish":
        return g.op("Mul", [x, g.op("Sigmoid", [x])], base)
    if name == "gelu":  # Keras' default, approximate=False: x * Phi(x)
        erf = g.op("Erf", [g.op("Mul", [x, g.const(np.float32(1 / math.sqrt(2)), "rsqrt2")])])
        one_plus = g.op("Add", [erf, g.const(np.float32(1), "one")])
        return g.op("Mul", [g.op("Mul", [x, g.const(np.float32(0.5), "half")]), one_plus], base)
    raise NotImplementedError(f"ONNX export of the activation {name!r} is not implemented")


def _dense(g, layer, inputs, shapes):
    cfg, w = layer.get_config(), layer.get_weights()
    y = g.op("MatMul", [inputs[0], g.const(w[0], f"{layer.name}_kernel")])
    if cfg["use_bias"]:
        y = g.op("Add", [y, g.const(w[1], f"{layer.name}_bias")])
    return [activation(g, cfg["activation"], y, layer.name)]


def _activation_layer(g, layer, inputs, shapes):
    return [activation(g, layer.get_config()["activation"], inputs[0], layer.name)]


def _identity(g, layer, inputs, shapes):
    # inference-time no-ops (dropout and noise layers)
    return [g.op("Identity", inputs[:1], layer.name)]


def _batch_norm(g, layer, inputs, shapes):
    cfg = layer.get_config()
    rank = len(shapes[0])
    axis = cfg["axis"] if isinstance(cfg["axis"], int) else cfg["axis"][0]
    axis = axis % rank
    weights = list(layer.get_weights())
    gamma = weights.pop(0) if cfg["scale"] else None
    beta = weights.pop(0) if cfg["center"] else None
    mean, var = weights
    scale = 1.0 / np.sqrt(var.astype(np.float64) + cfg["epsilon"])
    if gamma is not None:
        scale = scale * gamma
    shift = -mean * scale + (beta if beta is not None else 0.0)
    bshape = [1] * (rank - 1)
    bshape[axis - 1] = -1  # constants broadcast against (batch, ...) without the batch axis
    y = g.op("Mul", [inputs[0], g.const(scale.reshape(bshape), f"{layer.name}_scale")])
    return [g.op("Add", [y, g.const(shift.reshape(bshape), f"{layer.name}_shift")],
                 layer.name)]


def _to_channels_first(g, x, rank):
    return g.op("Transpose", [x], perm=[0, rank - 1] + list(range(1, rank - 1)))


def _to_channels_last(g, x, rank, base):
    return g.op("Transpose", [x], base, perm=[0] + list(range(2, rank)) + [1])


def _check_channels_last(layer):
    fmt = layer.get_config().get("data_format") or "channels_last"
    if fmt != "channels_last":
        raise NotImplementedError(f"{layer.name}: ONNX export supports channels_last only")


def _padding_attrs(pad, name, kernel, dilation):
    if pad == "same":
        return {"auto_pad": "SAME_UPPER"}
    if pad == "valid":
        return {"auto_pad": "VALID"}
    if pad == "causal":
        left = (kernel[0] - 1) * dilation[0]
        return {"pads": [left, 0]}
    raise NotImplementedError(f"{name}: padding {pad!r} is not exported")


def _conv(g, layer, inputs, shapes):
    _check_channels_last(layer)
    cfg, w, rank = layer.get_config(), layer.get_weights(), len(shapes[0])
    kernel = np.asarray(w[0])
    nd = kernel.ndim - 2
    # Keras (k..., in/groups, out) -> ONNX (out, in/groups, k...)
    k_onnx = np.transpose(kernel, [nd + 1, nd] + list(range(nd)))
    ks = [int(k) for k in kernel.shape[:nd]]
    dil = [int(d) for d in np.broadcast_to(cfg["dilation_rate"], (nd,))]
    strides = [int(s) for s in np.broadcast_to(cfg["strides"], (nd,))]
    ins = [_to_channels_first(g, inputs[0], rank), g.const(k_onnx, f"{layer.name}_kernel")]
    if cfg["use_bias"]:
        ins.append(g.const(w[1], f"{layer.name}_bias"))
    y = g.op("Conv", ins, kernel_shape=ks, strides=strides, dilations=dil,
             group=int(cfg.get("groups", 1) or 1),
             **_padding_attrs(cfg["padding"], layer.name, ks, dil))
    y = _to_channels_last(g, y, rank, f"{layer.name}_pre")
    return [activation(g, cfg["activation"], y, layer.name)]


def _pool(op_type):
    def convert(g, layer, inputs, shapes):
        _check_channels_last(layer)
        cfg, rank = layer.get_config(), len(shapes[0])
        nd = rank - 2
        ks = [int(k) for k in np.broadcast_to(cfg["pool_size"], (nd,))]
        strides = [int(s) for s in np.broadcast_to(cfg["strides"] or cfg["pool_size"], (nd,))]
        attrs = _padding_attrs(cfg["padding"], layer.name, ks, [1] * nd)
        if op_type == "AveragePool":
            attrs["count_include_pad"] = 0  # Keras averages over the valid cells only
        y = g.op(op_type, [_to_channels_first(g, inputs[0], rank)], kernel_shape=ks,
                 strides=strides, **attrs)
        return [_to_channels_last(g, y, rank, layer.name)]
    return convert


def _global_pool(op_type):
    def convert(g, layer, inputs, shapes):
        _check_channels_last(layer)
        axes = list(range(1, len(shapes[0]) - 1))
        keep = bool(layer.get_config().get("keepdims", False))
        return [g.reduce(op_type, inputs[0], axes, keep, layer.name)]
    return convert


def _flatten(g, layer, inputs, shapes):
    _check_channels_last(layer)
    return [g.op("Flatten", inputs, layer.name, axis=1)]


def _reshape(g, layer, inputs, shapes):
    shape = np.array([0] + list(layer.get_config()["target_shape"]), np.int64)
    return [g.op("Reshape", [inputs[0], g.const(shape, "shape")], layer.name)]


def _embedding(g, layer, inputs, shapes):
    if layer.get_config().get("mask_zero"):
        _refuse_mask(g, layer, inputs, shapes)
    ids = g.op("Cast", inputs, to=7)  # int64
    table = g.const(layer.get_weights()[0], f"{layer.name}_embeddings")
    return [g.op("Gather", [table, ids], layer.name, axis=0)]


def _merge(op_type, scale=False):
    def convert(g, layer, inputs, shapes):
        y = inputs[0]
        for other in inputs[1:]:
            y = g.op(op_type, [y, other])
        if scale:
            y = g.op("Mul", [y, g.const(np.float32(1.0 / len(inputs)), "inv_n")])
        return [g.op("Identity", [y], layer.name)]
    return convert


def _concatenate(g, layer, inputs, shapes):
    return [g.op("Concat", inputs, layer.name, axis=int(layer.get_config()["axis"]))]


def _refuse_mask(g, layer, inputs, shapes):
    raise NotImplementedError(f"{layer.name}: masks (Masking, Embedding(mask_zero=True)) are "
                              "not exported to ONNX")


CONVERTERS = {
    "Dense": _dense, "Activation": _activation_layer, "BatchNormalization": _batch_norm,
    "Dropout": _identity, "GaussianNoise": _identity, "GaussianDropout": _identity,
    "AlphaDropout": _identity, "SpatialDropout1D": _identity, "SpatialDropout2D": _identity,
    "Conv1D": _conv, "Conv2D": _conv,
    "MaxPooling1D": _pool("MaxPool"), "MaxPooling2D": _pool("MaxPool"),
    "AveragePooling1D": _pool("AveragePool"), "AveragePooling2D": _pool("AveragePool"),
    "GlobalMaxPooling1D": _global_pool("ReduceMax"),
    "GlobalMaxPooling2D": _global_pool("ReduceMax"),
    "GlobalAveragePooling1D": _global_pool("ReduceMean"),
    "GlobalAveragePooling2D": _global_pool("ReduceMean"),
    "Flatten": _flatten, "Reshape": _reshape, "Embedding": _embedding, "Masking": _refuse_mask,
    "Add": _merge("Add"), "Subtract": _merge("Sub"), "Multiply": _merge("Mul"),
    "Maximum": _merge("Max"), "Minimum": _merge("Min"), "Average": _merge("Add", scale=True),
    "Concatenate": _concatenate,
}
