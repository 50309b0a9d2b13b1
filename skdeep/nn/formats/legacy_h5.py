"""Keras 2 / tf.keras HDF5 files: ``model.save('m.h5')``, ``save_weights('w.h5')`` and
ModelCheckpoint ``.hdf5`` files (also what Keras 3 writes under those names).

The layout: the root (or the ``model_weights`` group of a whole-model file)
lists ``layer_names``; each layer's group lists ``weight_names`` and holds
those datasets. Layers are matched in order among the layers that have
weights (or by name with ``by_name=True``), and each layer's arrays are its
trainable weights followed by its non-trainable ones, as Keras does.
"""
import io
import json
import warnings

import numpy as np

from . import _h5
from .config_export import (
    KerasExportError,
    keras_compile_config,
    keras_config,
    keras_layers,
    keras_spec,
)
from .config_translate import keras_to_skdeep_config, translate_compile_config
from .optimizer_state import (
    keras_optimizer_vars,
    keras_trainable_weights,
    restore_optimizer_vars,
)

__all__ = [
    "is_legacy",
    "legacy_model_bytes",
    "legacy_weights_bytes",
    "load_legacy_model",
    "load_legacy_weights",
]


def is_legacy(h5file):
    return "layer_names" in h5file.attrs or "model_weights" in h5file


def _keras_major(h5file, desc):
    version = _h5.attr_text(h5file, "keras_version", desc) or "2"
    try:
        return int(version.split(".")[0])
    except ValueError:
        return 2


def legacy_weights(layer):
    """A layer's arrays in legacy order: trainable weights, then non-trainable ones."""
    from ..model import Model

    if isinstance(layer, Model):
        every, seen = [], set()
        for sub in keras_layers(layer):
            for w in legacy_weights(sub):
                if id(w) not in seen:
                    seen.add(id(w))
                    every.append(w)
    else:
        every = list(layer.weights)
    trainable = keras_trainable_weights(layer) if layer.trainable else []
    ids = {id(w) for w in trainable}
    return trainable + [w for w in every if id(w) not in ids]


# ---------------------------------------------------------------------------- writing
def _write_layers(group, model):
    layers = keras_layers(model)
    group.attrs["layer_names"] = [layer.name.encode("utf-8") for layer in layers]
    group.attrs["backend"] = "numpy"
    group.attrs["keras_version"] = keras_spec()["keras_version"]
    for layer in layers:
        g = group.create_group(layer.name)
        names, used = [], set()
        for w in legacy_weights(layer):
            owner = w.layer.name if w.layer is not None and w.layer is not layer else None
            name = f"{layer.name}/{owner}/{w.name}" if owner else f"{layer.name}/{w.name}"
            while name in used:
                name += "_"
            used.add(name)
            names.append(name)
            g.create_dataset(name, data=np.asarray(w.value))
        g.attrs["weight_names"] = [n.encode("utf-8") for n in names]


_ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error",
            "mape": "mean_absolute_percentage_error", "msle": "mean_squared_logarithmic_error"}


def _full_names(spec):
    """Keras 3's legacy loader resolves 'mean_squared_error' but not 'mse'."""
    if isinstance(spec, str):
        return _ALIASES.get(spec, spec)
    if isinstance(spec, list):
        return [_full_names(s) for s in spec]
    if isinstance(spec, dict) and "class_name" not in spec:
        return {k: _full_names(v) for k, v in spec.items()}
    return spec


def _h5_bytes(fill):
    h5py = _h5._h5py()
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        fill(f)
    return buf.getvalue()


def legacy_weights_bytes(model):
    """The bytes of ``save_weights('w.h5')`` in the legacy layout."""
    return _h5_bytes(lambda f: _write_layers(f, model))


def legacy_model_bytes(model, include_optimizer=True):
    """The bytes of ``model.save('m.h5')`` in the legacy layout (Keras 3 reads it)."""
    compile_config = opt_vars = None
    if getattr(model, "compiled", False):
        try:
            compile_config = keras_compile_config(model)
        except KerasExportError as err:
            warnings.warn(f"Model '{model.name}' is saved without its compile arguments: {err}",
                          stacklevel=4)
        if compile_config is not None and include_optimizer:
            opt_vars = keras_optimizer_vars(model)

    def fill(f):
        f.attrs["backend"] = "numpy"
        f.attrs["keras_version"] = keras_spec()["keras_version"]
        f.attrs["model_config"] = json.dumps(keras_config(model))
        if compile_config is not None:
            training = {k: _full_names(compile_config[k]) for k in
                        ("loss", "metrics", "weighted_metrics", "loss_weights")}
            opt = compile_config["optimizer"]
            training["optimizer_config"] = {"class_name": opt["class_name"],
                                            "config": opt["config"]}
            f.attrs["training_config"] = json.dumps(training)
        _write_layers(f.create_group("model_weights"), model)
        if opt_vars is not None:
            name, arrays = opt_vars
            g = f.create_group("optimizer_weights")
            names = [f"{name}/var_{i}" for i in range(len(arrays))]
            for n, a in zip(names, arrays):
                g.create_dataset(n, data=a)
            g.attrs["weight_names"] = [n.encode("utf-8") for n in names]

    return _h5_bytes(fill)


