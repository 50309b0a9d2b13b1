"""Subclassed models (Keras 3's ``class MyModel(Model)`` with ``__init__`` + ``call``).

The model's graph is one node: a :class:`_CallNode` layer that runs the
model's ``call()`` under the ops tape. Everything built on the graph (fit,
evaluate, predict, the fused optimizer step on the flat parameter buffer)
then works unchanged, and ``model.layers`` are the layers assigned as
attributes, as in Keras. The graph is built by ``build(input_shape)``, by
the first call on data, or by ``fit``/``predict``.
"""
import numpy as np

from .layers import _custom
from .layers.base import Input, Layer, _as_list


class _CallNode(Layer):
    """The single graph node of a subclassed model: its ``call()``."""

    def __init__(self, model):
        super().__init__(name=model.name, dtype=model.dtype)
        self._model = model
        self.built = True

    def forward(self, inputs, ctx, **kwargs):
        return _custom.call_forward(self._model, inputs, ctx, **kwargs)

    def compute_output_shape(self, input_shape):
        return _custom.infer_output_shape(self._model, input_shape)

    def get_config(self):
        return self._model.get_config()


def _input_dtype(array):
    dtype = np.asarray(array).dtype
    return None if np.issubdtype(dtype, np.floating) else dtype.name


def build(model, input_shape, dtypes=None):
    """Build the one-node graph for inputs of ``input_shape`` (batch first)."""
    if model._graph_ready:
        return
    if getattr(model, "_building", False):
        return
    model._building = True
    try:
        multi = isinstance(input_shape, list) and input_shape and \
            isinstance(input_shape[0], (list, tuple))
        shapes = [tuple(s) for s in input_shape] if multi else [tuple(input_shape)]
        dtypes = dtypes or [None] * len(shapes)
        user_build = type(model).build
        from .model import Model

        if user_build is not Model.build:
            model.build(shapes if multi else shapes[0])
        inputs = [Input(shape=s[1:], batch_size=s[0], dtype=d) for s, d in zip(shapes, dtypes)]
        node = model.__dict__.get("_call_layer") or _CallNode(model)
        model._call_layer = node
        outputs = node(inputs if multi else inputs[0])
        model._init_graph(inputs if multi else inputs[0], outputs)
    finally:
        model._building = False


def build_from_data(model, x):
    """Build from the first batch of data ``x`` (an array or a list of arrays)."""
    if isinstance(x, dict):
        raise NotImplementedError(f"Subclassed model '{model.name}': dict inputs are not "
                                  "supported; pass an array or a list of arrays")
    xs = _as_list(x)
    arrays = [np.asarray(a) for a in xs]
    for a in arrays:
        if a.ndim < 1:
            raise ValueError(f"Input to model '{model.name}' needs a batch dimension, got a "
                             "scalar")
    shapes = [(None,) + a.shape[1:] for a in arrays]
    dtypes = [_input_dtype(a) for a in arrays]
    build(model, shapes if isinstance(x, (list, tuple)) else shapes[0], dtypes)


def _shapes(model):
    shapes = [list(t.shape) for t in model._input_tensors]
    return shapes if model._input_is_list else shapes[0]


def config_of(model):
    """``{"class_name", "registered_name", "config", "build_input_shape"}`` of a
    subclassed model: its ``get_config()`` (by default its ``__init__``
    arguments) and the input shape it was built for."""
    from .object_registry import get_registered_name

    if not model._graph_ready:
        raise ValueError(f"Model '{model.name}' cannot be saved before it is built: call it on "
                         "data, fit it, or call build(input_shape) first")
    return {"class_name": type(model).__name__,
            "registered_name": get_registered_name(type(model)),
            "config": model.get_config(), "build_input_shape": _shapes(model)}


def from_config(entry, custom_objects=None):
    """Rebuild (and build) a subclassed model from :func:`config_of`'s output."""
    from .model import Model
    from .layers.serialization import layer_classes as _layer_classes

    classes = _layer_classes(custom_objects)
    cls = classes.get(entry.get("registered_name")) or classes.get(entry["class_name"])
    if cls is None or not (isinstance(cls, type) and issubclass(cls, Model)):
        name = entry.get("registered_name") or entry["class_name"]
        raise ValueError(f"Unknown model class '{name}': register the subclassed model with "
                         "@skdeep.nn.saving.register_keras_serializable() or pass "
                         f"custom_objects={{'{entry['class_name']}': {entry['class_name']}}}")
    model = cls.from_config(dict(entry.get("config") or {}))
    model.build(entry["build_input_shape"])
    return model
