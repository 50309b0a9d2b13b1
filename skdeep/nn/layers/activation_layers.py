"""Activation layers with parameters: ReLU, LeakyReLU, PReLU, ELU, Softmax.

Keras 3 signatures, defaults and formulas (``keras.layers.ReLU`` and friends).
These are elementwise (Softmax: a reduction over ``axis``) and run as
vectorised NumPy, except the clipped ReLU (``ReLU(6.0)``, MobileNetV2's),
one Numba pass each way; the fused kernels of :class:`Activation` serve the
parameter-free forms.
"""
import numpy as np

from .. import constraints, initializers, regularizers
from ..kernels import elementwise as elementwise_k
from .base import Layer


def _check_number(value, what, layer, allow_none=False):
    if value is None and allow_none:
        return None
    if (isinstance(value, bool) or not isinstance(value, (int, float, np.number))
            or not np.isfinite(value) or value < 0):
        raise ValueError(f"{layer} {what} must be a number >= 0, got {value!r}")
    return float(value)


def _float(inputs, dtype):
    x = np.asarray(inputs)
    return x if x.dtype.kind == "f" else x.astype(dtype)


class ReLU(Layer):
    """Rectified linear unit with Keras' optional slope, ceiling and threshold.

    ``f(x) = max_value`` for ``x >= max_value``, ``x`` for
    ``threshold < x < max_value`` and ``negative_slope * (x - threshold)``
    otherwise.

    Parameters
    ----------
    max_value : float, optional
        Ceiling of the output (None: no ceiling). ``ReLU(6.0)`` is relu6.
    negative_slope : float, default 0.0
        Slope below the threshold.
    threshold : float, default 0.0
        Inputs at or below it are damped.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import ReLU
    >>> ReLU(max_value=6.0)(np.array([[-3.0, 2.0, 9.0]]))
    array([[0., 2., 6.]], dtype=float32)
    >>> ReLU(negative_slope=0.5)(np.array([[-2.0, 1.0]]))
    array([[-1.,  1.]], dtype=float32)
    """

    supports_masking = True

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = _check_number(max_value, "max_value", "ReLU", allow_none=True)
        self.negative_slope = _check_number(negative_slope, "negative_slope", "ReLU")
        self.threshold = _check_number(threshold, "threshold", "ReLU")

    def forward(self, inputs, ctx):
        x = _float(inputs, self.dtype)
        t, top, slope = self.threshold, self.max_value, self.negative_slope
        if t == 0.0 and not slope and top is not None \
                and x.dtype in (np.float32, np.float64):  # relu6 and other ceilings
            return self._clipped(np.ascontiguousarray(x), top, ctx)
        # pass-through where threshold < x (and 0 < x < max_value after clipping)
        passes = x > t
        if t == 0.0 and top is None:
            y = np.maximum(x, 0)
        else:
            y = np.where(passes, x, 0).astype(x.dtype, copy=False)
            if top is not None:
                passes &= x < top
                np.clip(y, 0, top, out=y)
        below = None
        if slope:
            below = x < t
            y = y + x.dtype.type(slope) * np.minimum(x - x.dtype.type(t), 0)

        def backward(dy):
            dx = np.where(passes, dy, 0).astype(dy.dtype, copy=False)
            if below is not None:
                dx += np.where(below, dy * slope, 0).astype(dy.dtype, copy=False)
            return dx

        return y, backward

    def _clipped(self, x, top, ctx):
        """min(max(x, 0), top) in one pass (``kernels.elementwise``)."""
        y = ctx.buffer("y", x.shape, x.dtype)
        elementwise_k.relu_clip_forward(x.reshape(-1), top, y.reshape(-1))

        def backward(dy):
            dy = np.ascontiguousarray(dy, dtype=y.dtype)
            dx = ctx.buffer("dx", y.shape, y.dtype)
            elementwise_k.relu_clip_backward(dy.reshape(-1), y.reshape(-1), top, dx.reshape(-1))
            return dx

        return y, backward

    def get_config(self):
        config = super().get_config()
        config.update(max_value=self.max_value, negative_slope=self.negative_slope,
                      threshold=self.threshold)
        return config


class LeakyReLU(Layer):
    """Leaky rectifier: ``x`` for ``x >= 0``, ``negative_slope * x`` otherwise.

    Parameters
    ----------
    negative_slope : float, default 0.3
        Keras 3's default (the ``leaky_relu`` activation function uses 0.2).
        The Keras 2 name ``alpha=`` is accepted.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import LeakyReLU
    >>> LeakyReLU()(np.array([[-1.0, 2.0]]))
    array([[-0.3,  2. ]], dtype=float32)
    """

    supports_masking = True

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        self.negative_slope = _check_number(negative_slope, "negative_slope", "LeakyReLU")

    def forward(self, inputs, ctx):
        x = _float(inputs, self.dtype)
        slope = x.dtype.type(self.negative_slope)
        negative = x < 0
        y = np.where(negative, x * slope, x)
        return y, lambda dy: np.where(negative, dy * slope, dy)

    def get_config(self):
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config


