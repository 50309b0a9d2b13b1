"""Pictures of models and of training: ``plot_model`` / ``model_to_dot`` (pydot and
Graphviz, the ``plot`` extra) and ``plot_history`` (matplotlib)."""
import html
import os

__all__ = ["model_to_dot", "plot_history", "plot_model"]


def _pydot():
    try:
        import pydot
    except ImportError as err:
        raise ImportError("plot_model needs pydot and Graphviz: pip install pydot, and install "
                          "Graphviz (e.g. apt-get install graphviz, brew install graphviz, "
                          "conda install graphviz)") from err
    return pydot


def _shape(tensors):
    shapes = [tuple(t.shape) for t in tensors]
    text = ", ".join(str(s).replace("None", "None") for s in shapes)
    return text if len(shapes) == 1 else f"[{text}]"


def _label(layer, show_shapes, show_dtype, show_layer_names, show_layer_activations,
           show_trainable):
    cls = type(layer).__name__
    title = f"{html.escape(layer.name)} ({cls})" if show_layer_names else cls
    rows = [(f'<tr><td colspan="2" bgcolor="black"><font color="white"><b>{title}</b></font>'
             "</td></tr>")]

    def row(key, value):
        rows.append(f"<tr><td>{key}</td><td>{html.escape(str(value))}</td></tr>")

    if show_layer_activations and getattr(layer, "activation", None) is not None:
        row("Activation", getattr(layer.activation, "__name__", layer.activation))
    if show_dtype:
        row("dtype", layer.dtype)
    if show_shapes and layer._inbound_nodes:
        node = layer._inbound_nodes[0]
        if node.inputs:
            row("Input shape", _shape(node.inputs))
        row("Output shape", _shape(node.outputs))
    if show_trainable:
        row("Trainable", "Y" if layer.trainable else "N")
    return "<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\">" + "".join(rows) + \
        "</table>>"


def _model_layers(model):
    from .model import Sequential

    model._ensure_graph()
    layers = list(model.layers)
    if isinstance(model, Sequential):
        layers = [model._input_layer] + layers
    return layers


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True,
                 rankdir="TB", expand_nested=False, dpi=200, subgraph=False,
                 show_layer_activations=False, show_trainable=False, **kwargs):
    """A ``pydot.Dot`` graph of the model's layers (``keras.utils.model_to_dot``).

    Parameters are those of :func:`plot_model`.
    """
    from .model import Model

    pydot = _pydot()
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"rankdir must be 'TB' or 'LR', got {rankdir!r}")
    if kwargs:
        raise TypeError(f"model_to_dot got unexpected keyword argument(s) {sorted(kwargs)}")
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name, label=model.name)
    else:
        dot = pydot.Dot(graph_type="digraph", rankdir=rankdir, dpi=str(dpi),
                        concentrate="true")
        dot.set_node_defaults(shape="plaintext", fontname="Helvetica", fontsize="10")
    options = (show_shapes, show_dtype, show_layer_names, show_layer_activations,
               show_trainable)
    entry, exit_ = {}, {}  # layer id -> node id where edges into / out of it attach
    for layer in _model_layers(model):
        if expand_nested and isinstance(layer, Model):
            inner = model_to_dot(layer, show_shapes, show_dtype, show_layer_names, rankdir,
                                 expand_nested, dpi, True, show_layer_activations,
                                 show_trainable)
            dot.add_subgraph(inner)
            inner_layers = _model_layers(layer)
            entry[id(layer)] = str(id(inner_layers[0]))
            exit_[id(layer)] = str(id(inner_layers[-1]))
            continue
        dot.add_node(pydot.Node(str(id(layer)), label=_label(layer, *options)))
        entry[id(layer)] = exit_[id(layer)] = str(id(layer))
    own = {id(layer) for layer in _model_layers(model)}
    edges = set()
    for layer in _model_layers(model):
        for node in layer._inbound_nodes:
            for t in node.inputs:
                src = t.node.layer
                if id(src) in own and (id(src), id(layer)) not in edges:
                    edges.add((id(src), id(layer)))
                    dot.add_edge(pydot.Edge(exit_[id(src)], entry[id(layer)]))
    return dot


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=True, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, **kwargs):
    """Draw the model's graph to an image file (``keras.utils.plot_model``).

    Needs pydot (``pip install pydot``) and the Graphviz programs.

    Parameters
    ----------
    model : Model
    to_file : str, default 'model.png'
        The extension picks the format ('png', 'svg', 'pdf', 'dot', ...).
    show_shapes, show_dtype : bool, default False
        Add input/output shapes, the dtype.
    show_layer_names : bool, default True
    rankdir : {'TB', 'LR'}, default 'TB'
        Top to bottom or left to right.
    expand_nested : bool, default False
        Draw nested models' layers inside a dashed box.
    dpi : int, default 200
    show_layer_activations, show_trainable : bool, default False

    Returns
    -------
    IPython.display.Image or None
        The picture, when IPython is available and the format is PNG/JPEG.
    """
    dot = model_to_dot(model, show_shapes, show_dtype, show_layer_names, rankdir,
                       expand_nested, dpi, False, show_layer_activations, show_trainable,
                       **kwargs)
    ext = os.path.splitext(os.fspath(to_file))[1].lower().lstrip(".") or "png"
    try:
        dot.write(os.fspath(to_file), format=ext)
    except FileNotFoundError as err:  # pydot runs the `dot` program
        raise ImportError("plot_model needs the Graphviz programs (`dot`) on the PATH: "
                          "apt-get install graphviz, brew install graphviz or conda install "
                          "graphviz") from err
    if ext in ("png", "jpg", "jpeg"):
        try:
            from IPython import display
        except ImportError:
            return None
        return display.Image(filename=os.fspath(to_file))
    return None


