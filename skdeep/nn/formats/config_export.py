"""skdeep models -> Keras 3 ``config.json`` (what ``keras.saving.load_model`` reads).

Every class and argument is checked against ``keras_spec.json`` (generated
from Keras by ``tests/fixtures/keras/make_spec.py``): a skdeep-only layer or
argument raises :class:`KerasExportError` at save time, naming it, instead
of writing a file that Keras would reject or compute differently.
"""
import functools
import json
import os

from ..layers import _call_args
from ..layers.base import InputLayer

__all__ = [
    "KerasExportError",
    "keras_compile_config",
    "keras_config",
    "keras_layers",
    "keras_spec",
]

_DEFAULTS_TO_DROP = {"input_shape"}  # skdeep keeps it on the layer; Keras on an InputLayer


class KerasExportError(ValueError):
    """A model feature that the Keras format cannot hold."""


@functools.lru_cache(maxsize=1)
def keras_spec():
    """Keras class names and constructor arguments (see module docstring)."""
    with open(os.path.join(os.path.dirname(__file__), "keras_spec.json")) as f:
        return json.load(f)


# ---------------------------------------------------------------------------- graph order
def keras_layers(model):
    """The model's layers in Keras' order (``keras.Model.layers``).

    Keras orders a functional model's layers by depth from the outputs, ties
    broken by depth-first discovery order; that order names the weight groups
    in its files (``layers/dense_3``). skdeep's ``Model.layers`` keeps the
    same order, so this is ``model.layers`` (with the InputLayers).
    """
    from ..model import Sequential

    if isinstance(model, Sequential):
        return list(model._stack)
    if getattr(model, "_call_defined", False):  # subclassed: the layers assigned as attributes
        return model.layers
    model._ensure_graph()
    return list(model._all_layers)


def _model_nodes(model):
    """{id(node): Keras node index} for the nodes of ``model``'s graph, and the ids of
    nodes of functional sub-models (whose index is one more in input/output_layers)."""
    from ..model import Model, Sequential

    own = {id(n) for n in model._nodes}
    for t in model._input_tensors:
        own.add(id(t.node))
    local, functional = {}, set()
    for layer in keras_layers(model):
        mine = [n for n in layer._inbound_nodes if id(n) in own]
        local.update((id(n), i) for i, n in enumerate(mine))
        if isinstance(layer, Model) and not isinstance(layer, Sequential):
            functional.update(id(n) for n in mine)
    return local, functional


# ---------------------------------------------------------------------------- values
def _policy(dtype):
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": dtype},
            "registered_name": None}


def _keras_object(value, kind, what):
    if value is None or isinstance(value, str):
        return value
    name = value.get("class_name")
    known = keras_spec()[kind + "s"]
    if name not in known:
        raise KerasExportError(f"{what} uses the {kind} {name!r}, which Keras does not have")
    config = _check_args(value.get("config") or {}, known[name], f"{what} ({kind} {name})")
    return {"module": f"keras.{kind}s", "class_name": name, "config": config,
            "registered_name": None}


def _defaults(cls):
    """Constructor defaults of ``cls`` (following ``**kwargs`` up the hierarchy)."""
    import inspect

    out = {}
    for klass in getattr(cls, "__mro__", ()):
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        params = inspect.signature(init).parameters
        for n, p in params.items():
            if p.default is not p.empty:
                out.setdefault(n, p.default)
        if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
            break
    return out


def _check_args(config, allowed, what, cls=None):
    """The entries Keras accepts; others must be None or skdeep's default (whose
    behaviour is Keras' own), or the save fails naming them."""
    out = {}
    defaults = _defaults(cls) if cls is not None else {}
    for key, value in config.items():
        if key in allowed:
            out[key] = value
        elif key in defaults and defaults[key] == value:
            continue
        elif value is not None and key not in _DEFAULTS_TO_DROP:
            raise KerasExportError(f"{what} sets {key}={value!r}, which Keras does not support; "
                                   "save it in skdeep's own format (a '.skdeep' file)")
    return out


