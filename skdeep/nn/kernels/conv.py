"""Convolution kernels on channels_last images: im2col / col2im and fused bias + relu.

A convolution is a large matrix product: ``im2col`` lays every
receptive field of ``x`` (n, h, w, c) out as a row of ``cols``
(n * oh * ow, kh * kw * c), ordered (ky, kx, channel) so that it matches the
Keras kernel layout (kh, kw, c, filters) reshaped to (kh * kw * c, filters).
The caller multiplies with BLAS; ``col2im`` scatters the input gradient back.

Positions outside the image (padding) read as zero. A 1-D convolution is the
2-D one with ``h == kh == 1``.

Kernels are serial; the layers call them on chunks of samples from several
threads (see ``skdeep.nn.layers.conv.parallel_for``).
"""
from numba import njit

from . import JIT


@njit(**JIT)
def im2col(x, kh, kw, sh, sw, dh, dw, pad_top, pad_left, oh, ow, cols):
    """Write the receptive fields of ``x`` into ``cols``.

    x: (n, h, w, c) C-contiguous; cols: (n * oh * ow, kh * kw * c),
    C-contiguous, written entirely (zeros where a tap falls in the padding).
    ``sh, sw`` strides, ``dh, dw`` dilations, ``pad_top, pad_left`` the
    padding before the image.
    """
    n, h, w, c = x.shape
    src = x.reshape(-1)
    dst = cols.reshape(-1)
    depth = kh * kw * c
    span = kw * c
    for b in range(n):
        for oy in range(oh):
            for ox in range(ow):
                o = ((b * oh + oy) * ow + ox) * depth
                ix0 = ox * sw - pad_left
                # without dilation a kernel row inside the image is one contiguous
                # run of kw * c values: one straight copy loop (LLVM vectorises it;
                # an array-slice assignment costs ~10 s of first compile)
                whole_rows = dw == 1 and ix0 >= 0 and ix0 + kw <= w
                for ky in range(kh):
                    iy = oy * sh - pad_top + ky * dh
                    if iy < 0 or iy >= h:
                        dst[o:o + span] = 0.0
                        o += span
                    elif whole_rows:
                        s = ((b * h + iy) * w + ix0) * c
                        for q in range(span):
                            dst[o + q] = src[s + q]
                        o += span
                    else:
                        for kx in range(kw):
                            ix = ix0 + kx * dw
                            if ix >= 0 and ix < w:
                                s = ((b * h + iy) * w + ix) * c
                                for q in range(c):
                                    dst[o + q] = src[s + q]
                            else:
                                dst[o:o + c] = 0.0
                            o += c


@njit(**JIT)
def col2im(dcols, kh, kw, sh, sw, dh, dw, pad_top, pad_left, oh, ow, dx):
    """dx = the adjoint of :func:`im2col` applied to ``dcols`` (dx is overwritten).

    dcols: (n * oh * ow, kh * kw * c); dx: (n, h, w, c); both C-contiguous.
    """
    n, h, w, c = dx.shape
    dst = dx.reshape(-1)
    src = dcols.reshape(-1)
    depth = kh * kw * c
    span = kw * c
    dst[:] = 0.0
    for b in range(n):
        for oy in range(oh):
            for ox in range(ow):
                o = ((b * oh + oy) * ow + ox) * depth
                ix0 = ox * sw - pad_left
                whole_rows = dw == 1 and ix0 >= 0 and ix0 + kw <= w
                for ky in range(kh):
                    iy = oy * sh - pad_top + ky * dh
                    if iy < 0 or iy >= h:
                        o += span
                    elif whole_rows:
                        s = ((b * h + iy) * w + ix0) * c
                        dst[s:s + span] += src[o:o + span]
                        o += span
                    else:
                        for kx in range(kw):
                            ix = ix0 + kx * dw
                            if ix >= 0 and ix < w:
                                s = ((b * h + iy) * w + ix) * c
                                dst[s:s + c] += src[o:o + c]
                            o += c


@njit(**JIT)
def bias_relu_forward(z, bias, relu):
    """In place: z = z + bias (bias of shape (0,) for none), then max(z, 0) if ``relu``.

    z: (rows, filters). A branch-free specialisation of the generic
    activation kernel for the two activations of nearly every conv layer:
    it vectorises, and this pass runs over the largest tensors of a CNN.
    """
    rows, f = z.shape
    has_bias = bias.shape[0] > 0
    for r in range(rows):
        if has_bias:
            for j in range(f):
                z[r, j] += bias[j]
        if relu:
            for j in range(f):
                if z[r, j] < 0:
                    z[r, j] = 0.0


@njit(**JIT)
def relu_backward_bias_grad(dy, y, relu, dz, bias_grad):
    """dz = dy * (y > 0) (or dz = dy when not ``relu``) and bias_grad += column sums of dz.

    One pass for the activation derivative and the bias gradient. dy, y, dz:
    (rows, filters); bias_grad: (filters,) or (0,) for no bias.
    """
    rows, f = dy.shape
    has_bias = bias_grad.shape[0] > 0
    for r in range(rows):
        for j in range(f):
            dz[r, j] = dy[r, j]
        if relu:
            for j in range(f):
                if y[r, j] <= 0:
                    dz[r, j] = 0.0
        if has_bias:
            for j in range(f):
                bias_grad[j] += dz[r, j]
