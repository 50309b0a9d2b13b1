"""Optimizer state <-> Keras 3's optimizer variables.

Keras keeps ``[iteration, learning_rate]`` then, per slot family, one
variable per trainable weight in ``model.trainable_variables`` order
(Adam interleaves momentum and velocity per weight). skdeep keeps one flat
buffer per slot in its trainer's weight order; the two are matched through
the weights themselves.
"""
import warnings

import numpy as np

from .config_export import keras_layers

__all__ = ["keras_optimizer_vars", "restore_optimizer_vars"]


def _families(opt):
    """Keras' variable families: tuples of skdeep slot names created together."""
    name = type(opt).__name__
    if getattr(opt, "use_ema", False) or getattr(opt, "gradient_accumulation_steps", None):
        return None  # Keras puts EMA averages / accumulators first: no layout written yet
    if name in ("Adam", "AdamW"):
        return [("m", "v")] + ([("vhat",)] if getattr(opt, "amsgrad", False) else [])
    if name == "SGD":
        return [("momentum",)] if getattr(opt, "momentum", 0) else []
    if name == "RMSprop":
        return ([("velocity",)] + ([("momentum",)] if getattr(opt, "momentum", 0) > 0 else [])
                + ([("average_gradient",)] if getattr(opt, "centered", False) else []))
    if name == "Adagrad":
        return [("accumulator",)]
    # the same per-weight interleaving for the other Keras 3 optimizers (Nadam's
    # trailing u_product scalar has no place here yet)
    return {"Adamax": [("momentum", "norm")],
            "Adadelta": [("accumulated_grad", "accumulated_delta_var")],
            "Lion": [("momentum",)], "Ftrl": [("accumulator", "linear")]}.get(name)


def keras_trainable_weights(model):
    """``model.trainable_variables`` in Keras' order."""
    from ..model import Model

    out, seen = [], set()

    def walk(obj):
        if id(obj) in seen or not obj.trainable:
            return
        seen.add(id(obj))
        if isinstance(obj, Model):
            for layer in keras_layers(obj):
                walk(layer)
            return
        out.extend(w for w in obj.weights if w.trainable and id(w) not in
                   {id(x) for x in out})

    walk(model)
    return out


def _slot_weights(model):
    """The weights in the order of the optimizer's flat slots, or None."""
    state = getattr(model, "_train", None)
    weights = getattr(state, "weights", None)
    if weights is not None and getattr(model.optimizer, "_slots", None) is not None:
        return list(weights)
    try:
        from ..training import _TrainState

        class _View:  # only what trainable_weights() reads
            pass

        view = _View()
        view.model = model
        return list(_TrainState.trainable_weights(view))
    except Exception:  # the trainer's internals moved: state is skipped, with a warning  # noqa: BLE001
        return None


def _initial(opt, slot, shape, dtype):
    value = getattr(opt, "initial_accumulator_value", 0.0) if slot == "accumulator" else 0.0
    return np.full(shape, value, dtype)


def keras_optimizer_vars(model):
    """``(name, [arrays])`` in Keras' layout, or None (with a warning) when not possible."""
    opt = model.optimizer
    families = _families(opt)
    order = _slot_weights(model)
    if families is None or order is None:
        warnings.warn(f"The state of optimizer {type(opt).__name__} is not saved in the Keras "
                      "file (no Keras layout for it)", stacklevel=4)
        return None
    keras_order = keras_trainable_weights(model)
    slots = getattr(opt, "_slots", None)
    offsets = getattr(opt, "_offsets", None)
    position = {id(w): i for i, w in enumerate(order)}

    def value(w, slot):
        i = position.get(id(w))
        if slots is None or i is None or slots.get(slot) is None or slots[slot].size == 0:
            return _initial(opt, slot, w.shape, w.dtype)
        return slots[slot][offsets[i]:offsets[i + 1]].reshape(w.shape).copy()

    arrays = [np.array(opt.iterations, dtype=np.int64),
              np.array(opt.learning_rate, dtype=np.float32)]
    for family in families:
        for w in keras_order:
            arrays.extend(value(w, slot) for slot in family)
    return opt.name, arrays


def restore_optimizer_vars(model, arrays, desc):
    """Set the optimizer's state from Keras' variables (warns and skips on mismatch)."""
    opt = model.optimizer
    families = _families(opt)
    order = _slot_weights(model)
    keras_order = keras_trainable_weights(model)
    expected = 2 + sum(len(f) for f in families or []) * len(keras_order)
    if families is None or order is None or len(arrays) != expected:
        warnings.warn(f"Optimizer state in {desc} not restored: it has {len(arrays)} variables, "
                      f"{type(opt).__name__} on this model needs {expected}", stacklevel=4)
        return
    per_weight, k = {}, 2
    for family in families:
        for w in keras_order:
            for slot in family:
                if arrays[k].shape != w.shape:
                    warnings.warn(f"Optimizer state in {desc} not restored: shape mismatch for "
                                  f"{w.path}", stacklevel=4)
                    return
                per_weight[(id(w), slot)] = arrays[k]
                k += 1
    state = {"iterations": np.array(int(arrays[0]), dtype=np.int64)}
    for family in families:
        for slot in family:
            state[slot] = np.concatenate(
                [np.asarray(per_weight.get((id(w), slot), _initial(opt, slot, w.shape, w.dtype)),
                            dtype=w.dtype).ravel() for w in order]) if order else np.zeros(0)
    opt.set_slots(state)
