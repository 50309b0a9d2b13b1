"""Core layers: Dense, Activation, Dropout, Flatten, Reshape."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import activations, backend, constraints, initializers, regularizers
from ..kernels import activations as act_k
from .base import Layer


def _as_2d(x):
    x = np.ascontiguousarray(x)
    return x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x


class ActivationMixin:
    """Shared forward/backward of an activation applied to a 2-D work array."""

    accepts_logits = True

    @property
    def activation(self):
        """The activation function; assigning None gives ``linear`` (Keras'
        ``layer.activation = None``, e.g. to read logits)."""
        return self._activation

    @activation.setter
    def activation(self, value):
        self._activation = activations.get(value)

    def _activate(self, z, bias, ctx):
        """Apply ``bias`` + activation to ``z`` (2-D). Returns (y, backward_act)."""
        code = act_k.LINEAR if ctx.logits else activations.kernel_code(self.activation)
        if code == activations.CUSTOM:  # a Python function: bias added, then the ops tape
            if bias.shape[0] > 0:
                act_k.bias_act_forward(z, bias, act_k.LINEAR, 0.0, z)
            return activations.custom_forward(self.activation, z)
        alpha = self.activation.alpha
        if code in activations.NEEDS_PREACTIVATION:
            y = ctx.buffer("act_y", z.shape, z.dtype)
            act_k.bias_act_forward(z, bias, code, alpha, y)
        else:
            if bias.shape[0] > 0 or code != act_k.LINEAR:
                act_k.bias_act_forward(z, bias, code, alpha, z)
            y = z

        def backward_act(dy):
            if code == act_k.LINEAR:
                return dy
            dz = ctx.buffer("act_dz", dy.shape, dy.dtype)
            act_k.act_backward(dy, y, z, bias, code, alpha, dz)
            return dz

        return y, backward_act


class KernelLayerMixin(ActivationMixin):
    """The arguments shared by layers with a kernel, a bias and an activation
    (Dense, Conv1D/Conv2D): storing, weight creation and config."""

    def _set_kernel_args(self, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint):
        self.activation = activation
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def _add_kernel_and_bias(self, kernel_shape, units):
        self.kernel = self.add_weight("kernel", kernel_shape, self.kernel_initializer,
                                      self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = (self.add_weight("bias", (units,), self.bias_initializer,
                                     self.bias_regularizer, constraint=self.bias_constraint)
                     if self.use_bias else None)

    def _kernel_config(self):
        return dict(activation=activations.serialize(self.activation), use_bias=self.use_bias,
                    kernel_initializer=initializers.serialize(self.kernel_initializer),
                    bias_initializer=initializers.serialize(self.bias_initializer),
                    kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
                    bias_regularizer=regularizers.serialize(self.bias_regularizer),
                    activity_regularizer=regularizers.serialize(self.activity_regularizer),
                    kernel_constraint=constraints.serialize(self.kernel_constraint),
                    bias_constraint=constraints.serialize(self.bias_constraint))


class Dense(KernelLayerMixin, Layer):
    """Densely connected layer: ``activation(inputs @ kernel + bias)``.

    Parameters
    ----------
    units : int
        Number of output units.
    activation : str or callable, optional
        Activation name (see ``skdeep.nn.activations``) or function, e.g. a
        custom one written with ``skdeep.nn.ops``; None is linear.
    use_bias : bool, default True
    kernel_initializer, bias_initializer : str or Initializer
        Default ``'glorot_uniform'`` and ``'zeros'``, as in Keras.
    kernel_regularizer, bias_regularizer, activity_regularizer : optional
        Regularizers from ``skdeep.nn.regularizers`` or their names.

    Weights are ``kernel`` of shape ``(input_dim, units)`` and ``bias`` of
    shape ``(units,)``. Inputs of rank > 2 are transformed along the last axis.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import Dense
    >>> Dense(3, activation="relu")(np.ones((2, 4))).shape
    (2, 3)
    """

    def __init__(self, units: int, activation: str | Callable[..., Any] | None = None,
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"Dense units must be a positive integer, got {units!r}")
        self.units = int(units)
        self._set_kernel_args(activation, use_bias, kernel_initializer, bias_initializer,
                              kernel_regularizer, bias_regularizer, activity_regularizer,
                              kernel_constraint, bias_constraint)

    def build(self, input_shape):
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ValueError(f"Dense layer '{self.name}' needs a known last input dimension, "
                             f"got input shape {input_shape}")
        self._add_kernel_and_bias((in_dim, self.units), self.units)
        self.built = True

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def forward(self, inputs, ctx):
        shape = inputs.shape
        x = _as_2d(inputs)
        if x.dtype != self.dtype:
            x = x.astype(self.dtype)
        kernel = self.kernel.value
        if x.shape[1] != kernel.shape[0]:
            raise ValueError(f"Layer '{self.name}' expects inputs with last dimension "
                             f"{kernel.shape[0]}, got shape {shape}")
        z = ctx.buffer("z", (x.shape[0], self.units), kernel.dtype)
        np.matmul(x, kernel, out=z)
        bias = self.bias.value if self.use_bias else np.zeros(0, kernel.dtype)
        y, backward_act = self._activate(z, bias, ctx)
        out_shape = shape[:-1] + (self.units,)
        no_dx = not ctx.need_dx
        # the training loop zeroes gradients each step; a layer called once per
        # step may then write its kernel gradient directly instead of adding
        # (regularizer gradients are added after the backward pass)
        overwrite_grads = ctx.sole_call and self.kernel.grad.flags.c_contiguous
        need_dw = ctx.need_dw  # False: a frozen layer, no weight gradients

        def backward(dy):
            dz = backward_act(np.ascontiguousarray(dy).reshape(z.shape))
            if need_dw and overwrite_grads:
                np.matmul(x.T, dz, out=self.kernel.grad)
            elif need_dw:
                kgrad = ctx.buffer("kgrad", kernel.shape, kernel.dtype)
                np.matmul(x.T, dz, out=kgrad)
                self.kernel.grad += kgrad
            if need_dw and self.use_bias:
                act_k.column_sum_add(dz, self.bias.grad)
            if no_dx:
                return None
            dx = ctx.buffer("dx", x.shape, x.dtype)
            np.matmul(dz, kernel.T, out=dx)
            return dx.reshape(shape)

        return y.reshape(out_shape), backward

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, **self._kernel_config())
        return config


class Activation(ActivationMixin, Layer):
    """Applies an activation function to its input (softmax over the last axis)."""

    supports_masking = True

    def __init__(self, activation: str | Callable[..., Any] | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = activation

    def forward(self, inputs, ctx):
        shape = inputs.shape
        x = _as_2d(inputs)
        z = ctx.buffer("z", x.shape, self.dtype)
        z[...] = x
        y, backward_act = self._activate(z, np.zeros(0, z.dtype), ctx)

        def backward(dy):
            return backward_act(np.ascontiguousarray(dy).reshape(z.shape)).reshape(shape)

        return y.reshape(shape), backward

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config


class Dropout(Layer):
    """Inverted dropout: during training, zero a fraction ``rate`` of the inputs
    and scale the rest by ``1 / (1 - rate)``; the identity at inference.

    ``noise_shape`` (batch dimension may be None) broadcasts one mask over
    axes of size 1; ``seed`` makes the masks reproducible on its own.
    """

    supports_masking = True

    def __init__(self, rate: float, noise_shape: Sequence[int | None] | None = None,
                 seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(rate, (int, float, np.number)) or not 0 <= rate < 1:
            raise ValueError(f"Dropout rate must be a number in [0, 1), got {rate!r}")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def forward(self, inputs, ctx):
        if not ctx.training or self.rate == 0:
            return inputs, lambda dy: dy
        rng = self._rng if self._rng is not None else backend.get_rng()
        shape = inputs.shape
        if self.noise_shape is not None:
            shape = tuple(s if n is None else n for s, n in zip(inputs.shape, self.noise_shape))
        keep = 1.0 - self.rate
        mask = (rng.random(shape, dtype=np.float32) < keep).astype(inputs.dtype)
        mask *= inputs.dtype.type(1.0 / keep)
        y = inputs * mask
        return y, lambda dy: dy * mask

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, seed=self.seed,
                      noise_shape=None if self.noise_shape is None else list(self.noise_shape))
        return config


class Flatten(Layer):
    """Flattens every dimension but the batch one.

    With ``data_format='channels_first'`` the channel axis (1) is moved last
    before flattening, so the result matches a channels_last model's.
    """

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last", "channels_first"):
            raise ValueError(f"data_format must be 'channels_last' or 'channels_first', got "
                             f"{data_format!r}")
        self.data_format = data_format or "channels_last"

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else int(np.prod(rest))
        return (input_shape[0], size)

    def forward(self, inputs, ctx):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            moved = np.moveaxis(inputs, 1, -1)
            mshape = moved.shape
            y = np.ascontiguousarray(moved).reshape(mshape[0], -1)
            return y, lambda dy: np.moveaxis(dy.reshape(mshape), -1, 1)
        shape = inputs.shape
        return inputs.reshape(shape[0], -1), lambda dy: dy.reshape(shape)


class Reshape(Layer):
    """Reshapes the inputs of each sample to ``target_shape`` (one -1 allowed)."""

    def __init__(self, target_shape: Sequence[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in self.target_shape) > 1:
            raise ValueError(f"Reshape target_shape can contain at most one -1, got "
                             f"{self.target_shape}")

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        target = list(self.target_shape)
        if any(d is None for d in rest):
            return (input_shape[0],) + tuple(None if d == -1 else d for d in target)
        size = int(np.prod(rest))
        known = int(np.prod([d for d in target if d != -1]))
        if -1 in target:
            if size % known:
                raise ValueError(f"Cannot reshape input of shape {input_shape} to "
                                 f"{self.target_shape}")
            target[target.index(-1)] = size // known
        elif known != size:
            raise ValueError(f"Cannot reshape input of shape {input_shape} ({size} values per "
                             f"sample) to {self.target_shape} ({known} values)")
        return (input_shape[0],) + tuple(target)

    def forward(self, inputs, ctx):
        shape = inputs.shape
        try:
            y = inputs.reshape((shape[0],) + self.target_shape)
        except ValueError:
            raise ValueError(f"Layer '{self.name}' cannot reshape input of shape {shape} to "
                             f"(batch,) + {self.target_shape}") from None
        return y, lambda dy: dy.reshape(shape)

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = list(self.target_shape)
        return config


class GaussianNoise(Layer):
    """Add zero-mean Gaussian noise of standard deviation ``stddev`` during
    training only (a regularizer; the identity at inference)."""

    supports_masking = True

    def __init__(self, stddev: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(stddev, (int, float, np.number)) or not stddev >= 0:
            raise ValueError(f"GaussianNoise stddev must be a number >= 0, got {stddev!r}")
        self.stddev = float(stddev)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def forward(self, inputs, ctx):
        if not ctx.training or self.stddev == 0:
            return inputs, lambda dy: dy
        rng = self._rng if self._rng is not None else backend.get_rng()
        noise = rng.standard_normal(inputs.shape, dtype=np.float32)
        y = inputs + (self.stddev * noise).astype(inputs.dtype, copy=False)
        return y, lambda dy: dy

    def get_config(self):
        config = super().get_config()
        config.update(stddev=self.stddev, seed=self.seed)
        return config
