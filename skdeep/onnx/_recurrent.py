"""ONNX converters of SimpleRNN, LSTM, GRU and Bidirectional (ONNX's RNN/LSTM/GRU ops)."""
import numpy as np

_ONNX_ACTIVATION = {"tanh": "Tanh", "sigmoid": "Sigmoid", "relu": "Relu",
                    "softsign": "Softsign", "softplus": "Softplus"}
_OP = {"SimpleRNN": "RNN", "LSTM": "LSTM", "GRU": "GRU"}


def _act(layer, key):
    name = layer.get_config()[key]
    if name not in _ONNX_ACTIVATION:
        raise NotImplementedError(f"{layer.name}: ONNX export of a recurrent layer with "
                                  f"{key}={name!r} is not implemented (supported: "
                                  f"{sorted(_ONNX_ACTIVATION)})")
    return _ONNX_ACTIVATION[name]


def _check(layer):
    cfg = layer.get_config()
    kind = type(layer).__name__
    if kind not in _OP:
        raise NotImplementedError(f"ONNX export of the recurrent layer {kind} is not implemented")
    if cfg.get("stateful"):
        raise NotImplementedError(f"{layer.name}: stateful RNNs are not exported to ONNX")
    return cfg, kind


def _gates(layer):
    """ONNX (W, R, B, activations) of one direction, from the Keras weights."""
    cfg, kind = _check(layer)
    w = layer.get_weights()
    kernel, recurrent = np.asarray(w[0]), np.asarray(w[1])
    units = recurrent.shape[0]
    bias = np.asarray(w[2]) if cfg["use_bias"] else None
    if kind == "LSTM":
        # Keras gate order i, f, c, o; ONNX i, o, f, c
        order = [0, 3, 1, 2]

        def reorder(a):
            blocks = np.split(a, 4, axis=-1)
            return np.concatenate([blocks[i] for i in order], axis=-1)

        kernel, recurrent = reorder(kernel), reorder(recurrent)
        b = np.concatenate([reorder(bias) if bias is not None else np.zeros(4 * units),
                            np.zeros(4 * units)])
        acts = [_act(layer, "recurrent_activation"), _act(layer, "activation"),
                _act(layer, "activation")]
    elif kind == "GRU":  # z, r, h in both
        if bias is None:
            b = np.zeros(6 * units)
        elif cfg["reset_after"]:
            b = np.concatenate([bias[0], bias[1]])
        else:
            b = np.concatenate([bias, np.zeros(3 * units)])
        acts = [_act(layer, "recurrent_activation"), _act(layer, "activation")]
    else:
        b = np.concatenate([bias if bias is not None else np.zeros(units), np.zeros(units)])
        acts = [_act(layer, "activation")]
    return kernel.T, recurrent.T, b, acts, units


def _rnn_node(g, layers, x_tnf, direction, base):
    kind = type(layers[0]).__name__
    parts = [_gates(layer) for layer in layers]
    if len({p[4] for p in parts}) != 1 or len({type(la) for la in layers}) != 1:
        raise NotImplementedError(f"{base}: a Bidirectional wrapper whose two layers differ in "
                                  "type or units is not exported")
    W = np.stack([p[0] for p in parts])
    R = np.stack([p[1] for p in parts])
    B = np.stack([p[2] for p in parts])
    attrs = {"hidden_size": int(parts[0][4]), "direction": direction,
             "activations": [a for p in parts for a in p[3]]}
    if kind == "GRU":
        attrs["linear_before_reset"] = int(bool(layers[0].get_config()["reset_after"]))
    n_out = 3 if kind == "LSTM" else 2
    return g.op(_OP[kind], [x_tnf, g.const(W, f"{base}_W"), g.const(R, f"{base}_R"),
                            g.const(B, f"{base}_B")], base, n_out=n_out, **attrs)


def _sequences(g, y_tdbu, index, reverse):
    """(batch, time, units) of direction ``index`` from ONNX's Y (time, dirs, batch, units)."""
    y = g.op("Gather", [y_tdbu, g.const(np.int64(index), "dir")], axis=1)
    if reverse:
        y = g.reverse_time(y, axis=0)
    return g.op("Transpose", [y], perm=[1, 0, 2])


def _last(g, y_h, index):
    return g.op("Gather", [y_h, g.const(np.int64(index), "dir")], axis=0)


def convert_rnn(g, layer, inputs, shapes):
    cfg, _ = _check(layer)
    x = g.op("Transpose", inputs[:1], perm=[1, 0, 2])
    back = bool(cfg["go_backwards"])
    outs = _rnn_node(g, [layer], x, "reverse" if back else "forward", layer.name)
    # Keras' go_backwards sequences come in processing order (reversed time)
    y = (_sequences(g, outs[0], 0, back) if cfg["return_sequences"] else _last(g, outs[1], 0))
    result = [g.op("Identity", [y], layer.name)]
    if cfg["return_state"]:
        result += [_last(g, state, 0) for state in outs[1:]]
    return result


def convert_bidirectional(g, layer, inputs, shapes):
    fw, bw = layer.forward_layer, layer.backward_layer
    cfg_fw, _ = _check(fw)
    cfg_bw, _ = _check(bw)
    if cfg_fw["return_state"] or cfg_fw["go_backwards"] or not cfg_bw["go_backwards"]:
        raise NotImplementedError(f"{layer.name}: Bidirectional with return_state or a "
                                  "reversed forward layer is not exported")
    x = g.op("Transpose", inputs[:1], perm=[1, 0, 2])
    outs = _rnn_node(g, [fw, bw], x, "bidirectional", layer.name)
    if cfg_fw["return_sequences"]:
        # ONNX aligns the backward outputs with time, as Keras' Bidirectional does
        a, b = _sequences(g, outs[0], 0, False), _sequences(g, outs[0], 1, False)
    else:
        a, b = _last(g, outs[1], 0), _last(g, outs[1], 1)
    mode = layer.get_config()["merge_mode"]
    if mode is None:
        return [g.op("Identity", [a], f"{layer.name}_forward"),
                g.op("Identity", [b], f"{layer.name}_backward")]
    if mode == "concat":
        return [g.op("Concat", [a, b], layer.name, axis=-1)]
    if mode == "sum":
        return [g.op("Add", [a, b], layer.name)]
    if mode == "mul":
        return [g.op("Mul", [a, b], layer.name)]
    if mode == "ave":
        return [g.op("Mul", [g.op("Add", [a, b]), g.const(np.float32(0.5), "half")], layer.name)]
    raise NotImplementedError(f"{layer.name}: merge_mode {mode!r} is not exported")


CONVERTERS = {"SimpleRNN": convert_rnn, "LSTM": convert_rnn, "GRU": convert_rnn,
              "Bidirectional": convert_bidirectional}
