"""Depthwise convolution kernels on channels_last images.

Each input channel ``c`` is convolved with its own ``depth_multiplier``
filters; output channel ``c * depth_multiplier + m`` holds filter ``m`` of
channel ``c`` (Keras' and TensorFlow's order). A depthwise convolution has
too little work per output for im2col + BLAS to pay, so these are direct
loops whose innermost loop runs over the contiguous channel axis.

Shapes: x (n, h, w, c); kernel (kh, kw, c, dm); y / dy (n, oh, ow, c * dm);
all C-contiguous. ``sh, sw`` strides, ``dh, dw`` dilations, ``pad_top,
pad_left`` the padding before the image; taps in the padding read as zero.
Kernels are serial; the layer runs them on blocks of samples from several
threads.
"""
from numba import njit

from . import JIT


@njit(**JIT)
def depthwise_forward(x, kernel, sh, sw, dh, dw, pad_top, pad_left, y):
    """y = depthwise convolution of x (y is overwritten)."""
    n, h, w, c = x.shape
    kh, kw, _, dm = kernel.shape
    oh, ow = y.shape[1], y.shape[2]
    for b in range(n):
        for oy in range(oh):
            for ox in range(ow):
                out = y[b, oy, ox]
                out[:] = 0.0
                for ky in range(kh):
                    iy = oy * sh - pad_top + ky * dh
                    if iy < 0 or iy >= h:
                        continue
                    for kx in range(kw):
                        ix = ox * sw - pad_left + kx * dw
                        if ix < 0 or ix >= w:
                            continue
                        xv = x[b, iy, ix]
                        kv = kernel[ky, kx]
                        if dm == 1:
                            for ch in range(c):
                                out[ch] += xv[ch] * kv[ch, 0]
                        else:
                            for ch in range(c):
                                for m in range(dm):
                                    out[ch * dm + m] += xv[ch] * kv[ch, m]


@njit(**JIT)
def depthwise_backward(x, kernel, dy, sh, sw, dh, dw, pad_top, pad_left, dx, kernel_grad,
                       need_dx, need_dw):
    """dx = input gradient (overwritten when ``need_dx``); kernel_grad += kernel
    gradient (when ``need_dw``).

    ``kernel_grad`` has the kernel's shape and is C-contiguous. With
    ``depth_multiplier == 1`` the channel loops are plain unit-stride loops
    over flat rows (LLVM vectorises them); the general case loops over the
    multiplier inside each channel.
    """
    n, h, w, c = x.shape
    kh, kw, _, dm = kernel.shape
    oh, ow = dy.shape[1], dy.shape[2]
    cd = c * dm
    k = kernel.reshape(kh * kw, cd)
    kg = kernel_grad.reshape(kh * kw, cd)
    if need_dx:
        dx[:] = 0.0
    for b in range(n):
        for oy in range(oh):
            for ox in range(ow):
                g = dy[b, oy, ox]
                for ky in range(kh):
                    iy = oy * sh - pad_top + ky * dh
                    if iy < 0 or iy >= h:
                        continue
                    for kx in range(kw):
                        ix = ox * sw - pad_left + kx * dw
                        if ix < 0 or ix >= w:
                            continue
                        xv = x[b, iy, ix]
                        kgv = kg[ky * kw + kx]
                        kv = k[ky * kw + kx]
                        if dm == 1:
                            if need_dw:
                                for ch in range(c):
                                    kgv[ch] += xv[ch] * g[ch]
                            if need_dx:
                                dxv = dx[b, iy, ix]
                                for ch in range(c):
                                    dxv[ch] += kv[ch] * g[ch]
                        else:
                            for ch in range(c if need_dw else 0):
                                xc = xv[ch]
                                for m in range(dm):
                                    kgv[ch * dm + m] += xc * g[ch * dm + m]
                            if need_dx:
                                dxv = dx[b, iy, ix]
                                for ch in range(c):
                                    acc = 0.0
                                    for m in range(dm):
                                        acc += kv[ch * dm + m] * g[ch * dm + m]
                                    dxv[ch] += acc