def _layer_config(layer, config, class_name):
    spec = keras_spec()
    what = f"Layer '{layer.name}' ({class_name})"
    allowed = set(spec["layers"][class_name]) | set(spec["layer_base_args"])
    out = {}
    for key, value in config.items():
        if key == "dtype":
            value = _policy(value)
        elif key in ("activation", "recurrent_activation"):
            if isinstance(value, dict) and value.get("class_name") == "function":
                pass  # a custom function, as Keras writes it (register it there too)
            elif value is not None and value not in spec["activations"]:
                raise KerasExportError(f"{what} uses the activation {value!r}, which Keras "
                                       "does not have; save it as a '.skdeep' file")
        elif key in ("layer", "backward_layer") and isinstance(value, dict):
            value = _sublayer(value)
        elif key.rsplit("_", 1)[-1] in ("initializer", "regularizer", "constraint"):
            value = _keras_object(value, key.rsplit("_", 1)[-1], what)
        out[key] = value
    return _check_args(out, allowed, what, type(layer))


def _sublayer(entry):
    from ..layers.serialization import deserialize_layer

    layer = deserialize_layer(entry)
    return _layer_entry(layer)


def _layer_entry(layer):
    """``{"module", "class_name", "config", "registered_name"}`` of a non-model layer."""
    from ..layers.serialization import serialize_layer

    class_name = type(layer).__name__
    if isinstance(layer, InputLayer):
        config = {"batch_shape": [layer.batch_size] + list(layer.shape), "dtype": layer.dtype,
                  "sparse": False, "ragged": False, "name": layer.name, "optional": False}
        return {"module": "keras.layers", "class_name": "InputLayer", "config": config,
                "registered_name": None}
    config = serialize_layer(layer)["config"]
    registered = _registered_name(layer)
    if registered is not None:
        config = dict(config, dtype=_policy(config["dtype"])) if "dtype" in config else config
        return {"module": type(layer).__module__, "class_name": class_name, "config": config,
                "registered_name": registered}
    if class_name not in keras_spec()["layers"] or not type(layer).__module__.startswith(
            "skdeep.nn"):
        raise KerasExportError(
            f"Layer '{layer.name}' is a {class_name}, which Keras does not have; register it "
            "with register_keras_serializable (and on the Keras side too) or save the model "
            "in skdeep's own format (a '.skdeep' file)")
    return {"module": "keras.layers", "class_name": class_name,
            "config": _layer_config(layer, config, class_name), "registered_name": None}


def _registered_name(layer):
    cls = type(layer)
    if cls.__module__.startswith("skdeep.nn"):
        return None
    from ..object_registry import get_registered_name

    return get_registered_name(cls)


def _shape_of(tensors):
    shapes = [list(t.shape) for t in tensors]
    return shapes if len(shapes) > 1 else shapes[0]


def _tensor(t, nodes):
    return {"class_name": "__keras_tensor__",
            "config": {"shape": list(t.shape), "dtype": t.dtype,
                       "keras_history": [t.node.layer.name, nodes[id(t.node)],
                                         t.node.outputs.index(t)]}}


def _entry(layer):
    from ..model import Model

    if isinstance(layer, Model):
        return _model_entry(layer)
    entry = _layer_entry(layer)
    if layer._inbound_nodes and not isinstance(layer, InputLayer):
        first = layer._inbound_nodes[0]
        hook = getattr(layer, "keras_build_config", None)  # layers whose build() takes
        entry["build_config"] = (hook([list(t.shape) for t in first.inputs], first.call_kwargs)
                                 if hook else {"input_shape": _shape_of(first.inputs)})
    return entry


