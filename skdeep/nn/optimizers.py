"""Optimizers with Keras 3 update formulas and defaults.

An optimizer updates a model's flat parameter buffer from its flat gradient
buffer with one fused kernel call per step (see ``kernels/optim.py``).
"""
import math
import warnings

import numpy as np

from .kernels import optim as _k

__all__ = ["Optimizer", "SGD", "Adam", "RMSprop", "Adagrad", "get", "serialize"]


def _check_positive(owner, name, value, allow_zero=False):
    ok = isinstance(value, (int, float, np.number)) and not isinstance(value, bool) and \
        np.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{owner}: {name} must be a finite number {bound}, got {value!r}")
    return float(value)


class Optimizer:
    """Base class.

    Parameters
    ----------
    learning_rate : float
    clipnorm : float, optional
        Rescale each weight's gradient (each variable separately, as Keras)
        to an L2 norm of at most ``clipnorm``.
    clipvalue : float, optional
        Clip every gradient value to ``[-clipvalue, clipvalue]``.
    global_clipnorm : float, optional
        Rescale all gradients together so that their joint L2 norm is at most
        ``global_clipnorm``. Only one of the three clipping options may be set.
    weight_decay : float, optional
        Decoupled weight decay, applied to every trainable weight after
        clipping and before the update: ``p -= p * weight_decay * learning_rate``.
    name : str, optional
    """

    _slot_names = ()

    def __init__(self, learning_rate=0.001, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 weight_decay=None, name=None, lr=None, decay=None):
        owner = type(self).__name__
        if lr is not None:  # Keras 2 spelling, still common in course notes
            warnings.warn(f"{owner}: `lr` is deprecated, use `learning_rate`", DeprecationWarning,
                          stacklevel=3)
            learning_rate = lr
        if decay:
            warnings.warn(f"{owner}: `decay` is no longer supported and is ignored (as in Keras "
                          "3); use a LearningRateScheduler callback", UserWarning, stacklevel=3)
        self.learning_rate = _check_positive(owner, "learning_rate", learning_rate)
        if sum(v is not None for v in (clipnorm, clipvalue, global_clipnorm)) > 1:
            # Keras 3 applies exactly one clipping mode; combining them was
            # never defined there, so refuse instead of picking an order.
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
        self.name = name or type(self).__name__.lower()
        self.iterations = 0
        self._slots = None
        self._layout = None

    # --------------------------------------------------------------- state
    def build(self, size, dtype, offsets):
        """Allocate zeroed slot buffers for ``size`` parameters."""
        self._slots = {name: np.zeros(size if self._slot_used(name) else 0, dtype)
                       for name in self._slot_names}
        self._offsets = np.asarray(offsets, dtype=np.int64)
        self._layout = (int(size), np.dtype(dtype).name, tuple(self._offsets.tolist()))
        self._init_slots()

    def _init_slots(self):
        pass

    def _slot_used(self, name):
        return True

    def get_slots(self):
        """The optimizer's state as a dict of arrays (for saving)."""
        state = {"iterations": np.array(self.iterations, dtype=np.int64)}
        if self._slots is not None:
            state.update({k: v.copy() for k, v in self._slots.items()})
        return state

    def set_slots(self, state):
        self.iterations = int(state.get("iterations", 0))
        if self._slots is None:
            self._pending = dict(state)
            return
        for k, v in self._slots.items():
            if k in state and np.shape(state[k]) == v.shape:
                v[...] = state[k]

    # --------------------------------------------------------------- update
    def apply(self, params, grads):
        """One update of ``params`` from ``grads`` (both flat, modified in place)."""
        pending = getattr(self, "_pending", None)
        if pending is not None:
            self._pending = None
            self.set_slots(pending)
        if self.clipvalue is not None:
            np.clip(grads, -self.clipvalue, self.clipvalue, out=grads)
        if self.clipnorm is not None:
            _k.clip_by_segment_norm(grads, self._offsets, self.clipnorm)
        if self.global_clipnorm is not None:
            norm = float(np.sqrt(np.dot(grads, grads)))
            if not math.isfinite(norm):
                # Keras turns the scale into NaN for a non-finite norm rather
                # than silently rescaling an already broken step.
                grads[...] = np.nan
            elif norm > self.global_clipnorm:
                grads *= grads.dtype.type(self.global_clipnorm / norm)
        if self.weight_decay:
            params *= params.dtype.type(1.0 - self.weight_decay * self.learning_rate)
        self._update(params, grads, self.iterations + 1)
        self.iterations += 1

    def _update(self, params, grads, step):
        raise NotImplementedError

    # --------------------------------------------------------------- config
    def get_config(self):
        return {"name": self.name, "learning_rate": self.learning_rate,
                "clipnorm": self.clipnorm, "clipvalue": self.clipvalue,
                "global_clipnorm": self.global_clipnorm, "weight_decay": self.weight_decay}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum.

    ``velocity = momentum * velocity - lr * g``; ``p += velocity`` (or
    ``p += momentum * velocity - lr * g`` with nesterov).
    """

    _slot_names = ("momentum",)

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not isinstance(momentum, (int, float)) or not 0 <= momentum <= 1:
            raise ValueError(f"SGD: momentum must be a float in [0, 1], got {momentum!r}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _slot_used(self, name):
        return self.momentum > 0

    def _update(self, params, grads, step):
        _k.sgd_step(params, grads, self._slots["momentum"], self.learning_rate, self.momentum,
                    self.nesterov)

    def get_config(self):
        return dict(super().get_config(), momentum=self.momentum, nesterov=self.nesterov)


class Adam(Optimizer):
    """Adam (Kingma & Ba) with Keras 3's epsilon placement and optional AMSGrad."""

    _slot_names = ("m", "v", "vhat")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        for name, b in (("beta_1", beta_1), ("beta_2", beta_2)):
            if not isinstance(b, (int, float)) or not 0 <= b < 1:
                raise ValueError(f"Adam: {name} must be in [0, 1), got {b!r}")
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = _check_positive("Adam", "epsilon", 1e-7 if epsilon is None else epsilon)
        self.amsgrad = bool(amsgrad)

    def _slot_used(self, name):
        return name != "vhat" or self.amsgrad

    def _update(self, params, grads, step):
        alpha = self.learning_rate * math.sqrt(1 - self.beta_2 ** step) / (1 - self.beta_1 ** step)
        s = self._slots
        _k.adam_step(params, grads, s["m"], s["v"], s["vhat"], alpha, self.beta_1, self.beta_2,
                     self.epsilon, self.amsgrad)

    def get_config(self):
        return dict(super().get_config(), beta_1=self.beta_1, beta_2=self.beta_2,
                    epsilon=self.epsilon, amsgrad=self.amsgrad)


