"""Keras 3's object registration: which classes and functions a file may name.

Loading never imports a module named by a file: a saved ``class_name`` (or
Keras' ``registered_name``) is resolved only through, in order, the active
:func:`custom_object_scope` dicts, the global custom objects (filled by
:func:`register_keras_serializable`), the ``custom_objects`` passed to the
loader, and skdeep's own built-in classes and functions.

Examples
--------
>>> from skdeep.nn import saving
>>> from skdeep.nn.layers import Layer
>>> @saving.register_keras_serializable(package="MyLayers")
... class Scale(Layer):
...     def call(self, inputs):
...         return inputs * 2
>>> saving.get_registered_name(Scale)
'MyLayers>Scale'
>>> saving.get_registered_object("MyLayers>Scale") is Scale
True
"""
import base64
import contextlib
import inspect
import marshal
import threading
import types

__all__ = [
    "CustomObjectScope",
    "LambdaRefusedError",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "register_keras_serializable",
    "serialize_keras_object",
]

GLOBAL_CUSTOM_OBJECTS = {}
GLOBAL_CUSTOM_NAMES = {}
_scopes = threading.local()


class LambdaRefusedError(ValueError):
    """Raised when a file holds Python code (a lambda) and ``safe_mode`` is on."""


class SafeModeScope:
    """``with SafeModeScope(False):`` lets loading inside the block rebuild
    Python lambdas from bytecode (what ``load_model(safe_mode=False)`` does)."""

    def __init__(self, safe_mode=True):
        self.safe_mode = True if safe_mode is None else bool(safe_mode)

    def __enter__(self):
        self._outer = getattr(_scopes, "safe_mode", True)
        _scopes.safe_mode = self.safe_mode
        return self

    def __exit__(self, *exc):
        _scopes.safe_mode = self._outer
        return False


def in_safe_mode():
    """Whether loading may not run code from files (True unless a SafeModeScope says so)."""
    return getattr(_scopes, "safe_mode", True)


def register_keras_serializable(package="Custom", name=None):
    """Register a class or function under ``'package>name'`` for loading.

    Parameters
    ----------
    package : str, default 'Custom'
    name : str, optional
        Defaults to the class or function name.

    Returns
    -------
    decorator
    """
    if not isinstance(package, str) or ">" in package:
        raise ValueError(f"package must be a string without '>', got {package!r}")

    def decorator(arg):
        obj_name = name if name is not None else getattr(arg, "__name__", None)
        if not obj_name:
            raise ValueError(f"Cannot register {arg!r}: it has no __name__; pass name=")
        registered = f"{package}>{obj_name}"
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method")
        current = GLOBAL_CUSTOM_OBJECTS.get(registered)
        if current is not None and current is not arg and (
                getattr(current, "__qualname__", None) != getattr(arg, "__qualname__", None) or
                getattr(current, "__module__", None) != getattr(arg, "__module__", None)):
            raise ValueError(f"{registered} has already been registered to {current}")
        GLOBAL_CUSTOM_OBJECTS[registered] = arg
        GLOBAL_CUSTOM_NAMES[arg] = registered
        return arg

    return decorator


def get_custom_objects():
    """The global dict of custom objects (mutable: ``get_custom_objects()['X'] = X``)."""
    return GLOBAL_CUSTOM_OBJECTS


def _scope_stack():
    stack = getattr(_scopes, "stack", None)
    if stack is None:
        stack = _scopes.stack = []
    return stack


class CustomObjectScope:
    """Make custom objects visible to loading inside a ``with`` block.

    Parameters
    ----------
    *custom_objects : dict
        ``{name: class_or_function}`` mappings.
    """

    def __init__(self, *custom_objects):
        self.custom_objects = {}
        for objects in custom_objects:
            if objects is None:
                continue
            if not isinstance(objects, dict):
                raise TypeError(f"custom_object_scope takes dicts, got {type(objects).__name__}")
            self.custom_objects.update(objects)

    def __enter__(self):
        _scope_stack().append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _scope_stack().pop()
        return False


custom_object_scope = CustomObjectScope


def _scoped_objects():
    merged = {}
    for objects in _scope_stack():
        merged.update(objects)
    return merged


def custom_objects_in_view():
    """The global and scoped custom objects, by name (a scope's entries win)."""
    return {**GLOBAL_CUSTOM_OBJECTS, **_scoped_objects()}


