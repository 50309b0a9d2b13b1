"""Learning-rate schedules: ``learning_rate=`` of any optimizer, evaluated at
the number of optimizer steps taken before each update (with gradient
accumulation every step counts, as in Keras 3).

Examples
--------
>>> from skdeep.nn.optimizers import SGD, schedules
>>> lr = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
>>> round(float(lr(20)), 6)
0.025
>>> opt = SGD(learning_rate=lr)
>>> round(float(opt.learning_rate), 6)
0.1
"""
import math

import numpy as np

__all__ = ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay",
           "InverseTimeDecay", "PolynomialDecay", "CosineDecay", "CosineDecayRestarts",
           "serialize", "deserialize"]


def _positive(owner, name, value, allow_zero=False):
    ok = isinstance(value, (int, float, np.number)) and not isinstance(value, bool) and \
        math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{owner}: argument `{name}` must be a finite number {bound}. "
                         f"Received: {name}={value!r}")
    return value


class LearningRateSchedule:
    """Base class: ``schedule(step) -> learning rate``; subclasses implement
    ``__call__(step)`` and ``get_config()``.

    Examples
    --------
    >>> class Halving(LearningRateSchedule):
    ...     def __init__(self, initial_learning_rate):
    ...         self.initial_learning_rate = initial_learning_rate
    ...     def __call__(self, step):
    ...         return self.initial_learning_rate / (step + 1)
    ...     def get_config(self):
    ...         return {"initial_learning_rate": self.initial_learning_rate}
    >>> Halving(0.1)(1)
    0.05
    """

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must "
                                  "override `__call__(self, step)`.")

    def get_config(self):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must "
                                  "override `get_config()` in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = "..."
        return f"{type(self).__name__}({args})"


