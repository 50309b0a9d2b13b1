"""Keras ``config.json`` (Keras 3) and ``model_config`` (Keras 2 / tf.keras) -> skdeep.

A Keras config is translated into skdeep's own config format (see
:mod:`skdeep.nn.saving`) and then built by :func:`skdeep.nn.saving.model_from_config`.
Classes are found by name in a registry (skdeep's layers, then registered
and custom objects); the ``module`` a file names is never imported, and no
code from a file is run. Arguments that skdeep does not implement are dropped
when they leave the computation unchanged (``quantization_config=None``,
``unroll``, ``implementation``...) and refused with a message naming the layer
and the argument otherwise, so a loaded model never silently computes
something else than the Keras one.
"""
import warnings

from .. import constraints, initializers, losses, metrics, optimizers, regularizers

__all__ = [
    "MODEL_CLASSES",
    "KerasFormatError",
    "keras_to_skdeep_config",
    "translate_compile_config",
]

MODEL_CLASSES = ("Functional", "Model", "Sequential")
_SUPPORTED_DTYPES = ("float32", "float64", "int32", "int64", "bool", "uint8", "string")

# Arguments that never change what a layer computes, whatever their value.
_IGNORED = {"seed", "unroll", "implementation", "autocast", "use_cudnn", "renorm_momentum",
            "input_length", "jit_compile", "run_eagerly", "steps_per_execution",
            "ema_momentum", "build_config", "shared_object_id", "reset_dropout_mask",
            "auto_scale_threshold"}
# Arguments that are harmless at one value (besides None and False).
_NEUTRAL = {"data_format": "channels_last", "groups": 1, "lora_alpha": None,
            "time_major": False, "reduction": "sum_over_batch_size", "axis": -1}


class KerasFormatError(ValueError):
    """A Keras file or config that skdeep cannot translate faithfully."""


def _is_neutral(key, value):
    if key in _IGNORED:
        return True
    if value is None or value is False or value == {} or value == []:
        return True
    return key in _NEUTRAL and _NEUTRAL[key] == value


def _keep_accepted(cls, config, what, accepted=None):
    """The entries of ``config`` that ``cls`` accepts; the others must be neutral."""
    import inspect

    if accepted is None:
        accepted = set()
        for klass in cls.__mro__:
            init = klass.__dict__.get("__init__")
            if init is None:
                continue
            params = inspect.signature(init).parameters
            accepted.update(n for n, p in params.items()
                            if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) and n != "self")
            if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
                break
    out = {}
    for key, value in config.items():
        if key in accepted:
            out[key] = value
        elif not _is_neutral(key, value):
            raise KerasFormatError(f"{what} uses {key}={value!r}, which skdeep does not "
                                   "support; the model cannot be loaded faithfully")
    return out


# ---------------------------------------------------------------------------- values
def _dtype_name(value, what):
    if isinstance(value, dict):  # Keras 3 DTypePolicy / tf.keras Policy
        value = (value.get("config") or {}).get("name", "float32")
    if value is None:
        return None
    if value not in _SUPPORTED_DTYPES:
        if value in ("mixed_float16", "mixed_bfloat16", "float16", "bfloat16"):
            warnings.warn(f"{what} uses the dtype policy {value!r}; skdeep computes it in "
                          "float32", stacklevel=5)
            return "float32"
        raise KerasFormatError(f"{what} uses dtype {value!r}, which skdeep does not support")
    return value


_KINDS = {"initializer": initializers, "regularizer": regularizers, "constraint": constraints}


def _object(value, kind, what, ctx):
    """A Keras-serialized initializer/regularizer/constraint -> skdeep config."""
    if value is None or isinstance(value, str):
        return value
    if not isinstance(value, dict) or "class_name" not in value:
        raise KerasFormatError(f"{what}: cannot read {kind} {value!r:.200}")
    name = value["class_name"]
    module = _KINDS[kind]
    cls = getattr(module, "_BY_CLASS", {}).get(name) or getattr(module, name, None)
    if not isinstance(cls, type):
        custom = ctx.lookup(value)
        if custom is None:
            raise KerasFormatError(f"{what} uses the {kind} {name!r}, unknown to skdeep; "
                                   "pass it in custom_objects")
        return custom.from_config(value.get("config") or {}) if hasattr(custom, "from_config") \
            else custom
    config = value.get("config") or {}
    if not isinstance(config, dict):
        raise KerasFormatError(f"{what}: invalid {kind} config {config!r:.200}")
    return {"class_name": cls.__name__,
            "config": _keep_accepted(cls, config, f"{what} ({kind} {name})")}


