"""Convolution layers (channels_last): Conv1D and Conv2D.

A convolution is a matrix product: ``kernels.conv.im2col`` lays the receptive
fields out as rows (batch * out_h * out_w, kh * kw * in_channels) and BLAS
multiplies them by the kernel reshaped to (kh * kw * in_channels, filters).
Channels_last makes the product the output tensor itself. Backward is two
more products (kernel gradient, column gradient) and ``col2im``. The work is
done per cache-sized chunk of samples on worker threads (``parallel_for``);
relu/linear layers fuse bias + activation into the chunk passes, other
activations go through :class:`ActivationMixin` (so a softmax/sigmoid output
fuses with the loss). 1x1 stride-1 convolutions skip im2col.

Measured alternatives (2-core AMD EPYC, OpenBLAS; ``benchmarks/cnn.py``): a
direct Numba kernel for shallow inputs lost to im2col + BLAS (2.9 ms vs 1.8 ms
forward, 64x28x28x1 -> 32 filters); Numba ``parallel=True`` kernels between
BLAS calls lost badly whenever other processes used the cores.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import activations, threads
from ..kernels import activations as act_k
from ..kernels import conv as conv_k
from .base import Layer
from .core import KernelLayerMixin

_PADDINGS = ("valid", "same")


def normalize_tuple(value, rank, name, layer, minimum=1):
    """An int or a sequence of ``rank`` ints, as a tuple; ValueError otherwise."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (int(value),) * rank
    try:
        value = tuple(value)
    except TypeError:
        value = None
    if (value is None or len(value) != rank
            or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                       for v in value)
            or any(v < minimum for v in value)):
        raise ValueError(f"{layer} {name} must be an integer >= {minimum} or a tuple of {rank} "
                         f"such integers, got {value!r}")
    return tuple(int(v) for v in value)


def normalize_padding(padding, layer, allowed=_PADDINGS):
    if not isinstance(padding, str) or padding.lower() not in allowed:
        raise ValueError(f"{layer} padding must be one of {allowed}, got {padding!r}")
    return padding.lower()


def check_data_format(data_format, layer):
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{layer} supports only data_format='channels_last' (images "
                         f"(batch, height, width, channels)), got {data_format!r}")


