"""Keras' model summary table (layer name and type, output shape, param counts)."""
import re

from .layers.base import InputLayer

_SEQUENTIAL_POSITIONS, _FUNCTIONAL_POSITIONS = [0.45, 0.80, 1.0], [0.3, 0.56, 0.74, 1.0]


def _shape_str(shape):
    if shape is None:  # a layer only called inside a subclassed model's call()
        return "?"
    if isinstance(shape, list):
        return ", ".join(_shape_str(s) for s in shape)
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _bytes(count, itemsize):
    size = float(count * itemsize)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024


def _layer_range(layers, layer_range):
    """[start, stop) of the layers between the first match of ``layer_range[0]``
    and the last match of ``layer_range[1]`` (regular expressions, as Keras)."""
    if layer_range is None:
        return 0, len(layers)
    if len(layer_range) != 2 or not all(isinstance(p, str) for p in layer_range):
        raise ValueError(f"layer_range must be a list or tuple of 2 layer names (or regular "
                         f"expressions), got {layer_range!r}")
    lower = [i for i, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    upper = [i for i, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not lower or not upper:
        raise ValueError(f"layer_range {list(layer_range)} does not match the layer names "
                         f"{[layer.name for layer in layers]}")
    if min(lower) > max(upper):
        return min(upper), max(lower) + 1
    return min(lower), max(upper) + 1


class _Rows:
    def __init__(self, model, functional, show_trainable, expand_nested):
        self.model, self.functional = model, functional
        self.show_trainable, self.expand_nested = show_trainable, expand_nested
        self.rows = []

    def _trainable(self, layer):
        if not layer.weights:
            return "-"
        return "Y" if layer.trainable else "N"

    def add(self, layer, owner, depth=0):
        prefix = "   " * depth + "└ " if depth else ""
        name = f"{prefix}{layer.name} ({type(layer).__name__})"
        if isinstance(layer, InputLayer):
            row = [name, _shape_str(layer._inbound_nodes[0].outputs[0].shape), "0"]
            if self.functional:
                row.append("-")
        else:
            node_ids = {id(n) for n in owner._nodes}
            nodes = [n for n in layer._inbound_nodes if id(n) in node_ids]
            outs = nodes[0].outputs if nodes else []
            shape = [t.shape for t in outs] if len(outs) > 1 else (outs[0].shape if outs
                                                                    else None)
            params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
            row = [name, _shape_str(shape), params]
            if self.functional:
                sources = [f"{t.node.layer.name}[{t.node.layer._inbound_nodes.index(t.node)}]"
                           f"[{t.node.outputs.index(t)}]" for n in nodes for t in n.inputs]
                row.append(", ".join(sources) or "-")
        if self.show_trainable:
            row.append(self._trainable(layer))
        self.rows.append(row)
        # a built model (the only layer with a graph) is expanded into its layers
        if self.expand_nested and layer._owns_graph and layer._graph_ready:
            inner = layer._all_layers if type(layer).__name__ != "Sequential" else layer.layers
            for sub in inner:
                if depth == 0 and isinstance(sub, InputLayer):
                    continue
                self.add(sub, layer, depth + 1)


def _widths(rows, header, line_length, positions, functional, show_trainable):
    if positions is None and line_length is None:
        widths = [max(len(r[i]) for r in rows + [header]) + 2 for i in range(len(header))]
        return widths
    default = 108 if functional else 88
    positions = list(positions or (_FUNCTIONAL_POSITIONS if functional else
                                   _SEQUENTIAL_POSITIONS))
    if show_trainable:
        default += 12
        positions = [p * 0.90 for p in positions] + [1.0]
    if len(positions) != len(header):
        raise ValueError(f"positions needs {len(header)} entries (one per column: "
                         f"{header}), got {len(positions)}")
    line_length = line_length or default
    absolute = positions[-1] > 1
    widths, current = [], 0
    for pos in positions:
        width = (int(pos) if absolute else int(pos * line_length)) - current
        if width < 4:
            raise ValueError("Insufficient line_length or positions to print the summary")
        widths.append(width)
        current += width
    return widths


def _wrap(text, width):
    room = max(width - 2, 1)
    return [text[i:i + room] for i in range(0, len(text), room)] or [""]


def summary_lines(model, line_length=None, positions=None, expand_nested=False,
                  show_trainable=False, layer_range=None):
    """The lines of ``model.summary()``."""
    model._ensure_graph()
    functional = type(model).__name__ != "Sequential" and not model._call_defined
    header = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if functional else [])
    if show_trainable:
        header.append("Trainable")
    layers = model._all_layers if functional else model.layers
    start, stop = _layer_range(layers, layer_range)
    builder = _Rows(model, functional, show_trainable, expand_nested)
    for layer in layers[start:stop]:
        builder.add(layer, model)
    rows = builder.rows
    widths = _widths(rows, header, line_length, positions, functional, show_trainable)
    align = ["l", "l", "r"] + (["l"] if functional else []) + (["l"] if show_trainable else [])

    def line(cells, left, mid, right):
        wrapped = [_wrap(c, w) for c, w in zip(cells, widths)]
        out = []
        for k in range(max(len(w) for w in wrapped)):
            parts = []
            for i, (chunks, w) in enumerate(zip(wrapped, widths)):
                c = chunks[k] if k < len(chunks) else ""
                parts.append((" " + c).ljust(w) if align[i] == "l" else (c + " ").rjust(w))
            out.append(left + mid.join(parts) + right)
        return out

    def rule(left, mid, right, ch):
        return left + mid.join(ch * w for w in widths) + right

    out = [f'Model: "{model.name}"', rule("┏", "┳", "┓", "━")]
    out += line(header, "┃", "┃", "┃")
    out.append(rule("┡", "╇", "┩", "━"))
    for i, r in enumerate(rows):
        out += line(r, "│", "│", "│")
        if i < len(rows) - 1:
            out.append(rule("├", "┼", "┤", "─"))
    out.append(rule("└", "┴", "┘", "─"))
    weights = model.weights
    itemsize = weights[0].value.itemsize if weights else 4
    total = model.count_params()
    trainable = sum(w.value.size for w in model.trainable_weights)
    out += [f" Total params: {total:,} ({_bytes(total, itemsize)})",
            f" Trainable params: {trainable:,} ({_bytes(trainable, itemsize)})",
            f" Non-trainable params: {total - trainable:,} ({_bytes(total - trainable, itemsize)})"]
    return out
