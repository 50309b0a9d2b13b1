"""Optimizer state <-> Keras 3's optimizer variables.

Keras keeps ``iteration``, then ``learning_rate`` (unless it is a schedule or a
callable), then the EMA averages and the gradient accumulators (when used),
then, per slot family, one variable per trainable weight in
``model.trainable_variables`` order (Adam interleaves momentum and velocity
per weight), then scalars such as Nadam's ``u_product``. skdeep keeps one flat
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
    base = (([("average",)] if getattr(opt, "use_ema", False) else [])
            + ([("gradient_accumulator",)] if getattr(opt, "gradient_accumulation_steps", None)
               else []))
    if name in ("Adam", "AdamW"):
        own = [("m", "v")] + ([("vhat",)] if getattr(opt, "amsgrad", False) else [])
    elif name == "SGD":
        own = [("momentum",)] if getattr(opt, "momentum", 0) else []
    elif name == "RMSprop":
        own = ([("velocity",)] + ([("momentum",)] if getattr(opt, "momentum", 0) > 0 else [])
               + ([("average_gradient",)] if getattr(opt, "centered", False) else []))
    else:
        own = {"Adagrad": [("accumulator",)], "Nadam": [("momentum", "velocity")],
               "Adamax": [("momentum", "norm")],
               "Adadelta": [("accumulated_grad", "accumulated_delta_var")],
               "Lion": [("momentum",)], "Ftrl": [("accumulator", "linear")]}.get(name)
    return None if own is None else base + own


def _has_lr_variable(opt):
    """Keras stores the learning rate as a variable only when it is a plain float."""
    from ..optimizers import schedules

    lr = getattr(opt, "_learning_rate", None)
    return not (isinstance(lr, schedules.LearningRateSchedule) or callable(lr))


def _scalars(opt):
    """Trailing scalar variables (name in skdeep's state, Keras dtype)."""
    return [("u_product", "float32")] if type(opt).__name__ == "Nadam" else []


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
    from ..execution import trainable_weights

    return trainable_weights(model, getattr(model, "_trainable_at_compile", {}))


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
    # the flat state (also a loaded, not yet applied one) in the trainer's weight order
    state = opt.get_slots()
    offsets = np.concatenate([[0], np.cumsum([w.value.size for w in order])]).astype(int)
    position = {id(w): i for i, w in enumerate(order)}

    def value(w, slot):
        i = position.get(id(w))
        flat = state.get(slot)
        if i is None or flat is None or np.size(flat) != offsets[-1]:
            return _initial(opt, slot, w.shape, w.dtype)
        return np.asarray(flat)[offsets[i]:offsets[i + 1]].reshape(w.shape).copy()

    # Keras' iteration counts every step, also those that only accumulate gradients
    arrays = [np.array(int(state["iterations"]), dtype=np.int64)]
    if _has_lr_variable(opt):
        arrays.append(np.array(opt.learning_rate, dtype=np.float32))
    for family in families:
        for w in keras_order:
            arrays.extend(value(w, slot) for slot in family)
    arrays.extend(np.asarray(state[name], dtype).reshape(()) for name, dtype in _scalars(opt))
    return opt.name, arrays


def restore_optimizer_vars(model, arrays, desc):
    """Set the optimizer's state from Keras' variables (warns and skips on mismatch)."""
    opt = model.optimizer
    families = _families(opt)
    order = _slot_weights(model)
    keras_order = keras_trainable_weights(model)
    head = 1 + _has_lr_variable(opt)
    scalars = _scalars(opt)
    expected = head + sum(len(f) for f in families or []) * len(keras_order) + len(scalars)
    if families is None or order is None or len(arrays) != expected:
        warnings.warn(f"Optimizer state in {desc} not restored: it has {len(arrays)} variables, "
                      f"{type(opt).__name__} on this model needs {expected}", stacklevel=4)
        return
    per_weight, k = {}, head
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
    for (name, _), value in zip(scalars, arrays[len(arrays) - len(scalars):]):
        state[name] = np.asarray(value, np.float64).reshape(1)
    for family in families:
        for slot in family:
            state[slot] = np.concatenate(
                [np.asarray(per_weight.get((id(w), slot), _initial(opt, slot, w.shape, w.dtype)),
                            dtype=w.dtype).ravel() for w in order]) if order else np.zeros(0)
    opt.set_slots(state)
