"""Depthwise and separable convolutions (channels_last): DepthwiseConv1D/2D,
SeparableConv1D/2D.

A depthwise convolution filters each input channel on its own
(``kernels.depthwise``, direct loops on blocks of samples); a separable one
follows it with a pointwise (1x1) convolution, one BLAS product. 1-D layers
run as height-1 images. Weight layouts are Keras 3's: DepthwiseConv2D
``kernel (kh, kw, in_channels, depth_multiplier)`` and ``bias (in_channels *
depth_multiplier,)``; SeparableConv2D ``depthwise_kernel``, ``pointwise_kernel
(1, 1, in_channels * depth_multiplier, filters)`` and ``bias (filters,)``.
"""
import numpy as np

from .. import activations, constraints, initializers, regularizers
from ..kernels import activations as act_k
from ..kernels import depthwise as dw_k
from .base import Layer
from .conv import (
    check_data_format,
    conv_geometry,
    n_workers,
    normalize_padding,
    normalize_tuple,
    output_length,
    parallel_for,
)
from .core import ActivationMixin


def _positive_int(value, what, who):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{who} {what} must be a positive integer, got {value!r}")
    return int(value)


class _DepthwiseBase(ActivationMixin, Layer):
    """Arguments, geometry and the depthwise pass shared by the four layers."""

    rank = 2

    def _set_conv_args(self, kernel_size, strides, padding, data_format, dilation_rate,
                       depth_multiplier, activation, use_bias, depthwise_initializer,
                       bias_initializer, depthwise_regularizer, bias_regularizer,
                       activity_regularizer, depthwise_constraint, bias_constraint):
        who = type(self).__name__
        check_data_format(data_format, who)
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size", who)
        self.strides = normalize_tuple(strides, self.rank, "strides", who)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate", who)
        self.padding = normalize_padding(padding, who)
        self.depth_multiplier = _positive_int(depth_multiplier, "depth_multiplier", who)
        self.activation = activation
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def _check_input_shape(self, input_shape):
        if len(input_shape) != self.rank + 2 or input_shape[-1] is None:
            axes = "steps" if self.rank == 1 else "height, width"
            raise ValueError(f"{type(self).__name__} layer '{self.name}' expects inputs of rank "
                             f"{self.rank + 2} (batch, {axes}, channels) with a known channel "
                             f"count, got shape {tuple(input_shape)}")

    def _out_channels(self, in_channels):
        return in_channels * self.depth_multiplier

    def compute_output_shape(self, input_shape):
        self._check_input_shape(input_shape)
        spatial = tuple(output_length(s, k, st, d, self.padding) for s, k, st, d in
                        zip(input_shape[1:-1], self.kernel_size, self.strides,
                            self.dilation_rate))
        if any(s == 0 for s in spatial):
            raise ValueError(f"Layer '{self.name}': input shape {tuple(input_shape)} is smaller "
                             f"than the kernel {self.kernel_size} with padding='valid'")
        return (input_shape[0],) + spatial + (self._out_channels(int(input_shape[-1])),)

    def _add_depthwise(self, name, in_channels):
        return self.add_weight(name, self.kernel_size + (in_channels, self.depth_multiplier),
                               self.depthwise_initializer, self.depthwise_regularizer,
                               constraint=self.depthwise_constraint)

    def _add_bias(self, units):
        return (self.add_weight("bias", (units,), self.bias_initializer, self.bias_regularizer,
                                constraint=self.bias_constraint) if self.use_bias else None)

    def _depthwise(self, inputs, weight, ctx):
        """The depthwise pass: returns (z (rows, c * dm), output shape, backward(dz) -> dx)."""
        kernel = np.ascontiguousarray(weight.value)
        dtype = kernel.dtype
        shape = inputs.shape
        in_ch = kernel.shape[-2]
        if inputs.ndim != self.rank + 2 or shape[-1] != in_ch:
            raise ValueError(f"Layer '{self.name}' expects inputs of shape (batch, "
                             f"{'steps' if self.rank == 1 else 'height, width'}, {in_ch}), got "
                             f"{shape}")
        x = np.ascontiguousarray(inputs, dtype=dtype)
        if self.rank == 1:
            x = x.reshape(shape[0], 1, shape[1], shape[2])
            kernel = kernel.reshape((1,) + kernel.shape)
        n, h, w, _ = x.shape
        (kh, kw), (sh, sw), (dh, dw) = [(1,) * (2 - self.rank) + t for t in
                                        (self.kernel_size, self.strides, self.dilation_rate)]
        oh, pt = conv_geometry(h, kh, sh, dh, self.padding)
        ow, pl = conv_geometry(w, kw, sw, dw, self.padding)
        if oh < 1 or ow < 1:
            raise ValueError(f"Layer '{self.name}': input of shape {shape} is smaller than the "
                             f"kernel {self.kernel_size} with padding='{self.padding}'")
        out_ch = in_ch * self.depth_multiplier
        z = ctx.buffer("dw_z", (n, oh, ow, out_ch), dtype)
        geometry = (sh, sw, dh, dw, pt, pl)
        parallel_for(lambda worker, lo, hi: dw_k.depthwise_forward(
            x[lo:hi], kernel, *geometry, z[lo:hi]), n, blas=False)
        out_shape = (n,) + ((oh, ow) if self.rank == 2 else (ow,)) + (out_ch,)
        no_dx = not ctx.need_dx
        need_dw = ctx.need_dw  # False: a frozen layer, no kernel gradient

        def backward(dz):
            dz = np.ascontiguousarray(dz, dtype=dtype).reshape(z.shape)
            dx = ctx.buffer("dw_dx", x.shape, dtype) if not no_dx else x[:0]
            workers = n_workers(n)
            kgrads = ctx.buffer("dw_kgrads", (workers,) + kernel.shape, dtype)
            kgrads.fill(0)

            def block(worker, lo, hi):
                dw_k.depthwise_backward(x[lo:hi], kernel, dz[lo:hi], *geometry,
                                        dx if no_dx else dx[lo:hi], kgrads[worker], not no_dx,
                                        need_dw)

            parallel_for(block, n, workers, blas=False)
            if need_dw:
                grad = weight.grad.reshape(kernel.shape)
                if workers == 1:
                    grad += kgrads[0]
                else:
                    np.add(grad, kgrads.sum(axis=0), out=grad)
            return None if no_dx else dx.reshape(shape)

        return z.reshape(-1, out_ch), out_shape, backward

    def _finish(self, z, bias_weight, ctx):
        """Bias + activation on the 2-D ``z``: returns (y, backward(dy) -> dz)."""
        bias = bias_weight.value if bias_weight is not None else np.zeros(0, z.dtype)
        y, activation_backward = self._activate(z, bias, ctx)

        need_dw = ctx.need_dw

        def backward(dy):
            dz = activation_backward(np.ascontiguousarray(dy, dtype=z.dtype).reshape(z.shape))
            if bias_weight is not None and need_dw:
                act_k.column_sum_add(dz, bias_weight.grad)
            return dz

        return y, backward

    def _conv_config(self):
        return {"kernel_size": list(self.kernel_size), "strides": list(self.strides),
                "padding": self.padding, "data_format": "channels_last",
                "dilation_rate": list(self.dilation_rate),
                "depth_multiplier": self.depth_multiplier,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint)}