def _activation(value, what, ctx):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        if value.get("module") == "keras.activations" or value.get("class_name") == "function" \
                and str(value.get("module", "")).startswith("keras"):
            return value.get("config")
        found = ctx.lookup(value)
        if found is not None:
            return found
    raise KerasFormatError(f"{what} uses the activation {value!r:.200}, unknown to skdeep; "
                           "pass the function in custom_objects")


def _layer_kwargs(cls, class_name, config, what, ctx):
    out = {}
    for key, value in config.items():
        if key == "shared_object_id":
            continue
        if key == "dtype":
            value = _dtype_name(value, what)
        elif key == "activation" or key == "recurrent_activation":
            value = _activation(value, what, ctx)
        elif key in ("layer", "backward_layer") and isinstance(value, dict):
            value = ctx.layer_entry(value)
        elif key.rsplit("_", 1)[-1] in _KINDS:
            value = _object(value, key.rsplit("_", 1)[-1], what, ctx)
        if key == "axis" and isinstance(value, list) and len(value) == 1:
            value = value[0]
        out[key] = value
    return _keep_accepted(cls, out, what)


def _input_layer(config, what):
    config = dict(config)
    for key in ("sparse", "ragged", "optional"):
        if config.pop(key, False):
            raise KerasFormatError(f"{what} is {key}, which skdeep does not support")
    shape = config.pop("batch_shape", None) or config.pop("batch_input_shape", None)
    if shape is None:
        shape = [config.pop("batch_size", None)] + list(config.pop("shape", None) or [])
    config.pop("input_tensor", None)
    return {"name": config.get("name"), "shape": list(shape[1:]), "batch_size": shape[0],
            "dtype": _dtype_name(config.get("dtype"), what) or "float32"}