class RMSprop(Optimizer):
    """RMSprop with optional momentum and centering (Keras 3 formulas)."""

    _slot_names = ("velocity", "momentum", "average_gradient")

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not isinstance(rho, (int, float)) or not 0 <= rho < 1:
            raise ValueError(f"RMSprop: rho must be in [0, 1), got {rho!r}")
        if not isinstance(momentum, (int, float)) or not 0 <= momentum <= 1:
            raise ValueError(f"RMSprop: momentum must be in [0, 1], got {momentum!r}")
        self.rho = float(rho)
        self.momentum = float(momentum)
        self.epsilon = _check_positive("RMSprop", "epsilon", 1e-7 if epsilon is None else epsilon)
        self.centered = bool(centered)

    def _slot_used(self, name):
        return {"velocity": True, "momentum": self.momentum > 0,
                "average_gradient": self.centered}[name]

    def _update(self, params, grads, step):
        s = self._slots
        _k.rmsprop_step(params, grads, s["velocity"], s["momentum"], s["average_gradient"],
                        self.learning_rate, self.rho, self.momentum, self.epsilon, self.centered)

    def get_config(self):
        return dict(super().get_config(), rho=self.rho, momentum=self.momentum,
                    epsilon=self.epsilon, centered=self.centered)


class Adagrad(Optimizer):
    """Adagrad: ``acc += g**2; p -= lr * g / sqrt(acc + epsilon)``."""

    _slot_names = ("accumulator",)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value = _check_positive(
            "Adagrad", "initial_accumulator_value", initial_accumulator_value, allow_zero=True)
        self.epsilon = _check_positive("Adagrad", "epsilon", 1e-7 if epsilon is None else epsilon)

    def _init_slots(self):
        self._slots["accumulator"][...] = self.initial_accumulator_value

    def _update(self, params, grads, step):
        _k.adagrad_step(params, grads, self._slots["accumulator"], self.learning_rate,
                        self.epsilon)

    def get_config(self):
        return dict(super().get_config(), initial_accumulator_value=self.initial_accumulator_value,
                    epsilon=self.epsilon)


_REGISTRY = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop, "adagrad": Adagrad}
_BY_CLASS = {cls.__name__: cls for cls in _REGISTRY.values()}


def get(identifier):
    """Resolve a name ('adam', 'sgd', 'rmsprop', 'adagrad'), config dict or instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    if isinstance(identifier, str):
        cls = _REGISTRY.get(identifier.lower()) or _BY_CLASS.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown optimizer {identifier!r}. Known optimizers: "
                             f"{sorted(_REGISTRY)}")
        return cls()
    if isinstance(identifier, dict):
        cls = _BY_CLASS.get(identifier.get("class_name"))
        if cls is None:
            raise ValueError(f"Unknown optimizer config {identifier!r}")
        return cls.from_config(identifier.get("config", {}))
    raise ValueError(f"Could not interpret optimizer {identifier!r}: pass a name such as "
                     "'adam' or an optimizer instance")


def serialize(optimizer):
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}