class _DepthwiseConv(_DepthwiseBase):
    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self._set_conv_args(kernel_size, strides, padding, data_format, dilation_rate,
                            depth_multiplier, activation, use_bias, depthwise_initializer,
                            bias_initializer, depthwise_regularizer, bias_regularizer,
                            activity_regularizer, depthwise_constraint, bias_constraint)

    def build(self, input_shape):
        self._check_input_shape(input_shape)
        in_ch = int(input_shape[-1])
        # Keras 3 names this weight 'kernel' (Keras 2 called it 'depthwise_kernel')
        self.kernel = self._add_depthwise("kernel", in_ch)
        self.bias = self._add_bias(self._out_channels(in_ch))
        self.built = True

    @property
    def depthwise_kernel(self):
        return self.kernel

    def forward(self, inputs, ctx):
        z, out_shape, depthwise_backward = self._depthwise(inputs, self.kernel, ctx)
        y, finish_backward = self._finish(z, self.bias, ctx)
        return y.reshape(out_shape), lambda dy: depthwise_backward(finish_backward(dy))

    def get_config(self):
        config = super().get_config()
        config.update(self._conv_config())
        return config


class DepthwiseConv2D(_DepthwiseConv):
    """Depthwise 2-D convolution: each input channel convolved with its own
    ``depth_multiplier`` filters (channels_last images).

    Parameters
    ----------
    kernel_size : int or tuple of 2 ints
    strides : int or tuple of 2 ints, default (1, 1)
    padding : {'valid', 'same'}, default 'valid'
        As :class:`Conv2D` (Keras' split of the 'same' padding).
    depth_multiplier : int, default 1
        Output channels per input channel; output channel ``c *
        depth_multiplier + m`` is filter ``m`` of input channel ``c``.
    data_format : None or 'channels_last'
    dilation_rate : int or tuple of 2 ints, default (1, 1)
    activation : str, optional
    use_bias : bool, default True
    depthwise_initializer, bias_initializer : default 'glorot_uniform', 'zeros'
    depthwise_regularizer, bias_regularizer, activity_regularizer : optional
    depthwise_constraint, bias_constraint : optional

    Weights are ``kernel`` of shape ``(kh, kw, in_channels, depth_multiplier)``
    (Keras 3's name; also reachable as ``depthwise_kernel``) and ``bias`` of
    shape ``(in_channels * depth_multiplier,)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import DepthwiseConv2D
    >>> layer = DepthwiseConv2D(3, depth_multiplier=2, padding="same")
    >>> layer(np.ones((1, 5, 5, 3))).shape
    (1, 5, 5, 6)
    >>> layer.kernel.shape
    (3, 3, 3, 2)
    """

    rank = 2

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, depthwise_initializer,
                         bias_initializer, depthwise_regularizer, bias_regularizer,
                         activity_regularizer, depthwise_constraint, bias_constraint, **kwargs)


