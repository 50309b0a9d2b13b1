"""Model (a graph of layer calls) and Sequential.

A Model is itself a Layer, so models nest. The model holds the graph (the
nodes in topological order) and the weights; :mod:`skdeep.nn.execution`
runs the graph and :class:`skdeep.nn.trainer.Trainer` (a base class) holds
compile / fit / evaluate / predict.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import execution, inference
from .layers import _custom
from .layers import serialization as layer_serialization
from .layers.base import (
    BUILD_LOCK,
    InputLayer,
    KTensor,
    Layer,
    _as_list,
    _snake,
    unique_name,
)
from .trainer import Trainer


def _topological_nodes(inputs, outputs):
    """Nodes between ``inputs`` and ``outputs`` in an order that respects data flow."""
    input_ids = {id(t) for t in inputs}
    order, state = [], {}

    def visit(tensor):
        if id(tensor) in input_ids:
            return
        node = tensor.node
        if isinstance(node.layer, InputLayer):
            raise ValueError(f"Graph disconnected: the output depends on input "
                             f"'{tensor.name}' which is not among the model's inputs")
        mark = state.get(id(node))
        if mark == "done":
            return
        if mark == "active":
            raise ValueError("The layer graph has a cycle")
        state[id(node)] = "active"
        for t in node.inputs:
            visit(t)
        state[id(node)] = "done"
        order.append(node)

    for t in outputs:
        visit(t)
    return order


def _keras_layer_order(inputs, outputs):
    """The layers of the graph in Keras 3's order (``keras.ops.function.map_graph``).

    A depth-first walk from the outputs numbers each layer when first seen;
    a layer's depth is its longest distance to an output; layers come in
    decreasing depth, ties in walk order. ``model.layers``, ``get_weights()``
    and weight files that match layers by position depend on this order.
    """
    input_ids = {id(t) for t in inputs}
    first_seen, post_order, done = {}, [], set()

    def visit(tensor):
        node = tensor.node
        if id(node) in done:
            return
        first_seen.setdefault(id(node.layer), len(first_seen))
        if not (id(tensor) in input_ids and not isinstance(node.layer, InputLayer)):
            for t in node.inputs:
                visit(t)
        done.add(id(node))
        post_order.append(node)

    for t in outputs:
        visit(t)
    node_depth, layer_depth, layers = {}, {}, {}
    for node in reversed(post_order):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = node_depth[id(node)] = depth
        layers[id(node.layer)] = node.layer
        for t in node.inputs:
            parent = t.node
            if id(parent) in done:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    return sorted(layers.values(),
                  key=lambda layer: (-layer_depth[id(layer)], first_seen[id(layer)]))


class Model(Trainer, Layer):
    """A functional model: ``Model(inputs, outputs)``.

    ``inputs`` and ``outputs`` are symbolic tensors (or lists / dicts of
    them) made with :func:`skdeep.nn.Input` and layer calls.

    Examples
    --------
    >>> from skdeep.nn import Input, Model
    >>> from skdeep.nn.layers import Dense
    >>> inp = Input(shape=(3,))
    >>> out = Dense(1, activation="sigmoid")(Dense(4, activation="relu")(inp))
    >>> model = Model(inp, out)
    >>> model.compile(optimizer="adam", loss="binary_crossentropy")
    """

    _owns_graph = True

    def __init__(self, inputs: Any = None, outputs: Any = None, name: str | None = None,
                 trainable: bool = True, **kwargs: Any) -> None:
        default = _snake(type(self).__name__) if self._call_defined else self._default_name()
        super().__init__(name=name or unique_name(default), trainable=trainable, **kwargs)
        self._graph_ready = False
        self.compiled = False
        self.optimizer = None
        self.stop_training = False
        self.history = None
        self._local = threading.local()
        self._train = None
        if inputs is None and outputs is None:
            if type(self) is Model:
                raise ValueError("Model needs inputs and outputs: Model(inputs, outputs). "
                                 "Subclassed models are not supported; use the functional "
                                 "API or Sequential")
            return
        self._init_graph(inputs, outputs)

    @staticmethod
    def _default_name():
        return "functional"

    # ------------------------------------------------------------------ graph
    def _init_graph(self, inputs, outputs):
        self._input_is_list = isinstance(inputs, (list, tuple, dict))
        self._output_is_list = isinstance(outputs, (list, tuple, dict))
        inputs = list(inputs.values()) if isinstance(inputs, dict) else _as_list(inputs)
        outputs = list(outputs.values()) if isinstance(outputs, dict) else _as_list(outputs)
        for t in inputs + outputs:
            if not isinstance(t, KTensor):
                raise TypeError(f"Model inputs and outputs must be symbolic tensors (from Input() "
                                f"and layer calls), got {type(t).__name__}")
        self._input_tensors = inputs
        self._output_tensors = outputs
        self._nodes = _topological_nodes(inputs, outputs)
        in_graph = {id(node.layer) for node in self._nodes}
        in_graph.update(id(t.node.layer) for t in inputs if isinstance(t.node.layer, InputLayer))
        self._all_layers = [layer for layer in _keras_layer_order(inputs, outputs)
                            if id(layer) in in_graph]
        input_ids = {id(t) for t in inputs}
        self._first_nodes = {i for i, node in enumerate(self._nodes)
                             if all(id(t) in input_ids for t in node.inputs)}
        self.input_names = [t.name for t in inputs]
        self.output_names = [t.node.layer.name for t in outputs]
        if len(set(self.output_names)) != len(self.output_names):
            self.output_names = [f"{n}_{i}" if self.output_names.count(n) > 1 else n
                                 for i, n in enumerate(self.output_names)]
        self._graph_ready = True
        self.built = True
        self._train = None
        self._local = threading.local()

    def _ensure_graph(self, x=None):
        if not self._graph_ready:
            if self._call_defined and x is not None:
                from . import _subclassed

                _subclassed.build_from_data(self, x)
                return
            raise ValueError(f"Model '{self.name}' has not been built yet" + (
                ": call it on data, fit it, or call build(input_shape)" if self._call_defined
                else ""))

    @property
    def layers(self):
        """The model's layers (the functional API includes its InputLayers, as Keras;
        a subclassed model lists the layers assigned as its attributes)."""
        if self._call_defined:
            return self._tracked_layers()
        self._ensure_graph()
        return list(self._all_layers)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A layer by ``name`` or by ``index`` into :attr:`layers`."""
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"Layer index {index} out of range: the model has "
                                 f"{len(layers)} layers")
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name!r}. Existing layers are: "
                         f"{[l.name for l in layers]}")

    @property
    def inputs(self):
        self._ensure_graph()
        return list(self._input_tensors)

    @property
    def outputs(self):
        self._ensure_graph()
        return list(self._output_tensors)

    @property
    def input(self):
        self._ensure_graph()
        ts = self._input_tensors
        return ts if self._input_is_list else ts[0]

    @property
    def output(self):
        self._ensure_graph()
        ts = self._output_tensors
        return ts if self._output_is_list else ts[0]

    @property
    def input_shape(self):
        shapes = [t.shape for t in self.inputs]
        return shapes if self._input_is_list else shapes[0]

    @property
    def output_shape(self):
        shapes = [t.shape for t in self.outputs]
        return shapes if self._output_is_list else shapes[0]

    def compute_output_shape(self, input_shape):
        return self.output_shape

    def build(self, input_shape):
        if self._call_defined:
            from . import _subclassed

            _subclassed.build(self, input_shape)
            return
        self._ensure_graph()

    # ------------------------------------------------------------------ weights
    @Layer.trainable.setter  # type: ignore[attr-defined]  # mypy: a property redefined
    def trainable(self, value):
        self._trainable = bool(value)
        for layer in self._tracked_layers():
            layer.trainable = value
        if self._graph_ready:
            for layer in self._all_layers:
                layer.trainable = value

    def _unique_weights(self, attr):
        out, seen = [], set()
        for layer in self.layers:
            for w in getattr(layer, attr):
                if id(w) not in seen:
                    seen.add(id(w))
                    out.append(w)
        return out

    @property
    def weights(self):
        if self._call_defined:
            return Layer.weights.fget(self)
        return self._unique_weights("weights")

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        if self._call_defined:
            return Layer.trainable_weights.fget(self)
        return self._unique_weights("trainable_weights")

    # ------------------------------------------------------------------ execution
    def forward(self, inputs, ctx):
        """Run the model as a layer inside another model (or eagerly)."""
        self._ensure_graph()
        xs = _as_list(inputs) if self._input_is_list else [inputs]
        outs, tape, values = execution.run(self, xs, execution.child_contexts(self, ctx),
                                           ctx.penalties)
        in_tensors, out_tensors = self._input_tensors, self._output_tensors

        def backward(dy):
            dys = list(dy) if self._output_is_list else [dy]
            grads = execution.backward(tape, out_tensors, dys, values)
            dxs = [grads.get(id(t)) for t in in_tensors]
            return dxs if self._input_is_list else dxs[0]

        return (outs if self._output_is_list else outs[0]), backward

    def __call__(self, inputs, training=None, mask=None, **kwargs):
        symbolic = any(isinstance(t, KTensor) for t in _as_list(inputs))
        if self._call_defined:  # a subclassed model runs its call() like a layer
            if not self._graph_ready and not symbolic:
                self._ensure_graph(inputs)
            return Layer.__call__(self, inputs, training=training, mask=mask, **kwargs)
        if not self._graph_ready and not symbolic:
            return self.predict(inputs, verbose=0)
        if not training and mask is None and not kwargs and "input_spec" not in self.__dict__ \
                and _custom.active_tape() is None:
            out = inference.try_predict(self, inputs)  # a few rows of an array: no graph walk
            if out is not None:
                return out
        return super().__call__(inputs, training=training, mask=mask, **kwargs)

    @property
    def sublayers(self):
        return self.layers if (self._graph_ready or hasattr(self, "_stack")) else []

    def summary(self, line_length: int | None = None, positions: Sequence[float] | None = None,
                print_fn: Callable[..., Any] | None = None, expand_nested: bool = False,
                show_trainable: bool = False, layer_range: Sequence[str] | None = None) -> None:
        """Print Keras' summary table: layer name and type, output shape, params.

        Parameters
        ----------
        line_length : int, optional
            Total width of the table (default: fitted to the contents).
        positions : list of float, optional
            Right edges of the columns, as fractions of ``line_length`` (or
            absolute positions when the last one is > 1).
        print_fn : callable, optional
            Called once with the whole summary text instead of ``print``.
        expand_nested : bool, default=False
            List the layers of nested models under them.
        show_trainable : bool, default=False
            Add a "Trainable" column (Y / N, "-" for layers without weights).
        layer_range : tuple of 2 str, optional
            First and last layer to list (names or regular expressions).
        """
        from .summary import summary_lines

        lines = summary_lines(self, line_length, positions=positions,
                              expand_nested=expand_nested, show_trainable=show_trainable,
                              layer_range=layer_range)
        (print_fn or print)("\n".join(lines))

    def save(self, filepath: str | os.PathLike[str], overwrite: bool = True,
             include_optimizer: bool = True) -> None:
        """Save architecture, weights and optimizer state; ``.keras`` and ``.h5`` are
        Keras' formats, other names skdeep's own (see :func:`skdeep.nn.saving.save_model`)."""
        from .saving import save_model

        save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer)

    def save_weights(self, filepath: str | os.PathLike[str], overwrite: bool = True) -> None:
        from .saving import save_weights

        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath: str | os.PathLike[str], skip_mismatch: bool = False,
                     **kwargs: Any) -> None:
        """Load weights from a skdeep or Keras file (see :func:`skdeep.nn.saving.load_weights`)."""
        from .saving import load_weights

        unknown = sorted(set(kwargs) - {"by_name"})
        if unknown:
            raise TypeError(f"load_weights() got unexpected keyword argument(s) {unknown}")
        load_weights(self, filepath, skip_mismatch=skip_mismatch, by_name=kwargs.get("by_name", False))

    def to_json(self, **kwargs: Any) -> str:
        """The architecture (and compile arguments) as Keras 3's JSON: the
        ``config.json`` of ``save('m.keras')``, which ``keras.models.model_from_json``
        and :func:`skdeep.nn.models.model_from_json` read (fresh weights, compiled
        when this model is). ``kwargs`` go to ``json.dumps``.

        A model that Keras cannot express (a skdeep-only layer or argument) is
        written in skdeep's own form instead, with a warning: skdeep reads it
        back, Keras does not.
        """
        from .formats.json_form import model_to_json

        return model_to_json(self, **kwargs)

    def get_config(self):
        if self._call_defined:  # subclassed: Keras 3's automatic config of __init__ arguments
            from .layers import _custom

            return _custom.merge_auto_config(self, {"name": self.name,
                                                    "trainable": self.trainable})
        from .saving import model_to_config

        return model_to_config(self)["config"]

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A new model from :meth:`get_config`; ``custom_objects`` maps the names of
        custom layers (and functions) in the config to their classes, as in Keras."""
        if cls._call_defined:
            return cls(**config)
        from .object_registry import custom_object_scope
        from .saving import model_from_config

        with custom_object_scope(custom_objects or {}):
            return model_from_config({"class_name": "Sequential" if cls is Sequential else
                                      "Functional", "config": config},
                                     custom_objects=custom_objects)

    def __reduce__(self):
        # pickle and deepcopy go through the saved format: configs and arrays only
        from .saving import model_from_bytes, model_to_bytes

        return (model_from_bytes, (model_to_bytes(self), None, True, False))

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


class Sequential(Model):
    """A linear stack of layers.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn import Sequential
    >>> from skdeep.nn.layers import Dense
    >>> model = Sequential([Dense(8, activation="relu", input_shape=(4,)), Dense(1)])
    >>> model.compile(optimizer="adam", loss="mse")
    >>> model.predict(np.zeros((2, 4)), verbose=0).shape
    (2, 1)
    """

    def __init__(self, layers: Sequence[Layer] | None = None, name: str | None = None,
                 trainable: bool = True, **kwargs: Any) -> None:
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._stack: list[Layer] = []
        self._input_layer: InputLayer | None = None
        for layer in layers or []:
            self.add(layer)

    @staticmethod
    def _default_name():
        return "sequential"

    def add(self, layer: Layer) -> None:
        """Append a layer (or an ``Input`` tensor as the first element)."""
        if isinstance(layer, KTensor):
            if self._stack or self._input_layer is not None:
                raise ValueError("An Input can only be added to a Sequential model first")
            self._input_layer = layer.node.layer
            return
        if isinstance(layer, InputLayer):
            self._input_layer = layer
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add expects a Layer, got {type(layer).__name__}")
        if any(layer is other for other in self._stack):
            raise ValueError(f"Layer '{layer.name}' is already in this model")
        self._stack.append(layer)
        self._invalidate()
        self._build_if_possible()

    def pop(self) -> Layer:
        """Remove the last layer."""
        if not self._stack:
            raise TypeError("There are no layers in the model")
        layer = self._stack.pop()
        self._invalidate()
        self._build_if_possible()
        return layer

    def _invalidate(self):
        if self._graph_ready:
            for node in self._nodes:
                if node in node.layer._inbound_nodes:
                    node.layer._inbound_nodes.remove(node)
        self._graph_ready = False
        self._train = None

    def _declared_input_shape(self):
        if self._input_layer is not None:
            return self._input_layer.shape
        if self._stack:
            first = self._stack[0]
            if first._input_shape_arg is not None:
                return first._input_shape_arg
            if isinstance(first, Model) and first._graph_ready:
                return first.input_shape[1:]
            if first._inbound_nodes:
                shape = first._inbound_nodes[0].inputs[0].shape
                return shape[1:]
        return None

    def _build_if_possible(self):
        shape = self._declared_input_shape()
        if shape is not None and self._stack:
            self._build_graph(shape)

    def _build_graph(self, sample_shape, dtype=None):
        with BUILD_LOCK:
            self._build_graph_locked(sample_shape, dtype)

    def _build_graph_locked(self, sample_shape, dtype):
        if self._input_layer is None or tuple(self._input_layer.shape) != tuple(sample_shape):
            self._input_layer = InputLayer(shape=tuple(sample_shape), dtype=dtype)
        x = self._input_layer._inbound_nodes[0].outputs[0]
        inp = x
        for layer in self._stack:
            x = layer(x)
            if isinstance(x, list):
                raise ValueError(f"Layer '{layer.name}' returns several outputs and cannot be "
                                 "used in a Sequential model; use the functional API")
        self._init_graph(inp, x)

    def build(self, input_shape=None):
        """Build the graph for inputs of ``input_shape`` (batch dimension first)."""
        if self._graph_ready:
            return
        with BUILD_LOCK:
            self._build_locked(input_shape)

    def _build_locked(self, input_shape):
        if self._graph_ready:  # built by another thread meanwhile
            return
        if input_shape is None:
            shape = self._declared_input_shape()
            if shape is None:
                raise ValueError("Sequential.build needs an input_shape")
        else:
            shape = tuple(input_shape)[1:]
        if not self._stack:
            raise ValueError("Cannot build a Sequential model without layers")
        self._build_graph(shape)

    def _ensure_graph(self, x=None):
        if self._graph_ready:
            return
        with BUILD_LOCK:
            self._ensure_graph_locked(x)

    def _ensure_graph_locked(self, x):
        if self._graph_ready:  # built by another thread meanwhile
            return
        if x is not None and self._stack:
            xs = _as_list(x)
            if len(xs) != 1:
                raise ValueError("A Sequential model takes a single input array")
            from . import data

            if data.is_sparse(xs[0]):
                raise TypeError("Input x is a sparse matrix; pass a dense array (e.g. "
                                "X.toarray())")
            arr = np.asarray(xs[0])
            if arr.ndim < 2:
                raise ValueError(f"Input to Sequential model '{self.name}' must have a batch "
                                 f"dimension; got shape {arr.shape}")
            dtype = None if np.issubdtype(arr.dtype, np.floating) else "int32"
            self._build_graph(arr.shape[1:], dtype=dtype)
            return
        if not self._stack:
            raise ValueError(f"Sequential model '{self.name}' has no layers")
        raise ValueError(f"Sequential model '{self.name}' has not been built yet: give the first "
                         "layer an input_shape, start with an Input, call build(), or call "
                         "fit/predict on data")

    @property
    def layers(self):
        """The layers of the stack (without the InputLayer, as Keras)."""
        return list(self._stack)

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for layer in self._stack:
            layer.trainable = value


def _model_to_config(model):
    from .saving import model_to_config

    return model_to_config(model)


def _model_from_config(config, custom_objects=None):
    from .saving import model_from_config

    return model_from_config(config, custom_objects)


layer_serialization.register_model_hooks(lambda obj: isinstance(obj, Model), _model_to_config,
                                         _model_from_config)


def function(inputs, outputs, updates=None, name=None):
    """A function from input arrays to output arrays of a graph (``K.function``).

    ``inputs`` and ``outputs`` are symbolic tensors (lists or single) of a
    built model, e.g. ``function([model.input], [model.layers[2].output])``.
    The returned callable takes a list of arrays and returns a list of arrays
    computed in inference mode. Also available as ``skdeep.nn.backend.function``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn import Sequential, backend as K
    >>> from skdeep.nn.layers import Dense
    >>> model = Sequential([Dense(3, input_shape=(2,)), Dense(1)])
    >>> hidden = K.function([model.input], [model.layers[0].output])
    >>> hidden([np.ones((4, 2))])[0].shape
    (4, 3)
    """
    if updates:
        raise ValueError("backend.function does not support updates")
    many_in = isinstance(inputs, (list, tuple))
    many_out = isinstance(outputs, (list, tuple))
    sub = Model(list(inputs) if many_in else inputs, list(outputs) if many_out else outputs,
                name=name)

    def call(arrays):
        if isinstance(arrays, (list, tuple)) and not many_in and len(arrays) == 1:
            arrays = arrays[0]
        result = sub.predict_on_batch(list(arrays) if many_in else arrays)
        return list(result) if many_out else result

    return call
