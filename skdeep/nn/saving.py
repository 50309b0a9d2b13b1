"""Saving and loading models in a safe format: a zip of JSON and ``.npz`` entries.

A model file (any extension; ``.keras`` recommended) holds::

    metadata.json    format name and version, optimizer class
    config.json      architecture ({"class_name", "config"}) and compile arguments
    weights.json     per layer: its path and the names and shapes of its weights
    weights.npz      the weight arrays, in the order of weights.json
    optimizer.npz    the optimizer state (Optimizer.get_slots()), if compiled

A weights file (``save_weights``) has the same entries without config.json.
Loading parses JSON and reads arrays with ``allow_pickle=False``; classes are
looked up by name among the exported layers, so a file cannot run code.
Every write goes through :func:`skdeep.nn._io.atomic_write`: a temporary file
in the target's directory moved into place with ``os.replace``, so an
interrupted save leaves the old file intact (symlinks are followed).
"""
import inspect
import io
import json
import warnings
import zipfile

import numpy as np

from . import backend, losses, metrics, optimizers
from ._io import atomic_write, write_bytes
from ._limits import weight_guard
from ._saved_reader import _MODEL, _WEIGHTS, FORMAT_VERSION, open_saved
from .layers.base import InputLayer
from .layers.serialization import (MODEL_CLASS_NAMES, _json_default, deserialize_layer,
                                   register_serializable, serialize_layer)
from .object_registry import (
    CustomObjectScope,
    custom_object_scope,
    deserialize_keras_object,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    serialize_keras_object,
)

__all__ = ["save_model", "load_model", "save_weights", "load_weights", "model_to_bytes",
           "model_from_bytes", "model_to_config", "model_from_config", "serialize_layer",
           "deserialize_layer", "register_serializable", "atomic_write",
           "register_keras_serializable", "custom_object_scope", "CustomObjectScope",
           "get_custom_objects", "get_registered_name", "get_registered_object",
           "serialize_keras_object", "deserialize_keras_object"]

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: same model, same bytes
_MODEL_CLASSES = MODEL_CLASS_NAMES


