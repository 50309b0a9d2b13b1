"""Keras' model summary table."""


def _shape_str(shape):
    if isinstance(shape, list):
        return ", ".join(_shape_str(s) for s in shape)
    return str(tuple(shape)).replace(",)", ")") if len(shape) != 1 else f"({shape[0]},)"


def summary_lines(model, line_length=None):
    model._ensure_graph()
    width = line_length or 65
    cols = [int(width * 0.45), int(width * 0.30), width - int(width * 0.45) - int(width * 0.30)]

    def row(a, b, c):
        return f"{a:<{cols[0]}}{b:<{cols[1]}}{c:>{cols[2]}}"

    lines = [f'Model: "{model.name}"', "━" * width,
             row(" Layer (type)", "Output Shape", "Param #"), "━" * width]
    from .layers.base import InputLayer

    seen_nodes = {id(n) for n in model._nodes}
    layers = [l for l in model._all_layers if not isinstance(l, InputLayer) or
              type(model).__name__ != "Sequential"]
    for layer in layers:
        nodes = [n for n in layer._inbound_nodes if id(n) in seen_nodes]
        if isinstance(layer, InputLayer):
            shape = layer._inbound_nodes[0].outputs[0].shape
        else:
            outs = nodes[0].outputs if nodes else []
            shape = [t.shape for t in outs] if len(outs) > 1 else (outs[0].shape if outs else ())
        lines.append(row(f" {layer.name} ({type(layer).__name__})", _shape_str(shape),
                         f"{layer.count_params():,}"))
    total = model.count_params()
    trainable = sum(w.value.size for w in model.trainable_weights)
    lines += ["━" * width,
              f" Total params: {total:,} ({_bytes(model, total)})",
              f" Trainable params: {trainable:,} ({_bytes(model, trainable)})",
              f" Non-trainable params: {total - trainable:,} ({_bytes(model, total - trainable)})"]
    return lines


def _bytes(model, count):
    ws = model.weights
    itemsize = ws[0].value.itemsize if ws else 4
    size = count * itemsize
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024
