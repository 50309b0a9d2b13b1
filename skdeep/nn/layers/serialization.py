"""Layer configs: ``{"class_name", "config"}`` to and from layer objects.

Classes are looked up by name only, among the layers exported by
``skdeep.nn.layers`` and the registered, scoped or passed custom classes, so
a config cannot make loading import or run anything. Models (which are
layers too) are delegated to the hooks that :mod:`skdeep.nn.model`
registers, so that this module stays below the model and saving modules.
"""
import json

import numpy as np

from .. import object_registry
from .base import Layer

__all__ = ["serialize_layer", "deserialize_layer", "register_serializable"]

_REGISTERED = {}
#: the namespace whose ``__all__`` lists the built-in layers (skdeep.nn.layers
#: registers its module dict at import, so layers exported later are found)
_BUILTINS = []
#: set by skdeep.nn.model: is_model(obj), to_config(model), from_config(config, custom)
_MODEL_HOOKS = {}
MODEL_CLASS_NAMES = ("Sequential", "Functional", "Model")


def register_builtin_namespace(namespace):
    """Called by ``skdeep/nn/layers/__init__.py`` with its ``globals()``."""
    _BUILTINS.append(namespace)


def register_model_hooks(is_model, to_config, from_config):
    """Called by ``skdeep.nn.model``: how models are (de)serialized as layers."""
    _MODEL_HOOKS.update(is_model=is_model, to_config=to_config, from_config=from_config)


def register_serializable(cls=None, name=None):
    """Make a custom Layer class loadable by name (decorator).

    Examples
    --------
    >>> from skdeep.nn.layers import Layer
    >>> @register_serializable
    ... class Identity(Layer):
    ...     def forward(self, inputs, ctx):
    ...         return inputs, lambda dy: dy
    """
    def register(klass):
        if not (isinstance(klass, type) and issubclass(klass, Layer)):
            raise TypeError(f"register_serializable expects a Layer subclass, got {klass!r}")
        _REGISTERED[name or klass.__name__] = klass
        return klass

    return register if cls is None else register(cls)


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.dtype):
        return obj.name
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


def layer_classes(custom_objects=None):
    """Layer classes by name: built-in exports (read at call time), then
    registered, scoped and passed custom classes."""
    found = {}
    for namespace in _BUILTINS:
        for export in namespace.get("__all__", ()):
            obj = namespace.get(export)
            if isinstance(obj, type) and issubclass(obj, Layer):
                found.setdefault(obj.__name__, obj)
                found.setdefault(export, obj)
    found.update(_REGISTERED)
    # registered ('package>Name', matched with the saved registered_name) and scoped classes
    for source in (object_registry.GLOBAL_CUSTOM_OBJECTS, object_registry._scoped_objects()):
        for key, obj in source.items():
            if isinstance(obj, type) and issubclass(obj, Layer):
                found[key] = obj
    found.update(custom_objects or {})
    return found


def serialize_layer(layer):
    """``{"class_name", "config"}`` of a layer or a model (JSON-ready)."""
    if _MODEL_HOOKS and _MODEL_HOOKS["is_model"](layer):
        return _MODEL_HOOKS["to_config"](layer)
    config = layer.get_config()
    try:
        json.dumps(config, default=_json_default)
    except (TypeError, ValueError) as err:
        raise ValueError(f"The config of layer '{layer.name}' ({type(layer).__name__}) is not "
                         f"JSON serializable: {err}") from None
    out = {"class_name": type(layer).__name__, "config": config}
    registered = object_registry.get_registered_name(type(layer))
    if registered != type(layer).__name__:  # as Keras 3 writes it
        out["registered_name"] = registered
    return out


def deserialize_layer(config, custom_objects=None):
    """Rebuild a layer (or model) from :func:`serialize_layer`'s output."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"A layer config must be a dict with 'class_name' and 'config', got "
                         f"{config!r:.200}")
    name = config["class_name"]
    classes = layer_classes(custom_objects)
    if name in MODEL_CLASS_NAMES and name not in classes:
        return _MODEL_HOOKS["from_config"](config, custom_objects)
    cls = classes.get(config.get("registered_name")) or classes.get(name)
    if cls is None:
        raise ValueError(f"Unknown layer class '{name}'. Known classes: {sorted(classes)}. For "
                         "a custom layer pass custom_objects={'" + name + "': cls} or "
                         "decorate the class with skdeep.nn.saving.register_serializable")
    try:
        return cls.from_config(dict(config.get("config", {})))
    except (TypeError, ValueError) as err:
        raise ValueError(f"Cannot rebuild a {name} layer from its config: {err}") from None