class PReLU(Layer):
    """Parametric ReLU: ``x`` for ``x >= 0``, ``alpha * x`` otherwise, with a
    learned ``alpha`` per input position.

    Parameters
    ----------
    alpha_initializer : str or Initializer, default 'Zeros'
    alpha_regularizer, alpha_constraint : optional
    shared_axes : int or list of int, optional
        Axes (1-based, the batch is axis 0) along which one slope is shared,
        e.g. ``[1, 2]`` for one slope per channel of an image.

    The weight is ``alpha`` of shape ``input_shape[1:]`` with the shared axes
    set to 1, as in Keras.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import PReLU
    >>> layer = PReLU(alpha_initializer="ones", shared_axes=[1])
    >>> layer(np.array([[[-1.0, 2.0], [-3.0, 4.0]]])).tolist()
    [[[-1.0, 2.0], [-3.0, 4.0]]]
    >>> layer.weights[0].shape
    (1, 2)
    """

    supports_masking = True

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        else:
            axes = list(shared_axes) if isinstance(shared_axes, (list, tuple)) else [shared_axes]
            if not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) and a >= 1
                       for a in axes):
                raise ValueError(f"PReLU shared_axes must be positive axis numbers (the batch "
                                 f"axis 0 cannot be shared), got {shared_axes!r}")
            self.shared_axes = [int(a) for a in axes]

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            if axis > len(shape):
                raise ValueError(f"PReLU '{self.name}': shared axis {axis} is out of range for "
                                 f"input shape {tuple(input_shape)}")
            shape[axis - 1] = 1
        if any(d is None for d in shape):
            raise ValueError(f"PReLU '{self.name}' needs known input dimensions outside "
                             f"shared_axes, got input shape {tuple(input_shape)}")
        self.alpha = self.add_weight("alpha", shape, self.alpha_initializer,
                                     self.alpha_regularizer, constraint=self.alpha_constraint)
        self._reduce_axes = tuple([0] + [a for a in self.shared_axes or ()])
        self.built = True

    def forward(self, inputs, ctx):
        x = _float(inputs, self.dtype)
        alpha = self.alpha.value
        if x.shape[1:] != np.broadcast_shapes(x.shape[1:], alpha.shape):
            raise ValueError(f"PReLU '{self.name}' expects inputs of shape (batch, ...) "
                             f"compatible with alpha {alpha.shape}, got {x.shape}")
        negative = np.minimum(x, 0)
        y = np.maximum(x, 0) + alpha * negative

        def backward(dy):
            self.alpha.grad += (dy * negative).sum(axis=self._reduce_axes).reshape(alpha.shape)
            return np.where(x < 0, dy * alpha, dy)

        return y.astype(x.dtype, copy=False), backward

    def get_config(self):
        config = super().get_config()
        config.update(alpha_initializer=initializers.serialize(self.alpha_initializer),
                      alpha_regularizer=regularizers.serialize(self.alpha_regularizer),
                      alpha_constraint=constraints.serialize(self.alpha_constraint),
                      shared_axes=self.shared_axes)
        return config


class ELU(Layer):
    """Exponential linear unit: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise.

    Parameters
    ----------
    alpha : float, default 1.0

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import ELU
    >>> ELU(alpha=2.0)(np.array([[0.0, 1.0]]))
    array([[0., 1.]], dtype=float32)
    """

    supports_masking = True

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.number)):
            raise TypeError(f"ELU alpha must be a number, got {alpha!r}")
        self.alpha = float(alpha)

    def forward(self, inputs, ctx):
        x = _float(inputs, self.dtype)
        alpha = x.dtype.type(self.alpha)
        positive = x > 0
        scaled_exp = alpha * np.exp(np.minimum(x, 0))
        y = np.where(positive, x, scaled_exp - alpha)
        return y, lambda dy: np.where(positive, dy, dy * scaled_exp)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class Softmax(Layer):
    """Softmax over ``axis`` (an int or a list of ints, normalised jointly).

    Called with ``mask=`` (boolean, or values > 0.5 kept; broadcastable to
    the inputs), masked positions get probability 0 and the rest renormalise,
    as in Keras; a slice with every position masked is all zeros.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import Softmax
    >>> Softmax()(np.array([[1.0, 2.0, 1.0]])).round(4)
    array([[0.2119, 0.5761, 0.2119]], dtype=float32)
    >>> Softmax()(np.array([[1.0, 2.0, 1.0]]), mask=np.array([[True, False, True]]))
    array([[0.5, 0. , 0.5]], dtype=float32)
    """

    supports_masking = True
    consumes_mask = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        axes = axis if isinstance(axis, (list, tuple)) else [axis]
        if not axes or not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool)
                               for a in axes):
            raise ValueError(f"Softmax axis must be an int or a list of ints, got {axis!r}")
        self.axis = [int(a) for a in axis] if isinstance(axis, (list, tuple)) else int(axis)

    def _axes(self, ndim):
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        if any(not -ndim <= a < ndim for a in axes):
            raise ValueError(f"Softmax '{self.name}': axis {self.axis} is out of range for "
                             f"inputs of rank {ndim}")
        return tuple(sorted({a % ndim for a in axes}))

    def forward(self, inputs, ctx):
        mask = ctx.mask
        x = _float(inputs, self.dtype)
        axes = self._axes(x.ndim)
        keep = None
        if mask is not None:
            keep = np.asarray(mask)
            keep = keep if keep.dtype == bool else keep > 0.5
            try:
                if keep.ndim > x.ndim or np.broadcast_shapes(keep.shape, x.shape) != x.shape:
                    raise ValueError
            except ValueError:
                raise ValueError(f"Softmax '{self.name}': mask of shape {keep.shape} does not "
                                 f"broadcast to inputs of shape {x.shape}") from None
            x = np.where(keep, x, x.dtype.type(-1e9))
        e = np.exp(x - x.max(axis=axes, keepdims=True))
        y = e / e.sum(axis=axes, keepdims=True)
        if keep is not None:
            y = np.where(keep, y, 0).astype(x.dtype, copy=False)

        def backward(dy):
            g = dy if keep is None else np.where(keep, dy, 0)
            dx = y * (g - (g * y).sum(axis=axes, keepdims=True))
            return dx.astype(dy.dtype, copy=False)

        return y, backward

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
