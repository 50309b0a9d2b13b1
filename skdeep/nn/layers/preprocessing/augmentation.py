"""Random image augmentation layers (Keras 3): RandomFlip, RandomRotation,
RandomZoom, RandomTranslation, RandomContrast, RandomCrop.

Active only in training (``fit``, or a call with ``training=True``); the
identity at inference (RandomCrop centre-crops). Draws come from the layer's
own generator when ``seed`` is given, else from the engine's
(``skdeep.nn.backend``), so seeded runs repeat. The geometric layers map
each output pixel back to an input position (``_affine_sample``) and
interpolate bilinearly or take the nearest pixel, filling outside the image
by ``fill_mode``; vectorised NumPy over the whole batch.
"""
import math
import numbers

import numpy as np

from ... import backend
from ..base import Layer
from .image import _check_size, resize

_FILL_MODES = ("reflect", "wrap", "constant", "nearest", "mirror")


def _factor_pair(factor, what, who, symmetric=True):
    """Keras' factor argument: a number f means (-f, f), a pair is (lower, upper)."""
    if isinstance(factor, numbers.Real) and not isinstance(factor, bool):
        pair = (-float(factor), float(factor)) if symmetric else (0.0, float(factor))
    else:
        try:
            pair = tuple(float(f) for f in factor)
        except TypeError:
            pair = ()
        if len(pair) != 2:
            raise ValueError(f"{who} {what} must be a number or a (lower, upper) pair, got "
                             f"{factor!r}")
    if pair[0] > pair[1]:
        raise ValueError(f"{who} {what}: lower bound {pair[0]} exceeds upper bound {pair[1]}")
    return pair


def _fold(index, size, mode):
    """Integer positions mapped into [0, size) by ``fill_mode`` (-1: outside, constant)."""
    if mode == "nearest":
        return np.clip(index, 0, size - 1)
    if mode == "wrap":
        return np.mod(index, size)
    if mode == "reflect":  # d c b a | a b c d | d c b a
        period = 2 * size
        r = np.mod(index, period)
        return np.where(r < size, r, period - 1 - r)
    if mode == "mirror":  # d c b | a b c d | c b a
        if size == 1:
            return np.zeros_like(index)
        period = 2 * size - 2
        r = np.mod(index, period)
        return np.where(r < size, r, period - r)
    return np.where((index >= 0) & (index < size), index, -1)


def _affine_sample(images, src_y, src_x, interpolation, fill_mode, fill_value):
    """Sample ``images`` (n, h, w, c) at float positions (n, H, W); returns
    (output, backward) with backward the adjoint of the sampling."""
    n, h, w, c = images.shape
    batch = np.arange(n)[:, None, None]
    if interpolation == "nearest":
        taps = [(np.floor(src_y + 0.5).astype(np.int64), np.floor(src_x + 0.5).astype(np.int64),
                 np.ones(src_y.shape))]
    else:
        y0, x0 = np.floor(src_y).astype(np.int64), np.floor(src_x).astype(np.int64)
        fy, fx = src_y - y0, src_x - x0
        taps = [(y0, x0, (1 - fy) * (1 - fx)), (y0, x0 + 1, (1 - fy) * fx),
                (y0 + 1, x0, fy * (1 - fx)), (y0 + 1, x0 + 1, fy * fx)]
    folded = []
    out = np.zeros(src_y.shape + (c,), images.dtype)
    for ty, tx, weight in taps:
        iy, ix = _fold(ty, h, fill_mode), _fold(tx, w, fill_mode)
        inside = (iy >= 0) & (ix >= 0)
        iy, ix = np.where(inside, iy, 0), np.where(inside, ix, 0)
        wgt = (weight * inside)[..., None].astype(images.dtype)
        out += wgt * images[batch, iy, ix]
        if fill_mode == "constant" and fill_value:
            out += (weight * ~inside)[..., None].astype(images.dtype) * images.dtype.type(
                fill_value)
        folded.append((iy, ix, wgt))

    def backward(dy):
        dx = np.zeros(images.shape, dy.dtype)
        for iy, ix, wgt in folded:
            np.add.at(dx, (np.broadcast_to(batch, iy.shape), iy, ix), wgt * dy)
        return dx

    return out, backward


class _RandomImageLayer(Layer):
    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{type(self).__name__} supports only channels_last images, got "
                             f"data_format={data_format!r}")
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def _generator(self):
        return self._rng if self._rng is not None else backend.get_rng()

    def _images(self, inputs):
        x = np.asarray(inputs)
        x = x if x.dtype.kind == "f" else x.astype(self.dtype)
        if x.ndim == 3:
            return x[None], True
        if x.ndim != 4:
            raise ValueError(f"{type(self).__name__} layer '{self.name}' expects images of rank 3 "
                             f"or 4 (channels_last), got shape {x.shape}")
        return x, False

    def forward(self, inputs, ctx):
        x, single = self._images(inputs)
        if not ctx.training:
            y, backward = self._inference(x)
        else:
            y, backward = self._augment(x)
        if single:
            return y[0], lambda dy: backward(dy[None])[0]
        return y, backward

    def _inference(self, x):
        return x, lambda dy: dy

    def get_config(self):
        config = super().get_config()
        config["seed"] = self.seed
        return config