class DepthwiseConv1D(_DepthwiseConv):
    """Depthwise 1-D convolution over sequences ``(batch, steps, channels)``.

    Same parameters as :class:`DepthwiseConv2D` with single integers; the
    kernel has shape ``(kernel_size, in_channels, depth_multiplier)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import DepthwiseConv1D
    >>> DepthwiseConv1D(3)(np.ones((2, 7, 4))).shape
    (2, 5, 4)
    """

    rank = 1


class _SeparableConv(_DepthwiseBase):
    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        who = type(self).__name__
        self.filters = _positive_int(filters, "filters", who)
        self._set_conv_args(kernel_size, strides, padding, data_format, dilation_rate,
                            depth_multiplier, activation, use_bias, depthwise_initializer,
                            bias_initializer, depthwise_regularizer, bias_regularizer,
                            activity_regularizer, depthwise_constraint, bias_constraint)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def _out_channels(self, in_channels):
        return self.filters

    def build(self, input_shape):
        self._check_input_shape(input_shape)
        in_ch = int(input_shape[-1])
        self.depthwise_kernel = self._add_depthwise("depthwise_kernel", in_ch)
        shape = (1,) * self.rank + (in_ch * self.depth_multiplier, self.filters)
        self.pointwise_kernel = self.add_weight("pointwise_kernel", shape,
                                                self.pointwise_initializer,
                                                self.pointwise_regularizer,
                                                constraint=self.pointwise_constraint)
        self.bias = self._add_bias(self.filters)
        self.built = True

    def forward(self, inputs, ctx):
        d, out_shape, depthwise_backward = self._depthwise(inputs, self.depthwise_kernel, ctx)
        pointwise = self.pointwise_kernel.value.reshape(d.shape[1], self.filters)
        z = ctx.buffer("pw_z", (d.shape[0], self.filters), d.dtype)
        np.matmul(d, pointwise, out=z)
        y, finish_backward = self._finish(z, self.bias, ctx)

        need_dw = ctx.need_dw

        def backward(dy):
            dz = finish_backward(dy)
            if need_dw:
                self.pointwise_kernel.grad.reshape(pointwise.shape)[...] += d.T @ dz
            dd = ctx.buffer("pw_dd", d.shape, d.dtype)
            np.matmul(dz, pointwise.T, out=dd)
            return depthwise_backward(dd)

        return y.reshape(out_shape[:-1] + (self.filters,)), backward

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, **self._conv_config())
        config.update(
            pointwise_initializer=initializers.serialize(self.pointwise_initializer),
            pointwise_regularizer=regularizers.serialize(self.pointwise_regularizer),
            pointwise_constraint=constraints.serialize(self.pointwise_constraint))
        return config


class SeparableConv2D(_SeparableConv):
    """Depthwise separable 2-D convolution: a :class:`DepthwiseConv2D`
    (no bias) followed by a 1x1 convolution to ``filters`` channels, then the
    bias and activation.

    Parameters are those of :class:`Conv2D` plus ``depth_multiplier``,
    ``depthwise_*`` and ``pointwise_*`` initializers, regularizers and
    constraints. Weights: ``depthwise_kernel (kh, kw, in_channels,
    depth_multiplier)``, ``pointwise_kernel (1, 1, in_channels *
    depth_multiplier, filters)``, ``bias (filters,)``, as in Keras.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import SeparableConv2D
    >>> layer = SeparableConv2D(4, 3)
    >>> layer(np.ones((1, 5, 5, 3))).shape
    (1, 3, 3, 4)
    >>> [w.shape for w in layer.weights]
    [(3, 3, 3, 1), (1, 1, 3, 4), (4,)]
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         depth_multiplier, activation, use_bias, depthwise_initializer,
                         pointwise_initializer, bias_initializer, depthwise_regularizer,
                         pointwise_regularizer, bias_regularizer, activity_regularizer,
                         depthwise_constraint, pointwise_constraint, bias_constraint, **kwargs)


class SeparableConv1D(_SeparableConv):
    """Depthwise separable 1-D convolution over sequences (see :class:`SeparableConv2D`).

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import SeparableConv1D
    >>> SeparableConv1D(4, 3, padding="same")(np.ones((2, 6, 3))).shape
    (2, 6, 4)
    """

    rank = 1


SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
