"""Per-sample normalization layers: LayerNormalization, GroupNormalization,
UnitNormalization (Keras 3 formulas, arguments and weight layouts).

Statistics are per sample, so there is no training/inference difference and
no moving state. The work is a handful of reductions over small axes:
vectorised NumPy. The backward of a standardisation ``xhat = (x - mean) *
inv`` over ``axes`` is ``inv * (g - mean(g) - xhat * mean(g * xhat))`` with
``g`` the gradient reaching ``xhat``.
"""
import numpy as np

from .. import constraints, initializers, regularizers
from .base import Layer


def _axes_arg(axis, who):
    if isinstance(axis, (list, tuple)):
        axes = list(axis)
    else:
        axes = [axis]
    if not axes or not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool)
                           for a in axes):
        raise TypeError(f"{who} axis must be an int or a list/tuple of ints, got {axis!r}")
    return [int(a) for a in axis] if isinstance(axis, (list, tuple)) else int(axis)


def _resolve_axes(axis, ndim, layer):
    axes = axis if isinstance(axis, list) else [axis]
    if any(not -ndim <= a < ndim for a in axes):
        raise ValueError(f"Layer '{layer.name}': axis {axis} is out of bounds for inputs of "
                         f"rank {ndim}")
    axes = sorted({a % ndim for a in axes})
    if 0 in axes and ndim > 1:
        raise ValueError(f"Layer '{layer.name}' cannot normalize over the batch axis 0")
    return tuple(axes)


def _float(inputs, dtype):
    x = np.asarray(inputs)
    return x if x.dtype.kind == "f" else x.astype(dtype)


def _standardize(x, axes, epsilon):
    mean = x.mean(axis=axes, keepdims=True)
    centered = x - mean
    inv = 1.0 / np.sqrt((centered * centered).mean(axis=axes, keepdims=True) + epsilon)
    return centered * inv, inv


def _standardize_backward(g, xhat, inv, axes):
    return inv * (g - g.mean(axis=axes, keepdims=True)
                  - xhat * (g * xhat).mean(axis=axes, keepdims=True))


