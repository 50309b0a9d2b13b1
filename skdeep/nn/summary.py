"""Keras' model summary table (layer name and type, output shape, param counts)."""
from .layers.base import InputLayer


def _shape_str(shape):
    if isinstance(shape, list):
        return ", ".join(_shape_str(s) for s in shape)
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _bytes(count, itemsize):
    size = float(count * itemsize)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024


def summary_lines(model, line_length=None):
    """The lines of ``model.summary()``."""
    model._ensure_graph()
    functional = type(model).__name__ != "Sequential"
    node_ids = {id(n) for n in model._nodes}
    header = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if functional else [])
    rows = []
    for layer in model._all_layers:
        if isinstance(layer, InputLayer):
            if not functional:
                continue
            rows.append([f"{layer.name} ({type(layer).__name__})",
                         _shape_str(layer._inbound_nodes[0].outputs[0].shape), "0", "-"])
            continue
        nodes = [n for n in layer._inbound_nodes if id(n) in node_ids]
        outs = nodes[0].outputs if nodes else []
        shape = [t.shape for t in outs] if len(outs) > 1 else (outs[0].shape if outs else ())
        row = [f"{layer.name} ({type(layer).__name__})", _shape_str(shape),
               f"{layer.count_params():,}"]
        if functional:
            sources = [f"{t.node.layer.name}[{t.node.layer._inbound_nodes.index(t.node)}]"
                       f"[{t.node.outputs.index(t)}]" for n in nodes for t in n.inputs]
            row.append(", ".join(sources) or "-")
        rows.append(row)
    widths = [max(len(r[i]) for r in rows + [header]) + 2 for i in range(len(header))]
    if line_length:
        extra = line_length - sum(widths) - len(widths) - 1
        if extra > 0:
            widths[0] += extra
    def line(cells, left, mid, right, align):
        parts = []
        for i, (c, w) in enumerate(zip(cells, widths)):
            parts.append((" " + c).ljust(w) if align[i] == "l" else (c + " ").rjust(w))
        return left + mid.join(parts) + right
    align = ["l", "l", "r", "l"]
    rule = lambda l, m, r, ch: l + m.join(ch * w for w in widths) + r  # noqa: E731
    out = [f'Model: "{model.name}"', rule("┏", "┳", "┓", "━"),
           line(header, "┃", "┃", "┃", align), rule("┡", "╇", "┩", "━")]
    for i, r in enumerate(rows):
        out.append(line(r, "│", "│", "│", align))
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
