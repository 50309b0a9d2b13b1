"""``keras.models``: ``Model``, ``Sequential``, ``load_model``, ``save_model``,
``clone_model``, ``model_from_json`` and ``model_from_config``."""

from .layers.base import Input, InputLayer, KTensor
from .model import Model, Sequential
from .saving import load_model, save_model
from .saving import model_from_config as _model_from_config

__all__ = ["Model", "Sequential", "load_model", "save_model", "clone_model", "model_from_json",
           "model_from_config"]


def model_from_config(config, custom_objects=None):
    """A new model (fresh weights, not compiled) from ``model.get_config()``-style
    ``{"class_name", "config"}`` dicts.

    Examples
    --------
    >>> from skdeep.nn.layers import Dense
    >>> model = Sequential([Input(shape=(3,)), Dense(2)])
    >>> config = {"class_name": "Sequential", "config": model.get_config()}
    >>> model_from_config(config).output_shape
    (None, 2)
    """
    return _model_from_config(config, custom_objects=custom_objects)


def model_from_json(json_string, custom_objects=None):
    """A new model (fresh weights) from the JSON of :meth:`Model.to_json`.

    Reads Keras 3's form (what ``model.to_json()`` writes in skdeep and in
    Keras; compiled when it holds compile arguments, as Keras does), Keras 2's
    and skdeep's older ``{"class_name", "config"}`` form.

    Examples
    --------
    >>> from skdeep.nn.layers import Dense
    >>> model = Sequential([Input(shape=(3,)), Dense(2, name="out")])
    >>> model_from_json(model.to_json()).get_layer("out").units
    2
    """
    from .formats.json_form import model_from_json_text

    return model_from_json_text(json_string, custom_objects)


def _default_clone(layer):
    return type(layer).from_config(layer.get_config())


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """A copy of ``model``'s architecture with new layers and freshly
    initialised weights (``keras.models.clone_model``).

    Parameters
    ----------
    model : Model or Sequential
    input_tensors : tensor or list of tensors, optional
        ``Input`` tensors for the clone instead of new ones.
    clone_function : callable, optional
        ``layer -> new layer``; by default ``cls.from_config(layer.get_config())``
        (same names and configs, new weights). Return the layer itself to share it.
    call_function : callable, optional
        ``(layer, *args, **kwargs) -> outputs`` used instead of ``layer(*args,
        **kwargs)`` when the functional graph is replayed.
    recursive : bool, default=False
        Whether nested Sequential/functional models are cloned layer by layer
        with ``clone_function`` (True) or passed to ``clone_function`` whole.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import Dense
    >>> model = Sequential([Input(shape=(3,)), Dense(2, name="out")])
    >>> clone = clone_model(model)
    >>> clone.get_layer("out") is model.get_layer("out")
    False
    """
    if kwargs:
        raise TypeError(f"clone_model got unexpected keyword argument(s) {sorted(kwargs)}")
    if not isinstance(model, Model):
        raise TypeError(f"clone_model expects a Model or Sequential, got {type(model).__name__}")
    clone_function = clone_function or _default_clone

    def clone_layer(layer):
        if recursive and isinstance(layer, Model):
            return clone_model(layer, clone_function=clone_function,
                               call_function=call_function, recursive=True)
        new = clone_function(layer)
        if not hasattr(new, "_inbound_nodes"):
            raise TypeError(f"clone_function must return a layer, got {type(new).__name__} "
                            f"for layer '{layer.name}'")
        return new

    if isinstance(model, Sequential) and call_function is None:
        return _clone_sequential(model, input_tensors, clone_layer)
    return _clone_functional(model, input_tensors, clone_layer, call_function)


def _clone_sequential(model, input_tensors, clone_layer):
    layers = [clone_layer(layer) for layer in model._stack]
    if input_tensors is not None:
        inputs = input_tensors if isinstance(input_tensors, (list, tuple)) else [input_tensors]
        if len(inputs) != 1 or not isinstance(inputs[0], KTensor):
            raise ValueError("A Sequential model takes a single Input tensor as input_tensors")
        head = [inputs[0]]
    elif model._input_layer is not None:
        src = model._input_layer
        head = [Input(shape=src.shape, batch_size=src.batch_size, dtype=src.dtype,
                      name=src.name)] if _explicit_input(model) else []
    else:
        head = []
    clone = Sequential(head + layers, name=model.name, trainable=model.trainable)
    if not clone._graph_ready and model._graph_ready:
        clone.build((None,) + tuple(model.input_shape[1:]))
    return clone


def _explicit_input(model):
    # an Input the user gave (or config-loaded), as opposed to one built from data
    first = model._stack[0] if model._stack else None
    return first is None or getattr(first, "_input_shape_arg", None) is None


def _clone_functional(model, input_tensors, clone_layer, call_function):
    model._ensure_graph()
    old_inputs = model._input_tensors
    if input_tensors is None:
        new_inputs = []
        for t in old_inputs:
            src = t.node.layer
            if isinstance(src, InputLayer):
                new_inputs.append(Input(shape=src.shape, batch_size=src.batch_size,
                                        dtype=src.dtype, name=src.name))
            else:
                new_inputs.append(Input(shape=t.shape[1:], dtype=t.dtype))
    else:
        new_inputs = list(input_tensors) if isinstance(input_tensors, (list, tuple)) \
            else [input_tensors]
        if len(new_inputs) != len(old_inputs) or \
                not all(isinstance(t, KTensor) for t in new_inputs):
            raise ValueError(f"input_tensors must be {len(old_inputs)} Input tensor(s), as many "
                             "as the model has inputs")
    mapping = {id(old): new for old, new in zip(old_inputs, new_inputs)}
    clones = {}
    for node in model._nodes:
        layer = node.layer
        if id(layer) not in clones:
            clones[id(layer)] = clone_layer(layer)
        new_layer = clones[id(layer)]
        args = [mapping[id(t)] for t in node.inputs]
        arg = args if node.list_input else args[0]
        if call_function is not None:
            out = call_function(new_layer, arg, **node.call_kwargs)
        else:
            out = new_layer(arg, **node.call_kwargs)
        outs = out if isinstance(out, (list, tuple)) else [out]
        for old_t, new_t in zip(node.outputs, outs):
            mapping[id(old_t)] = new_t

    def restructure(tensors, is_list):
        mapped = [mapping[id(t)] for t in tensors]
        return mapped if is_list else mapped[0]

    return Model(restructure(old_inputs, model._input_is_list),
                 restructure(model._output_tensors, model._output_is_list), name=model.name,
                 trainable=model.trainable)