class RandomFlip(_RandomImageLayer):
    """Flip each image horizontally and/or vertically with probability 1/2.

    Parameters
    ----------
    mode : {'horizontal', 'vertical', 'horizontal_and_vertical'}, default 'horizontal_and_vertical'
    seed : int, optional

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import RandomFlip
    >>> x = np.arange(4.0).reshape(1, 2, 2, 1)
    >>> bool((RandomFlip()(x) == x).all())   # inference: unchanged
    True
    """

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        if mode not in ("horizontal", "vertical", "horizontal_and_vertical"):
            raise ValueError(f"RandomFlip mode must be 'horizontal', 'vertical' or "
                             f"'horizontal_and_vertical', got {mode!r}")
        self.mode = mode

    def _augment(self, x):
        rng = self._generator()
        n = x.shape[0]
        flip_w = (rng.random(n) < 0.5) if "horizontal" in self.mode else np.zeros(n, bool)
        flip_h = (rng.random(n) < 0.5) if "vertical" in self.mode else np.zeros(n, bool)

        def apply(a):
            a = np.where(flip_w[:, None, None, None], a[:, :, ::-1], a)
            return np.where(flip_h[:, None, None, None], a[:, ::-1], a)

        return apply(x), apply  # a flip is its own adjoint

    def get_config(self):
        config = super().get_config()
        config["mode"] = self.mode
        return config


class _AffineLayer(_RandomImageLayer):
    def _set_sampling(self, fill_mode, interpolation, fill_value):
        who = type(self).__name__
        if fill_mode not in _FILL_MODES:
            raise ValueError(f"{who} fill_mode must be one of {_FILL_MODES}, got {fill_mode!r}")
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(f"{who} interpolation must be 'bilinear' or 'nearest', got "
                             f"{interpolation!r}")
        self.fill_mode, self.interpolation, self.fill_value = fill_mode, interpolation, \
            float(fill_value)

    def _augment(self, x):
        n, h, w, _ = x.shape
        yy, xx = np.meshgrid(np.arange(h, dtype="float64"), np.arange(w, dtype="float64"),
                             indexing="ij")
        src_y, src_x = self._source(self._generator(), n, h, w, yy[None], xx[None])
        return _affine_sample(x, src_y, src_x, self.interpolation, self.fill_mode,
                              self.fill_value)

    def _sampling_config(self):
        return {"fill_mode": self.fill_mode, "interpolation": self.interpolation,
                "fill_value": self.fill_value}


