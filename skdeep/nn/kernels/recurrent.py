"""Recurrence and backprop-through-time kernels of SimpleRNN, LSTM and GRU.

Layout: time-major. The layer computes the input projection of every time
step in one GEMM (``zx``, shape ``(T, B, gates * units)``) and hands the
sequential part to these kernels: one small GEMM ``h @ recurrent_kernel``
per step (``np.dot`` on contiguous row blocks, i.e. BLAS) followed by one
fused pass over the gates. States are stored for the backward pass:
``H`` and ``C`` have ``T + 1`` steps, ``H[0]`` being the initial state.

Every kernel works on the batch rows ``[b0, b1)`` of its arrays; the layer
gives each thread the arrays of its own rows (time-major within the part,
so that a step's rows are contiguous), so threads never wait for each other
inside the sequence loop. Row blocks given to BLAS have at most ``BLOCK`` rows
(32: one product per step for the 32-row parts of a batch of 64 on two
threads; measured single-threaded, 100 steps of (32, 64) @ (64, 256) took
2.3 ms as one product and 3.6 ms as two 16-row ones). The layers hold BLAS
at one thread while these kernels run (``threads.run_blocks``), one row
range or several: above ``m * n * k = 4 * 65536`` OpenBLAS would start its
own threads at every step's product, which collapse when the cores are shared.

Masks (``(T, B)`` bool, or shape ``(0, 0)`` for none): a masked step carries
the previous state forward and has zero gate gradients. ``rmask`` is the
recurrent dropout scale ``(B, units)`` (shape ``(0, 0)`` for none), applied
to the state entering the recurrent product, as in Keras.

Activations are integer codes (``kernels.activations``), evaluated by the
scalar table ``scalar.py`` shared with the dense kernels (the same bits):
in float32 its tanh and sigmoid make no libm call and vectorise (libm's
scalar calls would cost more than the GEMMs).
"""
import numpy as np
from numba import njit

from . import JIT
from . import scalar as sc
from .scalar import DEFAULT_ALPHA, LINEAR, SIGMOID, TANH

BLOCK = 32
#: activation codes the recurrent kernels implement (derivative from the output)
SUPPORTED = sc.BY_CODE
# each code's parameter (Keras' defaults, as the layers use them), by code
_ALPHA = np.array([DEFAULT_ALPHA.get(code, 0.0) for code in range(15)])
# Elementwise passes must vectorise: fastmath lets LLVM contract to FMA,
# reorder the polynomial and use a reciprocal estimate for its division.
_EW = dict(JIT, fastmath=True)

_F1 = np.float32(1.0)


@njit(**sc.EW)
def _act_row(v, code):
    """v = act(v) in place. Loops run from 0 over views so that LLVM knows
    the indices are non-negative and vectorises them."""
    if code == TANH:
        for j in range(v.shape[0]):
            v[j] = sc.tanh(v[j])
    elif code == SIGMOID:
        for j in range(v.shape[0]):
            v[j] = sc.sigmoid(v[j])
    else:
        alpha = _ALPHA[code]
        for j in range(v.shape[0]):
            v[j] = sc.value(v[j], code, alpha)


@njit(**sc.EW)
def _dact_row(d, y, code):
    """d *= act'(.) given the activation outputs y (same length)."""
    if code == SIGMOID:
        for j in range(d.shape[0]):
            d[j] *= sc.d_sigmoid(y[j])
    elif code == TANH:
        for j in range(d.shape[0]):
            d[j] *= sc.d_tanh(y[j])
    elif code != LINEAR:
        alpha = _ALPHA[code]
        for j in range(d.shape[0]):
            d[j] *= sc.deriv(y[j], code, alpha)


@njit(**_EW)
def _copy(dst, src):
    for j in range(dst.shape[0]):
        dst[j] = src[j]


@njit(**_EW)
def _recurrent_input(H, t, rmask, HD, b0, b1):
    """The state entering step ``t``'s recurrent product (dropout applied)."""
    if rmask.shape[0] == 0:
        return H[t]
    for b in range(b0, b1):
        hd = HD[b]
        h = H[t, b]
        r = rmask[b]
        for j in range(hd.shape[0]):
            hd[j] = h[j] * r[j]
    return HD


