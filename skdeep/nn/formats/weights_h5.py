"""Keras 3's weights layout (``model.weights.h5`` inside ``.keras``, and ``.weights.h5``).

Keras stores each object's variables under ``<path>/vars/0, 1, ...`` where the
path follows its object tree: a model's layers are a container named
``layers`` whose entries are called by class (``dense``, ``dense_1``... in
``model.layers`` order, never by layer name), a recurrent layer keeps its
weights on ``cell``, a Bidirectional on ``forward_layer`` and
``backward_layer``, and the optimizer is ``optimizer``. Layers are matched
by that path, as Keras does, so a file fits any model of the same
architecture whatever its layer names.
"""
import io
import re

import numpy as np

from . import _h5
from .config_export import keras_layers

__all__ = ["keras_snake", "keras_weight_groups", "read_weights", "write_weights"]


def keras_snake(name):
    """Keras' ``to_snake_case`` (``Conv2D`` -> ``conv2d``, ``LSTM`` -> ``lstm``)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _keras_class_name(layer):
    from ..model import Model

    return "Functional" if type(layer) is Model else type(layer).__name__


def _children(layer):
    """Keras' sub-objects of a layer that hold its weights, in Keras' visiting order."""
    from ..layers._rnn_base import _RNN
    from ..layers.bidirectional import Bidirectional

    if isinstance(layer, _RNN):
        return [("cell", layer.weights)], []
    if isinstance(layer, Bidirectional):
        # attributes are visited in sorted order: backward_layer before forward_layer
        return [], [("backward_layer", layer.backward_layer),
                    ("forward_layer", layer.forward_layer)]
    if type(layer).__name__ == "MultiHeadAttention" and layer.built:
        # projections by attribute (the gate has no public one); dropout and softmax
        # sublayers hold no weights but have their groups
        subs = [("_gate_dense", layer.gate_dense)] if layer.gate_dense is not None else []
        subs += [("key_dense", layer.key_dense), ("output_dense", layer.output_dense),
                 ("query_dense", layer.query_dense), ("value_dense", layer.value_dense)]
        return [("_dropout_layer", []), ("_softmax", [])], subs
    inner = getattr(layer, "layer", None)
    if type(layer).__name__ == "TimeDistributed" and inner is not None:
        return [], [("layer", inner)]
    return None, []


def keras_weight_groups(model):
    """``[(path, layer_name, [Weight, ...]), ...]`` in Keras' order (paths without ``/vars``)."""
    from ..model import Model

    out, seen = [], set()

    def walk(obj, path):
        if id(obj) in seen:
            return
        seen.add(id(obj))
        if isinstance(obj, Model):
            out.append((path, obj.name, []))
            used = {}
            for layer in keras_layers(obj):
                base = keras_snake(_keras_class_name(layer))
                n = used.get(base)
                used[base] = 0 if n is None else n + 1
                name = base if n is None else f"{base}_{n + 1}"
                walk(layer, f"{path}/layers/{name}" if path else f"layers/{name}")
            return
        own, subs = _children(obj)
        if own is None:
            out.append((path, obj.name, obj.weights))
            return
        out.append((path, obj.name, []))
        for attr, weights in own:
            out.append((f"{path}/{attr}", f"{keras_snake(type(obj).__name__)}_{attr}", weights))
        for attr, child in subs:
            walk(child, f"{path}/{attr}")

    walk(model, "")
    return out


def write_weights(model, h5file, optimizer_vars=None):
    """Write the model's weights (and ``optimizer_vars``: name, arrays) in Keras' layout."""
    for path, name, weights in keras_weight_groups(model):
        vars_group = h5file.create_group(f"{path}/vars" if path else "vars")
        vars_group.attrs["name"] = name
        for i, w in enumerate(weights):
            vars_group.create_dataset(str(i), data=np.asarray(w.value))
    if optimizer_vars is not None:
        opt_name, arrays = optimizer_vars
        group = h5file.create_group("optimizer/vars")
        group.attrs["name"] = opt_name
        for i, value in enumerate(arrays):
            group.create_dataset(str(i), data=np.asarray(value))


def weights_bytes(model, optimizer_vars=None):
    """A ``.weights.h5`` file's bytes."""
    h5py = _h5._h5py()
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        write_weights(model, f, optimizer_vars)
    return buf.getvalue()


def _vars_of(h5file, path, desc):
    try:
        group = _h5.group(h5file, f"{path}/vars" if path else "vars", desc)
    except KeyError:
        return None
    keys = sorted(group.keys(), key=lambda k: int(k) if k.isdigit() else -1)
    if any(not k.isdigit() for k in keys) or keys != [str(i) for i in range(len(keys))]:
        raise ValueError(f"{desc}: unexpected entries {keys} in '{path}/vars'")
    return [_h5.dataset(group, k, desc) for k in keys]


def is_keras3_weights(h5file):
    """Whether an open HDF5 file is in Keras 3's layout (not the legacy one)."""
    return "layer_names" not in h5file.attrs and "model_weights" not in h5file \
        and ("layers" in h5file or "vars" in h5file)


def read_weights(model, h5file, desc):
    """Check every array of the file against ``model``, then assign them all.

    Returns the optimizer variables found in the file (a list of arrays) or None.
    """
    plan = []
    for path, name, weights in keras_weight_groups(model):
        values = _vars_of(h5file, path, desc)
        if values is None:
            values = []
        if len(values) != len(weights):
            where = f"'{path}'" if path else "the model itself"
            raise ValueError(f"Cannot load weights from {desc}: layer '{name}' ({where} in "
                             f"Keras' layout) has {len(weights)} weights in the model but "
                             f"{len(values)} in the file; the architectures differ")
        for w, value in zip(weights, values):
            if tuple(value.shape) != tuple(w.shape):
                raise ValueError(f"Cannot load weights from {desc}: weight '{w.path}' has shape "
                                 f"{tuple(w.shape)} in the model but {tuple(value.shape)} in "
                                 f"the file (at '{path}')")
            plan.append((w, value))
    covered = {id(w) for w, _ in plan}
    missed = [w.path for w in model.weights if id(w) not in covered]
    if missed:  # a weight the layout walk did not reach would silently keep its init
        raise ValueError(f"Cannot load weights from {desc}: {len(missed)} weight(s) of the "
                         f"model have no place in Keras' layout ({missed[:5]}); the model "
                         "holds layers skdeep cannot save in this format")
    for w, value in plan:  # assigned only once all matched: never a half-loaded model
        w.assign(value.astype(w.dtype, copy=False))
    return _vars_of(h5file, "optimizer", desc)
