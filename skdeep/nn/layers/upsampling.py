"""Upsampling layers: UpSampling1D, UpSampling2D ('nearest' or 'bilinear').

'nearest' repeats rows and columns (backward sums the repeated blocks);
'bilinear' multiplies by one small interpolation matrix per axis, built with
the half-pixel rule of ``keras.ops.image.resize`` (no antialiasing), so the
backward is the transposed products. :func:`linear_resize_matrix` is shared
with the Resizing preprocessing layer.
"""
import numpy as np

from .base import Layer
from .conv import normalize_tuple
from .reshaping import _data_format


def linear_resize_matrix(in_size, out_size, dtype="float64"):
    """The (out_size, in_size) matrix of 1-D linear interpolation with
    half-pixel centers: output ``o`` samples input position
    ``(o + 0.5) * in_size / out_size - 0.5``, clamped to the edges."""
    src = (np.arange(out_size) + 0.5) * (in_size / out_size) - 0.5
    low = np.floor(src)
    frac = src - low
    low = low.astype(np.int64)
    matrix = np.zeros((out_size, in_size), dtype)
    rows = np.arange(out_size)
    np.add.at(matrix, (rows, np.clip(low, 0, in_size - 1)), 1.0 - frac)
    np.add.at(matrix, (rows, np.clip(low + 1, 0, in_size - 1)), frac)
    return matrix


def apply_axis_matrices(x, matrices, axes):
    """``x`` with axis ``axes[k]`` multiplied by ``matrices[k]`` (out, in)."""
    for m, axis in zip(matrices, axes):
        x = np.moveaxis(np.tensordot(m.astype(x.dtype, copy=False), x, axes=(1, axis)), 0, axis)
    return x


class UpSampling2D(Layer):
    """Repeat (or interpolate) image rows and columns by integer factors.

    Parameters
    ----------
    size : int or tuple of 2 ints, default (2, 2)
        Height and width factors.
    data_format : {'channels_last', 'channels_first'}, optional
    interpolation : {'nearest', 'bilinear'}, default 'nearest'
        'bilinear' matches ``keras.ops.image.resize``; Keras' 'bicubic' and
        'lanczos' kernels are not implemented (NotImplementedError).

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import UpSampling2D
    >>> UpSampling2D()(np.array([[[[1.0], [2.0]]]]))[0, :, :, 0]
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.]], dtype=float32)
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.size = normalize_tuple(size, 2, "size", "UpSampling2D")
        self.data_format = _data_format(data_format, "UpSampling2D")
        if not isinstance(interpolation, str):
            raise TypeError(f"UpSampling2D interpolation must be a string, got "
                             f"{interpolation!r}")
        self.interpolation = interpolation.lower()
        if self.interpolation in ("bicubic", "lanczos3", "lanczos5", "area"):
            raise NotImplementedError(f"UpSampling2D interpolation='{interpolation}' is not "
                                      "implemented in skdeep; use 'nearest' or 'bilinear'")
        if self.interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"UpSampling2D interpolation must be 'nearest' or 'bilinear', got "
                             f"{interpolation!r}")

    def _axes(self):
        return (2, 3) if self.data_format == "channels_first" else (1, 2)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(f"UpSampling2D layer '{self.name}' expects inputs of rank 4, got "
                             f"shape {tuple(input_shape)}")
        shape = list(input_shape)
        for axis, factor in zip(self._axes(), self.size):
            shape[axis] = None if shape[axis] is None else shape[axis] * factor
        return tuple(shape)

    def forward(self, inputs, ctx):
        self.compute_output_shape(inputs.shape)
        shape = inputs.shape
        axes = self._axes()
        if self.interpolation == "nearest":
            y = inputs
            for axis, factor in zip(axes, self.size):
                y = np.repeat(y, factor, axis=axis)

            (a1, a2), (f1, f2) = axes, self.size
            split = shape[:a1 + 1] + (f1,) + shape[a1 + 1:a2 + 1] + (f2,) + shape[a2 + 1:]

            def backward(dy):
                return dy.reshape(split).sum(axis=(a1 + 1, a2 + 2))

            return y, backward
        mats = [linear_resize_matrix(shape[a], shape[a] * f) for a, f in zip(axes, self.size)]
        y = apply_axis_matrices(inputs, mats, axes)
        return y, lambda dy: apply_axis_matrices(dy, [m.T for m in mats], axes)

    def get_config(self):
        config = super().get_config()
        config.update(size=list(self.size), data_format=self.data_format,
                      interpolation=self.interpolation)
        return config


class UpSampling1D(Layer):
    """Repeat each step of ``(batch, steps, features)`` ``size`` times.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import UpSampling1D
    >>> UpSampling1D(3)(np.array([[[1.0], [2.0]]]))[0, :, 0]
    array([1., 1., 1., 2., 2., 2.], dtype=float32)
    """

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
            raise TypeError(f"UpSampling1D size must be an integer, got {size!r}")
        if size < 1:
            raise ValueError(f"UpSampling1D size must be a positive integer, got {size!r}")
        self.size = int(size)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"UpSampling1D layer '{self.name}' expects inputs of rank 3, got "
                             f"shape {tuple(input_shape)}")
        steps = None if input_shape[1] is None else input_shape[1] * self.size
        return (input_shape[0], steps, input_shape[2])

    def forward(self, inputs, ctx):
        self.compute_output_shape(inputs.shape)
        n, steps, features = inputs.shape
        y = np.repeat(inputs, self.size, axis=1)
        return y, lambda dy: dy.reshape(n, steps, self.size, features).sum(axis=2)

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size
        return config