# ---------------------------------------------------------------------------- the walk
class _Context:
    def __init__(self, custom_objects, safe_mode, keras_major=3):
        from ..layers.serialization import layer_classes as _layer_classes

        self.keras_major = keras_major

        self.custom = dict(custom_objects or {})
        self.safe_mode = safe_mode
        self.classes = _layer_classes(self.custom)
        self.builtin = set()
        from .. import layers as layers_module

        for name in getattr(layers_module, "__all__", ()):
            obj = getattr(layers_module, name, None)
            if isinstance(obj, type):
                self.builtin.add(obj)

    def is_builtin(self, cls):
        return cls in self.builtin

    def lookup(self, value):
        """A custom object named by a Keras serialized dict, or None."""
        from ..object_registry import lookup

        class_name = value.get("class_name")
        if class_name == "function" and isinstance(value.get("config"), str):
            class_name = value["config"]
        return lookup(class_name, value.get("registered_name"), self.custom)

    def layer_class(self, entry):
        class_name = entry.get("class_name")
        registered = entry.get("registered_name")
        module = str(entry.get("module") or "")
        found = self.lookup(entry)
        if isinstance(found, type):
            return found
        if (not module or module.startswith("keras")) and class_name in self.classes:
            return self.classes[class_name]
        raise KerasFormatError(
            f"Unknown layer class {class_name!r}"
            + (f" (module {module!r}, registered as {registered!r})" if module else "")
            + ": skdeep has no such layer. For a custom layer pass custom_objects="
            + "{'" + str(registered or class_name) + "': cls} or register it with "
            "skdeep.nn.saving.register_keras_serializable")

    def layer_entry(self, entry):
        """A Keras layer entry -> skdeep's {"class_name", "config"} (models included)."""
        if not isinstance(entry, dict) or "class_name" not in entry:
            raise KerasFormatError(f"Invalid layer entry {entry!r:.200}")
        class_name = entry["class_name"]
        config = entry.get("config") or {}
        what = f"Keras {class_name} layer '{config.get('name', '?')}'"
        if class_name in MODEL_CLASSES and not self._custom_name(entry):
            return self.model(entry)
        if class_name == "InputLayer":
            return {"class_name": "InputLayer", "config": _input_layer(config, what)}
        if class_name == "Lambda":
            config = dict(config, function=self.function(config.get("function"), what))
        cls = self.layer_class(entry)
        kwargs = _layer_kwargs(cls, class_name, config, what, self)
        name = class_name if self.is_builtin(cls) else _register_temp(self, cls)
        return {"class_name": name, "config": kwargs}

    def _custom_name(self, entry):
        return entry.get("registered_name") not in (None, "Functional") \
            and self.lookup(entry) is not None

    def function(self, function, what):
        """A Lambda's function: registered or custom by name, or (only with
        ``safe_mode=False``, as in Keras) rebuilt from the file's bytecode."""
        if isinstance(function, dict) and function.get("class_name") == "__lambda__":
            from ..object_registry import load_lambda

            return load_lambda(function.get("config") or {}, self.safe_mode, what=what)
        if isinstance(function, dict):
            found = self.lookup(function)
            if found is not None:
                return found
            if function.get("class_name") == "function":  # a built-in op or activation
                from ..object_registry import deserialize_keras_object

                try:
                    return deserialize_keras_object(function, self.custom)
                except ValueError:
                    pass
        raise KerasFormatError(f"{what} calls the function {function!r:.200}, unknown to "
                               "skdeep: pass it in custom_objects or register it with "
                               "register_keras_serializable")

    # ------------------------------------------------------------------ models
    def model(self, entry):
        if entry["class_name"] == "Sequential":
            return self.sequential(entry)
        return self.functional(entry)

    def sequential(self, entry):
        config = entry.get("config") or {}
        if isinstance(config, list):  # Keras 1 / early Keras 2: a bare list of layers
            config = {"layers": config}
        layers = [self.layer_entry(e) for e in config.get("layers", [])]
        out = {"name": config.get("name"), "trainable": config.get("trainable", True),
               "layers": layers}
        shape = config.get("build_input_shape")
        if shape and not any(e["class_name"] == "InputLayer" for e in layers[:1]) \
                and not any("batch_input_shape" in e["config"] for e in layers[:1]):
            out["layers"] = [{"class_name": "InputLayer",
                              "config": {"shape": list(shape[1:]), "batch_size": shape[0],
                                         "name": None}}] + layers
        return {"class_name": "Sequential", "config": out}

    def functional(self, entry):
        config = entry.get("config") or {}
        raw = config.get("layers", [])
        # Node indices skip a model's own first node in input_layers/output_layers;
        # tf.keras also counted it in inbound_nodes, Keras 3 does not.
        functional = {e.get("name") for e in raw if self._has_own_node(e)}
        keras2 = self.keras_major < 3
        in_nodes = functional if keras2 else set()
        mask_only = self._mask_only(raw)
        layers = []
        for e in raw:
            if e.get("name") in mask_only:
                continue
            translated = self.layer_entry(e)
            if e.get("class_name") == "MultiHeadAttention":
                nodes = [self.attention_node(n, in_nodes) for n in e.get("inbound_nodes", [])]
            else:
                nodes = [self.node(n, in_nodes, e) for n in e.get("inbound_nodes", [])]
            layers.append(dict(translated, name=e.get("name"), inbound_nodes=nodes))
        inputs = self.refs(config.get("input_layers"), functional, keras2)
        outputs = self.refs(config.get("output_layers"), functional, keras2)
        return {"class_name": "Functional",
                "config": {"name": config.get("name"), "trainable": config.get("trainable", True),
                           "layers": layers, "input_layers": inputs, "output_layers": outputs}}

    @staticmethod
    def _mask_only(raw):
        """Operations (Keras records ``ops.not_equal`` for an Embedding's mask) whose
        outputs only feed ``mask=`` arguments: skdeep propagates masks itself."""
        used, mask_used = set(), set()

        def collect(value, into):
            if isinstance(value, dict):
                if value.get("class_name") == "__keras_tensor__":
                    into.add(value["config"]["keras_history"][0])
                else:
                    for v in value.values():
                        collect(v, into)
            elif isinstance(value, list):
                for v in value:
                    collect(v, into)

        for e in raw:
            for node in e.get("inbound_nodes", []):
                if isinstance(node, dict):
                    collect(node.get("args"), used)
                    kwargs = node.get("kwargs") or {}
                    collect({k: v for k, v in kwargs.items() if k != "mask"}, used)
                    collect(kwargs.get("mask"), mask_used)
        return {e.get("name") for e in raw if e.get("name") in mask_used - used
                and str(e.get("module", "keras.src.ops")).startswith("keras.src.ops")}

    def _has_own_node(self, entry):
        """Whether Keras counted a node created with the model itself (node indices
        in the file then start at 1): Keras 3 does for functional models, tf.keras
        for functional and Sequential models that start with an InputLayer."""
        name = entry.get("class_name")
        if name in ("Functional", "Model"):
            return True
        if name == "Sequential" and self.keras_major < 3:
            layers = (entry.get("config") or {}).get("layers") or [{}]
            return layers[0].get("class_name") == "InputLayer"
        return False

    @staticmethod
    def _ref(history, functional):
        name, node_index, tensor_index = history[0], int(history[1]), int(history[2])
        if name in functional:
            node_index -= 1
        return [name, node_index, tensor_index]

    def refs(self, spec, functional, keras2):
        if isinstance(spec, dict):
            spec = list(spec.values())
        if spec and isinstance(spec[0], str):
            return self._ref(spec, functional)
        refs = [self._ref(s, functional) for s in spec]
        if keras2 and len(refs) == 1:  # tf.keras lists single inputs; calls give one array
            return refs[0]
        return refs

    def node(self, node, functional, entry=None):
        if isinstance(node, list):  # Keras 2: [[name, node_index, tensor_index, kwargs], ...]
            args = [self._ref(item[:3], functional) for item in node]
            kwargs = node[0][3] if node and len(node[0]) > 3 else {}
            return {"args": args, "list_input": len(args) > 1,
                    **self.kwargs(kwargs, functional)}
        positional = node.get("args", [])
        if not positional:
            raise KerasFormatError(f"Invalid inbound node {node!r:.200}")
        first, rest = positional[0], positional[1:]
        if entry is not None and (any(r is not None for r in rest) or any(
                _is_keras_tensor(v) for v in (node.get("kwargs") or {}).values())):
            cls = self.layer_class(entry)
            if getattr(cls, "_call_defined", False):
                return self.call_node(node, functional, cls)
        if any(r is not None for r in rest):
            raise KerasFormatError(f"A layer call with several positional arguments "
                                   f"({node!r:.200}) is not supported by skdeep")
        list_input = isinstance(first, (list, tuple))
        tensors = list(first) if list_input else [first]
        args = []
        for t in tensors:
            if not (isinstance(t, dict) and t.get("class_name") == "__keras_tensor__"):
                raise KerasFormatError(f"A layer called on a constant ({t!r:.100}) is not "
                                       "supported by skdeep")
            args.append(self._ref(t["config"]["keras_history"], functional))
        return {"args": args, "list_input": list_input,
                **self.kwargs(node.get("kwargs") or {}, functional)}

    def call_node(self, node, functional, cls):
        """A Keras call of a custom ``call(self, targets, logits, ...)`` layer on several
        tensors as skdeep's packed list call (see ``skdeep.nn.layers._call_args``)."""
        from ..layers import _call_args

        positional, _, _ = _call_args._params(cls)
        args, kwargs = list(node["args"]), dict(node.get("kwargs") or {})
        if len(args) - 1 > len(positional) or not _is_keras_tensor(args[0]):
            raise KerasFormatError(f"A {cls.__name__} call {node!r:.200} does not match its "
                                   "call() signature")
        tensors, leading = {}, 0
        for i, (name, value) in enumerate(zip(positional, args[1:])):
            if _is_keras_tensor(value):
                tensors[name] = value
                leading += leading == i
            elif value is not None:
                kwargs[name] = value
        tensors.update((k, kwargs.pop(k)) for k in list(kwargs) if _is_keras_tensor(kwargs[k]))
        refs = [self._ref(t["config"]["keras_history"], functional)
                for t in [args[0]] + list(tensors.values())]
        out = self.kwargs(kwargs, functional)
        out.setdefault("kwargs", {})[_call_args.KEY] = {"names": list(tensors),
                                                         "positional": leading}
        return {"args": refs, "list_input": True, **out}

    def attention_node(self, node, functional):
        """A Keras ``mha(query, value, key=, attention_mask=)`` call as skdeep's
        packed list call (``roles`` names each input)."""
        if not isinstance(node, dict):
            raise KerasFormatError("MultiHeadAttention nodes of tf.keras files are not "
                                   "supported by skdeep")
        positional = list(node.get("args", []))
        kwargs = dict(node.get("kwargs") or {})
        roles = ["query", "value", "key"][:len(positional)]
        for role in ("query", "value", "key", "attention_mask"):
            if kwargs.get(role) is not None and role not in roles:
                positional.append(kwargs.pop(role))
                roles.append(role)
            else:
                kwargs.pop(role, None)
        args = []
        for t in positional:
            if not (isinstance(t, dict) and t.get("class_name") == "__keras_tensor__"):
                raise KerasFormatError(f"A MultiHeadAttention call on a constant ({t!r:.100}) "
                                       "is not supported by skdeep")
            args.append(self._ref(t["config"]["keras_history"], functional))
        out = self.kwargs(kwargs, functional)
        out.setdefault("kwargs", {})["roles"] = roles
        return {"args": args, "list_input": True, **out}

    @staticmethod
    def kwargs(kwargs, functional):
        out = {}
        for key, value in kwargs.items():
            if key == "mask" or value is None:
                continue  # masks propagate through skdeep's graph on their own
            if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
                raise KerasFormatError(f"A layer call with a tensor keyword argument "
                                       f"{key!r} is not supported by skdeep")
            out[key] = value
        return {"kwargs": out} if out else {}