def _model_entry(model):
    from ..model import Sequential

    name_dtype = {"name": model.name, "trainable": model.trainable, "dtype": _policy(model.dtype)}
    if getattr(model, "_call_defined", False):
        raise KerasExportError(
            f"Model '{model.name}' is a subclassed model ({type(model).__name__} with call()): "
            "its architecture is Python code that a '.keras' file cannot hold here; save it "
            "with save_weights(), or in skdeep's format (a '.skdeep' file) with the class "
            "registered by register_keras_serializable")
    if isinstance(model, Sequential):
        try:
            model._ensure_graph()
        except ValueError:  # no input shape yet: Keras writes the layers alone
            return {"module": "keras", "class_name": "Sequential",
                    "config": dict(name_dtype, layers=[_entry(layer) for layer in model._stack]),
                    "registered_name": None}
        inp = model._input_layer
        layers = [_layer_entry(inp)] + [_entry(layer) for layer in model._stack]
        shape = [inp.batch_size] + list(inp.shape)
        return {"module": "keras", "class_name": "Sequential",
                "config": dict(name_dtype, layers=layers, build_input_shape=shape),
                "registered_name": None, "build_config": {"input_shape": shape}}
    nodes, functional = _model_nodes(model)
    entries = []
    names = [layer.name for layer in keras_layers(model)]
    if len(set(names)) != len(names):
        raise KerasExportError(f"Model '{model.name}' has several layers with one name; Keras "
                               "needs unique layer names")
    for layer in keras_layers(model):
        inbound = []
        for node in layer._inbound_nodes:
            if id(node) not in nodes or isinstance(layer, InputLayer):
                continue
            args = [_tensor(t, nodes) for t in node.inputs]
            kwargs = dict(node.call_kwargs)
            hook = getattr(layer, "keras_call_node", None)  # calls with several tensor args
            if _call_args.KEY in kwargs:  # call(self, targets, logits): Keras' own layout
                hook = _call_args.keras_node
            inbound.append(hook(args, kwargs) if hook else
                           {"args": [args if node.list_input else args[0]], "kwargs": kwargs})
        entries.append(dict(_entry(layer), name=layer.name, inbound_nodes=inbound))

    def refs(tensors, is_list):
        out = [[t.node.layer.name, nodes[id(t.node)] + (id(t.node) in functional),
                t.node.outputs.index(t)] for t in tensors]
        return out if is_list else out[0]

    config = {"name": model.name, "trainable": model.trainable, "layers": entries,
              "input_layers": refs(model._input_tensors, model._input_is_list),
              "output_layers": refs(model._output_tensors, model._output_is_list)}
    return {"module": "keras.src.models.functional", "class_name": "Functional",
            "config": config, "registered_name": "Functional",
            "build_config": {"input_shape": None}}


def keras_config(model, compile_config=None):
    """The Keras 3 ``config.json`` content of ``model``."""
    entry = _model_entry(model)
    if compile_config is not None:
        entry["compile_config"] = compile_config
    return entry


# ---------------------------------------------------------------------------- compile
def _loss_or_metric(value, kind, module_name):
    from .. import losses, metrics

    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [_loss_or_metric(v, kind, module_name) for v in value]
    if isinstance(value, dict):
        return {k: _loss_or_metric(v, kind, module_name) for k, v in value.items()}
    module = losses if kind == "loss" else metrics
    if isinstance(value, type):
        value = value()
    if callable(value) and not hasattr(value, "get_config"):
        name = getattr(value, "__name__", None)
        if getattr(module, str(name), None) is value:
            return name
        raise KerasExportError(f"the {kind} {value!r} has no Keras name")
    cls = type(value)
    if getattr(module, cls.__name__, None) is not cls:
        raise KerasExportError(f"the {kind} {cls.__name__} is not a built-in one")
    known = keras_spec()["losses" if kind == "loss" else "metrics"]
    if cls.__name__ not in known:
        raise KerasExportError(f"Keras has no {kind} {cls.__name__}")
    config = _check_args(value.get_config(), known[cls.__name__], f"the {kind} {cls.__name__}")
    return {"module": module_name, "class_name": cls.__name__, "config": config,
            "registered_name": None}


def keras_compile_config(model):
    """Keras' ``compile_config`` of a compiled model (raises KerasExportError)."""
    from .. import optimizers

    opt = model.optimizer
    name = type(opt).__name__
    known = keras_spec()["optimizers"]
    if getattr(optimizers, name, None) is not type(opt) or name not in known:
        raise KerasExportError(f"the optimizer {name} has no Keras equivalent")
    spec = model._compile_spec
    return {"optimizer": {"module": "keras.optimizers", "class_name": name,
                          "config": _check_args(opt.get_config(), known[name],
                                                f"the optimizer {name}"),
                          "registered_name": None},
            "loss": _loss_or_metric(spec.get("loss"), "loss", "keras.losses"),
            "loss_weights": spec.get("loss_weights"),
            "metrics": _loss_or_metric(spec.get("metrics"), "metrics", "keras.metrics"),
            "weighted_metrics": _loss_or_metric(spec.get("weighted_metrics"), "metrics",
                                                "keras.metrics"),
            "run_eagerly": False, "steps_per_execution": 1, "jit_compile": True}