@njit(**JIT)
def _blocked_dot(a, w, out, b0, b1):
    """out[b0:b1] = a[b0:b1] @ w in row blocks of at most BLOCK rows."""
    for s in range(b0, b1, BLOCK):
        e = min(s + BLOCK, b1)
        np.dot(a[s:e], w, out[s:e])


@njit(**_EW)
def _add_output_grad(dh, dY, t, b, masked, zero_out):
    if dY.shape[0] > 0 and not (masked and zero_out):
        dy = dY[t, b]
        for j in range(dh.shape[0]):
            dh[j] += dy[j]


@njit(**_EW)
def _pass_state_grad(dH, DHM, rmask, mask, t, b0, b1):
    """dH[b] = DHM[b] (* rmask) for the rows not masked at step t (masked
    rows keep carrying their gradient)."""
    has_mask = mask.shape[0] > 0
    for b in range(b0, b1):
        if has_mask and not mask[t, b]:
            continue
        dh = dH[b]
        dm = DHM[b]
        if rmask.shape[0] > 0:
            r = rmask[b]
            for j in range(dh.shape[0]):
                dh[j] = dm[j] * r[j]
        else:
            _copy(dh, dm)


# ----------------------------------------------------------------------------- SimpleRNN
@njit(**_EW)
def simple_rnn_forward(zx, bias, U, mask, rmask, act, H, Zt, HD, b0, b1):
    """Forward recurrence of SimpleRNN on rows [b0, b1).

    zx: (T, B, u) input projections; bias: (u,) or (0,); U: (u, u).
    Writes H[1:] (H: (T+1, B, u), H[0] given). Zt, HD: (B, u) work arrays.
    """
    T = zx.shape[0]
    has_mask = mask.shape[0] > 0
    has_bias = bias.shape[0] > 0
    for t in range(T):
        src = _recurrent_input(H, t, rmask, HD, b0, b1)
        _blocked_dot(src, U, Zt, b0, b1)
        for b in range(b0, b1):
            hn = H[t + 1, b]
            if has_mask and not mask[t, b]:
                _copy(hn, H[t, b])
                continue
            z = Zt[b]
            x = zx[t, b]
            if has_bias:
                for j in range(hn.shape[0]):
                    hn[j] = z[j] + x[j] + bias[j]
            else:
                for j in range(hn.shape[0]):
                    hn[j] = z[j] + x[j]
            _act_row(hn, act)


@njit(**_EW)
def simple_rnn_backward(dY, dH, UT, H, mask, rmask, act, zero_out, dZ, DHM, b0, b1):
    """Backprop through time of SimpleRNN on rows [b0, b1).

    dY: (T, B, u) output-sequence gradient or (0, B, u); dH: (B, u) the
    gradient of the last state on entry, of the initial state on exit.
    Writes dZ (T, B, u), the pre-activation gradients. UT: (u, u) = U.T.
    """
    T = dZ.shape[0]
    has_mask = mask.shape[0] > 0
    for t in range(T - 1, -1, -1):
        for b in range(b0, b1):
            masked = has_mask and not mask[t, b]
            dh = dH[b]
            _add_output_grad(dh, dY, t, b, masked, zero_out)
            dz = dZ[t, b]
            if masked:
                dz[:] = 0.0
                continue
            _copy(dz, dh)
            _dact_row(dz, H[t + 1, b], act)
        _blocked_dot(dZ[t], UT, DHM, b0, b1)
        _pass_state_grad(dH, DHM, rmask, mask, t, b0, b1)


