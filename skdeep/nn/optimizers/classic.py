"""SGD, Adam (and AdamW), RMSprop and Adagrad with Keras 3 formulas and defaults."""
import math

from ..kernels import optim as _k
from .base import Optimizer, _check_fraction, _check_positive

__all__ = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]


class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum.

    ``velocity = momentum * velocity - lr * g``; ``w += velocity`` (or
    ``w += momentum * velocity - lr * g`` with nesterov).

    Examples
    --------
    >>> import numpy as np
    >>> opt = SGD(learning_rate=0.1)
    >>> w, g = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    >>> opt.build(2, w.dtype, [0, 2])
    >>> opt.apply(w, g)
    >>> w.tolist()
    [0.95, 2.1]
    """

    _slot_names = ("momentum",)

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.momentum = _check_fraction("SGD", "momentum", momentum, upper_open=False)
        self.nesterov = bool(nesterov)

    def _slot_used(self, name):
        return self.momentum > 0

    def _update(self, params, grads, step, lr):
        _k.sgd_step(params, grads, self._slots["momentum"], lr, self.momentum, self.nesterov)

    def get_config(self):
        return dict(super().get_config(), momentum=self.momentum, nesterov=self.nesterov)


class Adam(Optimizer):
    """Adam (Kingma & Ba) with Keras 3's epsilon placement and optional AMSGrad.

    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g**2``,
    ``w -= lr * sqrt(1 - b2**t) / (1 - b1**t) * m / (sqrt(v) + epsilon)``.
    """

    _slot_names = ("m", "v", "vhat")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        owner = type(self).__name__
        self.beta_1 = _check_fraction(owner, "beta_1", beta_1)
        self.beta_2 = _check_fraction(owner, "beta_2", beta_2)
        self.epsilon = _check_positive(owner, "epsilon", 1e-7 if epsilon is None else epsilon)
        self.amsgrad = bool(amsgrad)

    def _slot_used(self, name):
        return name != "vhat" or self.amsgrad

    def _update(self, params, grads, step, lr):
        alpha = lr * math.sqrt(1 - self.beta_2 ** step) / (1 - self.beta_1 ** step)
        s = self._slots
        _k.adam_step(params, grads, s["m"], s["v"], s["vhat"], alpha, self.beta_1, self.beta_2,
                     self.epsilon, self.amsgrad)

    def get_config(self):
        return dict(super().get_config(), beta_1=self.beta_1, beta_2=self.beta_2,
                    epsilon=self.epsilon, amsgrad=self.amsgrad)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), ``weight_decay=0.004``.

    Each step first shrinks the weights, ``w -= w * weight_decay * lr``, then
    applies the Adam update; exclude weights (biases, norms) with
    :meth:`exclude_from_weight_decay`.

    Examples
    --------
    >>> opt = AdamW(learning_rate=0.01)
    >>> opt.exclude_from_weight_decay(var_names=["bias"])
    >>> opt.weight_decay
    0.004
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, **kwargs):
        if weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: "
                             "weight_decay=None")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, weight_decay=weight_decay, **kwargs)


class RMSprop(Optimizer):
    """RMSprop with optional momentum and centering (Keras 3 formulas)."""

    _slot_names = ("velocity", "momentum", "average_gradient")

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = _check_fraction("RMSprop", "rho", rho)
        self.momentum = _check_fraction("RMSprop", "momentum", momentum, upper_open=False)
        self.epsilon = _check_positive("RMSprop", "epsilon", 1e-7 if epsilon is None else epsilon)
        self.centered = bool(centered)

    def _slot_used(self, name):
        return {"velocity": True, "momentum": self.momentum > 0,
                "average_gradient": self.centered}[name]

    def _update(self, params, grads, step, lr):
        s = self._slots
        _k.rmsprop_step(params, grads, s["velocity"], s["momentum"], s["average_gradient"],
                        lr, self.rho, self.momentum, self.epsilon, self.centered)

    def get_config(self):
        return dict(super().get_config(), rho=self.rho, momentum=self.momentum,
                    epsilon=self.epsilon, centered=self.centered)


class Adagrad(Optimizer):
    """Adagrad: ``acc += g**2; w -= lr * g / sqrt(acc + epsilon)``."""

    _slot_names = ("accumulator",)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value = _check_positive(
            "Adagrad", "initial_accumulator_value", initial_accumulator_value, allow_zero=True)
        self.epsilon = _check_positive("Adagrad", "epsilon", 1e-7 if epsilon is None else epsilon)

    def _init_slots(self):
        self._slots["accumulator"][...] = self.initial_accumulator_value

    def _update(self, params, grads, step, lr):
        _k.adagrad_step(params, grads, self._slots["accumulator"], lr, self.epsilon)

    def get_config(self):
        return dict(super().get_config(), initial_accumulator_value=self.initial_accumulator_value,
                    epsilon=self.epsilon)
