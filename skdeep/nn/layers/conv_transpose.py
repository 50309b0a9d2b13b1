"""Transposed convolutions (channels_last): Conv1DTranspose, Conv2DTranspose.

A transposed convolution is the adjoint of a convolution: each input pixel
scatters ``kernel`` times its channels into the output. With the kernel
``(kh, kw, filters, in_channels)`` read as a (kh * kw * filters, in_channels)
matrix, forward is one BLAS product ``x @ kernel.T`` followed by
``kernels.conv.col2im``, and backward is ``im2col`` followed by two
products: the convolution kernels of :mod:`.conv` run in reverse. Output
sizes and the padding split follow Keras 3 (``output_padding`` included).
"""
import numpy as np

from ..kernels import activations as act_k
from ..kernels import conv as conv_k
from .base import Layer
from .conv import (
    check_data_format,
    chunk_samples,
    normalize_padding,
    normalize_tuple,
    parallel_for,
)
from .core import KernelLayerMixin


def transpose_geometry(size, kernel, stride, dilation, padding, output_padding):
    """Output length and the padding before it (in the equivalent forward
    convolution) along one axis, as Keras 3 computes them."""
    span = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(span, stride) - span if output_padding is None else output_padding
        return (size - 1) * stride + span + extra, 0
    if output_padding is None:
        length, pad_len = size * stride, stride + span - 2
    else:
        length = (size - 1) * stride + span % 2 + output_padding
        pad_len = span + span % 2 - 2 + output_padding
    left = min(pad_len // 2 + pad_len % 2, span - 1)
    return length, span - 1 - left


class _ConvTranspose(KernelLayerMixin, Layer):
    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        who = type(self).__name__
        if (isinstance(filters, bool) or not isinstance(filters, (int, np.integer))
                or filters < 1):
            raise ValueError(f"{who} filters must be a positive integer, got {filters!r}")
        check_data_format(data_format, who)
        self.filters = int(filters)
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size", who)
        self.strides = normalize_tuple(strides, self.rank, "strides", who)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate", who)
        self.padding = normalize_padding(padding, who)
        self.output_padding = (None if output_padding is None else
                               normalize_tuple(output_padding, self.rank, "output_padding", who,
                                               minimum=0))
        if self.output_padding is not None and any(
                p >= s for p, s in zip(self.output_padding, self.strides)):
            raise ValueError(f"{who} output_padding {self.output_padding} must be smaller than "
                             f"the strides {self.strides}")
        self._set_kernel_args(activation, use_bias, kernel_initializer, bias_initializer,
                              kernel_regularizer, bias_regularizer, activity_regularizer,
                              kernel_constraint, bias_constraint)

    def _check_input_shape(self, input_shape):
        if len(input_shape) != self.rank + 2 or input_shape[-1] is None:
            axes = "steps" if self.rank == 1 else "height, width"
            raise ValueError(f"{type(self).__name__} layer '{self.name}' expects inputs of rank "
                             f"{self.rank + 2} (batch, {axes}, channels) with a known channel "
                             f"count, got shape {tuple(input_shape)}")

    def build(self, input_shape):
        self._check_input_shape(input_shape)
        # Keras' layout: (spatial..., filters, in_channels), the transpose of Conv's
        self._add_kernel_and_bias(self.kernel_size + (self.filters, int(input_shape[-1])),
                                  self.filters)
        self.built = True

    def _geometry(self, sizes):
        pads = self.output_padding or (None,) * self.rank
        return [transpose_geometry(s, k, st, d, self.padding, p) for s, k, st, d, p in
                zip(sizes, self.kernel_size, self.strides, self.dilation_rate, pads)]

    def compute_output_shape(self, input_shape):
        self._check_input_shape(input_shape)
        spatial = tuple(None if s is None else g[0] for s, g in
                        zip(input_shape[1:-1],
                            self._geometry([1 if s is None else s for s in input_shape[1:-1]])))
        return (input_shape[0],) + spatial + (self.filters,)

    def forward(self, inputs, ctx):
        kernel = self.kernel.value
        dtype = kernel.dtype
        shape = inputs.shape
        in_ch = kernel.shape[-1]
        if inputs.ndim != self.rank + 2 or shape[-1] != in_ch:
            raise ValueError(f"Layer '{self.name}' expects inputs of shape (batch, "
                             f"{'steps' if self.rank == 1 else 'height, width'}, {in_ch}), got "
                             f"{shape}")
        x = np.ascontiguousarray(inputs, dtype=dtype)
        if self.rank == 1:
            x = x.reshape(shape[0], 1, shape[1], shape[2])
        n, h, w, _ = x.shape
        pad = (1,) * (2 - self.rank)
        (kh, kw), (sh, sw), (dh, dw) = [pad + t for t in (self.kernel_size, self.strides,
                                                          self.dilation_rate)]
        geo = self._geometry(shape[1:-1])
        (oh, pt), (ow, pl) = ([(1, 0)] if self.rank == 1 else []) + geo
        # the adjoint convolution maps the (oh, ow) output back to the (h, w) input
        geometry = (kh, kw, sh, sw, dh, dw, pt, pl, h, w)
        kernel2 = kernel.reshape(kh * kw * self.filters, in_ch)
        depth = kernel2.shape[0]
        x2 = x.reshape(-1, in_ch)
        per_sample = h * w
        step = chunk_samples(per_sample, depth)
        z = ctx.buffer("z", (n, oh, ow, self.filters), dtype)

        def forward_block(worker, lo, hi):
            cols = ctx.buffer(("cols", worker), (step * per_sample, depth), dtype)
            for b0 in range(lo, hi, step):
                b1 = min(b0 + step, hi)
                rows = (b1 - b0) * per_sample
                np.matmul(x2[b0 * per_sample:b1 * per_sample], kernel2.T, out=cols[:rows])
                conv_k.col2im(cols[:rows], *geometry, z[b0:b1])

        parallel_for(forward_block, n)
        z2 = z.reshape(-1, self.filters)
        bias = self.bias.value if self.use_bias else np.zeros(0, dtype)
        y, activation_backward = self._activate(z2, bias, ctx)
        out_shape = (n,) + ((oh, ow) if self.rank == 2 else (ow,)) + (self.filters,)
        no_dx = not ctx.need_dx

        def backward(dy):
            dz = activation_backward(np.ascontiguousarray(dy, dtype=dtype).reshape(z2.shape))
            if self.use_bias:
                act_k.column_sum_add(dz, self.bias.grad)
            dz4 = np.ascontiguousarray(dz).reshape(z.shape)
            dx = None if no_dx else ctx.buffer("dx", x2.shape, dtype)
            dcols = ctx.buffer("dcols", (n * per_sample, depth), dtype)

            def backward_block(worker, lo, hi):
                for b0 in range(lo, hi, step):
                    b1 = min(b0 + step, hi)
                    conv_k.im2col(dz4[b0:b1], *geometry, dcols[b0 * per_sample:b1 * per_sample])

            parallel_for(backward_block, n, blas=False)
            self.kernel.grad.reshape(kernel2.shape)[...] += dcols.T @ x2
            if no_dx:
                return None
            np.matmul(dcols, kernel2, out=dx)
            return dx.reshape(shape)

        return y.reshape(out_shape), backward

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, kernel_size=list(self.kernel_size),
                      strides=list(self.strides), padding=self.padding,
                      output_padding=(None if self.output_padding is None
                                      else list(self.output_padding)),
                      data_format="channels_last", dilation_rate=list(self.dilation_rate),
                      **self._kernel_config())
        return config