def _is_keras_tensor(value):
    return isinstance(value, dict) and value.get("class_name") == "__keras_tensor__"


def _register_temp(ctx, cls):
    ctx.classes[cls.__name__] = cls
    ctx.custom.setdefault(cls.__name__, cls)
    return cls.__name__


def keras_to_skdeep_config(config, custom_objects=None, safe_mode=True, keras_major=3):
    """Translate a Keras model config into skdeep's, with the custom objects it needs.

    ``keras_major`` is the Keras version that wrote it (3, or 2 for tf.keras).
    Returns ``(skdeep_config, custom_objects)`` for
    :func:`skdeep.nn.saving.model_from_config`.
    """
    ctx = _Context(custom_objects, safe_mode, keras_major)
    if not isinstance(config, dict) or config.get("class_name") not in MODEL_CLASSES:
        got = config.get("class_name") if isinstance(config, dict) else type(config).__name__
        raise KerasFormatError(f"Not a Keras model config: class_name {got!r}")
    return ctx.model(config), ctx.custom


# ---------------------------------------------------------------------------- compile
def _named(value, module, kind, ctx):
    """A Keras loss/metric/optimizer spec -> a skdeep object or name."""
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [_named(v, module, kind, ctx) for v in value]
    if isinstance(value, dict) and "class_name" not in value:
        return {k: _named(v, module, kind, ctx) for k, v in value.items()}
    name = value.get("class_name")
    config = value.get("config") or {}
    if name == "function":  # a built-in loss/metric function serialized by name
        return config
    cls = getattr(module, "_BY_CLASS", {}).get(name) or getattr(module, name, None)
    if not isinstance(cls, type):
        found = ctx.lookup(value)
        if found is None:
            raise KerasFormatError(f"unknown {kind} {name!r}")
        return found
    return cls(**_keep_accepted(cls, config, f"the {kind} {name}"))