class RandomRotation(_AffineLayer):
    """Rotate each image by a random angle of ``factor * 2 pi`` about its centre.

    Parameters
    ----------
    factor : float or (lower, upper)
        Fractions of a full turn; ``0.1`` draws angles in [-36, 36] degrees.
    fill_mode : {'reflect', 'wrap', 'constant', 'nearest', 'mirror'}, default 'reflect'
    interpolation : {'bilinear', 'nearest'}, default 'bilinear'
    seed : int, optional
    fill_value : float, default 0.0
        Used with ``fill_mode='constant'``.
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.factor = factor
        self._bounds = _factor_pair(factor, "factor", "RandomRotation")
        self._set_sampling(fill_mode, interpolation, fill_value)

    def _source(self, rng, n, h, w, yy, xx):
        angle = rng.uniform(*self._bounds, size=n)[:, None, None] * 2 * math.pi
        cos, sin = np.cos(angle), np.sin(angle)
        cy, cx = (h - 1) / 2, (w - 1) / 2
        dy, dx = yy - cy, xx - cx
        return cy + sin * dx + cos * dy, cx + cos * dx - sin * dy

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, **self._sampling_config())
        return config


class RandomZoom(_AffineLayer):
    """Zoom each image by a random factor about its centre.

    Parameters
    ----------
    height_factor : float or (lower, upper)
        The vertical zoom is ``1 + uniform(lower, upper)``: positive values
        zoom out, negative zoom in (Keras' convention).
    width_factor : float or (lower, upper), optional
        None keeps the aspect ratio (the same draw as the height).
    fill_mode, interpolation, seed, fill_value : as :class:`RandomRotation`
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._h = _factor_pair(height_factor, "height_factor", "RandomZoom")
        self._w = None if width_factor is None else _factor_pair(width_factor, "width_factor",
                                                                 "RandomZoom")
        if self._h[0] <= -1 or (self._w is not None and self._w[0] <= -1):
            raise ValueError("RandomZoom factors must be > -1 (a zoom of 1 + factor > 0)")
        self._set_sampling(fill_mode, interpolation, fill_value)

    def _source(self, rng, n, h, w, yy, xx):
        zoom_h = 1 + rng.uniform(*self._h, size=n)[:, None, None]
        zoom_w = zoom_h if self._w is None else 1 + rng.uniform(*self._w, size=n)[:, None, None]
        cy, cx = (h - 1) / 2, (w - 1) / 2
        return cy + (yy - cy) * zoom_h, cx + (xx - cx) * zoom_w

    def get_config(self):
        config = super().get_config()
        config.update(height_factor=self.height_factor, width_factor=self.width_factor,
                      **self._sampling_config())
        return config


class RandomTranslation(_AffineLayer):
    """Shift each image by random fractions of its height and width.

    Parameters
    ----------
    height_factor, width_factor : float or (lower, upper)
        Shifts drawn in ``[lower, upper] * size`` (a number f means [-f, f]).
    fill_mode, interpolation, seed, fill_value : as :class:`RandomRotation`
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._h = _factor_pair(height_factor, "height_factor", "RandomTranslation")
        self._w = _factor_pair(width_factor, "width_factor", "RandomTranslation")
        self._set_sampling(fill_mode, interpolation, fill_value)

    def _source(self, rng, n, h, w, yy, xx):
        shift_y = rng.uniform(*self._h, size=n)[:, None, None] * h
        shift_x = rng.uniform(*self._w, size=n)[:, None, None] * w
        return yy - shift_y, xx - shift_x

    def get_config(self):
        config = super().get_config()
        config.update(height_factor=self.height_factor, width_factor=self.width_factor,
                      **self._sampling_config())
        return config


class RandomContrast(_RandomImageLayer):
    """Scale each image's deviation from its per-channel mean by a random
    factor in ``[1 - lower, 1 + upper]``, then clip to ``value_range``.

    Parameters
    ----------
    factor : float or (lower, upper)
    value_range : (low, high), default (0, 255)
    seed : int, optional
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed, None, **kwargs)
        self.factor = factor
        pair = _factor_pair(factor, "factor", "RandomContrast")
        self._bounds = (abs(pair[0]), pair[1]) if not isinstance(factor, numbers.Real) \
            else (float(factor), float(factor))
        if any(b < 0 for b in self._bounds) or self._bounds[0] > 1:
            raise ValueError(f"RandomContrast factor must be in [0, 1] (lower) and >= 0 "
                             f"(upper), got {factor!r}")
        self.value_range = tuple(value_range)

    def _augment(self, x):
        n = x.shape[0]
        f = self._generator().uniform(1 - self._bounds[0], 1 + self._bounds[1], size=n)
        f = f.reshape(n, 1, 1, 1).astype(x.dtype)
        mean = x.mean(axis=(1, 2), keepdims=True)
        raw = (x - mean) * f + mean
        y = np.clip(raw, *self.value_range).astype(x.dtype)
        inside = (raw >= self.value_range[0]) & (raw <= self.value_range[1])

        def backward(dy):
            g = np.where(inside, dy, 0)
            return g * f + (g * (1 - f)).mean(axis=(1, 2), keepdims=True)

        return y, backward

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, value_range=list(self.value_range))
        return config


class RandomCrop(_RandomImageLayer):
    """Crop a random ``(height, width)`` window (one offset per batch, as
    Keras); at inference the centre window. Images smaller than the window are
    resized to it.

    Parameters
    ----------
    height, width : int
    seed : int, optional
    """

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(seed, data_format, **kwargs)
        self.height = _check_size(height, "height", "RandomCrop")
        self.width = _check_size(width, "width", "RandomCrop")

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[-3], shape[-2] = self.height, self.width
        return tuple(shape)

    def _crop(self, x, top, left):
        h, w = x.shape[1], x.shape[2]
        if h < self.height or w < self.width:
            return resize(x, self.height, self.width, "bilinear", (1, 2))
        index = (slice(None), slice(top, top + self.height), slice(left, left + self.width))

        def backward(dy):
            dx = np.zeros(x.shape, dy.dtype)
            dx[index] = dy
            return dx

        return x[index], backward

    def _inference(self, x):
        return self._crop(x, (x.shape[1] - self.height) // 2, (x.shape[2] - self.width) // 2)

    def _augment(self, x):
        h, w = x.shape[1], x.shape[2]
        if h <= self.height or w <= self.width:
            return self._inference(x)
        rng = self._generator()
        return self._crop(x, int(rng.integers(0, h - self.height + 1)),
                          int(rng.integers(0, w - self.width + 1)))

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width)
        return config
