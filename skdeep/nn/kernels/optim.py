"""Fused optimizer steps over flat parameter / gradient buffers (Keras 3 formulas).

Every kernel updates ``p`` (and its slot buffers) in place; ``g`` is read only.
All arrays are 1-D, contiguous and of the same dtype. Scalars are cast to
that dtype first, as Keras casts hyperparameters to the variables' dtype, so
float32 updates stay in float32 and vectorize.
"""
import math

import numpy as np
from numba import njit

from . import JIT


@njit(**JIT)
def sgd_step(p, g, m, lr, momentum, nesterov):
    """Plain or momentum SGD; ``m`` is the velocity (unused when momentum == 0)."""
    t = p.dtype.type
    lr_, mom = t(lr), t(momentum)
    if momentum == 0.0:
        for i in range(p.shape[0]):
            p[i] -= lr_ * g[i]
    elif nesterov:
        for i in range(p.shape[0]):
            v = mom * m[i] - lr_ * g[i]
            m[i] = v
            p[i] += mom * v - lr_ * g[i]
    else:
        for i in range(p.shape[0]):
            v = mom * m[i] - lr_ * g[i]
            m[i] = v
            p[i] += v


@njit(**JIT)
def adam_step(p, g, m, v, vhat, alpha, beta_1, beta_2, epsilon, amsgrad):
    """Adam with the bias correction folded into ``alpha``; ``vhat`` for AMSGrad."""
    t = p.dtype.type
    one_b1, one_b2, a, eps = t(1.0 - beta_1), t(1.0 - beta_2), t(alpha), t(epsilon)
    if not amsgrad:
        for i in range(p.shape[0]):
            gi = g[i]
            mi = m[i] + (gi - m[i]) * one_b1
            vi = v[i] + (gi * gi - v[i]) * one_b2
            m[i] = mi
            v[i] = vi
            p[i] -= a * mi / (np.sqrt(vi) + eps)
    else:
        for i in range(p.shape[0]):
            gi = g[i]
            mi = m[i] + (gi - m[i]) * one_b1
            vi = v[i] + (gi * gi - v[i]) * one_b2
            m[i] = mi
            v[i] = vi
            vh = max(vhat[i], vi)
            vhat[i] = vh
            p[i] -= a * mi / (np.sqrt(vh) + eps)


@njit(**JIT)
def rmsprop_step(p, g, velocity, momentum_buf, average_grad, lr, rho, momentum, epsilon,
                 centered):
    t = p.dtype.type
    lr_, rho_, one_rho, mom, eps = t(lr), t(rho), t(1.0 - rho), t(momentum), t(epsilon)
    for i in range(p.shape[0]):
        gi = g[i]
        vel = rho_ * velocity[i] + one_rho * gi * gi
        velocity[i] = vel
        if centered:
            avg = rho_ * average_grad[i] + one_rho * gi
            average_grad[i] = avg
            denom = vel - avg * avg + eps
        else:
            denom = vel + eps
        inc = lr_ * gi / np.sqrt(denom)
        if momentum > 0.0:
            mo = mom * momentum_buf[i] + inc
            momentum_buf[i] = mo
            p[i] -= mo
        else:
            p[i] -= inc


@njit(**JIT)
def adagrad_step(p, g, accumulator, lr, epsilon):
    t = p.dtype.type
    lr_, eps = t(lr), t(epsilon)
    for i in range(p.shape[0]):
        gi = g[i]
        acc = accumulator[i] + gi * gi
        accumulator[i] = acc
        p[i] -= lr_ * gi / np.sqrt(acc + eps)


@njit(**JIT)
def clip_by_segment_norm(g, offsets, clipnorm):
    """Scale each segment ``g[offsets[k]:offsets[k+1]]`` to L2 norm <= clipnorm."""
    for k in range(offsets.shape[0] - 1):
        s = 0.0
        for i in range(offsets[k], offsets[k + 1]):
            s += g[i] * g[i]
        norm = math.sqrt(s)
        if norm > clipnorm:
            scale = clipnorm / norm
            for i in range(offsets[k], offsets[k + 1]):
                g[i] *= scale