def conv_geometry(size, kernel, stride, dilation, padding):
    """Output length and padding before the input along one axis (Keras rules).

    'same' pads ``max((ceil(size / stride) - 1) * stride + span - size, 0)``
    in total with the smaller half first, as TensorFlow and Keras do.
    'causal' pads ``span - 1`` before (Conv1D).
    """
    span = (kernel - 1) * dilation + 1
    if padding == "valid":
        return max((size - span) // stride + 1, 0), 0
    if padding == "causal":
        return (size - 1) // stride + 1, span - 1
    out = -(-size // stride)
    total = max((out - 1) * stride + span - size, 0)
    return out, total // 2


def output_length(size, kernel, stride, dilation, padding):
    """``conv_geometry``'s output length, None for an unknown input size."""
    if size is None:
        return None
    return conv_geometry(size, kernel, stride, dilation, padding)[0]


# --------------------------------------------------------------------- threads
# Convolutions and pooling split the batch into blocks, one per worker
# (``threads.run_blocks``), and each block into chunks of samples sized so that
# a chunk's im2col columns stay in the core's L2 cache between im2col, the
# matrix product and the fused activation.
_CHUNK_FLOATS = 1 << 17


def chunk_samples(per_sample, width):
    """Samples per chunk: about 512 KB of float32 work array (rows x width)."""
    return max(1, _CHUNK_FLOATS // max(per_sample * width, 1))


def parallel_for(fn, n_items, workers=None, blas=True):
    """``fn(worker, lo, hi)`` over blocks of ``range(n_items)`` (see threads.run_blocks)."""
    threads.run_blocks(fn, n_items, workers, blas)


n_workers = threads.n_blocks


class _Conv(KernelLayerMixin, Layer):
    """Shared implementation of Conv1D / Conv2D (``rank`` spatial dimensions)."""

    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        who = f"{type(self).__name__}"
        if (isinstance(filters, bool) or not isinstance(filters, (int, np.integer))
                or filters < 1):
            raise ValueError(f"{who} filters must be a positive integer, got {filters!r}")
        if groups != 1:
            raise ValueError(f"{who} supports only groups=1, got {groups!r}")
        check_data_format(data_format, who)
        self.filters = int(filters)
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size", who)
        self.strides = normalize_tuple(strides, self.rank, "strides", who)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate", who)
        allowed = _PADDINGS + (("causal",) if self.rank == 1 else ())
        self.padding = normalize_padding(padding, who, allowed)
        self._set_kernel_args(activation, use_bias, kernel_initializer, bias_initializer,
                              kernel_regularizer, bias_regularizer, activity_regularizer,
                              kernel_constraint, bias_constraint)

    # ------------------------------------------------------------ shapes
    def _check_input_shape(self, input_shape):
        if len(input_shape) != self.rank + 2:
            axes = "steps" if self.rank == 1 else "height, width"
            raise ValueError(f"{type(self).__name__} layer '{self.name}' expects inputs of rank "
                             f"{self.rank + 2} (batch, {axes}, channels), got shape "
                             f"{tuple(input_shape)}")
        if input_shape[-1] is None:
            raise ValueError(f"Layer '{self.name}' needs a known channel dimension, got input "
                             f"shape {tuple(input_shape)}")

    def build(self, input_shape):
        self._check_input_shape(input_shape)
        shape = self.kernel_size + (int(input_shape[-1]), self.filters)
        self._add_kernel_and_bias(shape, self.filters)
        self.built = True

    def compute_output_shape(self, input_shape):
        self._check_input_shape(input_shape)
        spatial = tuple(output_length(s, k, st, d, self.padding) for s, k, st, d in
                        zip(input_shape[1:-1], self.kernel_size, self.strides,
                            self.dilation_rate))
        if any(s == 0 for s in spatial):
            raise ValueError(f"Layer '{self.name}': input shape {tuple(input_shape)} is smaller "
                             f"than the kernel {self.kernel_size} (dilation "
                             f"{self.dilation_rate}) with padding='valid'")
        return (input_shape[0],) + spatial + (self.filters,)

    def _as_image(self, x):
        """View a (batch, steps, channels) input as (batch, 1, steps, channels)."""
        return x if self.rank == 2 else x.reshape(x.shape[0], 1, x.shape[1], x.shape[2])

    def _geometry(self, h, w):
        ks = (1,) * (2 - self.rank) + self.kernel_size
        st = (1,) * (2 - self.rank) + self.strides
        dl = (1,) * (2 - self.rank) + self.dilation_rate
        # a 1-D input is a height-1 image; its unit height axis needs no padding
        oh, pt = conv_geometry(h, ks[0], st[0], dl[0], self.padding)
        ow, pl = conv_geometry(w, ks[1], st[1], dl[1], self.padding)
        return ks, st, dl, oh, ow, pt, pl

    # ------------------------------------------------------------ compute
    def forward(self, inputs, ctx):
        kernel = self.kernel.value
        dtype = kernel.dtype
        shape = inputs.shape
        in_ch = kernel.shape[-2]
        if inputs.ndim != self.rank + 2 or shape[-1] != in_ch:
            raise ValueError(f"Layer '{self.name}' expects inputs of shape (batch, "
                             f"{'steps' if self.rank == 1 else 'height, width'}, {in_ch}), got "
                             f"{shape}")
        x = self._as_image(np.ascontiguousarray(inputs, dtype=dtype))
        n, h, w, _ = x.shape
        (kh, kw), (sh, sw), (dh, dw), oh, ow, pt, pl = self._geometry(h, w)
        if oh < 1 or ow < 1:
            raise ValueError(f"Layer '{self.name}': input of shape {shape} is smaller than the "
                             f"kernel {self.kernel_size} with padding='{self.padding}'")
        kernel2 = kernel.reshape(kh * kw * in_ch, self.filters)
        depth = kernel2.shape[0]
        per_sample = oh * ow
        rows = n * per_sample
        geometry = (kh, kw, sh, sw, dh, dw, pt, pl, oh, ow)
        pointwise = kh == kw == 1 and sh == sw == 1
        cols = (x.reshape(rows, in_ch) if pointwise
                else ctx.buffer("cols", (rows, depth), dtype))
        z = ctx.buffer("z", (rows, self.filters), dtype)
        bias = self.bias.value if self.use_bias else np.zeros(0, dtype)
        code = act_k.LINEAR if ctx.logits else activations.kernel_code(self.activation)
        # relu and linear (nearly every conv layer) fuse into the chunked passes
        fused = code in (act_k.LINEAR, act_k.RELU)
        relu = code == act_k.RELU
        step = chunk_samples(per_sample, max(depth, self.filters))

        def forward_block(worker, lo, hi):
            for b0 in range(lo, hi, step):
                b1 = min(b0 + step, hi)
                r0, r1 = b0 * per_sample, b1 * per_sample
                if not pointwise:
                    conv_k.im2col(x[b0:b1], *geometry, cols[r0:r1])
                np.matmul(cols[r0:r1], kernel2, out=z[r0:r1])
                if fused and (relu or self.use_bias):
                    conv_k.bias_relu_forward(z[r0:r1], bias, relu)

        parallel_for(forward_block, n)
        if fused:
            y = z
        else:
            y, activation_backward = self._activate(z, bias, ctx)
        out_shape = (n,) + ((oh, ow) if self.rank == 2 else (ow,)) + (self.filters,)
        no_dx = not ctx.need_dx
        need_dw = ctx.need_dw  # False: a frozen layer, no weight gradients

        def backward(dy):
            dy = np.ascontiguousarray(dy, dtype=dtype).reshape(z.shape)
            dz = ctx.buffer("dz", z.shape, dtype) if fused else activation_backward(dy)
            dx = None if no_dx else ctx.buffer("dx", x.shape, dtype)
            workers = n_workers(n)
            kgrads = ctx.buffer("kgrads", (workers,) + kernel2.shape, dtype)
            bgrads = ctx.buffer("bgrads", (workers, bias.shape[0] if need_dw else 0), dtype)
            kgrads.fill(0)
            bgrads.fill(0)

            def backward_block(worker, lo, hi):
                kgrad, bgrad = kgrads[worker], bgrads[worker]
                product = ctx.buffer(("kprod", worker), kernel2.shape, dtype)
                dcols = (None if no_dx or pointwise else
                         ctx.buffer(("dcols", worker), (step * per_sample, depth), dtype))
                for b0 in range(lo, hi, step):
                    b1 = min(b0 + step, hi)
                    r0, r1 = b0 * per_sample, b1 * per_sample
                    if fused:
                        conv_k.relu_backward_bias_grad(dy[r0:r1], y[r0:r1], relu, dz[r0:r1],
                                                       bgrad)
                    elif self.use_bias and need_dw:
                        act_k.column_sum_add(dz[r0:r1], bgrad)
                    if need_dw:
                        np.matmul(cols[r0:r1].T, dz[r0:r1], out=product)
                        kgrad += product
                    if no_dx:
                        continue
                    if pointwise:
                        np.matmul(dz[r0:r1], kernel2.T, out=dx.reshape(rows, in_ch)[r0:r1])
                    else:
                        np.matmul(dz[r0:r1], kernel2.T, out=dcols[:r1 - r0])
                        conv_k.col2im(dcols[:r1 - r0], *geometry, dx[b0:b1])

            parallel_for(backward_block, n, workers)
            if need_dw:
                self.kernel.grad.reshape(kernel2.shape)[...] += kgrads.sum(axis=0)
            if need_dw and self.use_bias:
                self.bias.grad += bgrads.sum(axis=0)
            return None if no_dx else dx.reshape(shape)

        return y.reshape(out_shape), backward

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, kernel_size=list(self.kernel_size),
                      strides=list(self.strides), padding=self.padding,
                      dilation_rate=list(self.dilation_rate), **self._kernel_config())
        return config


class Conv2D(_Conv):
    """2-D convolution over channels_last images ``(batch, height, width, channels)``.

    Parameters
    ----------
    filters : int
        Number of output channels.
    kernel_size : int or tuple of 2 ints
        Height and width of the convolution window.
    strides : int or tuple of 2 ints, default (1, 1)
    padding : {'valid', 'same'}, default 'valid'
        'same' pads so that the output has ``ceil(size / stride)`` positions,
        the smaller half of the padding before the image (Keras' split).
    data_format : None or 'channels_last'
        Only channels_last is supported.
    dilation_rate : int or tuple of 2 ints, default (1, 1)
    groups : int, default 1
        Only 1 is supported.
    activation : str, optional
        Activation name; None is linear.
    use_bias : bool, default True
    kernel_initializer, bias_initializer : str or Initializer
        Default ``'glorot_uniform'`` and ``'zeros'``, as in Keras.
    kernel_regularizer, bias_regularizer, activity_regularizer : optional
    kernel_constraint, bias_constraint : optional
        Constraints from ``skdeep.nn.constraints`` applied after each step.

    Weights are ``kernel`` of shape ``(kh, kw, in_channels, filters)`` and
    ``bias`` of shape ``(filters,)``, as in Keras.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import Conv2D
    >>> Conv2D(4, 3, padding="same", activation="relu")(np.ones((2, 8, 8, 1))).shape
    (2, 8, 8, 4)
    """

    rank = 2

    def __init__(self, filters: int, kernel_size: int | Sequence[int],
                 strides: int | Sequence[int] = (1, 1), padding: str = "valid",
                 data_format: str | None = None, dilation_rate: int | Sequence[int] = (1, 1),
                 groups: int = 1, activation: str | Callable[..., Any] | None = None,
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, **kwargs)


class Conv1D(_Conv):
    """1-D convolution over sequences ``(batch, steps, channels)``.

    Same parameters as :class:`Conv2D` with single integers, plus
    ``padding='causal'`` (output step t sees only inputs up to t). The kernel
    has shape ``(kernel_size, in_channels, filters)``, as in Keras.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import Conv1D
    >>> Conv1D(4, 3, padding="causal")(np.ones((2, 10, 3))).shape
    (2, 10, 4)
    """

    rank = 1

    def __init__(self, filters: int, kernel_size: int | Sequence[int],
                 strides: int | Sequence[int] = 1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate: int | Sequence[int] = 1,
                 groups: int = 1, activation: str | Callable[..., Any] | None = None,
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, **kwargs)


Convolution1D = Conv1D
Convolution2D = Conv2D
