"""Nadam, Adamax, Adadelta, Lion and Ftrl with Keras 3 formulas and defaults."""
import numbers

import numpy as np

from ..kernels import optim as _k
from .base import Optimizer, _check_fraction, _check_positive

__all__ = ["Nadam", "Adamax", "Adadelta", "Lion", "Ftrl"]


class Nadam(Optimizer):
    """Adam with Nesterov momentum and Keras' momentum schedule
    ``u_t = beta_1 * (1 - 0.5 * 0.96 ** t)``.

    ``m_hat = u_{t+1} m / (1 - prod_{i<=t+1} u_i) + (1 - u_t) g / (1 - prod_{i<=t} u_i)``,
    ``w -= lr * m_hat / (sqrt(v / (1 - beta_2 ** t)) + epsilon)``.
    """

    _slot_names = ("momentum", "velocity")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = _check_fraction("Nadam", "beta_1", beta_1)
        self.beta_2 = _check_fraction("Nadam", "beta_2", beta_2)
        self.epsilon = _check_positive("Nadam", "epsilon", epsilon)
        self._u_product = 1.0

    def _init_slots(self):
        self._u_product = 1.0

    def _scalar_state(self):
        return {"u_product": np.array([self._u_product])}

    def _set_scalar_state(self, state):
        if "u_product" in state:
            self._u_product = float(np.asarray(state["u_product"]).reshape(-1)[0])

    def _update(self, params, grads, step, lr):
        b1 = self.beta_1
        u_t = b1 * (1.0 - 0.5 * 0.96 ** step)
        u_t_1 = b1 * (1.0 - 0.5 * 0.96 ** (step + 1))
        self._u_product *= u_t
        s = self._slots
        _k.nadam_step(params, grads, s["momentum"], s["velocity"], lr, b1, self.beta_2,
                      self.epsilon, u_t, u_t_1, self._u_product, self._u_product * u_t_1,
                      self.beta_2 ** step)

    def get_config(self):
        return dict(super().get_config(), beta_1=self.beta_1, beta_2=self.beta_2,
                    epsilon=self.epsilon)


class Adamax(Optimizer):
    """Adam with the infinity norm: ``u = max(beta_2 u, |g|)``,
    ``w -= lr * m / ((1 - beta_1 ** t) * (u + epsilon))``."""

    _slot_names = ("momentum", "norm")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = _check_fraction("Adamax", "beta_1", beta_1)
        self.beta_2 = _check_fraction("Adamax", "beta_2", beta_2)
        self.epsilon = _check_positive("Adamax", "epsilon", epsilon)

    def _update(self, params, grads, step, lr):
        s = self._slots
        _k.adamax_step(params, grads, s["momentum"], s["norm"], lr, self.beta_1, self.beta_2,
                       self.epsilon, self.beta_1 ** step)

    def get_config(self):
        return dict(super().get_config(), beta_1=self.beta_1, beta_2=self.beta_2,
                    epsilon=self.epsilon)


class Adadelta(Optimizer):
    """Adadelta: ``delta = -sqrt(E[dx^2] + eps) / sqrt(E[g^2] + eps) * g``,
    ``w += lr * delta`` (Keras keeps a learning rate, 0.001 by default)."""

    _slot_names = ("accumulated_grad", "accumulated_delta_var")

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = _check_fraction("Adadelta", "rho", rho)
        self.epsilon = _check_positive("Adadelta", "epsilon", epsilon)

    def _update(self, params, grads, step, lr):
        s = self._slots
        _k.adadelta_step(params, grads, s["accumulated_grad"], s["accumulated_delta_var"], lr,
                         self.rho, self.epsilon)

    def get_config(self):
        return dict(super().get_config(), rho=self.rho, epsilon=self.epsilon)


class Lion(Optimizer):
    """Lion (Chen et al.): ``w -= lr * sign(beta_1 m + (1 - beta_1) g)``, then
    ``m = beta_2 m + (1 - beta_2) g``."""

    _slot_names = ("momentum",)

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if isinstance(beta_1, bool) or not isinstance(beta_1, (int, float)) or \
                not 0 < beta_1 <= 1:
            raise ValueError("Argument `beta_1` must be in the [0, 1] range. Otherwise, the "
                             f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}.")
        self.beta_1 = float(beta_1)
        self.beta_2 = _check_fraction("Lion", "beta_2", beta_2, upper_open=False)

    def _update(self, params, grads, step, lr):
        _k.lion_step(params, grads, self._slots["momentum"], lr, self.beta_1, self.beta_2)

    def get_config(self):
        return dict(super().get_config(), beta_1=self.beta_1, beta_2=self.beta_2)


class Ftrl(Optimizer):
    """Follow-the-regularized-leader (McMahan et al.) with L1, L2 and L2-shrinkage terms."""

    _slot_names = ("accumulator", "linear")

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        checks = (("initial_accumulator_value", initial_accumulator_value),
                  ("l1_regularization_strength", l1_regularization_strength),
                  ("l2_regularization_strength", l2_regularization_strength),
                  ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength),
                  ("beta", beta))
        for name, value in checks:
            if not isinstance(value, numbers.Real) or isinstance(value, bool) or value < 0:
                raise ValueError(f"`{name}` needs to be positive or zero. Received: "
                                 f"{name}={value!r}.")
        if not isinstance(learning_rate_power, numbers.Real) or learning_rate_power > 0:
            raise ValueError("`learning_rate_power` needs to be negative or zero. Received: "
                             f"learning_rate_power={learning_rate_power!r}.")
        self.learning_rate_power = float(learning_rate_power)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.l1_regularization_strength = float(l1_regularization_strength)
        self.l2_regularization_strength = float(l2_regularization_strength)
        self.l2_shrinkage_regularization_strength = float(l2_shrinkage_regularization_strength)
        self.beta = float(beta)

    def _init_slots(self):
        self._slots["accumulator"][...] = self.initial_accumulator_value

    def _update(self, params, grads, step, lr):
        s = self._slots
        _k.ftrl_step(params, grads, s["accumulator"], s["linear"], lr, self.learning_rate_power,
                     self.l1_regularization_strength,
                     self.l2_regularization_strength + self.beta / (2.0 * lr),
                     self.l2_shrinkage_regularization_strength)

    def get_config(self):
        return dict(super().get_config(), learning_rate_power=self.learning_rate_power,
                    initial_accumulator_value=self.initial_accumulator_value,
                    l1_regularization_strength=self.l1_regularization_strength,
                    l2_regularization_strength=self.l2_regularization_strength,
                    l2_shrinkage_regularization_strength=(
                        self.l2_shrinkage_regularization_strength),
                    beta=self.beta)
