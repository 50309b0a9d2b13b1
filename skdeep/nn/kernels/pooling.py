"""Pooling kernels on channels_last images (n, h, w, c); 1-D pooling uses h == 1.

Each forward is one pass that also records what the backward needs (the
position of each maximum, or nothing for averages); each backward is one
pass that writes the whole input gradient. Windows that reach into the
padding ignore it: a maximum is taken over the valid positions only and an
average divides by the number of valid positions, as Keras does.
"""
from numba import njit

from . import JIT


@njit(**JIT)
def max_pool_forward(x, ph, pw, sh, sw, pad_top, pad_left, y, argmax):
    """y = window maxima of x; argmax[b, oy, ox, c] = iy * w + ix of the maximum.

    x: (n, h, w, c); y: (n, oh, ow, c); argmax: int32 (n, oh, ow, c). The
    first maximum in row-major window order wins (ties), as TensorFlow. The
    channel loops run over 1-D rows with branch-free selects, so that they
    vectorise (2x faster than a compare-and-branch per value).
    """
    n, h, w, c = x.shape
    oh, ow = y.shape[1], y.shape[2]
    for b in range(n):
        for oy in range(oh):
            y0 = oy * sh - pad_top
            ylo, yhi = max(y0, 0), min(y0 + ph, h)
            for ox in range(ow):
                x0 = ox * sw - pad_left
                xlo, xhi = max(x0, 0), min(x0 + pw, w)
                yr = y[b, oy, ox]
                ar = argmax[b, oy, ox]
                xr = x[b, ylo, xlo]
                first = ylo * w + xlo
                for ch in range(c):
                    yr[ch] = xr[ch]
                    ar[ch] = first
                for iy in range(ylo, yhi):
                    for ix in range(xlo, xhi):
                        k = iy * w + ix
                        if k == first:
                            continue
                        xr = x[b, iy, ix]
                        for ch in range(c):
                            v = xr[ch]
                            cur = yr[ch]
                            gt = v > cur
                            yr[ch] = v if gt else cur
                            ar[ch] = k if gt else ar[ch]


