"""Deterministic image preprocessing layers: Rescaling, Resizing, CenterCrop.

Images are channels_last ``(batch, height, width, channels)`` or a single
``(height, width, channels)`` image, as Keras accepts. Resizing uses one
interpolation matrix per axis (``keras.ops.image.resize`` rules without
antialiasing), so it is two small products and its backward is their
transpose.
"""
import numpy as np

from ..base import Layer
from ..upsampling import apply_axis_matrices, linear_resize_matrix


def nearest_resize_matrix(in_size, out_size, dtype="float64"):
    """(out, in) selection matrix: output ``o`` takes input
    ``floor((o + 0.5) * in / out)`` (half-pixel nearest neighbour)."""
    src = np.minimum(np.floor((np.arange(out_size) + 0.5) * (in_size / out_size)).astype(int),
                     in_size - 1)
    matrix = np.zeros((out_size, in_size), dtype)
    matrix[np.arange(out_size), src] = 1.0
    return matrix


_MATRICES = {"bilinear": linear_resize_matrix, "nearest": nearest_resize_matrix}


def _image_axes(x, who):
    if x.ndim == 4:
        return 1, 2
    if x.ndim == 3:
        return 0, 1
    raise ValueError(f"{who} expects images of rank 3 (height, width, channels) or 4 (batch, "
                     f"height, width, channels), got shape {x.shape}")


def _check_size(value, what, who):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{who} {what} must be a positive integer, got {value!r}")
    return int(value)


def _crop_box(h, w, height, width):
    """The centred (top, left, crop_h, crop_w) with the target's aspect ratio."""
    crop_h = max(min(h, int(w * height / width)), 1)
    crop_w = max(min(w, int(h * width / height)), 1)
    return (h - crop_h) // 2, (w - crop_w) // 2, crop_h, crop_w


def resize(x, height, width, interpolation, axes, crop_to_aspect_ratio=False):
    """``x`` resized on ``axes`` to (height, width); returns (y, backward)."""
    ha, wa = axes
    h, w = x.shape[ha], x.shape[wa]
    index = [slice(None)] * x.ndim
    if crop_to_aspect_ratio:
        top, left, ch, cw = _crop_box(h, w, height, width)
        index[ha], index[wa] = slice(top, top + ch), slice(left, left + cw)
    index = tuple(index)
    src = x[index]
    make = _MATRICES[interpolation]
    mats = [make(src.shape[ha], height), make(src.shape[wa], width)]
    y = apply_axis_matrices(src, mats, axes).astype(x.dtype, copy=False)

    def backward(dy):
        dx = np.zeros(x.shape, dy.dtype)
        dx[index] = apply_axis_matrices(dy, [m.T for m in mats], axes)
        return dx

    return y, backward


class Rescaling(Layer):
    """``inputs * scale + offset`` (e.g. ``Rescaling(1 / 255)`` for pixels).

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import Rescaling
    >>> Rescaling(1 / 127.5, offset=-1)(np.array([[0.0, 255.0]]))
    array([[-1.,  1.]], dtype=float32)
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset
        self._scale = np.asarray(scale, dtype="float64")
        self._offset = np.asarray(offset, dtype="float64")

    def forward(self, inputs, ctx):
        x = np.asarray(inputs)
        dtype = x.dtype if x.dtype.kind == "f" else np.dtype(self.dtype)
        scale = self._scale.astype(dtype)
        y = (x * scale + self._offset.astype(dtype)).astype(dtype, copy=False)

        def backward(dy):
            g = dy * scale
            return g if g.shape == x.shape else np.broadcast_to(g, x.shape).copy()

        return y, backward

    def get_config(self):
        config = super().get_config()
        def to_json(v):
            return v.tolist() if isinstance(v, np.ndarray) else v

        config.update(scale=to_json(self.scale), offset=to_json(self.offset))
        return config


class Resizing(Layer):
    """Resize images to ``(height, width)``.

    Parameters
    ----------
    height, width : int
    interpolation : {'bilinear', 'nearest'}, default 'bilinear'
        Keras' other kernels (bicubic, lanczos, area) raise NotImplementedError.
    crop_to_aspect_ratio : bool, default False
        Crop the largest centred window with the target aspect ratio first.
    pad_to_aspect_ratio : bool, default False
        Not implemented (NotImplementedError).
    data_format : None or 'channels_last'

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import Resizing
    >>> Resizing(2, 2)(np.arange(16.0).reshape(1, 4, 4, 1))[0, :, :, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]], dtype=float32)
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.height = _check_size(height, "height", "Resizing")
        self.width = _check_size(width, "width", "Resizing")
        if interpolation not in _MATRICES:
            raise NotImplementedError(f"Resizing interpolation={interpolation!r} is not "
                                      "implemented; use 'bilinear' or 'nearest'")
        if pad_to_aspect_ratio:
            raise NotImplementedError("Resizing pad_to_aspect_ratio=True is not implemented")
        if antialias:
            raise NotImplementedError("Resizing antialias=True is not implemented")
        if data_format not in (None, "channels_last"):
            raise ValueError(f"Resizing supports only channels_last images, got "
                             f"data_format={data_format!r}")
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.fill_mode, self.fill_value = fill_mode, fill_value

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[-3], shape[-2] = self.height, self.width
        return tuple(shape)

    def forward(self, inputs, ctx):
        x = np.asarray(inputs)
        x = x if x.dtype.kind == "f" else x.astype(self.dtype)
        return resize(x, self.height, self.width, self.interpolation,
                      _image_axes(x, "Resizing"), self.crop_to_aspect_ratio)

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width, interpolation=self.interpolation,
                      crop_to_aspect_ratio=self.crop_to_aspect_ratio,
                      pad_to_aspect_ratio=False, fill_mode=self.fill_mode,
                      fill_value=self.fill_value, antialias=False, data_format="channels_last")
        return config


class CenterCrop(Layer):
    """Crop the centre ``(height, width)`` of images; an image smaller than
    that is first resized (keeping the aspect ratio by cropping), as Keras does.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import CenterCrop
    >>> CenterCrop(2, 2)(np.arange(16.0).reshape(1, 4, 4, 1))[0, :, :, 0]
    array([[ 5.,  6.],
           [ 9., 10.]], dtype=float32)
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.height = _check_size(height, "height", "CenterCrop")
        self.width = _check_size(width, "width", "CenterCrop")
        if data_format not in (None, "channels_last"):
            raise ValueError(f"CenterCrop supports only channels_last images, got "
                             f"data_format={data_format!r}")

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[-3], shape[-2] = self.height, self.width
        return tuple(shape)

    def forward(self, inputs, ctx):
        x = np.asarray(inputs)
        x = x if x.dtype.kind == "f" else x.astype(self.dtype)
        ha, wa = _image_axes(x, "CenterCrop")
        h, w = x.shape[ha], x.shape[wa]
        if h < self.height or w < self.width:
            return resize(x, self.height, self.width, "bilinear", (ha, wa), True)
        top, left = (h - self.height) // 2, (w - self.width) // 2
        index = [slice(None)] * x.ndim
        index[ha], index[wa] = slice(top, top + self.height), slice(left, left + self.width)
        index = tuple(index)

        def backward(dy):
            dx = np.zeros(x.shape, dy.dtype)
            dx[index] = dy
            return dx

        return x[index], backward

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width, data_format="channels_last")
        return config