def get_registered_name(obj):
    """The name ``obj`` is saved under: ``'package>name'`` if registered, else its name."""
    if obj in GLOBAL_CUSTOM_NAMES:
        return GLOBAL_CUSTOM_NAMES[obj]
    return obj.__name__


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The class or function registered (or passed) under ``name``, or None."""
    for source in (_scoped_objects(), GLOBAL_CUSTOM_OBJECTS, custom_objects or {},
                   module_objects or {}):
        if name in source:
            return source[name]
    return None


def lookup(class_name, registered_name=None, custom_objects=None, builtins=None):
    """Resolve a saved class: its registered name first, then the plain class name
    (which finds classes passed in ``custom_objects`` or a scope)."""
    for key in (registered_name, class_name):
        if not key:
            continue
        found = get_registered_object(key, custom_objects, builtins)
        if found is not None:
            return found
    return None


# ---------------------------------------------------------------------------- (de)serialization
#: the modules whose public classes and functions a file may name, in lookup
#: order; skdeep.nn fills it at import (this registry sits below them all)
BUILTIN_MODULES = []


def _builtin_modules():
    return BUILTIN_MODULES


def _builtin(name, module_name=None):
    modules = _builtin_modules()
    if module_name:  # prefer the family the file names (".ops." vs ".activations")
        parts = set(str(module_name).split("."))
        modules = sorted(modules, key=lambda m: m.__name__.rpartition(".")[2] not in parts)
    for module in modules:
        obj = getattr(module, name, None)
        if obj is not None and (inspect.isclass(obj) or callable(obj)):
            return obj
    return None


def _dump_lambda(fn):
    code = marshal.dumps(fn.__code__)
    return {"code": base64.b64encode(code).decode("ascii"),
            "defaults": list(fn.__defaults__ or ()), "closure": None}


def load_lambda(config, safe_mode=True, what="a Lambda layer"):
    """Rebuild a function saved by :func:`serialize_keras_object` (Python bytecode).

    Refused unless ``safe_mode=False``: running it executes code from the file.
    """
    if safe_mode:
        raise LambdaRefusedError(
            f"The file contains {what} whose Python code is stored as bytecode; loading it "
            "would run that code. If you trust the file, load it with safe_mode=False "
            "(e.g. load_model(path, safe_mode=False)); otherwise register a named function "
            "with register_keras_serializable and save again")
    code = marshal.loads(base64.b64decode(config["code"]))
    from . import ops

    return types.FunctionType(code, {"ops": ops, "__builtins__": __builtins__},
                              None, tuple(config.get("defaults") or ()) or None)


def serialize_keras_object(obj):
    """A JSON-ready description of ``obj`` in Keras 3's layout
    (``module``, ``class_name``, ``config``, ``registered_name``)."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(o) for o in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, types.FunctionType) and obj.__name__ == "<lambda>":
        return {"module": "builtins", "class_name": "__lambda__", "config": _dump_lambda(obj),
                "registered_name": "__lambda__"}
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return {"module": obj.__module__, "class_name": "function",
                "config": get_registered_name(obj), "registered_name": "function"}
    if inspect.isclass(obj):
        raise TypeError(f"serialize_keras_object takes an instance, got the class {obj!r}")
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize {obj!r}: it has no get_config()")
    cls = type(obj)
    return {"module": cls.__module__, "class_name": cls.__name__, "config": obj.get_config(),
            "registered_name": get_registered_name(cls)}


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """Rebuild an object from :func:`serialize_keras_object`'s output.

    Only registered, passed (``custom_objects``), scoped or built-in classes
    and functions are instantiated; no module is imported from the config.
    """
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        obj = lookup(config, None, custom_objects) or _builtin(config)
        if obj is None:
            raise ValueError(f"Unknown object name {config!r}")
        return obj
    if isinstance(config, list):
        return [deserialize_keras_object(c, custom_objects, safe_mode) for c in config]
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Cannot deserialize {config!r:.200}: expected a dict with 'class_name'")
    class_name = config["class_name"]
    inner = config.get("config")
    if class_name == "__lambda__":
        return load_lambda(inner, safe_mode, what="a lambda")
    if class_name == "function":
        name = inner if isinstance(inner, str) else None
        fn = lookup(name, None, custom_objects) or (
            name and _builtin(name.rpartition(">")[2], config.get("module")))
        if fn is None:
            raise ValueError(f"Unknown function {name!r}: register it with "
                             "register_keras_serializable or pass custom_objects")
        return fn
    cls = lookup(class_name, config.get("registered_name"), custom_objects) or \
        _builtin(class_name)
    if cls is None:
        raise ValueError(
            f"Unknown class '{config.get('registered_name') or class_name}'. Register it "
            f"with @register_keras_serializable(), pass custom_objects={{'{class_name}': "
            f"{class_name}}} or load inside custom_object_scope")
    if inner is None:
        inner = {}
    with contextlib.ExitStack() as stack:
        if custom_objects:
            stack.enter_context(CustomObjectScope(custom_objects))
        if hasattr(cls, "from_config"):
            return cls.from_config(inner)
        return cls(**inner)