class _AffineMixin:
    """gamma / beta arguments, weights and config of the normalization layers."""

    def _set_affine_args(self, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint):
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def _add_affine(self, shape, gamma=True, beta=True):
        self.gamma = (self.add_weight("gamma", shape, self.gamma_initializer,
                                      self.gamma_regularizer, constraint=self.gamma_constraint)
                      if gamma else None)
        self.beta = (self.add_weight("beta", shape, self.beta_initializer, self.beta_regularizer,
                                     constraint=self.beta_constraint) if beta else None)

    def _affine_config(self):
        return {"center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint)}


class LayerNormalization(_AffineMixin, Layer):
    """Normalize each sample over ``axis`` to zero mean and unit variance,
    then scale by ``gamma`` and shift by ``beta``.

    ``y = (x - mean) / sqrt(var + epsilon) * gamma + beta`` with the biased
    variance over ``axis``.

    Parameters
    ----------
    axis : int or list of int, default -1
        Axes normalized over (and the shape of gamma and beta).
    epsilon : float, default 1e-3
    center, scale : bool, default True
        Whether to add ``beta`` / multiply by ``gamma``.
    beta_initializer, gamma_initializer : default 'zeros', 'ones'
    beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint : optional
    rms_scaling : bool, default False
        Keras' deprecated variant: ``x / sqrt(var + epsilon) * gamma`` (no
        centering, no beta).

    Weights are ``gamma`` then ``beta``, each of shape ``input_shape[axis]``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import LayerNormalization
    >>> LayerNormalization(epsilon=0.0)(np.array([[1.0, 3.0]]))
    array([[-1.,  1.]], dtype=float32)
    """

    supports_masking = True

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, rms_scaling=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = _axes_arg(axis, "LayerNormalization")
        if not isinstance(epsilon, (int, float, np.number)) or epsilon < 0:
            raise ValueError(f"LayerNormalization epsilon must be a number >= 0, got {epsilon!r}")
        self.epsilon = float(epsilon)
        self.rms_scaling = bool(rms_scaling)
        self._set_affine_args(center, scale, beta_initializer, gamma_initializer,
                              beta_regularizer, gamma_regularizer, beta_constraint,
                              gamma_constraint)

    def build(self, input_shape):
        axes = _resolve_axes(self.axis, len(input_shape), self)
        shape = tuple(input_shape[a] for a in axes)
        if any(d is None for d in shape):
            raise ValueError(f"LayerNormalization '{self.name}' needs known sizes on axis "
                             f"{self.axis}, got input shape {tuple(input_shape)}")
        self._add_affine(shape, gamma=self.scale or self.rms_scaling,
                         beta=self.center and not self.rms_scaling)
        self.built = True

    def compute_output_shape(self, input_shape):
        _resolve_axes(self.axis, len(input_shape), self)
        return input_shape

    def forward(self, inputs, ctx):
        x = _float(inputs, self.dtype)
        axes = _resolve_axes(self.axis, x.ndim, self)
        param_shape = tuple(x.shape[a] if a in axes else 1 for a in range(x.ndim))
        weight_shape = tuple(x.shape[a] for a in axes)
        for w in (self.gamma, self.beta):
            if w is not None and w.shape != weight_shape:
                raise ValueError(f"Layer '{self.name}' expects sizes {w.shape} on axis "
                                 f"{self.axis}, got inputs of shape {x.shape}")
        gamma = None if self.gamma is None else self.gamma.value.reshape(param_shape)
        beta = None if self.beta is None else self.beta.value.reshape(param_shape)
        other = tuple(a for a in range(x.ndim) if a not in axes)
        if self.rms_scaling:
            xhat = None
            centered = x - x.mean(axis=axes, keepdims=True)
            inv = 1.0 / np.sqrt((centered * centered).mean(axis=axes, keepdims=True)
                                + self.epsilon)
            normed = x * inv
        else:
            xhat, inv = _standardize(x, axes, self.epsilon)
            normed = xhat
        y = normed if gamma is None else normed * gamma
        if beta is not None:
            y = y + beta

        def backward(dy):
            if self.gamma is not None:
                self.gamma.grad += (dy * normed).sum(axis=other).reshape(weight_shape)
            if self.beta is not None:
                self.beta.grad += dy.sum(axis=other).reshape(weight_shape)
            g = dy if gamma is None else dy * gamma
            if xhat is not None:
                dx = _standardize_backward(g, xhat, inv, axes)
            else:
                # y = x * inv(var(x)): the variance term through every x of the slice
                dinv = (g * x).sum(axis=axes, keepdims=True)
                size = x.size // inv.size
                dx = g * inv - dinv * inv ** 3 * centered / size
            return dx.astype(dy.dtype, copy=False)

        return y.astype(x.dtype, copy=False), backward

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, epsilon=self.epsilon, **self._affine_config())
        if self.rms_scaling:  # Keras' deprecated option: only written when used
            config["rms_scaling"] = True
        return config


