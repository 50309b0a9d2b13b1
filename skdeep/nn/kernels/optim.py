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


@njit(**JIT)
def nadam_step(p, g, m, v, lr, beta_1, beta_2, epsilon, u_t, u_t_1, u_product_t,
               u_product_t_1, beta_2_power):
    """Nadam (Keras 3): Nesterov momentum with the momentum schedule ``u_t``."""
    t = p.dtype.type
    one_b1, one_b2, lr_, eps = t(1.0 - beta_1), t(1.0 - beta_2), t(lr), t(epsilon)
    c_m = t(u_t_1 / (1.0 - u_product_t_1))
    c_g = t((1.0 - u_t) / (1.0 - u_product_t))
    inv_bc2 = t(1.0 / (1.0 - beta_2_power))
    for i in range(p.shape[0]):
        gi = g[i]
        mi = m[i] + (gi - m[i]) * one_b1
        vi = v[i] + (gi * gi - v[i]) * one_b2
        m[i] = mi
        v[i] = vi
        p[i] -= lr_ * (c_m * mi + c_g * gi) / (np.sqrt(vi * inv_bc2) + eps)


@njit(**JIT)
def adamax_step(p, g, m, u, lr, beta_1, beta_2, epsilon, beta_1_power):
    """Adamax: the infinity-norm variant of Adam."""
    t = p.dtype.type
    one_b1, b2, eps = t(1.0 - beta_1), t(beta_2), t(epsilon)
    scale = t(lr / (1.0 - beta_1_power))
    for i in range(p.shape[0]):
        gi = g[i]
        mi = m[i] + (gi - m[i]) * one_b1
        ui = max(b2 * u[i], abs(gi))
        m[i] = mi
        u[i] = ui
        p[i] -= scale * mi / (ui + eps)


@njit(**JIT)
def adadelta_step(p, g, acc_grad, acc_delta, lr, rho, epsilon):
    """Adadelta: steps scaled by the ratio of running RMS of updates and gradients."""
    t = p.dtype.type
    rho_, one_rho, lr_, eps = t(rho), t(1.0 - rho), t(lr), t(epsilon)
    for i in range(p.shape[0]):
        gi = g[i]
        ag = rho_ * acc_grad[i] + one_rho * gi * gi
        acc_grad[i] = ag
        delta = -np.sqrt(acc_delta[i] + eps) * gi / np.sqrt(ag + eps)
        acc_delta[i] = rho_ * acc_delta[i] + one_rho * delta * delta
        p[i] += lr_ * delta


@njit(**JIT)
def lion_step(p, g, m, lr, beta_1, beta_2):
    """Lion: the sign of an interpolated momentum."""
    t = p.dtype.type
    b1, one_b1, b2, one_b2, lr_ = t(beta_1), t(1.0 - beta_1), t(beta_2), t(1.0 - beta_2), t(lr)
    for i in range(p.shape[0]):
        gi = g[i]
        c = m[i] * b1 + gi * one_b1
        p[i] -= lr_ * (t(1.0) if c > 0 else (t(-1.0) if c < 0 else t(0.0)))
        m[i] = m[i] * b2 + gi * one_b2


@njit(**JIT)
def ftrl_step(p, g, accumulator, linear, lr, lr_power, l1, l2, l2_shrinkage):
    """FTRL-proximal; ``l2`` already includes ``beta / (2 * lr)``."""
    t = p.dtype.type
    lr_, l1_, two_l2, two_shrink = t(lr), t(l1), t(2.0 * l2), t(2.0 * l2_shrinkage)
    power = t(-lr_power)
    for i in range(p.shape[0]):
        gi = g[i]
        pi = p[i]
        acc = accumulator[i]
        new_acc = acc + gi * gi
        new_pow = new_acc ** power
        lin = linear[i] + (gi + two_shrink * pi) - (new_pow - acc ** power) / lr_ * pi
        linear[i] = lin
        quadratic = new_pow / lr_ + two_l2
        clipped = min(max(lin, -l1_), l1_)
        p[i] = (clipped - lin) / quadratic
        accumulator[i] = new_acc


@njit(**JIT)
def scale_segments(p, offsets, keep, factor):
    """``p[seg] *= factor`` for each segment k with ``keep[k]`` (decoupled weight decay)."""
    f = p.dtype.type(factor)
    for k in range(offsets.shape[0] - 1):
        if keep[k]:
            for i in range(offsets[k], offsets[k + 1]):
                p[i] *= f


@njit(**JIT)
def ema_update(average, p, momentum):
    """``average = momentum * average + (1 - momentum) * p``."""
    t = p.dtype.type
    mo, one_mo = t(momentum), t(1.0 - momentum)
    for i in range(p.shape[0]):
        average[i] = mo * average[i] + one_mo * p[i]
