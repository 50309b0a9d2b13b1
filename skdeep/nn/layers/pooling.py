"""Pooling layers (channels_last): max / average, 1-D and 2-D, local and global.

Local pooling runs one fused Numba pass forward (recording the maxima) and
one backward; 1-D inputs (batch, steps, channels) are pooled as height-1
images. Global pooling reduces the spatial axes viewed as one
(batch, positions, channels) axis.
"""
import numpy as np

from ..kernels import pooling as pool_k
from .base import Layer
from .conv import check_data_format, conv_geometry, normalize_padding, normalize_tuple, \
    output_length, parallel_for


def _float_dtype(inputs, default):
    """Pool float32/float64 inputs in their own precision, anything else (integers,
    float16, which the Numba kernels do not take) in the layer's, as Keras'
    autocast does."""
    return inputs.dtype if inputs.dtype in (np.float32, np.float64) else default


class _Pooling(Layer):
    """Shared implementation of the local pooling layers."""

    rank = 2
    mode = "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        who = type(self).__name__
        check_data_format(data_format, who)
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size", who)
        self.strides = (self.pool_size if strides is None
                        else normalize_tuple(strides, self.rank, "strides", who))
        self.padding = normalize_padding(padding, who)

    def _check_rank(self, shape):
        if len(shape) != self.rank + 2:
            raise ValueError(f"{type(self).__name__} layer '{self.name}' expects inputs of rank "
                             f"{self.rank + 2} (batch, "
                             f"{'steps' if self.rank == 1 else 'height, width'}, channels), got "
                             f"shape {tuple(shape)}")

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        spatial = tuple(output_length(s, p, st, 1, self.padding) for s, p, st in
                        zip(input_shape[1:-1], self.pool_size, self.strides))
        if any(s == 0 for s in spatial):
            raise ValueError(f"Layer '{self.name}': input shape {tuple(input_shape)} is smaller "
                             f"than pool_size {self.pool_size} with padding='valid'")
        return (input_shape[0],) + spatial + (input_shape[-1],)

    def forward(self, inputs, ctx):
        self._check_rank(inputs.shape)
        shape = inputs.shape
        x = np.ascontiguousarray(inputs, dtype=_float_dtype(inputs, self.dtype))
        if self.rank == 1:
            x = x.reshape(shape[0], 1, shape[1], shape[2])
        n, h, w, c = x.shape
        ph, pw = (1,) * (2 - self.rank) + self.pool_size
        sh, sw = (1,) * (2 - self.rank) + self.strides
        oh, pt = conv_geometry(h, ph, sh, 1, self.padding)
        ow, pl = conv_geometry(w, pw, sw, 1, self.padding)
        if oh < 1 or ow < 1:
            raise ValueError(f"Layer '{self.name}': input of shape {shape} is smaller than "
                             f"pool_size {self.pool_size} with padding='valid'")
        y = ctx.buffer("y", (n, oh, ow, c), x.dtype)
        tiled = (sh, sw) == (ph, pw) and oh * ph <= h and ow * pw <= w
        argmax = ctx.buffer("argmax", (n, oh, ow, c), np.int32) if self.mode == "max" \
            else None

        def forward_block(worker, lo, hi):
            if argmax is not None:
                pool_k.max_pool_forward(x[lo:hi], ph, pw, sh, sw, pt, pl, y[lo:hi],
                                        argmax[lo:hi])
            else:
                pool_k.avg_pool_forward(x[lo:hi], ph, pw, sh, sw, pt, pl, y[lo:hi])

        parallel_for(forward_block, n, blas=False)

        def backward(dy):
            dy = np.ascontiguousarray(dy, dtype=x.dtype).reshape(y.shape)
            dx = ctx.buffer("dx", x.shape, x.dtype)

            def backward_block(worker, lo, hi):
                if argmax is not None and tiled:
                    pool_k.max_pool_backward_tiled(dy[lo:hi], argmax[lo:hi], ph, pw, dx[lo:hi])
                elif argmax is not None:
                    pool_k.max_pool_backward(dy[lo:hi], argmax[lo:hi], dx[lo:hi])
                else:
                    pool_k.avg_pool_backward(dy[lo:hi], ph, pw, sh, sw, pt, pl, dx[lo:hi])

            parallel_for(backward_block, n, blas=False)
            return dx.reshape(shape)

        out_shape = (n,) + ((oh, ow) if self.rank == 2 else (ow,)) + (c,)
        return y.reshape(out_shape), backward

    def get_config(self):
        config = super().get_config()
        config.update(pool_size=list(self.pool_size), strides=list(self.strides),
                      padding=self.padding)
        return config


