"""Fused optimizer steps over flat parameter / gradient buffers (Keras 3 formulas).

Every kernel updates ``p`` (and its slot buffers) in place; ``g`` is read only.
All arrays are 1-D, contiguous and of the same dtype.
"""
import math

from numba import njit

from . import JIT


@njit(**JIT)
def sgd_step(p, g, m, lr, momentum, nesterov):
    """Plain or momentum SGD; ``m`` is the velocity (unused when momentum == 0)."""
    if momentum == 0.0:
        for i in range(p.shape[0]):
            p[i] -= lr * g[i]
        return
    for i in range(p.shape[0]):
        v = momentum * m[i] - lr * g[i]
        m[i] = v
        if nesterov:
            p[i] += momentum * v - lr * g[i]
        else:
            p[i] += v


@njit(**JIT)
def adam_step(p, g, m, v, vhat, alpha, beta_1, beta_2, epsilon, amsgrad):
    """Adam with the bias correction folded into ``alpha``; ``vhat`` for AMSGrad."""
    one_b1 = 1.0 - beta_1
    one_b2 = 1.0 - beta_2
    for i in range(p.shape[0]):
        gi = g[i]
        mi = m[i] + (gi - m[i]) * one_b1
        vi = v[i] + (gi * gi - v[i]) * one_b2
        m[i] = mi
        v[i] = vi
        if amsgrad:
            if vi > vhat[i]:
                vhat[i] = vi
            vi = vhat[i]
        p[i] -= alpha * mi / (math.sqrt(vi) + epsilon)


@njit(**JIT)
def rmsprop_step(p, g, velocity, momentum_buf, average_grad, lr, rho, momentum, epsilon,
                 centered):
    for i in range(p.shape[0]):
        gi = g[i]
        vel = rho * velocity[i] + (1.0 - rho) * gi * gi
        velocity[i] = vel
        if centered:
            avg = rho * average_grad[i] + (1.0 - rho) * gi
            average_grad[i] = avg
            denom = vel - avg * avg + epsilon
        else:
            denom = vel + epsilon
        inc = lr * gi / math.sqrt(denom)
        if momentum > 0.0:
            mo = momentum * momentum_buf[i] + inc
            momentum_buf[i] = mo
            p[i] -= mo
        else:
            p[i] -= inc


@njit(**JIT)
def adagrad_step(p, g, accumulator, lr, epsilon):
    for i in range(p.shape[0]):
        gi = g[i]
        acc = accumulator[i] + gi * gi
        accumulator[i] = acc
        p[i] -= lr * gi / math.sqrt(acc + epsilon)


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
