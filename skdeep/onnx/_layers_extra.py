"""ONNX converters of the activation layers, padding/cropping, depthwise and separable
convolutions, LayerNormalization and Rescaling."""
import numpy as np

from ._layers import (_check_channels_last, _padding_attrs, _to_channels_first,
                      _to_channels_last)
from ._layers import activation as _activation


def _relu(g, layer, inputs, shapes):
    cfg = layer.get_config()
    x, slope = inputs[0], float(cfg.get("negative_slope") or 0.0)
    threshold, max_value = float(cfg.get("threshold") or 0.0), cfg.get("max_value")
    if threshold == 0.0:
        y = g.op("LeakyRelu", [x], alpha=slope) if slope else g.op("Relu", [x])
    else:  # x where x >= threshold, else negative_slope * (x - threshold)
        t = g.const(np.float32(threshold), "threshold")
        below = g.op("Mul", [g.op("Sub", [x, t]), g.const(np.float32(slope), "slope")])
        y = g.op("Where", [g.op("Less", [x, t]), below, x])
    if max_value is not None:
        y = g.op("Min", [y, g.const(np.float32(max_value), "max_value")])
    return [g.op("Identity", [y], layer.name)]


def _leaky_relu(g, layer, inputs, shapes):
    slope = float(layer.get_config()["negative_slope"])
    return [g.op("LeakyRelu", inputs, layer.name, alpha=slope)]


def _elu(g, layer, inputs, shapes):
    return [g.op("Elu", inputs, layer.name, alpha=float(layer.get_config()["alpha"]))]


def _softmax(g, layer, inputs, shapes):
    axis = layer.get_config().get("axis", -1)
    if not isinstance(axis, int):
        raise NotImplementedError(f"{layer.name}: Softmax over several axes is not exported")
    return [g.op("Softmax", inputs, layer.name, axis=axis)]


def _prelu(g, layer, inputs, shapes):
    alpha = g.const(layer.get_weights()[0], f"{layer.name}_alpha")
    return [g.op("PRelu", [inputs[0], alpha], layer.name)]


def _pairs(value, nd):
    arr = np.asarray(value, dtype=np.int64)
    return np.broadcast_to(arr.reshape(-1, 2) if arr.size == 2 * nd else arr.reshape(-1, 1),
                           (nd, 2)).astype(np.int64)


def _zero_padding(g, layer, inputs, shapes):
    _check_channels_last(layer)
    nd = len(shapes[0]) - 2
    pad = _pairs(layer.get_config()["padding"], nd)
    pads = np.concatenate([[0], pad[:, 0], [0], [0], pad[:, 1], [0]]).astype(np.int64)
    return [g.op("Pad", [inputs[0], g.const(pads, "pads")], layer.name, mode="constant")]


def _cropping(g, layer, inputs, shapes):
    _check_channels_last(layer)
    nd = len(shapes[0]) - 2
    crop = _pairs(layer.get_config()["cropping"], nd)
    big = np.iinfo(np.int64).max
    starts = crop[:, 0].astype(np.int64)
    ends = np.array([-c if c else big for c in crop[:, 1]], np.int64)
    axes = np.arange(1, nd + 1, dtype=np.int64)
    return [g.op("Slice", [inputs[0], g.const(starts, "starts"), g.const(ends, "ends"),
                           g.const(axes, "axes")], layer.name)]


def _depthwise(g, x_cf, kernel, cfg, base):
    """Grouped Conv of channels_first ``x_cf`` with a Keras (k..., in, multiplier) kernel."""
    nd = kernel.ndim - 2
    in_ch, mult = kernel.shape[-2:]
    w = np.transpose(kernel, [nd, nd + 1] + list(range(nd))).reshape(
        (in_ch * mult, 1) + kernel.shape[:nd])
    ks = [int(k) for k in kernel.shape[:nd]]
    dil = [int(d) for d in np.broadcast_to(cfg["dilation_rate"], (nd,))]
    strides = [int(s) for s in np.broadcast_to(cfg["strides"], (nd,))]

    return g.op("Conv", [x_cf, g.const(w, f"{base}_depthwise")], kernel_shape=ks,
                strides=strides, dilations=dil, group=int(in_ch),
                **_padding_attrs(cfg["padding"], base, ks, dil))


