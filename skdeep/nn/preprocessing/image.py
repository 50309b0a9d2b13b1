"""Image data augmentation in the spirit of Keras' ``ImageDataGenerator``.

Random affine transforms (rotation, shifts, shear, zoom) and flips are applied
to whole batches at once: each sample gets its own 2x3 matrix mapping output
pixel coordinates to input coordinates, and the output is gathered with
bilinear interpolation (Keras' default ``interpolation_order=1``), so there is
no Python loop over samples or pixels.
"""
import math

import numpy as np

from .iterator import NumpyArrayIterator, _check_images

_FILL_MODES = ("constant", "nearest", "reflect", "wrap")


def _range_pair(value, name, center=0.0):
    """A (low, high) range from a scalar r (center - r, center + r) or a pair."""
    if isinstance(value, (list, tuple, np.ndarray)):
        if len(value) != 2:
            raise ValueError(f"{name} must be a float or a pair [low, high], got {value!r}")
        low, high = float(value[0]), float(value[1])
    elif isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        low, high = center - float(value), center + float(value)
    else:
        raise ValueError(f"{name} must be a number or a pair [low, high], got {value!r}")
    if not (math.isfinite(low) and math.isfinite(high)) or low > high:
        raise ValueError(f"{name} gives an invalid range ({low}, {high})")
    return low, high


def _check_shift(value, name):
    if isinstance(value, (list, tuple, np.ndarray)):
        value = np.asarray(value, dtype=float)
        if value.ndim != 1 or value.size == 0:
            raise ValueError(f"{name} must be a float, an int or a 1-D list of choices")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or value < 0:
        raise ValueError(f"{name} must be a non-negative number or a list, got {value!r}")
    return value


def _draw_shift(rng, spec, size, n):
    """Pixels of shift per sample (Keras rules: float < 1 is a fraction of the size,
    an int draws integer pixels, a list draws among its values)."""
    if isinstance(spec, np.ndarray):
        return rng.choice(spec, n) * (size if np.all(np.abs(spec) < 1) else 1)
    if spec == 0:
        return np.zeros(n)
    if isinstance(spec, (int, np.integer)):
        return rng.integers(-spec, spec + 1, n).astype(float)
    shift = rng.uniform(-spec, spec, n)
    return shift * size if spec < 1 else shift


