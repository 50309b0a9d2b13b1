"""The Optimizer base: Keras 3's update pipeline on a flat parameter buffer.

One ``apply(params, grads)`` call per training step runs, as Keras 3 does:
gradient accumulation (``gradient_accumulation_steps``), clipping
(``clipnorm`` / ``clipvalue`` / ``global_clipnorm``), decoupled weight decay
(minus the weights given to :meth:`Optimizer.exclude_from_weight_decay`), the
optimizer's own fused update kernel, and the exponential moving average of the
weights (``use_ema``). The learning rate may be a float, a
:class:`~skdeep.nn.optimizers.schedules.LearningRateSchedule` evaluated at
``iterations``, or a zero-argument callable.
"""
import math
import re
import warnings

import numpy as np

from ..kernels import optim as _k
from . import schedules as _schedules

__all__ = ["Optimizer"]


def _check_positive(owner, name, value, allow_zero=False):
    ok = isinstance(value, (int, float, np.number)) and not isinstance(value, bool) and \
        np.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{owner}: {name} must be a finite number {bound}, got {value!r}")
    return float(value)


def _check_fraction(owner, name, value, upper_open=True):
    ok = isinstance(value, (int, float, np.number)) and not isinstance(value, bool) and \
        0 <= value and (value < 1 if upper_open else value <= 1)
    if not ok:
        raise ValueError(f"{owner}: {name} must be in [0, {'1)' if upper_open else '1]'}, "
                         f"got {value!r}")
    return float(value)


def _snake(name):
    """Keras' default names: 'Adam' -> 'adam', 'AdamW' -> 'adam_w', 'RMSprop' -> 'rm_sprop'."""
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