def _history_dict(history):
    if isinstance(history, dict):
        return history
    inner = getattr(history, "history", None)
    if isinstance(inner, dict):
        return inner
    inner = getattr(history, "history_", None)  # a fitted skdeep estimator
    if isinstance(inner, dict):
        return inner
    if inner is not None and isinstance(getattr(inner, "history", None), dict):
        return inner.history
    raise TypeError("plot_history expects a History (from fit), its .history dict or a "
                    f"fitted estimator with history_, got {type(history).__name__}")


def plot_history(history, metrics=None, ax=None, title=None):
    """Learning curves: each metric per epoch, with its ``val_`` counterpart.

    Parameters
    ----------
    history : History, dict or fitted estimator
        What ``model.fit`` returns, its ``.history``, or an estimator's ``history_``.
    metrics : str or list of str, optional
        The metrics to draw ('loss', 'accuracy', ...); default: every one that is
        not a ``val_`` entry.
    ax : matplotlib Axes or array of Axes, optional
        Where to draw (one Axes per metric); new figure otherwise.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from skdeep.nn.utils import plot_history
    >>> fig = plot_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]})
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['loss', 'val_loss']
    """
    try:
        import matplotlib

        if ax is None and not os.environ.get("DISPLAY") and os.name != "nt":
            matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise ImportError("plot_history needs matplotlib: pip install matplotlib") from err
    logs = _history_dict(history)
    if metrics is None:
        metrics = [k for k in logs if not k.startswith("val_")]
    elif isinstance(metrics, str):
        metrics = [metrics]
    missing = [m for m in metrics if m not in logs]
    if missing:
        raise ValueError(f"metrics {missing} are not in the history (it has {sorted(logs)})")
    if not metrics:
        raise ValueError("The history is empty: nothing to plot")
    if ax is None:
        fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.5),
                                 squeeze=False)
        axes = list(axes[0])
    else:
        axes = list(ax) if hasattr(ax, "__len__") else [ax]
        fig = axes[0].figure
    for axis, name in zip(axes, metrics):
        epochs = range(1, len(logs[name]) + 1)
        axis.plot(epochs, logs[name], label=name)
        if f"val_{name}" in logs:
            axis.plot(range(1, len(logs[f"val_{name}"]) + 1), logs[f"val_{name}"],
                      label=f"val_{name}")
        axis.set_xlabel("epoch")
        axis.set_ylabel(name)
        axis.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