class ImageDataGenerator:
    """Generate batches of augmented images, as Keras' ``ImageDataGenerator``.

    Images are channels_last ``(n, height, width, channels)``.

    Parameters
    ----------
    featurewise_center, featurewise_std_normalization : bool, default False
        Subtract the dataset mean / divide by the dataset std (per channel),
        computed by :meth:`fit`.
    samplewise_center, samplewise_std_normalization : bool, default False
        Center / scale each image by its own mean / std.
    rotation_range : float, default 0
        Rotations drawn uniformly in ``[-rotation_range, rotation_range]`` degrees.
    width_shift_range, height_shift_range : float, int or list, default 0
        A float < 1 is a fraction of the width (height), a float >= 1 a number
        of pixels, both drawn uniformly in ``[-r, r]``; an int draws whole
        pixels in ``[-r, r]``; a list draws among its values.
    shear_range : float, default 0
        Shear angle in degrees, drawn in ``[-shear_range, shear_range]``.
    zoom_range : float or [low, high], default 0
        A float z draws zoom factors in ``[1 - z, 1 + z]`` (independently for
        both axes); a factor > 1 zooms out, as in Keras.
    fill_mode : {'nearest', 'constant', 'reflect', 'wrap'}, default 'nearest'
        How points outside the image are filled.
    cval : float, default 0
        Fill value for ``fill_mode='constant'``.
    horizontal_flip, vertical_flip : bool, default False
        Flip each image with probability 1/2.
    rescale : float, optional
        Multiply the augmented images by this factor (after
        ``preprocessing_function``, before the normalizations, as Keras).
    preprocessing_function : callable, optional
        Applied to each augmented image ``(h, w, c) -> (h, w, c)``.
    dtype : str, default 'float32'

    Examples
    --------
    >>> import numpy as np
    >>> gen = ImageDataGenerator(width_shift_range=0.1, horizontal_flip=True)
    >>> it = gen.flow(np.zeros((10, 8, 8, 1)), np.arange(10), batch_size=4, seed=0)
    >>> len(it), it[0][0].shape
    (3, (4, 8, 8, 1))
    """

    def __init__(self, featurewise_center=False, samplewise_center=False,
                 featurewise_std_normalization=False, samplewise_std_normalization=False,
                 rotation_range=0.0, width_shift_range=0.0, height_shift_range=0.0,
                 shear_range=0.0, zoom_range=0.0, fill_mode="nearest", cval=0.0,
                 horizontal_flip=False, vertical_flip=False, rescale=None,
                 preprocessing_function=None, data_format=None, dtype="float32"):
        if data_format not in (None, "channels_last"):
            raise ValueError(f"ImageDataGenerator supports only data_format='channels_last', "
                             f"got {data_format!r}")
        if fill_mode not in _FILL_MODES:
            raise ValueError(f"fill_mode must be one of {_FILL_MODES}, got {fill_mode!r}")
        for name, value in (("rotation_range", rotation_range), ("shear_range", shear_range)):
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) \
                    or value < 0:
                raise ValueError(f"{name} must be a non-negative number of degrees, got "
                                 f"{value!r}")
        if preprocessing_function is not None and not callable(preprocessing_function):
            raise ValueError("preprocessing_function must be callable")
        self.featurewise_center = bool(featurewise_center)
        self.samplewise_center = bool(samplewise_center)
        self.featurewise_std_normalization = bool(featurewise_std_normalization)
        self.samplewise_std_normalization = bool(samplewise_std_normalization)
        self.rotation_range = float(rotation_range)
        self.width_shift_range = _check_shift(width_shift_range, "width_shift_range")
        self.height_shift_range = _check_shift(height_shift_range, "height_shift_range")
        self.shear_range = float(shear_range)
        self.zoom_range = _range_pair(zoom_range, "zoom_range", center=1.0)
        if self.zoom_range[0] <= 0:
            raise ValueError(f"zoom_range must keep zoom factors > 0, got {zoom_range!r}")
        self.fill_mode = fill_mode
        self.cval = float(cval)
        self.horizontal_flip = bool(horizontal_flip)
        self.vertical_flip = bool(vertical_flip)
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.dtype = np.dtype(dtype).name
        self.mean = None
        self.std = None

    # ------------------------------------------------------------------ statistics
    def fit(self, x, augment=False, rounds=1, seed=None):
        """Compute the per-channel mean and std used by the featurewise options."""
        x = _check_images(x, "ImageDataGenerator.fit")
        if self.rescale is not None:
            x = x * self.rescale
        if augment:
            rng = np.random.default_rng(seed)
            x = np.concatenate([self._augment(x, rng) for _ in range(max(int(rounds), 1))])
        self.mean = x.mean(axis=(0, 1, 2), keepdims=True)[0].astype(self.dtype)
        self.std = x.std(axis=(0, 1, 2), keepdims=True)[0].astype(self.dtype)
        return self

    def standardize(self, x):
        """Apply rescale, the preprocessing function and the normalizations to a batch."""
        x = np.array(x, dtype=self.dtype)
        if self.preprocessing_function is not None:  # per image, as Keras
            x = np.stack([np.asarray(self.preprocessing_function(img), dtype=self.dtype)
                          for img in x])
        if self.rescale is not None:
            x *= np.dtype(self.dtype).type(self.rescale)
        axes = tuple(range(1, x.ndim))
        if self.samplewise_center:
            x -= x.mean(axis=axes, keepdims=True)
        if self.samplewise_std_normalization:
            x /= x.std(axis=axes, keepdims=True) + 1e-6
        if self.featurewise_center or self.featurewise_std_normalization:
            if self.mean is None:
                raise ValueError("featurewise_center / featurewise_std_normalization need the "
                                 "data statistics: call ImageDataGenerator.fit(x) first")
            if self.featurewise_center:
                x -= self.mean
            if self.featurewise_std_normalization:
                x /= self.std + 1e-6
        return x

    # ------------------------------------------------------------------ transforms
    def _draw_matrices(self, rng, n, h, w):
        """Per-sample 2x3 maps from output (row, col) to input (row, col)."""
        theta = np.deg2rad(rng.uniform(-self.rotation_range, self.rotation_range, n))
        shear = np.deg2rad(rng.uniform(-self.shear_range, self.shear_range, n))
        tx = _draw_shift(rng, self.height_shift_range, h, n)
        ty = _draw_shift(rng, self.width_shift_range, w, n)
        zx, zy = (rng.uniform(*self.zoom_range, (2, n)) if self.zoom_range != (1.0, 1.0)
                  else np.ones((2, n)))
        cos, sin = np.cos(theta), np.sin(theta)
        # rotation @ shear @ zoom, Keras' order; the shift is added after
        m = np.empty((n, 2, 3))
        m[:, 0, 0] = cos * zx
        m[:, 0, 1] = (-cos * np.sin(shear) - sin * np.cos(shear)) * zy
        m[:, 1, 0] = sin * zx
        m[:, 1, 1] = (-sin * np.sin(shear) + cos * np.cos(shear)) * zy
        m[:, 0, 2] = tx
        m[:, 1, 2] = ty
        return m

    def _augment(self, x, rng):
        """Randomly transform a batch ``x`` (n, h, w, c) -> new array."""
        n, h, w, _ = x.shape
        out = x
        if self.rotation_range or self.shear_range or self.zoom_range != (1.0, 1.0) or \
                np.any(self.width_shift_range) or np.any(self.height_shift_range):
            out = _affine(x, self._draw_matrices(rng, n, h, w), self.fill_mode, self.cval)
        if self.horizontal_flip or self.vertical_flip:
            out = out.copy() if out is x else out
            if self.horizontal_flip:
                flip = rng.random(n) < 0.5
                out[flip] = out[flip, :, ::-1]
            if self.vertical_flip:
                flip = rng.random(n) < 0.5
                out[flip] = out[flip, ::-1]
        return out

    def random_transform(self, x, seed=None):
        """One randomly transformed copy of a single image ``(h, w, c)``."""
        x = np.asarray(x)
        if x.ndim != 3:
            raise ValueError(f"random_transform expects one image (height, width, channels), "
                             f"got shape {x.shape}")
        return self._augment(x[None].astype(self.dtype), np.random.default_rng(seed))[0]

    # ------------------------------------------------------------------ iteration
    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None):
        """A Keras-Sequence-like iterator of augmented ``(x, y)`` batches for ``fit``.

        Parameters
        ----------
        x : array (n, height, width, channels)
        y : array, optional
            Targets; batches are ``x`` alone without them.
        batch_size : int, default 32
        shuffle : bool, default True
            Reshuffle the samples every epoch.
        sample_weight : array (n,), optional
            Adds a third element to each batch.
        seed : int, optional
            Makes shuffling and transforms reproducible.
        """
        return NumpyArrayIterator(self, x, y, batch_size=batch_size, shuffle=shuffle,
                                  sample_weight=sample_weight, seed=seed)