def _depthwise_conv(g, layer, inputs, shapes):
    _check_channels_last(layer)
    cfg, w, rank = layer.get_config(), layer.get_weights(), len(shapes[0])
    y = _depthwise(g, _to_channels_first(g, inputs[0], rank), np.asarray(w[0]), cfg, layer.name)
    y = _to_channels_last(g, y, rank, f"{layer.name}_pre")
    if cfg["use_bias"]:
        y = g.op("Add", [y, g.const(w[1], f"{layer.name}_bias")])
    return [_activation(g, cfg["activation"], y, layer.name)]


def _separable_conv(g, layer, inputs, shapes):
    _check_channels_last(layer)
    cfg, w, rank = layer.get_config(), layer.get_weights(), len(shapes[0])
    y = _depthwise(g, _to_channels_first(g, inputs[0], rank), np.asarray(w[0]), cfg, layer.name)
    point = np.asarray(w[1])  # (1..., in * multiplier, filters)
    nd = point.ndim - 2
    pw = np.transpose(point, [nd + 1, nd] + list(range(nd)))
    ins = [y, g.const(pw, f"{layer.name}_pointwise")]
    if cfg["use_bias"]:
        ins.append(g.const(w[2], f"{layer.name}_bias"))
    y = g.op("Conv", ins, kernel_shape=[1] * nd)
    y = _to_channels_last(g, y, rank, f"{layer.name}_pre")
    return [_activation(g, cfg["activation"], y, layer.name)]


def _layer_norm(g, layer, inputs, shapes):
    cfg, rank = layer.get_config(), len(shapes[0])
    if cfg.get("rms_scaling"):
        raise NotImplementedError(f"{layer.name}: LayerNormalization(rms_scaling=True) is not "
                                  "exported")
    axes = cfg["axis"] if isinstance(cfg["axis"], (list, tuple)) else [cfg["axis"]]
    axes = sorted(int(a) % rank for a in axes)
    x = inputs[0]
    mean = g.reduce("ReduceMean", x, axes, keepdims=True)
    d = g.op("Sub", [x, mean])
    var = g.reduce("ReduceMean", g.op("Mul", [d, d]), axes, keepdims=True)
    y = g.op("Div", [d, g.op("Sqrt", [g.op("Add", [var, g.const(np.float32(cfg["epsilon"]),
                                                                "epsilon")])])])
    weights = list(layer.get_weights())
    bshape = [shapes[0][a] if a in axes else 1 for a in range(1, rank)]
    if cfg["scale"]:
        y = g.op("Mul", [y, g.const(weights.pop(0).reshape(bshape), f"{layer.name}_gamma")])
    if cfg["center"]:
        y = g.op("Add", [y, g.const(weights.pop(0).reshape(bshape), f"{layer.name}_beta")])
    return [g.op("Identity", [y], layer.name)]


def _rescaling(g, layer, inputs, shapes):
    cfg = layer.get_config()
    y = g.op("Mul", [inputs[0], g.const(np.asarray(cfg["scale"], np.float32), "scale")])
    y = g.op("Add", [y, g.const(np.asarray(cfg["offset"], np.float32), "offset")])
    return [g.op("Identity", [y], layer.name)]


CONVERTERS = {
    "ReLU": _relu, "LeakyReLU": _leaky_relu, "ELU": _elu, "Softmax": _softmax, "PReLU": _prelu,
    "ZeroPadding1D": _zero_padding, "ZeroPadding2D": _zero_padding,
    "Cropping1D": _cropping, "Cropping2D": _cropping,
    "DepthwiseConv1D": _depthwise_conv, "DepthwiseConv2D": _depthwise_conv,
    "SeparableConv1D": _separable_conv, "SeparableConv2D": _separable_conv,
    "LayerNormalization": _layer_norm, "Rescaling": _rescaling,
}