# ---------------------------------------------------------------------------- reading
def _file_layers(group, desc):
    names = _h5.attr_strings(group, "layer_names", desc)
    if names is None:
        raise ValueError(f"{desc} is not a Keras weights file: no 'layer_names' attribute")
    out = []
    for name in names:
        g = _h5.group(group, name, desc)
        weight_names = _h5.attr_strings(g, "weight_names", desc) or []
        out.append((name, [_h5.dataset(g, w, desc) for w in weight_names]))
    return out


def _read_into(model, group, desc, by_name=False, skip_mismatch=False):
    stored = _file_layers(group, desc)
    layers = [layer for layer in keras_layers(model) if legacy_weights(layer)]
    stored_with = [(n, v) for n, v in stored if v]
    if by_name:
        by = dict(stored_with)
        pairs = [(layer, layer.name, by[layer.name]) for layer in layers if layer.name in by]
    else:
        if len(stored_with) != len(layers):
            raise ValueError(f"Cannot load weights from {desc}: it has weights for "
                             f"{len(stored_with)} layers {[n for n, _ in stored_with]}, model "
                             f"'{model.name}' has {len(layers)} layers with weights "
                             f"{[layer.name for layer in layers]}")
        pairs = [(layer, n, v) for layer, (n, v) in zip(layers, stored_with)]
    plan = []
    for layer, name, values in pairs:
        targets = legacy_weights(layer)
        problem = None
        if len(values) != len(targets):
            problem = (f"layer '{layer.name}' has {len(targets)} weights, the file has "
                       f"{len(values)} for layer '{name}'")
        else:
            for w, v in zip(targets, values):
                if tuple(v.shape) != tuple(w.shape):
                    problem = (f"weight '{w.path}' has shape {tuple(w.shape)} in the model but "
                               f"{tuple(v.shape)} in the file (layer '{name}')")
                    break
        if problem and skip_mismatch:
            warnings.warn(f"Skipping layer '{layer.name}': {problem}", stacklevel=4)
            continue
        if problem:
            raise ValueError(f"Cannot load weights from {desc}: {problem}")
        plan.extend(zip(targets, values))
    for w, value in plan:
        w.assign(value.astype(w.dtype, copy=False))


def load_legacy_weights(model, h5file, desc, by_name=False, skip_mismatch=False):
    """Load a legacy weights file (or a whole-model file's weights) into ``model``."""
    group = _h5.group(h5file, "model_weights", desc) if "model_weights" in h5file else h5file
    _read_into(model, group, desc, by_name, skip_mismatch)


def load_legacy_model(h5file, desc, custom_objects=None, compile=True, safe_mode=True):
    """Build a skdeep model from a legacy whole-model HDF5 file."""
    from .. import backend
    from ..saving import model_from_config

    text = _h5.attr_text(h5file, "model_config", desc)
    if text is None:
        raise ValueError(f"{desc} holds only weights (written by save_weights): build the model "
                         "and call model.load_weights() on it")
    from .._limits import loads_json, weight_guard

    config = loads_json(text.encode("utf-8"), f"{desc} (model_config)")
    major = _keras_major(h5file, desc)
    sk_config, custom = keras_to_skdeep_config(config, custom_objects, safe_mode,
                                               keras_major=major)
    shapes = _h5.dataset_shapes(_h5.group(h5file, "model_weights", desc), desc)
    with backend.seeded(0), weight_guard(shapes, desc):
        model = model_from_config(sk_config, custom)
    load_legacy_weights(model, h5file, desc)
    training = _h5.attr_text(h5file, "training_config", desc)
    if compile and training:
        try:
            model.compile(**translate_compile_config(json.loads(training), custom_objects))
        except (ValueError, TypeError) as err:
            warnings.warn(f"{desc}: the model is loaded uncompiled, its training config cannot "
                          f"be used by skdeep ({err})", stacklevel=3)
        if model.compiled and major >= 3 and "optimizer_weights" in h5file:
            g = _h5.group(h5file, "optimizer_weights", desc)
            names = _h5.attr_strings(g, "weight_names", desc) or []
            restore_optimizer_vars(model, [_h5.dataset(g, n, desc) for n in names], desc)
    return model
