"""Convolution kernels on channels_last images: im2col / col2im and direct paths.

A convolution is one large matrix product per batch: ``im2col`` lays every
receptive field of ``x`` (n, h, w, c) out as a row of ``cols``
(n * oh * ow, kh * kw * c), ordered (ky, kx, channel) so that it matches the
Keras kernel layout (kh, kw, c, filters) reshaped to (kh * kw * c, filters).
The caller multiplies with BLAS; ``col2im`` scatters the input gradient back.

Positions outside the image (padding) read as zero. A 1-D convolution is the
2-D one with ``h == kh == 1``.

The loops run over the batch with ``prange``: copying receptive fields is
memory-bound and each sample's rows are disjoint, so two threads help even
between BLAS calls (measured in benchmarks/cnn.py, see the module of the
layer for the numbers).
"""
import numpy as np
from numba import njit, prange

from . import JIT

PAR = dict(JIT, parallel=True)


@njit(**PAR)
def im2col(x, kh, kw, sh, sw, dh, dw, pad_top, pad_left, oh, ow, cols):
    """Write the receptive fields of ``x`` into ``cols``.

    x: (n, h, w, c) C-contiguous; cols: (n * oh * ow, kh * kw * c), written
    entirely (zeros where a tap falls in the padding). ``sh, sw`` strides,
    ``dh, dw`` dilations, ``pad_top, pad_left`` the padding before the image.
    """
    n, h, w, c = x.shape
    for b in prange(n):
        for oy in range(oh):
            for ox in range(ow):
                r = (b * oh + oy) * ow + ox
                col = 0
                for ky in range(kh):
                    iy = oy * sh - pad_top + ky * dh
                    for kx in range(kw):
                        ix = ox * sw - pad_left + kx * dw
                        if iy >= 0 and iy < h and ix >= 0 and ix < w:
                            for ch in range(c):
                                cols[r, col + ch] = x[b, iy, ix, ch]
                        else:
                            for ch in range(c):
                                cols[r, col + ch] = 0.0
                        col += c


@njit(**PAR)
def col2im(dcols, kh, kw, sh, sw, dh, dw, pad_top, pad_left, oh, ow, dx):
    """dx = the adjoint of :func:`im2col` applied to ``dcols`` (dx is overwritten).

    dcols: (n * oh * ow, kh * kw * c); dx: (n, h, w, c).
    """
    n, h, w, c = dx.shape
    for b in prange(n):
        dx[b] = 0.0
        for oy in range(oh):
            for ox in range(ow):
                r = (b * oh + oy) * ow + ox
                col = 0
                for ky in range(kh):
                    iy = oy * sh - pad_top + ky * dh
                    for kx in range(kw):
                        ix = ox * sw - pad_left + kx * dw
                        if iy >= 0 and iy < h and ix >= 0 and ix < w:
                            for ch in range(c):
                                dx[b, iy, ix, ch] += dcols[r, col + ch]
                        col += c


@njit(**PAR)
def conv_single_channel_forward(x, kernel, kh, kw, sh, sw, dh, dw, pad_top, pad_left, oh, ow,
                                z):
    """Direct convolution of a one-channel image: z = conv(x, kernel) (no bias).

    x: (n, h, w, 1); kernel: (kh * kw, filters); z: (n * oh * ow, filters),
    overwritten. With a single input channel im2col rows are only kh * kw
    long, too short for BLAS to reach speed; here the filter axis is the
    contiguous (vectorised) one.
    """
    n, h, w, _ = x.shape
    f = kernel.shape[1]
    for b in prange(n):
        for oy in range(oh):
            for ox in range(ow):
                r = (b * oh + oy) * ow + ox
                for j in range(f):
                    z[r, j] = 0.0
                for ky in range(kh):
                    iy = oy * sh - pad_top + ky * dh
                    if iy < 0 or iy >= h:
                        continue
                    for kx in range(kw):
                        ix = ox * sw - pad_left + kx * dw
                        if ix < 0 or ix >= w:
                            continue
                        v = x[b, iy, ix, 0]
                        t = ky * kw + kx
                        for j in range(f):
                            z[r, j] += v * kernel[t, j]