# ----------------------------------------------------------------------------- LSTM
@njit(**_EW)
def lstm_forward(zx, bias, U, mask, rmask, act, ract, H, C, G, TC, Zt, HD, b0, b1):
    """Forward recurrence of LSTM (gate order i, f, c, o) on rows [b0, b1).

    zx: (T, B, 4u); bias: (4u,) or (0,); U: (u, 4u). Writes H[1:], C[1:]
    (both (T+1, B, u)), the activated gates G (T, B, 4u) and TC = act(c)
    (T, B, u). Zt: (B, 4u), HD: (B, u) work arrays.
    """
    T = zx.shape[0]
    u = U.shape[0]
    has_mask = mask.shape[0] > 0
    has_bias = bias.shape[0] > 0
    for t in range(T):
        src = _recurrent_input(H, t, rmask, HD, b0, b1)
        _blocked_dot(src, U, Zt, b0, b1)
        for b in range(b0, b1):
            hn = H[t + 1, b]
            cn = C[t + 1, b]
            if has_mask and not mask[t, b]:
                _copy(hn, H[t, b])
                _copy(cn, C[t, b])
                continue
            g = G[t, b]
            z = Zt[b]
            x = zx[t, b]
            if has_bias:
                for j in range(g.shape[0]):
                    g[j] = z[j] + x[j] + bias[j]
            else:
                for j in range(g.shape[0]):
                    g[j] = z[j] + x[j]
            gi = g[:u]
            gf = g[u:2 * u]
            gc = g[2 * u:3 * u]
            go = g[3 * u:]
            _act_row(g[:2 * u], ract)
            _act_row(gc, act)
            _act_row(go, ract)
            cp = C[t, b]
            tc = TC[t, b]
            for j in range(u):
                v = gf[j] * cp[j] + gi[j] * gc[j]
                cn[j] = v
                tc[j] = v
            _act_row(tc, act)
            for j in range(u):
                hn[j] = go[j] * tc[j]


@njit(**_EW)
def lstm_backward(dY, dH, dC, UT, C, G, TC, mask, rmask, act, ract, zero_out, dZ, DHM, b0, b1):
    """Backprop through time of LSTM on rows [b0, b1).

    dH, dC: (B, u) gradients of the last h and c on entry (of the initial
    ones on exit). Writes dZ (T, B, 4u), the gate pre-activation gradients.
    UT: (4u, u) = U.T; DHM: (B, u) work array.
    """
    T = dZ.shape[0]
    u = UT.shape[1]
    has_mask = mask.shape[0] > 0
    for t in range(T - 1, -1, -1):
        for b in range(b0, b1):
            masked = has_mask and not mask[t, b]
            dh = dH[b]
            _add_output_grad(dh, dY, t, b, masked, zero_out)
            dz = dZ[t, b]
            if masked:
                dz[:] = 0.0
                continue
            g = G[t, b]
            gi = g[:u]
            gf = g[u:2 * u]
            gc = g[2 * u:3 * u]
            go = g[3 * u:]
            dzi = dz[:u]
            dzf = dz[u:2 * u]
            dzc = dz[2 * u:3 * u]
            dzo = dz[3 * u:]
            tc = TC[t, b]
            cp = C[t, b]
            dc = dC[b]
            tmp = DHM[b]
            for j in range(u):
                tmp[j] = dh[j] * go[j]
                dzo[j] = dh[j] * tc[j]
            _dact_row(tmp, tc, act)
            for j in range(u):
                d = dc[j] + tmp[j]
                dzi[j] = d * gc[j]
                dzf[j] = d * cp[j]
                dzc[j] = d * gi[j]
                dc[j] = d * gf[j]
            _dact_row(dz[:2 * u], g[:2 * u], ract)
            _dact_row(dzc, gc, act)
            _dact_row(dzo, go, ract)
        _blocked_dot(dZ[t], UT, DHM, b0, b1)
        _pass_state_grad(dH, DHM, rmask, mask, t, b0, b1)