def translate_compile_config(config, custom_objects=None):
    """Keras ``compile_config`` (or legacy ``training_config``) -> ``compile()`` kwargs."""
    ctx = _Context(custom_objects, True)
    opt = config.get("optimizer", config.get("optimizer_config"))
    if isinstance(opt, dict):
        name = opt.get("class_name")
        cls = getattr(optimizers, "_BY_CLASS", {}).get(name) or getattr(optimizers, name, None)
        if not isinstance(cls, type):
            raise KerasFormatError(f"unknown optimizer {name!r}")
        opt_config = dict(opt.get("config") or {})
        lr = opt_config.get("learning_rate")
        if isinstance(lr, dict):  # a schedule, in Keras' serialized form
            from ..optimizers import schedules

            try:
                opt_config["learning_rate"] = schedules.deserialize(lr, ctx.custom)
            except ValueError as err:
                raise KerasFormatError(str(err)) from None
        opt = cls(**_keep_accepted(cls, opt_config, f"the optimizer {name}"))
    out = {"optimizer": opt or "rmsprop",
           "loss": _named(config.get("loss"), losses, "loss", ctx),
           "metrics": _named(config.get("metrics"), metrics, "metric", ctx),
           "loss_weights": config.get("loss_weights")}
    weighted = _named(config.get("weighted_metrics"), metrics, "metric", ctx)
    if weighted:
        out["weighted_metrics"] = weighted
    return out