def _fill_index(idx, size, mode):
    """Map integer coordinates into [0, size) following ``fill_mode``; also the
    in-bounds mask (only used by 'constant')."""
    inside = (idx >= 0) & (idx < size)
    if mode == "wrap":
        return np.mod(idx, size), inside
    if mode == "reflect":  # scipy's 'reflect': d c b a | a b c d | d c b a
        period = 2 * size
        m = np.mod(idx, period)
        return np.where(m >= size, period - 1 - m, m), inside
    return np.clip(idx, 0, size - 1), inside


def _affine(x, matrices, fill_mode, cval):
    """Bilinear resampling of every image through its own output->input map.

    Coordinates are centred on the image centre so that rotations and zooms
    keep it in place.
    """
    n, h, w, c = x.shape
    cr, cc = (h - 1) / 2.0, (w - 1) / 2.0
    rows, cols = np.meshgrid(np.arange(h) - cr, np.arange(w) - cc, indexing="ij")
    m = matrices
    src_r = (m[:, 0, 0, None, None] * rows + m[:, 0, 1, None, None] * cols
             + m[:, 0, 2, None, None] + cr)
    src_c = (m[:, 1, 0, None, None] * rows + m[:, 1, 1, None, None] * cols
             + m[:, 1, 2, None, None] + cc)
    r0 = np.floor(src_r).astype(np.int64)
    c0 = np.floor(src_c).astype(np.int64)
    fr = (src_r - r0)[..., None].astype(x.dtype)
    fc = (src_c - c0)[..., None].astype(x.dtype)
    batch = np.arange(n)[:, None, None]
    out = np.zeros(x.shape, x.dtype)
    for dr, wr in ((0, 1 - fr), (1, fr)):
        ri, r_in = _fill_index(r0 + dr, h, fill_mode)
        for dc, wc in ((0, 1 - fc), (1, fc)):
            ci, c_in = _fill_index(c0 + dc, w, fill_mode)
            val = x[batch, ri, ci]
            if fill_mode == "constant":
                val = np.where((r_in & c_in)[..., None], val, x.dtype.type(cval))
            out += wr * wc * val
    return out
