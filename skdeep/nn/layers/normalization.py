"""BatchNormalization (Keras 3 semantics and defaults)."""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .. import initializers, regularizers
from ..kernels import elementwise as elementwise_k
from .base import Layer


class BatchNormalization(Layer):
    """Normalize over the batch along the last axis.

    In training, the batch mean and (biased) variance normalize the inputs
    and the moving statistics move towards them:
    ``moving = moving * momentum + batch_stat * (1 - momentum)``. At inference
    the moving statistics are used. As in Keras 3, a layer with
    ``trainable=False`` always runs in inference mode.

    Weights: gamma, beta, moving_mean, moving_variance, each ``(features,)``.
    """

    supports_masking = True

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer: Any = "zeros",
                 gamma_initializer: Any = "ones", moving_mean_initializer: Any = "zeros",
                 moving_variance_initializer: Any = "ones", beta_regularizer: Any = None,
                 gamma_regularizer: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if axis not in (-1,) and not isinstance(axis, numbers.Integral):
            raise ValueError(f"BatchNormalization axis must be an int, got {axis!r}")
        if not 0 <= momentum <= 1:
            raise ValueError(f"BatchNormalization momentum must be in [0, 1], got {momentum}")
        if epsilon <= 0:
            raise ValueError(f"BatchNormalization epsilon must be > 0, got {epsilon}")
        self.axis = axis
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)

    def build(self, input_shape):
        ndim = len(input_shape)
        axis = self.axis % ndim
        if axis != ndim - 1:
            raise ValueError(f"BatchNormalization '{self.name}' supports only the last axis "
                             f"(channels_last); got axis={self.axis} for input {input_shape}")
        f = input_shape[-1]
        self.gamma = (self.add_weight("gamma", (f,), self.gamma_initializer,
                                      self.gamma_regularizer) if self.scale else None)
        self.beta = (self.add_weight("beta", (f,), self.beta_initializer, self.beta_regularizer)
                     if self.center else None)
        self.moving_mean = self.add_weight("moving_mean", (f,), self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight("moving_variance", (f,),
                                               self.moving_variance_initializer, trainable=False)
        self.built = True

    def forward(self, inputs, ctx):
        shape = inputs.shape
        x = np.ascontiguousarray(inputs).reshape(-1, shape[-1])
        if x.dtype.kind != "f":  # integers: normalized in the layer dtype, as Keras
            x = x.astype(self.dtype)
        gamma = self.gamma.value if self.scale else np.ones(shape[-1], x.dtype)
        beta = self.beta.value if self.center else None
        training = ctx.training
        if training and self.trainable:
            mean = x.mean(axis=0)
            xc = x - mean
            var = np.mean(xc * xc, axis=0)
            inv = 1.0 / np.sqrt(var + self.epsilon)
            xhat = xc * inv
            m = self.momentum
            self.moving_mean.value[...] = self.moving_mean.value * m + mean * (1 - m)
            self.moving_variance.value[...] = self.moving_variance.value * m + var * (1 - m)
        else:
            mean = self.moving_mean.value
            inv = 1.0 / np.sqrt(self.moving_variance.value + self.epsilon)
            if x.dtype == mean.dtype == inv.dtype == gamma.dtype and x.dtype.kind == "f":
                return self._inference(x, shape, mean, inv, gamma, beta, ctx)
            xhat = (x - mean) * inv
        y = xhat * gamma
        if beta is not None:
            y += beta
        batch_stats = training and self.trainable
        need_dw = ctx.need_dw

        def backward(dy):
            dy = np.ascontiguousarray(dy).reshape(x.shape)
            if self.scale and need_dw:
                self.gamma.grad += (dy * xhat).sum(axis=0)
            if self.center and need_dw:
                self.beta.grad += dy.sum(axis=0)
            dxhat = dy * gamma
            if not batch_stats:
                return (dxhat * inv).reshape(shape)
            n = x.shape[0]
            dx = (inv / n) * (n * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0))
            return dx.astype(x.dtype, copy=False).reshape(shape)

        return y.astype(x.dtype, copy=False).reshape(shape), backward

    def _inference(self, x, shape, mean, inv, gamma, beta, ctx):
        """Moving statistics: one pass forward (``kernels.elementwise``), the
        normalized input recomputed in backward only for the gamma gradient."""
        y = ctx.buffer("y", x.shape, x.dtype)
        elementwise_k.batchnorm_inference(x, mean, inv, gamma,
                                          beta if beta is not None else mean[:0], y)
        need_dw = ctx.need_dw

        def backward(dy):
            dy = np.ascontiguousarray(dy).reshape(x.shape)
            if self.scale and need_dw:
                self.gamma.grad += (dy * ((x - mean) * inv)).sum(axis=0)
            if self.center and need_dw:
                self.beta.grad += dy.sum(axis=0)
            return ((dy * gamma) * inv).reshape(shape)

        return y.reshape(shape), backward

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, momentum=self.momentum, epsilon=self.epsilon,
                      center=self.center, scale=self.scale,
                      beta_initializer=initializers.serialize(self.beta_initializer),
                      gamma_initializer=initializers.serialize(self.gamma_initializer),
                      moving_mean_initializer=initializers.serialize(self.moving_mean_initializer),
                      moving_variance_initializer=initializers.serialize(
                          self.moving_variance_initializer),
                      beta_regularizer=regularizers.serialize(self.beta_regularizer),
                      gamma_regularizer=regularizers.serialize(self.gamma_regularizer))
        return config
