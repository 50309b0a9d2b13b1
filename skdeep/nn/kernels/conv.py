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

The inner loops index 1-D row views with the loop counter itself
(``d[q] = s[q]``, ``for q in range(n)``): Numba then knows that the index is
non-negative, drops its negative-index wraparound and LLVM vectorises the
loop. Computed flat offsets (``dst[o + q]``) kept every loop scalar: im2col
ran 9x and col2im 3-6x slower, the relu passes 7x (measured, one core).
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
    span = kw * c
    x3 = x.reshape(n, h, w * c)
    for b in range(n):
        for oy in range(oh):
            for ox in range(ow):
                row = cols[(b * oh + oy) * ow + ox]
                ix0 = ox * sw - pad_left
                # without dilation a kernel row inside the image is one contiguous
                # run of kw * c values: one straight copy loop
                whole_rows = dw == 1 and ix0 >= 0 and ix0 + kw <= w
                for ky in range(kh):
                    iy = oy * sh - pad_top + ky * dh
                    d = row[ky * span:(ky + 1) * span]
                    if iy < 0 or iy >= h:
                        for q in range(span):
                            d[q] = 0.0
                    elif whole_rows:
                        src = x3[b, iy, ix0 * c:ix0 * c + span]
                        for q in range(span):
                            d[q] = src[q]
                    else:
                        for kx in range(kw):
                            ix = ix0 + kx * dw
                            dk = d[kx * c:(kx + 1) * c]
                            if ix >= 0 and ix < w:
                                src = x3[b, iy, ix * c:(ix + 1) * c]
                                for q in range(c):
                                    dk[q] = src[q]
                            else:
                                for q in range(c):
                                    dk[q] = 0.0


@njit(**JIT)
def col2im(dcols, kh, kw, sh, sw, dh, dw, pad_top, pad_left, oh, ow, dx):
    """dx = the adjoint of :func:`im2col` applied to ``dcols`` (dx is overwritten).

    dcols: (n * oh * ow, kh * kw * c); dx: (n, h, w, c); both C-contiguous.
    """
    n, h, w, c = dx.shape
    span = kw * c
    x3 = dx.reshape(n, h, w * c)
    flat = dx.reshape(-1)
    for i in range(flat.shape[0]):
        flat[i] = 0.0
    for b in range(n):
        for oy in range(oh):
            for ox in range(ow):
                row = dcols[(b * oh + oy) * ow + ox]
                ix0 = ox * sw - pad_left
                whole_rows = dw == 1 and ix0 >= 0 and ix0 + kw <= w
                for ky in range(kh):
                    iy = oy * sh - pad_top + ky * dh
                    if iy < 0 or iy >= h:
                        continue
                    d = row[ky * span:(ky + 1) * span]
                    if whole_rows:
                        dst = x3[b, iy, ix0 * c:ix0 * c + span]
                        for q in range(span):
                            dst[q] += d[q]
                    else:
                        for kx in range(kw):
                            ix = ix0 + kx * dw
                            if ix >= 0 and ix < w:
                                dk = d[kx * c:(kx + 1) * c]
                                dst = x3[b, iy, ix * c:(ix + 1) * c]
                                for q in range(c):
                                    dst[q] += dk[q]


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
        zr = z[r]
        if has_bias and relu:
            for j in range(f):
                v = zr[j] + bias[j]
                zr[j] = v if v > 0 else 0.0
        elif has_bias:
            for j in range(f):
                zr[j] += bias[j]
        elif relu:
            for j in range(f):
                v = zr[j]
                zr[j] = v if v > 0 else 0.0


@njit(**JIT)
def relu_backward_bias_grad(dy, y, relu, dz, bias_grad):
    """dz = dy * (y > 0) (or dz = dy when not ``relu``) and bias_grad += column sums of dz.

    One pass for the activation derivative and the bias gradient. dy, y, dz:
    (rows, filters); bias_grad: (filters,) or (0,) for no bias.
    """
    rows, f = dy.shape
    has_bias = bias_grad.shape[0] > 0
    for r in range(rows):
        dyr, yr, dzr = dy[r], y[r], dz[r]
        if relu:
            for j in range(f):
                dzr[j] = dyr[j] if yr[j] > 0 else 0.0
        else:
            for j in range(f):
                dzr[j] = dyr[j]
        if has_bias:
            for j in range(f):
                bias_grad[j] += dzr[j]