class GroupNormalization(_AffineMixin, Layer):
    """Split the channels into ``groups`` and normalize each sample over every
    position and the channels of each group, then apply per-channel ``gamma``
    and ``beta``.

    Parameters
    ----------
    groups : int, default 32
        Must divide the channel count; -1 means one group per channel
        (instance normalization).
    axis : int, default -1
        The channel axis.
    epsilon : float, default 1e-3
    center, scale, beta_*/gamma_* : as :class:`LayerNormalization`

    Weights are ``gamma`` then ``beta``, each ``(channels,)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import GroupNormalization
    >>> x = np.array([[[1.0, 3.0, 10.0, 30.0]]])
    >>> GroupNormalization(groups=2, epsilon=0.0)(x)
    array([[[-1.,  1., -1.,  1.]]], dtype=float32)
    """

    supports_masking = True

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if (isinstance(groups, bool) or not isinstance(groups, (int, np.integer))
                or (groups <= 0 and groups != -1)):
            raise ValueError(f"GroupNormalization groups must be a positive integer or -1 "
                             f"(instance normalization), got {groups!r}")
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise TypeError(f"GroupNormalization axis must be an int, got {axis!r}")
        self.groups = int(groups)
        self.axis = int(axis)
        self.epsilon = float(epsilon)
        self._set_affine_args(center, scale, beta_initializer, gamma_initializer,
                              beta_regularizer, gamma_regularizer, beta_constraint,
                              gamma_constraint)

    def build(self, input_shape):
        axis = _resolve_axes(self.axis, len(input_shape), self)[0]
        dim = input_shape[axis]
        if dim is None:
            raise ValueError(f"GroupNormalization '{self.name}' needs a known size on axis "
                             f"{self.axis}, got input shape {tuple(input_shape)}")
        if self.groups == -1:
            self.groups = int(dim)
        if dim < self.groups or dim % self.groups:
            raise ValueError(f"GroupNormalization '{self.name}': groups={self.groups} must "
                             f"divide the {dim} channels of axis {self.axis}")
        self._add_affine((int(dim),), gamma=self.scale, beta=self.center)
        self.built = True

    def forward(self, inputs, ctx):
        x = _float(inputs, self.dtype)
        axis = _resolve_axes(self.axis, x.ndim, self)[0]
        channels = x.shape[axis]
        if channels % self.groups:
            raise ValueError(f"Layer '{self.name}': {self.groups} groups do not divide the "
                             f"{channels} channels of inputs of shape {x.shape}")
        moved = np.moveaxis(x, axis, -1)
        moved_shape = moved.shape
        # (batch, positions, groups, channels per group): statistics over axes 1 and 3
        grouped = moved.reshape(x.shape[0], -1, self.groups, channels // self.groups)
        xhat, inv = _standardize(grouped, (1, 3), self.epsilon)
        gamma = None if self.gamma is None else self.gamma.value.reshape(grouped.shape[2:])
        beta = None if self.beta is None else self.beta.value.reshape(grouped.shape[2:])
        y = xhat if gamma is None else xhat * gamma
        if beta is not None:
            y = y + beta
        y = np.moveaxis(y.reshape(moved_shape), -1, axis)

        def backward(dy):
            g4 = np.moveaxis(dy, axis, -1).reshape(grouped.shape)
            if self.gamma is not None:
                self.gamma.grad += (g4 * xhat).sum(axis=(0, 1)).reshape(-1)
            if self.beta is not None:
                self.beta.grad += g4.sum(axis=(0, 1)).reshape(-1)
            g = g4 if gamma is None else g4 * gamma
            dx = _standardize_backward(g, xhat, inv, (1, 3))
            return np.moveaxis(dx.reshape(moved_shape), -1, axis).astype(dy.dtype, copy=False)

        return y.astype(x.dtype, copy=False), backward

    def get_config(self):
        config = super().get_config()
        config.update(groups=self.groups, axis=self.axis, epsilon=self.epsilon,
                      **self._affine_config())
        return config


class UnitNormalization(Layer):
    """Scale each sample to unit L2 norm over ``axis``: ``x / max(||x||, 1e-12)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import UnitNormalization
    >>> UnitNormalization()(np.array([[3.0, 4.0]]))
    array([[0.6, 0.8]], dtype=float32)
    """

    supports_masking = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = _axes_arg(axis, "UnitNormalization")

    def compute_output_shape(self, input_shape):
        _resolve_axes(self.axis, len(input_shape), self)
        return input_shape

    def forward(self, inputs, ctx):
        x = _float(inputs, self.dtype)
        axes = _resolve_axes(self.axis, x.ndim, self)
        norm = np.sqrt((x * x).sum(axis=axes, keepdims=True))
        small = norm < 1e-12
        inv = 1.0 / np.maximum(norm, 1e-12)
        y = x * inv

        def backward(dy):
            radial = np.where(small, 0, (dy * y).sum(axis=axes, keepdims=True))
            return (inv * (dy - y * radial)).astype(dy.dtype, copy=False)

        return y.astype(x.dtype, copy=False), backward

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
