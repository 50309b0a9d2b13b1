"""Regularization layers: SpatialDropout1D/2D, GaussianDropout, AlphaDropout,
ActivityRegularization (Keras 3 formulas; active only in training).

Random draws come from the layer's own generator when a ``seed`` is given,
else from the engine's (``skdeep.nn.backend.get_rng``), so runs under one
seed repeat exactly.
"""
import math

import numpy as np

from .. import backend, regularizers
from .base import Layer
from .core import Dropout
from .reshaping import _data_format


def _rate(rate, who, allow_one=False):
    ok = isinstance(rate, (int, float, np.number)) and not isinstance(rate, bool) and (
        0 <= rate <= 1 if allow_one else 0 <= rate < 1)
    if not ok:
        raise ValueError(f"{who} rate must be a number in [0, 1{']' if allow_one else ')'}, got "
                         f"{rate!r}")
    return float(rate)


class _Seeded(Layer):
    def _set_seed(self, seed):
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def _generator(self):
        return self._rng if self._rng is not None else backend.get_rng()


class SpatialDropout1D(Dropout):
    """Dropout of whole feature channels of ``(batch, steps, channels)``: one
    keep/drop draw per sample and channel, shared by every step.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import SpatialDropout1D
    >>> y = SpatialDropout1D(0.5, seed=0)(np.ones((2, 4, 3)), training=True)
    >>> bool((y == y[:, :1, :]).all())
    True
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, noise_shape=(None, 1, None), seed=seed, **kwargs)

    def forward(self, inputs, ctx):
        if inputs.ndim != 3:
            raise ValueError(f"SpatialDropout1D layer '{self.name}' expects inputs of rank 3, "
                             f"got shape {inputs.shape}")
        return super().forward(inputs, ctx)

    def get_config(self):
        # Keras' own config: its __init__ takes no trainable/noise_shape (no weights anyway)
        config = super().get_config()
        config.pop("noise_shape", None)
        config.pop("trainable", None)
        return config


class SpatialDropout2D(Dropout):
    """Dropout of whole feature maps of images: one draw per sample and channel.

    Parameters
    ----------
    rate : float in [0, 1)
    data_format : {'channels_last', 'channels_first'}, optional
    seed : int, optional
    """

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        data_format = _data_format(data_format, "SpatialDropout2D")
        noise_shape = ((None, None, 1, 1) if data_format == "channels_first"
                       else (None, 1, 1, None))
        super().__init__(rate, noise_shape=noise_shape, seed=seed, **kwargs)
        self.data_format = data_format

    def forward(self, inputs, ctx):
        if inputs.ndim != 4:
            raise ValueError(f"SpatialDropout2D layer '{self.name}' expects inputs of rank 4, "
                             f"got shape {inputs.shape}")
        return super().forward(inputs, ctx)

    def get_config(self):
        config = super().get_config()
        config.pop("noise_shape", None)
        config.pop("trainable", None)
        config["data_format"] = self.data_format
        return config


class GaussianDropout(_Seeded):
    """Multiply by Gaussian noise of mean 1 and standard deviation
    ``sqrt(rate / (1 - rate))`` during training; the identity at inference.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import GaussianDropout
    >>> GaussianDropout(0.2)(np.ones((1, 3))).tolist()
    [[1.0, 1.0, 1.0]]
    """

    supports_masking = True

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _rate(rate, "GaussianDropout", allow_one=False)
        self._set_seed(seed)

    def forward(self, inputs, ctx):
        if not ctx.training or self.rate == 0:
            return inputs, lambda dy: dy
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = (1.0 + stddev * self._generator().standard_normal(inputs.shape)).astype(
            inputs.dtype)
        return inputs * noise, lambda dy: dy * noise

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, seed=self.seed)
        return config


class AlphaDropout(_Seeded):
    """Dropout that keeps the mean and variance of SELU activations: dropped
    units are set to SELU's negative saturation value, then an affine map
    restores the statistics (Keras' formula). The identity at inference.

    Parameters
    ----------
    rate : float in [0, 1]
    noise_shape : tuple, optional
        Shape of the keep/drop draw (None entries take the input's size).
    seed : int, optional
    """

    supports_masking = True

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _rate(rate, "AlphaDropout", allow_one=True)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self._set_seed(seed)

    def forward(self, inputs, ctx):
        if not ctx.training or self.rate == 0:
            return inputs, lambda dy: dy
        shape = inputs.shape
        if self.noise_shape is not None:
            shape = tuple(s if d is None else d for s, d in zip(inputs.shape, self.noise_shape))
        alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
        keep = (self._generator().random(shape) >= self.rate).astype(inputs.dtype)
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        y = a * (inputs * keep + alpha_p * (1 - keep)) + b
        scale = (a * keep).astype(inputs.dtype)
        return y.astype(inputs.dtype, copy=False), lambda dy: dy * scale

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, seed=self.seed,
                      noise_shape=None if self.noise_shape is None else list(self.noise_shape))
        return config


class ActivityRegularization(Layer):
    """The identity, adding ``l1 * sum(|x|) + l2 * sum(x ** 2)`` of its output
    to the training loss (an activity regularizer).

    Examples
    --------
    >>> from skdeep.nn.layers import ActivityRegularization
    >>> ActivityRegularization(l2=0.01).activity_regularizer.l2
    0.01
    """

    supports_masking = True

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(**kwargs)
        self.activity_regularizer = regularizers.L1L2(l1=l1, l2=l2)
        self.l1, self.l2 = self.activity_regularizer.l1, self.activity_regularizer.l2

    def forward(self, inputs, ctx):
        return inputs, lambda dy: dy

    def get_config(self):
        config = super().get_config()
        config.update(l1=self.l1, l2=self.l2)
        return config