class MaxPooling2D(_Pooling):
    """Max pooling over windows of channels_last images.

    Parameters
    ----------
    pool_size : int or tuple of 2 ints, default (2, 2)
    strides : int or tuple of 2 ints, optional
        Defaults to ``pool_size``.
    padding : {'valid', 'same'}, default 'valid'
        With 'same' the output has ``ceil(size / stride)`` positions; the
        padding never wins a maximum.
    data_format : None or 'channels_last'

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import MaxPooling2D
    >>> MaxPooling2D()(np.arange(16.0).reshape(1, 4, 4, 1))[0, :, :, 0]
    array([[ 5.,  7.],
           [13., 15.]], dtype=float32)
    """

    rank, mode = 2, "max"

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(_Pooling):
    """Average pooling over windows of channels_last images.

    Same parameters as :class:`MaxPooling2D`. With ``padding='same'`` a
    window is averaged over its positions inside the image only, as Keras.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import AveragePooling2D
    >>> AveragePooling2D()(np.arange(16.0).reshape(1, 4, 4, 1))[0, :, :, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]], dtype=float32)
    """

    rank, mode = 2, "average"

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling1D(_Pooling):
    """Max pooling over windows of sequences ``(batch, steps, channels)``.

    Parameters are single integers: ``pool_size=2``, ``strides=None``
    (defaults to ``pool_size``), ``padding='valid'`` or ``'same'``.
    """

    rank, mode = 1, "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(_Pooling):
    """Average pooling over windows of sequences ``(batch, steps, channels)``.

    Parameters as :class:`MaxPooling1D`.
    """

    rank, mode = 1, "average"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class _GlobalPooling(Layer):
    """Shared implementation of the global pooling layers."""

    rank = 2
    mode = "max"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        check_data_format(data_format, type(self).__name__)
        self.keepdims = bool(keepdims)

    def _check_rank(self, shape):
        if len(shape) != self.rank + 2:
            raise ValueError(f"{type(self).__name__} layer '{self.name}' expects inputs of rank "
                             f"{self.rank + 2}, got shape {tuple(shape)}")

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        if self.keepdims:
            return (input_shape[0],) + (1,) * self.rank + (input_shape[-1],)
        return (input_shape[0], input_shape[-1])

    def _pool(self, x3, mask, ctx):
        """Forward on (n, positions, c); returns (y (n, c), backward to (n, positions, c))."""
        n, steps, c = x3.shape
        y = ctx.buffer("y", (n, c), x3.dtype)
        if self.mode == "max":
            argmax = ctx.buffer("argmax", (n, c), np.int32)
            pool_k.global_max_forward(x3, y, argmax)
        else:
            weights = (np.zeros((0, 0), x3.dtype) if mask is None
                       else np.ascontiguousarray(np.asarray(mask).reshape(n, steps),
                                                 dtype=x3.dtype))
            pool_k.global_avg_forward(x3, weights, y)

        def backward(dy2):
            dx = ctx.buffer("dx", x3.shape, x3.dtype)
            if self.mode == "max":
                pool_k.global_max_backward(dy2, argmax, dx)
            else:
                pool_k.global_avg_backward(dy2, weights, dx)
            return dx

        return y, backward

    def forward(self, inputs, ctx):
        self._check_rank(inputs.shape)
        shape = inputs.shape
        if 0 in shape[1:-1]:
            raise ValueError(f"Layer '{self.name}' cannot pool an empty input of shape {shape}")
        x3 = np.ascontiguousarray(inputs, dtype=_float_dtype(inputs, self.dtype))
        x3 = x3.reshape(shape[0], -1, shape[-1])
        y, pool_backward = self._pool(x3, ctx.mask, ctx)
        out_shape = (shape[0],) + (1,) * self.rank + (shape[-1],) if self.keepdims else y.shape

        def backward(dy):
            dy2 = np.ascontiguousarray(dy, dtype=x3.dtype).reshape(y.shape)
            return pool_backward(dy2).reshape(shape)

        return y.reshape(out_shape), backward

    def compute_mask(self, inputs, mask):
        return None

    def get_config(self):
        config = super().get_config()
        config["keepdims"] = self.keepdims
        return config


class GlobalMaxPooling2D(_GlobalPooling):
    """Maximum over height and width: ``(batch, h, w, c) -> (batch, c)``.

    ``keepdims=True`` keeps the spatial axes with size 1.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import GlobalMaxPooling2D
    >>> GlobalMaxPooling2D()(np.arange(8.0).reshape(1, 2, 2, 2))
    array([[6., 7.]], dtype=float32)
    """

    rank, mode = 2, "max"


class GlobalAveragePooling2D(_GlobalPooling):
    """Mean over height and width: ``(batch, h, w, c) -> (batch, c)``.

    ``keepdims=True`` keeps the spatial axes with size 1.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import GlobalAveragePooling2D
    >>> GlobalAveragePooling2D()(np.arange(8.0).reshape(1, 2, 2, 2))
    array([[3., 4.]], dtype=float32)
    """

    rank, mode = 2, "average"


class GlobalMaxPooling1D(_GlobalPooling):
    """Maximum over the steps of ``(batch, steps, channels)`` -> ``(batch, channels)``."""

    rank, mode = 1, "max"


class GlobalAveragePooling1D(_GlobalPooling):
    """Mean over the steps of ``(batch, steps, channels)`` -> ``(batch, channels)``.

    A mask (e.g. from ``Embedding(mask_zero=True)`` or ``Masking``) excludes
    the masked steps from the mean, as Keras does; a sample with every step
    masked gives zeros.
    """

    rank, mode = 1, "average"
    consumes_mask = True
    supports_masking = True


MaxPool1D, MaxPool2D = MaxPooling1D, MaxPooling2D
AvgPool1D, AvgPool2D = AveragePooling1D, AveragePooling2D
GlobalMaxPool1D, GlobalMaxPool2D = GlobalMaxPooling1D, GlobalMaxPooling2D
GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