class Optimizer:
    """Base class of the optimizers (Keras 3 arguments and update order).

    Parameters
    ----------
    learning_rate : float, LearningRateSchedule or callable
    weight_decay : float, optional
        Decoupled weight decay: ``w -= w * weight_decay * learning_rate``
        before each update, for every weight not excluded with
        :meth:`exclude_from_weight_decay`.
    clipnorm : float, optional
        Rescale each weight's gradient to an L2 norm of at most ``clipnorm``.
    clipvalue : float, optional
        Clip every gradient value to ``[-clipvalue, clipvalue]``.
    global_clipnorm : float, optional
        Rescale all gradients together to a joint L2 norm of at most
        ``global_clipnorm``. Only one of the three clipping options may be set.
    use_ema : bool, default False
        Keep an exponential moving average of the weights; it replaces the
        weights every ``ema_overwrite_frequency`` steps and at the end of ``fit``.
    ema_momentum : float, default 0.99
    ema_overwrite_frequency : int, optional
    loss_scale_factor : float, optional
        For custom training loops: :meth:`scale_loss` multiplies the loss by it
        and :meth:`apply_gradients` divides the gradients by it (``fit``'s
        gradients are exact and are not rescaled).
    gradient_accumulation_steps : int, optional
        Update the weights every that many steps with the mean of the
        accumulated gradients.
    name : str, optional
    """

    _slot_names = ()

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, lr=None, decay=None, **kwargs):
        owner = type(self).__name__
        if kwargs:
            raise ValueError(f"{owner}: argument(s) not recognized: {kwargs}")
        if lr is not None:  # Keras 2 spelling, still common in course notes
            warnings.warn(f"{owner}: `lr` is deprecated, use `learning_rate`", DeprecationWarning,
                          stacklevel=3)
            learning_rate = lr
        if decay:
            warnings.warn(f"{owner}: `decay` is no longer supported and is ignored (as in Keras "
                          "3); use a LearningRateScheduler callback or a schedule",
                          UserWarning, stacklevel=3)
        self._learning_rate = self._parse_learning_rate(learning_rate)
        if sum(v is not None for v in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(f"{owner}: only one of clipnorm, clipvalue and global_clipnorm can "
                             f"be set, got clipnorm={clipnorm}, clipvalue={clipvalue}, "
                             f"global_clipnorm={global_clipnorm}")
        self.clipnorm = None if clipnorm is None else _check_positive(owner, "clipnorm", clipnorm)
        self.clipvalue = None if clipvalue is None else _check_positive(owner, "clipvalue",
                                                                        clipvalue)
        self.global_clipnorm = (None if global_clipnorm is None else
                                _check_positive(owner, "global_clipnorm", global_clipnorm))
        self.weight_decay = (None if weight_decay is None else
                             _check_positive(owner, "weight_decay", weight_decay, True))
        self.use_ema = bool(use_ema)
        self.ema_momentum = _check_fraction(owner, "ema_momentum", ema_momentum, False)
        if ema_overwrite_frequency is not None and (
                isinstance(ema_overwrite_frequency, bool) or
                not isinstance(ema_overwrite_frequency, (int, np.integer)) or
                ema_overwrite_frequency < 1):
            raise ValueError(f"{owner}: `ema_overwrite_frequency` must be an integer >= 1 or "
                             f"None. Received: ema_overwrite_frequency={ema_overwrite_frequency}")
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = (None if loss_scale_factor is None else
                                  _check_positive(owner, "loss_scale_factor", loss_scale_factor))
        if gradient_accumulation_steps is not None and (
                isinstance(gradient_accumulation_steps, bool) or
                not isinstance(gradient_accumulation_steps, (int, np.integer)) or
                gradient_accumulation_steps < 2):
            raise ValueError(f"{owner}: `gradient_accumulation_steps` must be an integer >= 2. "
                             f"Received: gradient_accumulation_steps="
                             f"{gradient_accumulation_steps}")
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.name = name or _snake(owner)
        self._iterations = 0
        self._slots = None
        self._layout = None
        self._variables = None
        self._exclude_ids = set()
        self._exclude_pattern = None
        self._decay_mask = None

    @property
    def iterations(self):
        """Steps taken; with gradient accumulation, the number of weight updates
        (optimizer steps // gradient_accumulation_steps), as Keras 3."""
        if self.gradient_accumulation_steps:
            return self._iterations // self.gradient_accumulation_steps
        return self._iterations

    @iterations.setter
    def iterations(self, value):
        steps = self.gradient_accumulation_steps or 1
        self._iterations = int(value) * steps

    # ------------------------------------------------------------ learning rate
    def _parse_learning_rate(self, value):
        if isinstance(value, _schedules.LearningRateSchedule) or (
                callable(value) and not isinstance(value, (int, float, np.number))):
            return value
        if isinstance(value, dict):
            return _schedules.deserialize(value)
        return _check_positive(type(self).__name__, "learning_rate", value)

    @property
    def learning_rate(self):
        """The learning rate of the next step; a schedule is evaluated at the
        optimizer steps taken (every step, also those that only accumulate)."""
        return self._current_learning_rate()

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(self._learning_rate, _schedules.LearningRateSchedule) and not (
                isinstance(value, _schedules.LearningRateSchedule) or callable(value)):
            raise TypeError("This optimizer was created with a `LearningRateSchedule` object "
                            "as its `learning_rate` constructor argument, hence its learning "
                            "rate is not settable. If you need the learning rate to be "
                            "settable, you should instantiate the optimizer with a float "
                            "`learning_rate` argument.")
        self._learning_rate = self._parse_learning_rate(value)

    def _current_learning_rate(self):
        lr = self._learning_rate
        if isinstance(lr, _schedules.LearningRateSchedule):
            lr = lr(self._iterations)
        elif callable(lr):
            lr = lr()
        lr = float(np.asarray(lr))
        if not math.isfinite(lr):
            raise ValueError(f"{type(self).__name__}: the learning rate at step "
                             f"{self._iterations} is {lr}")
        return lr

    # --------------------------------------------------------------- state
    def build(self, size, dtype, offsets, variables=None):
        """Allocate slot buffers for ``size`` flat parameters split at ``offsets``;
        ``variables`` are the weights of the segments (names for weight decay)."""
        self._slots = {name: np.zeros(size if self._slot_used(name) else 0, dtype)
                       for name in self._slot_names}
        if self.use_ema:
            self._slots["average"] = np.zeros(size, dtype)
        if self.gradient_accumulation_steps:
            self._slots["gradient_accumulator"] = np.zeros(size, dtype)
        self._offsets = np.asarray(offsets, dtype=np.int64)
        self._layout = (int(size), np.dtype(dtype).name, tuple(self._offsets.tolist()))
        self._ema_fresh = True
        self._init_slots()
        if variables is not None:
            self._track_variables(variables)

    def _track_variables(self, variables):
        """Remember which weight each segment holds (for weight decay exclusion and EMA)."""
        self._variables = list(variables)
        self._decay_mask = np.array([self._use_weight_decay(v) for v in self._variables],
                                    dtype=np.bool_)

    def _init_slots(self):
        pass

    def _slot_used(self, name):
        return True

    @property
    def variables(self):
        """The optimizer's state arrays (iterations first), as Keras lists them."""
        out = [np.array(self._iterations, dtype=np.int64)]
        if self._slots is not None:
            out += [v for v in self._slots.values() if v.size]
        return out

    def get_slots(self):
        """The optimizer's state as a dict of arrays (for saving)."""
        pending = getattr(self, "_pending", None)
        if pending is not None:  # loaded and not applied yet: saving keeps it
            return {k: np.array(v, copy=True) for k, v in pending.items()}
        state = {"iterations": np.array(self._iterations, dtype=np.int64)}
        if self._slots is not None:
            state.update({k: v.copy() for k, v in self._slots.items()})
        state.update(self._scalar_state())
        return state

    def _scalar_state(self):
        """Extra state as 1-element vectors (saved with the slots)."""
        return {}

    def _saved_state_names(self):
        """Every name :meth:`get_slots` may hold (the loader reads only these)."""
        names = ["iterations", *self._slot_names]
        if self.use_ema:
            names.append("average")
        if self.gradient_accumulation_steps:
            names.append("gradient_accumulator")
        return names + list(self._scalar_state())

    def _set_scalar_state(self, state):
        pass

    def set_slots(self, state):
        self._iterations = int(state.get("iterations", 0))
        self._set_scalar_state(state)
        if self._slots is None:
            self._pending = dict(state)
            return
        for k, v in self._slots.items():
            if k in state and np.shape(state[k]) == v.shape:
                v[...] = state[k]
        if "average" in state and self.use_ema:
            self._ema_fresh = False

    # --------------------------------------------------------------- weight decay
    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exclude weights from weight decay: those in ``var_list``, and those whose
        name contains one of the strings of ``var_names`` (e.g. ``['bias']``).

        Must be called before the optimizer is built (before the first fit).
        """
        if self._slots is not None:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the "
                             "optimizer is built.")
        self._exclude_ids = {id(v) for v in (var_list or [])}
        self._exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None

    def _use_weight_decay(self, variable):
        if id(variable) in self._exclude_ids:
            return False
        pattern = self._exclude_pattern
        name = getattr(variable, "name", "")
        return not (pattern is not None and pattern.search(name or ""))

    def _apply_weight_decay(self, params, lr):
        if not self.weight_decay:
            return
        factor = 1.0 - self.weight_decay * lr
        if self._decay_mask is None or self._decay_mask.all():
            params *= params.dtype.type(factor)
        else:
            _k.scale_segments(params, self._offsets, self._decay_mask, factor)

    # --------------------------------------------------------------- update
    def _clip(self, grads):
        if self.clipnorm is not None:
            _k.clip_by_segment_norm(grads, self._offsets, self.clipnorm)
        elif self.global_clipnorm is not None:
            norm = float(np.sqrt(np.dot(grads, grads)))
            if not math.isfinite(norm):
                # Keras turns the scale into NaN for a non-finite norm rather
                # than silently rescaling an already broken step.
                grads[...] = np.nan
            elif norm > self.global_clipnorm:
                grads *= grads.dtype.type(self.global_clipnorm / norm)
        elif self.clipvalue is not None:
            np.clip(grads, -self.clipvalue, self.clipvalue, out=grads)

    def apply(self, params, grads=None):
        """One optimizer step on the flat ``params`` from ``grads`` (both modified in place).

        Keras' form ``apply(grads, trainable_variables)`` with lists is accepted too
        (see :meth:`apply_gradients`).
        """
        if isinstance(params, (list, tuple)):
            return self.apply_to(params, list(grads))
        pending = getattr(self, "_pending", None)
        if pending is not None:
            self._pending = None
            self.set_slots(pending)
        steps = self.gradient_accumulation_steps
        update = not steps or (self._iterations + 1) % steps == 0
        if steps:
            acc = self._slots["gradient_accumulator"]
            acc += grads
            if update:
                grads[...] = acc / grads.dtype.type(steps)
                acc[...] = 0
        if update:
            lr = self._current_learning_rate()
            self._clip(grads)
            self._apply_weight_decay(params, lr)
            # the update counts weight updates: with accumulation, Adam's bias
            # correction sees 1, 2, ... (Keras' `iterations` property)
            self._update(params, grads, self.iterations + 1, lr)
        if self.use_ema:
            self._update_average(params)
        self._iterations += 1

    def _update_average(self, params):
        average = self._slots["average"]
        # the first step copies the weights, as Keras' momentum 0 at iteration 0
        momentum = 0.0 if self.iterations == 0 else self.ema_momentum
        self._ema_fresh = False
        _k.ema_update(average, params, momentum)
        freq = self.ema_overwrite_frequency
        if freq and (self.iterations + 1) % freq == 0:
            params[...] = average

    def finalize_variable_values(self, var_list=None):
        """Replace the weights by their moving average when ``use_ema`` (Keras calls
        this at the end of ``fit``)."""
        if not self.use_ema or self._slots is None or self._ema_fresh:
            return
        average = self._slots["average"]
        variables = self._variables or []
        chosen = None if var_list is None else {id(v) for v in var_list}
        for k, w in enumerate(variables):
            if (chosen is None or id(w) in chosen) and hasattr(w, "value"):
                a, b = self._offsets[k], self._offsets[k + 1]
                w.value[...] = average[a:b].reshape(w.value.shape)

    def apply_gradients(self, grads_and_vars):
        """Keras' ``apply_gradients(zip(grads, weights))`` for weights outside a fit."""
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        return self.apply_to([np.asarray(g) for g, _ in pairs], [v for _, v in pairs])

    def scale_loss(self, loss):
        """``loss * loss_scale_factor`` for custom training loops (Keras); the
        gradients given to :meth:`apply_gradients` are divided by the factor."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    def apply_to(self, grads, variables):
        """``apply`` on a list of gradient arrays and the weights they belong to."""
        if len(grads) != len(variables):
            raise ValueError(f"Got {len(grads)} gradients for {len(variables)} variables")
        if not variables:
            return
        values = [np.asarray(v.value if hasattr(v, "value") else v) for v in variables]
        dtype = values[0].dtype
        offsets = np.concatenate([[0], np.cumsum([v.size for v in values])]).astype(np.int64)
        layout = (int(offsets[-1]), dtype.name, tuple(offsets.tolist()))
        if self._layout != layout or [id(v) for v in self._variables or []] != \
                [id(v) for v in variables]:
            if self._layout != layout:
                self.build(int(offsets[-1]), dtype, offsets, variables)
            else:
                self._track_variables(variables)
        params = np.concatenate([v.ravel() for v in values]).astype(dtype, copy=False)
        flat = np.concatenate([np.asarray(g, dtype).ravel() for g in grads])
        if self.loss_scale_factor is not None:
            # fit computes exact gradients; only custom loops scale the loss
            flat /= flat.dtype.type(self.loss_scale_factor)
        self.apply(params, flat)
        for k, v in enumerate(values):
            v[...] = params[offsets[k]:offsets[k + 1]].reshape(v.shape)

    def _update(self, params, grads, step, lr):
        raise NotImplementedError

    # --------------------------------------------------------------- config
    def get_config(self):
        lr = self._learning_rate
        if isinstance(lr, _schedules.LearningRateSchedule):
            lr = _schedules.serialize(lr)
        elif callable(lr):
            lr = float(self._current_learning_rate())
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": self.use_ema,
                "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _schedules.deserialize(config["learning_rate"],
                                                             custom_objects)
        config.pop("is_legacy_optimizer", None)
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"