# ----------------------------------------------------------------------------- GRU
@njit(**_EW)
def gru_forward(zx, bias_x, bias_r, U, mask, rmask, act, ract, H, G, RH, Zt, HD, b0, b1):
    """Forward recurrence of GRU with ``reset_after=True`` (gates z, r, h).

    zx: (T, B, 3u); bias_x, bias_r: (3u,) input and recurrent biases or (0,);
    U: (u, 3u). Writes H[1:], the activated gates G (T, B, 3u) and RH
    (T, B, u), the recurrent part of the candidate before the reset gate.
    Zt: (B, 3u), HD: (B, u) work arrays.
    """
    T = zx.shape[0]
    u = U.shape[0]
    has_mask = mask.shape[0] > 0
    has_bias = bias_x.shape[0] > 0
    for t in range(T):
        src = _recurrent_input(H, t, rmask, HD, b0, b1)
        _blocked_dot(src, U, Zt, b0, b1)
        for b in range(b0, b1):
            hp = H[t, b]
            hn = H[t + 1, b]
            if has_mask and not mask[t, b]:
                _copy(hn, hp)
                continue
            g = G[t, b]
            gzr = g[:2 * u]
            gr = g[u:2 * u]
            gh = g[2 * u:]
            z = Zt[b]
            x = zx[t, b]
            xh = x[2 * u:]
            zh = z[2 * u:]
            rh = RH[t, b]
            if has_bias:
                for j in range(2 * u):
                    gzr[j] = x[j] + bias_x[j] + z[j] + bias_r[j]
                bxh = bias_x[2 * u:]
                brh = bias_r[2 * u:]
                for j in range(u):
                    rh[j] = zh[j] + brh[j]
                _act_row(gzr, ract)
                for j in range(u):
                    gh[j] = xh[j] + bxh[j] + gr[j] * rh[j]
            else:
                for j in range(2 * u):
                    gzr[j] = x[j] + z[j]
                _copy(rh, zh)
                _act_row(gzr, ract)
                for j in range(u):
                    gh[j] = xh[j] + gr[j] * rh[j]
            _act_row(gh, act)
            for j in range(u):
                hn[j] = gh[j] + g[j] * (hp[j] - gh[j])


@njit(**_EW)
def gru_backward(dY, dH, UT, H, G, RH, mask, rmask, act, ract, zero_out, dZx, dZr, DHM, b0, b1):
    """Backprop through time of GRU (``reset_after=True``) on rows [b0, b1).

    Writes dZx (T, B, 3u), the gradients of the input-side pre-activations,
    and dZr (T, B, 3u), those of the recurrent-side ones (they differ in the
    candidate part by the reset gate). UT: (3u, u) = U.T.
    """
    T = dZx.shape[0]
    u = UT.shape[1]
    has_mask = mask.shape[0] > 0
    has_rd = rmask.shape[0] > 0
    for t in range(T - 1, -1, -1):
        for b in range(b0, b1):
            masked = has_mask and not mask[t, b]
            dh = dH[b]
            _add_output_grad(dh, dY, t, b, masked, zero_out)
            dzx = dZx[t, b]
            dzr = dZr[t, b]
            if masked:
                dzx[:] = 0.0
                dzr[:] = 0.0
                continue
            g = G[t, b]
            gr = g[u:2 * u]
            gh = g[2 * u:]
            hp = H[t, b]
            rh = RH[t, b]
            dxz = dzx[:u]
            dxr = dzx[u:2 * u]
            dxh = dzx[2 * u:]
            drh = dzr[2 * u:]
            for j in range(u):
                dxz[j] = dh[j] * (hp[j] - gh[j])
                dxh[j] = dh[j] * (_F1 - g[j])
            _dact_row(dxh, gh, act)
            for j in range(u):
                dxr[j] = dxh[j] * rh[j]
                drh[j] = dxh[j] * gr[j]
            _dact_row(dzx[:2 * u], g[:2 * u], ract)
            _copy(dzr[:2 * u], dzx[:2 * u])
        _blocked_dot(dZr[t], UT, DHM, b0, b1)
        for b in range(b0, b1):
            if has_mask and not mask[t, b]:
                continue
            dh = dH[b]
            dm = DHM[b]
            gz = G[t, b]
            if has_rd:
                r = rmask[b]
                for j in range(u):
                    dh[j] = dh[j] * gz[j] + dm[j] * r[j]
            else:
                for j in range(u):
                    dh[j] = dh[j] * gz[j] + dm[j]