class Conv2DTranspose(_ConvTranspose):
    """Transposed 2-D convolution ("deconvolution") over channels_last images.

    Parameters
    ----------
    filters : int
        Output channels.
    kernel_size, strides, dilation_rate : int or tuple of 2 ints
    padding : {'valid', 'same'}, default 'valid'
        'same' gives ``input * stride`` positions; 'valid' gives ``(input - 1)
        * stride + max(kernel_span, stride)``.
    output_padding : int or tuple of 2 ints, optional
        Extra positions at the end of each axis (must be below the stride);
        sizes then follow Keras' formulas.
    activation, use_bias, initializers, regularizers, constraints : as :class:`Conv2D`

    Weights are ``kernel`` of shape ``(kh, kw, filters, in_channels)`` and
    ``bias`` of shape ``(filters,)``, as in Keras.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import Conv2DTranspose
    >>> layer = Conv2DTranspose(2, 3, strides=2, padding="same")
    >>> layer(np.ones((1, 4, 4, 3))).shape
    (1, 8, 8, 2)
    >>> layer.kernel.shape
    (3, 3, 2, 3)
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1), activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, activation, use_bias, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


class Conv1DTranspose(_ConvTranspose):
    """Transposed 1-D convolution over sequences ``(batch, steps, channels)``.

    Parameters as :class:`Conv2DTranspose` with single integers; the kernel
    has shape ``(kernel_size, filters, in_channels)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import Conv1DTranspose
    >>> Conv1DTranspose(2, 3, strides=2)(np.ones((1, 4, 3))).shape
    (1, 9, 2)
    """

    rank = 1


Convolution1DTranspose, Convolution2DTranspose = Conv1DTranspose, Conv2DTranspose