# ---------------------------------------------------------------------------- files
def _zip_bytes(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, payload in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            # arrays are stored as they are: deflating float weights costs time, saves little
            info.compress_type = (zipfile.ZIP_DEFLATED if name.endswith(".json")
                                  else zipfile.ZIP_STORED)
            info.external_attr = 0o644 << 16
            zf.writestr(info, payload)
    return buf.getvalue()


def _npz_bytes(arrays):
    """An ``.npz`` (readable by ``np.load``) with deterministic bytes."""
    entries = []
    for name, value in arrays.items():
        buf = io.BytesIO()
        np.lib.format.write_array(buf, np.asarray(value), allow_pickle=False)
        entries.append((f"{name}.npy", buf.getvalue()))
    return _zip_bytes(entries)


def _dumps(obj):
    return json.dumps(obj, default=_json_default, indent=1).encode("utf-8")




# ---------------------------------------------------------------------------- model configs
def model_to_config(model):
    """The architecture of a Sequential or functional model as
    ``{"class_name": "Sequential" | "Functional", "config": {...}}``."""
    from .model import Sequential

    if model._call_defined:  # a subclassed model: its class, config and build shape
        from . import _subclassed

        return _subclassed.config_of(model)
    if isinstance(model, Sequential):
        stack = ([model._input_layer] if model._input_layer is not None else []) + model._stack
        config = {"name": model.name, "trainable": model.trainable,
                  "layers": [serialize_layer(layer) for layer in stack]}
        return {"class_name": "Sequential", "config": config}
    model._ensure_graph()
    return {"class_name": "Functional", "config": _functional_config(model)}


def _functional_config(model):
    own_nodes = {id(node) for node in model._nodes}
    local = {}  # node id -> index among this layer's nodes that belong to the model
    for layer in model._all_layers:
        mine = [n for n in layer._inbound_nodes if id(n) in own_nodes]
        local.update((id(n), i) for i, n in enumerate(mine))
    refs, entries = {}, []
    names = {layer.name for layer in model._all_layers}
    if len(names) != len(model._all_layers):
        dup = sorted({l.name for l in model._all_layers
                      if sum(m.name == l.name for m in model._all_layers) > 1})
        raise ValueError(f"Model '{model.name}' has several layers named {dup}; layer names "
                         "must be unique to save the model")
    for t in model._input_tensors:
        if isinstance(t.node.layer, InputLayer):
            refs[id(t)] = [t.node.layer.name, 0, 0]
        elif id(t) not in refs:  # an intermediate tensor used as input: give it an Input
            name = f"{t.name}_input"
            while name in names:
                name += "_"
            names.add(name)
            layer = InputLayer(shape=t.shape[1:], batch_size=t.shape[0], dtype=t.dtype, name=name)
            entries.append(dict(serialize_layer(layer), name=name, inbound_nodes=[]))
            refs[id(t)] = [name, 0, 0]
    for node in model._nodes:
        for j, t in enumerate(node.outputs):
            refs[id(t)] = [node.layer.name, local[id(node)], j]
    for layer in model._all_layers:
        nodes = []
        for node in (n for n in layer._inbound_nodes if id(n) in own_nodes):
            entry = {"args": [refs[id(t)] for t in node.inputs], "list_input": node.list_input}
            kwargs = dict(node.call_kwargs)
            if node.training is not None:
                kwargs["training"] = node.training
            if kwargs:
                entry["kwargs"] = kwargs
            nodes.append(entry)
        entries.append(dict(serialize_layer(layer), name=layer.name, inbound_nodes=nodes))

    def ref_of(tensors, is_list):
        out = [refs[id(t)] for t in tensors]
        return out if is_list else out[0]

    return {"name": model.name, "trainable": model.trainable, "layers": entries,
            "input_layers": ref_of(model._input_tensors, model._input_is_list),
            "output_layers": ref_of(model._output_tensors, model._output_is_list)}


def model_from_config(config, custom_objects=None):
    """Build an (unweighted, uncompiled) model from :func:`model_to_config`'s output.

    The ``custom_objects`` are in view of every layer's ``from_config`` (as in
    Keras), e.g. for a custom activation function a layer config names."""
    with CustomObjectScope(custom_objects):
        return _model_from_config(config, custom_objects)


def _model_from_config(config, custom_objects):
    from .model import Model, Sequential

    if isinstance(config, dict) and "build_input_shape" in config and \
            config.get("class_name") not in _MODEL_CLASSES:
        from . import _subclassed

        return _subclassed.from_config(config, custom_objects)
    if not isinstance(config, dict) or config.get("class_name") not in _MODEL_CLASSES:
        got = config.get("class_name") if isinstance(config, dict) else config
        raise ValueError(f"Not a model config: expected class_name 'Sequential' or "
                         f"'Functional', got {got!r:.100}")
    cfg = config.get("config") or {}
    try:
        if config["class_name"] == "Sequential":
            model = Sequential(name=cfg.get("name"), trainable=cfg.get("trainable", True))
            for layer_config in cfg.get("layers", []):
                model.add(deserialize_layer(layer_config, custom_objects))
            return model
        inputs, outputs = _rebuild_graph(cfg, custom_objects)
        return Model(inputs, outputs, name=cfg.get("name"), trainable=cfg.get("trainable", True))
    except (KeyError, IndexError, TypeError) as err:
        raise ValueError(f"Invalid model config for '{cfg.get('name')}': {err!r}") from None


def _rebuild_graph(cfg, custom_objects):
    layers, tensors, pending = {}, {}, []
    for entry in cfg["layers"]:
        layer = deserialize_layer(entry, custom_objects)
        layers[entry["name"]] = layer
        if isinstance(layer, InputLayer):
            tensors[(layer.name, 0, 0)] = layer._inbound_nodes[0].outputs[0]
        pending.extend((entry["name"], i, node) for i, node in enumerate(entry["inbound_nodes"]))
    done = set()
    # A layer's calls are replayed in their original order, each once its inputs
    # exist; shared layers can make that order differ from the layer order.
    while pending:
        ready = [p for p in pending
                 if (p[1] == 0 or (p[0], p[1] - 1) in done)
                 and all(tuple(ref) in tensors for ref in p[2]["args"])]
        if not ready:
            raise ValueError(f"Invalid model config for '{cfg.get('name')}': the layer graph "
                             f"cannot be rebuilt (missing inputs for {pending[0][0]!r})")
        for name, index, node in ready:
            args = [tensors[tuple(ref)] for ref in node["args"]]
            out = layers[name](args if node.get("list_input") else args[0],
                               **node.get("kwargs", {}))
            for j, t in enumerate(out if isinstance(out, list) else [out]):
                tensors[(name, index, j)] = t
            done.add((name, index))
        pending = [p for p in pending if (p[0], p[1]) not in done]

    def lookup(spec):
        if spec and isinstance(spec[0], list):
            return [tensors[tuple(ref)] for ref in spec]
        return tensors[tuple(spec)]

    return lookup(cfg["input_layers"]), lookup(cfg["output_layers"])


# ---------------------------------------------------------------------------- compile args
class _NotSerializable(Exception):
    pass


def _serialize_spec(obj, kind):
    if obj is None or isinstance(obj, (str, bool, int, float)):
        return obj
    if isinstance(obj, np.number):
        return obj.item()
    if isinstance(obj, (list, tuple)):
        return [_serialize_spec(o, kind) for o in obj]
    if isinstance(obj, dict):
        return {str(k): _serialize_spec(v, kind) for k, v in obj.items()}
    if isinstance(obj, losses.Loss):
        config = losses.serialize(obj)
        try:
            ok = type(losses.get(config)) is type(obj)
        except (TypeError, ValueError):
            ok = False
        if ok:
            return {"__object__": "loss", **config}
    elif isinstance(obj, metrics.Metric):
        cls = type(obj)
        if getattr(metrics, cls.__name__, None) is cls and cls is not metrics.MeanMetricWrapper:
            config = dict(obj.get_config(), **getattr(obj, "kwargs", {}))
            return {"__object__": "metric", "class_name": cls.__name__, "config": config}
    elif callable(obj):
        for module_name, module in (("losses", losses), ("metrics", metrics)):
            if getattr(module, getattr(obj, "__name__", ""), None) is obj:
                return {"__object__": "function", "module": module_name, "name": obj.__name__}
    raise _NotSerializable(f"{kind} {obj!r}")


def _deserialize_spec(obj):
    if isinstance(obj, list):
        return [_deserialize_spec(o) for o in obj]
    if not isinstance(obj, dict):
        return obj
    kind = obj.get("__object__")
    if kind is None:
        return {k: _deserialize_spec(v) for k, v in obj.items()}
    if kind == "loss":
        return losses.get({"class_name": obj["class_name"], "config": obj["config"]})
    if kind == "function":
        fn = _registered_function(obj.get("module"), obj.get("name"))
        if fn is None:
            raise ValueError(f"Unknown object in compile config: {obj.get('module')!r:.40} "
                             f"function {obj.get('name')!r:.80} is not a registered loss or "
                             "metric")
        return fn
    name = obj.get("class_name")
    cls = getattr(metrics, name, None) if isinstance(name, str) else None
    if kind != "metric" or name not in metrics.__all__ or not (
            isinstance(cls, type) and issubclass(cls, metrics.Metric)) or \
            cls in (metrics.Metric, metrics.MeanMetricWrapper) or \
            not isinstance(obj.get("config", {}), dict):
        raise ValueError(f"Unknown object in compile config: {obj!r:.200}")
    return cls(**obj.get("config", {}))


def _registered_function(module_name, name):
    """The loss or metric function (or class) registered under ``name`` -- not
    any callable attribute of the module (``metrics.register`` is callable too)."""
    module = {"losses": losses, "metrics": metrics}.get(module_name)
    if module is None or not isinstance(name, str) or name not in module.__all__:
        return None
    fn = getattr(module, name)
    base = losses.Loss if module is losses else metrics.Metric
    if isinstance(fn, type):
        # a class is allowed when it is one of ours (compile(metrics=[R2Score])), not a base
        ok = issubclass(fn, base) and fn not in (losses.Loss, metrics.Metric,
                                                 metrics.MeanMetricWrapper)
        return fn if ok else None
    if not inspect.isfunction(fn):
        return None
    try:
        if module is losses:
            # loss functions carry their class: losses.get resolves exactly those
            return fn if getattr(fn, "loss_class", None) is not None and losses.get(fn) else None
        metrics.get(name)  # a registered metric name, not a helper such as 'register'
    except (TypeError, ValueError):
        return None
    return fn


def _compile_config(model):
    if not getattr(model, "compiled", False):
        return None
    try:
        optimizer = optimizers.serialize(model.optimizer)
        if type(optimizers.get(optimizer)) is not type(model.optimizer):
            raise _NotSerializable(f"optimizer {model.optimizer!r}")
        spec = {k: _serialize_spec(v, k) for k, v in model._compile_spec.items()}
        json.dumps(spec, default=_json_default)
    except (_NotSerializable, TypeError, ValueError) as err:
        warnings.warn(f"Model '{model.name}' is saved without its compile arguments (it will "
                      f"load uncompiled): cannot save {err}. Use names or built-in skdeep "
                      "losses, metrics and optimizers to save them.", stacklevel=4)
        return None
    return dict(spec, optimizer=optimizer)


def _compile_from_config(model, config):
    config = dict(config)
    optimizer = optimizers.get(config.pop("optimizer"))
    model.compile(optimizer=optimizer, **{k: _deserialize_spec(v) for k, v in config.items()})


# ---------------------------------------------------------------------------- weights
def _weight_layers(model, prefix="", seen=None):
    """(path, layer) for every layer holding weights; nested models are walked."""
    from .model import Model

    seen = set() if seen is None else seen
    out = []
    for layer in (model.layers if model._graph_ready or hasattr(model, "_stack") else []):
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        if isinstance(layer, Model):
            out += _weight_layers(layer, f"{prefix}{layer.name}/", seen)
        elif layer.weights:
            out.append((prefix + layer.name, layer))
    return out


def _weights_entries(model):
    manifest, arrays = [], {}
    for path, layer in _weight_layers(model):
        items = []
        for w in layer.weights:
            key = f"w{len(arrays)}"
            arrays[key] = w.value
            items.append({"name": w.name, "shape": list(w.shape), "key": key})
        manifest.append({"layer": path, "class_name": type(layer).__name__, "weights": items})
    return [("weights.json", _dumps(manifest)), ("weights.npz", _npz_bytes(arrays))]


def _optimizer_entries(model):
    if not getattr(model, "compiled", False) or model.optimizer is None:
        return []
    return [("optimizer.npz", _npz_bytes(model.optimizer.get_slots()))]


def _apply_weights(model, saved):
    manifest, arrays = saved.manifest, saved.arrays
    desc = saved.desc
    targets = _weight_layers(model)
    if len(targets) != len(manifest):
        raise ValueError(f"Cannot load weights from {desc}: it has weights for {len(manifest)} "
                         f"layers {[m['layer'] for m in manifest]}, model '{model.name}' has "
                         f"{len(targets)} layers with weights {[p for p, _ in targets]}"
                         + ("" if targets else " (build the model first)"))
    by_path = dict(targets)
    if set(by_path) == {m["layer"] for m in manifest}:
        pairs = [(by_path[m["layer"]], m) for m in manifest]
    else:  # different layer names (a model built separately): match by position
        pairs = [(layer, m) for (_, layer), m in zip(targets, manifest)]
    plan = []
    for layer, item in pairs:
        mine = layer.weights
        if len(mine) != len(item["weights"]):
            raise ValueError(f"Cannot load weights from {desc}: layer '{layer.name}' has "
                             f"{len(mine)} weights, the file has {len(item['weights'])} for "
                             f"layer '{item['layer']}'")
        for w, spec in zip(mine, item["weights"]):
            value = arrays[spec["key"]]
            if value.shape != w.shape:
                raise ValueError(f"Cannot load weights from {desc}: layer '{layer.name}' weight "
                                 f"'{w.name}' has shape {w.shape} in the model but "
                                 f"{value.shape} in the file (layer '{item['layer']}')")
            plan.append((w, value))
    for w, value in plan:  # only assign once everything matched: no half-loaded model
        w.assign(value)


def _apply_optimizer(model, saved):
    if "optimizer.npz" not in saved.archive or not getattr(model, "compiled", False):
        return
    meta, desc = saved.meta, saved.desc
    if meta.get("optimizer") != type(model.optimizer).__name__:
        warnings.warn(f"Optimizer state in {desc} is for {meta.get('optimizer')!r:.60}, the "
                      f"model uses {type(model.optimizer).__name__}: state not restored",
                      stacklevel=3)
        return
    model.optimizer.set_slots(saved.optimizer_state(model.optimizer))


def _metadata(model, fmt, with_optimizer):
    from importlib.metadata import PackageNotFoundError, version

    try:
        skdeep_version = version("skdeep")
    except PackageNotFoundError:
        skdeep_version = None
    opt = type(model.optimizer).__name__ if with_optimizer else None
    return ("metadata.json", _dumps({"format": fmt, "format_version": FORMAT_VERSION,
                                     "skdeep_version": skdeep_version, "optimizer": opt}))


# ---------------------------------------------------------------------------- public API
def model_to_bytes(model, include_optimizer=True):
    """The saved-model zip of ``model`` as bytes (see :func:`save_model`)."""
    compile_config = _compile_config(model)
    config = dict(model_to_config(model), compile_config=compile_config)
    opt = _optimizer_entries(model) if include_optimizer and compile_config else []
    entries = [_metadata(model, _MODEL, bool(opt)), ("config.json", _dumps(config))]
    return _zip_bytes(entries + _weights_entries(model) + opt)


def model_from_bytes(data, custom_objects=None, compile=True, safe_mode=True):
    """Rebuild a model from :func:`model_to_bytes`'s output. ``safe_mode=False``
    (what unpickling passes: pickle already trusts its source) lets a Lambda
    layer's Python lambda be rebuilt from bytecode."""
    from .object_registry import SafeModeScope

    with SafeModeScope(safe_mode):
        return _load(data, custom_objects, compile)


def _load(source, custom_objects, compile):
    with open_saved(source) as saved:
        desc = saved.desc
        if not saved.is_model:
            raise ValueError(f"{desc} holds only weights (written by save_weights): build the "
                             "model and call model.load_weights() on it")
        config = saved.config()
        saved.read_weights()  # checked before anything is built
        try:
            # the weights drawn while building are overwritten; keep the global stream
            # intact. The guard refuses any weight the manifest does not hold, before
            # its initializer allocates it.
            with backend.seeded(0), weight_guard(saved.weight_shapes(), desc):
                model = model_from_config(config, custom_objects)
            _apply_weights(model, saved)
            if compile and config.get("compile_config"):
                _compile_from_config(model, config["compile_config"])
                _apply_optimizer(model, saved)
        except RecursionError:
            raise ValueError(f"{desc}: the model config nests too deeply") from None
        except (KeyError, IndexError, TypeError, AttributeError) as err:
            raise ValueError(f"{desc} is not a valid skdeep model file: {err!r}") from err
    return model


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """Save architecture, weights, compile arguments and optimizer state.

    Parameters
    ----------
    model : Model
    filepath : str, os.PathLike or writable binary file object
        The name picks the format: ``.keras`` writes a Keras 3 archive and
        ``.h5``/``.hdf5`` a Keras 2 HDF5 file, both opened by Keras
        (skdeep-only features raise an error naming them); any other name
        (``.skdeep`` recommended) and file objects get skdeep's own format,
        which holds every skdeep feature. Written atomically.
    overwrite : bool, default True
    include_optimizer : bool, default True
        Save the optimizer state so that training continues exactly.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skdeep.nn import Sequential, load_model
    >>> from skdeep.nn.layers import Dense
    >>> model = Sequential([Dense(2, input_shape=(3,))])
    >>> path = os.path.join(tempfile.mkdtemp(), "model.keras")
    >>> model.save(path)
    >>> x = np.ones((1, 3))
    >>> bool((load_model(path).predict(x, verbose=0) == model.predict(x, verbose=0)).all())
    True
    """
    from .formats import model_file_bytes, save_format_for

    fmt = save_format_for(filepath)
    data = (model_to_bytes(model, include_optimizer) if fmt == "skdeep" else
            model_file_bytes(model, fmt, include_optimizer))
    write_bytes(filepath, data, overwrite)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model written by :func:`save_model`, by Keras 3 (``.keras``) or by
    Keras 2 / tf.keras (``.h5``, ``.hdf5``); the format is read from the content.

    Parameters
    ----------
    filepath : str, os.PathLike, readable binary file object or bytes
    custom_objects : dict, optional
        ``{class_name: class}`` for custom layer classes.
    compile : bool, default True
        Compile the model as it was (with its optimizer state).
    safe_mode : bool, default True
        As in Keras: a Lambda layer whose function is a Python ``lambda`` is
        stored as bytecode, and rebuilding it would run code from the file,
        so it is refused unless ``safe_mode=False`` (trusted files only).
    """
    from .formats import load_model_file
    from .object_registry import SafeModeScope

    with SafeModeScope(safe_mode):
        return load_model_file(filepath, custom_objects, compile, safe_mode)



def save_weights(model, filepath, overwrite=True):
    """Save the weights (and the optimizer state when compiled), atomically.

    ``.weights.h5`` writes Keras 3's layout and ``.h5``/``.hdf5`` Keras 2's;
    other names and file objects get skdeep's own format.
    """
    from .formats import save_format_for, weights_file_bytes

    fmt = save_format_for(filepath, weights_only=True)
    if fmt != "skdeep":
        write_bytes(filepath, weights_file_bytes(model, fmt), overwrite)
        return
    opt = _optimizer_entries(model)
    entries = [_metadata(model, _WEIGHTS, bool(opt))] + _weights_entries(model) + opt
    write_bytes(filepath, _zip_bytes(entries), overwrite)


def load_weights(model, filepath, skip_mismatch=False, by_name=False):
    """Load weights saved by :func:`save_weights` or :func:`save_model`, or by
    Keras (``.weights.h5``, ``.keras``, legacy ``.h5``/``.hdf5``).

    In skdeep's format layers are matched by name when the names agree, else
    by position; Keras files are matched as Keras matches them (by object
    path, or by position among the layers with weights for legacy files;
    ``by_name=True`` matches legacy files by layer name). A count or shape
    mismatch raises a ValueError naming the layer, and nothing is changed.
    The optimizer state is restored too when the model is compiled with the
    same optimizer class.
    """
    from .formats import load_weights_file

    load_weights_file(model, filepath, skip_mismatch=skip_mismatch, by_name=by_name)


def _load_weights(model, filepath):
    with open_saved(filepath) as saved:
        saved.read_weights()
        try:
            _apply_weights(model, saved)
            _apply_optimizer(model, saved)
        except (KeyError, IndexError, TypeError, AttributeError) as err:
            raise ValueError(f"{saved.desc} is not a valid skdeep weights file: "
                             f"{err!r}") from err