@njit(**JIT)
def max_pool_backward(dy, argmax, dx):
    """dx = dy routed to the recorded maxima (dx: (n, h, w, c), overwritten)."""
    n, h, w, c = dx.shape
    oh, ow = dy.shape[1], dy.shape[2]
    for b in range(n):
        dx[b] = 0.0
        for oy in range(oh):
            for ox in range(ow):
                for ch in range(c):
                    k = argmax[b, oy, ox, ch]
                    dx[b, k // w, k % w, ch] += dy[b, oy, ox, ch]


@njit(**JIT)
def avg_pool_forward(x, ph, pw, sh, sw, pad_top, pad_left, y):
    """y = window means of x over the valid positions. x: (n, h, w, c); y: (n, oh, ow, c)."""
    n, h, w, c = x.shape
    oh, ow = y.shape[1], y.shape[2]
    for b in range(n):
        for oy in range(oh):
            y0 = oy * sh - pad_top
            ylo, yhi = max(y0, 0), min(y0 + ph, h)
            for ox in range(ow):
                x0 = ox * sw - pad_left
                xlo, xhi = max(x0, 0), min(x0 + pw, w)
                for ch in range(c):
                    y[b, oy, ox, ch] = 0.0
                for iy in range(ylo, yhi):
                    for ix in range(xlo, xhi):
                        for ch in range(c):
                            y[b, oy, ox, ch] += x[b, iy, ix, ch]
                inv = 1.0 / ((yhi - ylo) * (xhi - xlo))
                for ch in range(c):
                    y[b, oy, ox, ch] *= inv


@njit(**JIT)
def avg_pool_backward(dy, ph, pw, sh, sw, pad_top, pad_left, dx):
    """dx = the adjoint of :func:`avg_pool_forward` applied to dy (overwritten)."""
    n, h, w, c = dx.shape
    oh, ow = dy.shape[1], dy.shape[2]
    for b in range(n):
        dx[b] = 0.0
        for oy in range(oh):
            y0 = oy * sh - pad_top
            ylo, yhi = max(y0, 0), min(y0 + ph, h)
            for ox in range(ow):
                x0 = ox * sw - pad_left
                xlo, xhi = max(x0, 0), min(x0 + pw, w)
                inv = 1.0 / ((yhi - ylo) * (xhi - xlo))
                for iy in range(ylo, yhi):
                    for ix in range(xlo, xhi):
                        for ch in range(c):
                            dx[b, iy, ix, ch] += dy[b, oy, ox, ch] * inv


@njit(**JIT)
def global_max_forward(x, y, argmax):
    """y[b, c] = max over steps of x[b, :, c]; argmax[b, c] its first step.

    x: (n, steps, c); y: (n, c); argmax: int32 (n, c).
    """
    n, steps, c = x.shape
    for b in range(n):
        for ch in range(c):
            y[b, ch] = x[b, 0, ch]
            argmax[b, ch] = 0
        for t in range(1, steps):
            for ch in range(c):
                v = x[b, t, ch]
                if v > y[b, ch]:
                    y[b, ch] = v
                    argmax[b, ch] = t


@njit(**JIT)
def global_max_backward(dy, argmax, dx):
    """dx (n, steps, c) = dy (n, c) placed at the recorded maxima (overwritten)."""
    n, steps, c = dx.shape
    dx[...] = 0.0
    for b in range(n):
        for ch in range(c):
            dx[b, argmax[b, ch], ch] = dy[b, ch]


@njit(**JIT)
def global_avg_forward(x, weights, y):
    """y[b, c] = sum_t weights[b, t] * x[b, t, c] / sum_t weights[b, t].

    x: (n, steps, c); weights: (n, steps) 0/1 mask as floats, or (0, 0) for
    a plain mean; y: (n, c). A sample whose mask is all zero gets zeros.
    """
    n, steps, c = x.shape
    masked = weights.shape[0] > 0
    for b in range(n):
        for ch in range(c):
            y[b, ch] = 0.0
        count = 0.0
        for t in range(steps):
            wt = weights[b, t] if masked else 1.0
            if wt == 0.0:
                continue
            count += wt
            for ch in range(c):
                y[b, ch] += wt * x[b, t, ch]
        inv = 1.0 / count if count > 0 else 0.0
        for ch in range(c):
            y[b, ch] *= inv


@njit(**JIT)
def global_avg_backward(dy, weights, dx):
    """dx = the adjoint of :func:`global_avg_forward` applied to dy (overwritten)."""
    n, steps, c = dx.shape
    masked = weights.shape[0] > 0
    for b in range(n):
        count = 0.0
        for t in range(steps):
            count += weights[b, t] if masked else 1.0
        inv = 1.0 / count if count > 0 else 0.0
        for t in range(steps):
            scale = (weights[b, t] if masked else 1.0) * inv
            for ch in range(c):
                dx[b, t, ch] = dy[b, ch] * scale


@njit(**JIT)
def max_pool_backward_tiled(dy, argmax, ph, pw, dx):
    """:func:`max_pool_backward` for windows that tile the input (stride == pool,
    no padding): each input position is written once, without a zero-fill pass."""
    n, h, w, c = dx.shape
    oh, ow = dy.shape[1], dy.shape[2]
    for b in range(n):
        for oy in range(oh):
            for ox in range(ow):
                for iy in range(oy * ph, oy * ph + ph):
                    for ix in range(ox * pw, ox * pw + pw):
                        k = iy * w + ix
                        for ch in range(c):
                            dx[b, iy, ix, ch] = 0.0
                            if argmax[b, oy, ox, ch] == k:
                                dx[b, iy, ix, ch] = dy[b, oy, ox, ch]
        # rows and columns left over when the size is not a multiple of the pool
        for iy in range(oh * ph, h):
            dx[b, iy] = 0.0
        for iy in range(oh * ph):
            for ix in range(ow * pw, w):
                dx[b, iy, ix] = 0.0