@njit(**_EW)
def gru_v1_forward(zx, bias, Uzr, Uh, mask, rmask, act, ract, H, G, RHin, Zt, Zh, HD,
                   b0, b1):
    """Forward recurrence of GRU with ``reset_after=False`` (reset before the product).

    zx: (T, B, 3u); bias: (3u,) or (0,); Uzr: (u, 2u) and Uh: (u, u), the
    z/r and candidate columns of the recurrent kernel. Writes H[1:], G
    (T, B, 3u) and RHin (T, B, u) = r * h_in, the candidate's recurrent
    input. Zt: (B, 2u), Zh, HD: (B, u) work arrays.
    """
    T = zx.shape[0]
    u = Uh.shape[0]
    has_mask = mask.shape[0] > 0
    has_bias = bias.shape[0] > 0
    for t in range(T):
        src = _recurrent_input(H, t, rmask, HD, b0, b1)
        _blocked_dot(src, Uzr, Zt, b0, b1)
        for b in range(b0, b1):
            rin = RHin[t, b]
            if has_mask and not mask[t, b]:
                rin[:] = 0.0
                continue
            g = G[t, b]
            gzr = g[:2 * u]
            gr = g[u:2 * u]
            z = Zt[b]
            x = zx[t, b]
            if has_bias:
                for j in range(2 * u):
                    gzr[j] = x[j] + z[j] + bias[j]
            else:
                for j in range(2 * u):
                    gzr[j] = x[j] + z[j]
            _act_row(gzr, ract)
            s = src[b]
            for j in range(u):
                rin[j] = gr[j] * s[j]
        _blocked_dot(RHin[t], Uh, Zh, b0, b1)
        for b in range(b0, b1):
            hp = H[t, b]
            hn = H[t + 1, b]
            if has_mask and not mask[t, b]:
                _copy(hn, hp)
                continue
            g = G[t, b]
            gh = g[2 * u:]
            xh = zx[t, b, 2 * u:]
            zh = Zh[b]
            if has_bias:
                bh = bias[2 * u:]
                for j in range(u):
                    gh[j] = xh[j] + zh[j] + bh[j]
            else:
                for j in range(u):
                    gh[j] = xh[j] + zh[j]
            _act_row(gh, act)
            for j in range(u):
                hn[j] = gh[j] + g[j] * (hp[j] - gh[j])


@njit(**_EW)
def gru_v1_backward(dY, dH, UzrT, UhT, H, G, mask, rmask, act, ract, zero_out, dZ, DZR, DHH,
                    DRH, DHM, HD, b0, b1):
    """Backprop through time of GRU (``reset_after=False``) on rows [b0, b1).

    Writes dZ (T, B, 3u), the pre-activation gradients. UzrT: (2u, u),
    UhT: (u, u). DZR: (B, 2u), DHH, DRH, DHM, HD: (B, u) work arrays.
    """
    T = dZ.shape[0]
    u = UhT.shape[0]
    has_mask = mask.shape[0] > 0
    has_rd = rmask.shape[0] > 0
    for t in range(T - 1, -1, -1):
        src = _recurrent_input(H, t, rmask, HD, b0, b1)
        for b in range(b0, b1):
            masked = has_mask and not mask[t, b]
            dh = dH[b]
            _add_output_grad(dh, dY, t, b, masked, zero_out)
            dz = dZ[t, b]
            dhh = DHH[b]
            if masked:
                dz[:] = 0.0
                dhh[:] = 0.0
                continue
            g = G[t, b]
            gh = g[2 * u:]
            hp = H[t, b]
            dzz = dz[:u]
            dzh = dz[2 * u:]
            for j in range(u):
                dzz[j] = dh[j] * (hp[j] - gh[j])
                dzh[j] = dh[j] * (_F1 - g[j])
            _dact_row(dzh, gh, act)
            _copy(dhh, dzh)
        _blocked_dot(DHH, UhT, DRH, b0, b1)
        for b in range(b0, b1):
            dzr = DZR[b]
            if has_mask and not mask[t, b]:
                dzr[:] = 0.0
                continue
            g = G[t, b]
            dz = dZ[t, b]
            dzrr = dz[u:2 * u]
            drh = DRH[b]
            s = src[b]
            for j in range(u):
                dzrr[j] = drh[j] * s[j]
            _dact_row(dz[:2 * u], g[:2 * u], ract)
            _copy(dzr, dz[:2 * u])
        _blocked_dot(DZR, UzrT, DHM, b0, b1)
        for b in range(b0, b1):
            if has_mask and not mask[t, b]:
                continue
            g = G[t, b]
            gr = g[u:2 * u]
            dh = dH[b]
            dm = DHM[b]
            drh = DRH[b]
            if has_rd:
                r = rmask[b]
                for j in range(u):
                    dh[j] = dh[j] * g[j] + (dm[j] + drh[j] * gr[j]) * r[j]
            else:
                for j in range(u):
                    dh[j] = dh[j] * g[j] + dm[j] + drh[j] * gr[j]