class ExponentialDecay(LearningRateSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (the
    exponent floored with ``staircase``).

    Examples
    --------
    >>> round(float(ExponentialDecay(0.1, 100, 0.96, staircase=True)(150)), 6)
    0.096
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive(type(self).__name__, "decay_steps", decay_steps)
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        p = np.asarray(step, np.float64) / self.decay_steps
        if self.staircase:
            p = np.floor(p)
        return self.initial_learning_rate * np.power(float(self.decay_rate), p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < step <= boundaries[i]``, ``values[-1]`` after.

    Examples
    --------
    >>> lr = PiecewiseConstantDecay([100, 110], [1.0, 0.5, 0.1])
    >>> [float(lr(s)) for s in (100, 101, 111)]
    [1.0, 0.5, 0.1]
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError("The length of boundaries should be 1 less than the length of "
                             f"values. Received: boundaries={boundaries} of length "
                             f"{len(boundaries)}, and values={values} of length "
                             f"{len(values)}.")
        if list(boundaries) != sorted(boundaries):
            raise ValueError(f"PiecewiseConstantDecay: boundaries must be increasing, got "
                             f"{boundaries}")
        self.boundaries = list(boundaries)
        self.values = list(values)
        self.name = name

    def __call__(self, step):
        # the index of the first boundary >= step
        return np.asarray(self.values, np.float64)[
            np.searchsorted(np.asarray(self.boundaries, np.float64), step, side="left")]

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)`` (the
    ratio floored with ``staircase``).

    Examples
    --------
    >>> float(InverseTimeDecay(0.1, 1.0, 0.5)(2))
    0.05
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive(type(self).__name__, "decay_steps", decay_steps)
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        p = np.asarray(step, np.float64) / self.decay_steps
        if self.staircase:
            p = np.floor(p)
        return self.initial_learning_rate / (1.0 + self.decay_rate * p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """From ``initial_learning_rate`` to ``end_learning_rate`` over ``decay_steps``:
    ``(initial - end) * (1 - step / decay_steps) ** power + end``; with
    ``cycle`` the horizon grows to the next multiple of ``decay_steps``.

    Examples
    --------
    >>> round(float(PolynomialDecay(0.1, 10, end_learning_rate=0.01)(5)), 6)
    0.055
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive(type(self).__name__, "decay_steps", decay_steps)
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        step = np.asarray(step, np.float64)
        decay_steps = float(self.decay_steps)
        if self.cycle:
            decay_steps = decay_steps * np.where(step == 0, 1.0, np.ceil(step / decay_steps))
        else:
            step = np.minimum(step, decay_steps)
        p = step / decay_steps
        return (self.initial_learning_rate - self.end_learning_rate) * \
            np.power(1.0 - p, self.power) + self.end_learning_rate

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay from the initial (or warm-up target) rate to ``alpha`` times it
    over ``decay_steps``, after an optional linear warm-up to ``warmup_target``
    over ``warmup_steps``.

    Examples
    --------
    >>> lr = CosineDecay(0.0, decay_steps=10, warmup_target=0.1, warmup_steps=5)
    >>> [round(float(lr(s)), 4) for s in (0, 5, 10, 15, 99)]
    [0.0, 0.1, 0.05, 0.0, 0.0]
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        if not decay_steps > 0:
            raise ValueError(f"Argument `decay_steps` must be > 0. Received: "
                             f"decay_steps={decay_steps}")
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target

    def _decay(self, step, decay_from):
        cosine = 0.5 * (1.0 + np.cos(math.pi * step / self.decay_steps))
        return decay_from * ((1.0 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        step = np.asarray(step, np.float64)
        if self.warmup_target is None:
            return self._decay(np.minimum(step, self.decay_steps), self.initial_learning_rate)
        step = np.minimum(step, self.decay_steps + self.warmup_steps)
        with np.errstate(divide="ignore", invalid="ignore"):
            warm = (self.warmup_target - self.initial_learning_rate) * step / \
                self.warmup_steps + self.initial_learning_rate
        return np.where(step < self.warmup_steps, warm,
                        self._decay(step - self.warmup_steps, self.warmup_target))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): periods of ``first_decay_steps``
    growing by ``t_mul``, peaks scaled by ``m_mul`` at each restart.

    Examples
    --------
    >>> lr = CosineDecayRestarts(0.1, first_decay_steps=10)
    >>> [round(float(lr(s)), 4) for s in (0, 5, 10, 20)]
    [0.1, 0.05, 0.1, 0.05]
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        if not first_decay_steps > 0:
            raise ValueError(f"Argument `first_decay_steps` must be > 0. Received: "
                             f"first_decay_steps={first_decay_steps}")
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        fraction = np.asarray(step, np.float64) / self.first_decay_steps
        t_mul = float(self._t_mul)
        if t_mul == 1.0:
            i_restart = np.floor(fraction)
            fraction = fraction - i_restart
        else:
            i_restart = np.floor(np.log(1.0 - fraction * (1.0 - t_mul)) / np.log(t_mul))
            sum_r = (1.0 - t_mul ** i_restart) / (1.0 - t_mul)
            fraction = (fraction - sum_r) / t_mul ** i_restart
        cosine = 0.5 * float(self._m_mul) ** i_restart * (1.0 + np.cos(math.pi * fraction))
        return self.initial_learning_rate * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


_BY_NAME = {cls.__name__: cls for cls in (ExponentialDecay, PiecewiseConstantDecay,
                                          InverseTimeDecay, PolynomialDecay, CosineDecay,
                                          CosineDecayRestarts)}


def serialize(learning_rate_schedule):
    """Keras' serialized form: ``{'module', 'class_name', 'config', 'registered_name'}``.

    Examples
    --------
    >>> serialize(ExponentialDecay(0.1, 100, 0.96))["class_name"]
    'ExponentialDecay'
    """
    cls = type(learning_rate_schedule)
    builtin = _BY_NAME.get(cls.__name__) is cls
    return {"module": "keras.optimizers.schedules" if builtin else cls.__module__,
            "class_name": cls.__name__, "config": learning_rate_schedule.get_config(),
            "registered_name": None if builtin else cls.__name__}


def deserialize(config, custom_objects=None):
    """A schedule from :func:`serialize`'s output (or ``{'class_name', 'config'}``);
    custom classes must be given in ``custom_objects``."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret learning rate schedule config {config!r:.200}")
    name = config["class_name"]
    custom = dict(custom_objects or {})
    cls = custom.get(name) or custom.get(config.get("registered_name")) or _BY_NAME.get(name)
    if cls is None:
        try:  # classes registered with register_keras_serializable, where available
            from ..object_registry import get_registered_object
            cls = get_registered_object(config.get("registered_name") or name, custom)
        except ImportError:
            cls = None
    if not (isinstance(cls, type) and issubclass(cls, LearningRateSchedule)):
        raise ValueError(f"Unknown learning rate schedule {name!r}; pass custom schedules in "
                         "custom_objects")
    return cls.from_config(dict(config.get("config", {})))
