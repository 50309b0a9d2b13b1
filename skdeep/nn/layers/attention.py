"""Attention (Luong, dot-product) and AdditiveAttention (Bahdanau), Keras 3.

Called on ``[query, value]`` or ``[query, value, key]`` of shapes
``(batch, Tq, dim)`` and ``(batch, Tv, dim)``; ``mask=[query_mask,
value_mask]`` (or the masks propagated from ``Embedding(mask_zero=True)``).
Scores ``(batch, Tq, Tv)`` go through a softmax over the values (masked
values get ``-1e9``), dropout in training, then weight the values; masked
query steps output zeros. The score functions and their gradients are
batched NumPy products; :func:`softmax_backward` is shared with
MultiHeadAttention.
"""
import numbers

import numpy as np

from .. import backend
from .base import Layer


def softmax_lastaxis(scores):
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_backward(dprobs, probs):
    return probs * (dprobs - (dprobs * probs).sum(axis=-1, keepdims=True))


def causal_mask(tq, tv):
    """(1, Tq, Tv) booleans: query step i sees value steps j <= i."""
    return (np.arange(tq)[:, None] >= np.arange(tv)[None, :])[None]


def dropout_mask(layer, shape, dtype):
    """An inverted-dropout multiplier of ``shape`` for ``layer.dropout``."""
    rng = layer._rng if layer._rng is not None else backend.get_rng()
    keep = 1.0 - layer.dropout
    return (rng.random(shape) < keep).astype(dtype) / dtype.type(keep)


class _BaseAttention(Layer):
    consumes_mask = True
    supports_masking = True

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"{type(self).__name__} score_mode must be 'dot' or 'concat', got "
                             f"{score_mode!r}")
        if not isinstance(dropout, numbers.Real) or not 0 <= dropout < 1:
            raise ValueError(f"{type(self).__name__} dropout must be in [0, 1), got {dropout!r}")
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.dropout = float(dropout)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def _check(self, shapes):
        who = type(self).__name__
        if not isinstance(shapes, list) or not 2 <= len(shapes) <= 3:
            raise ValueError(f"{who} layer '{self.name}' must be called on a list [query, value] "
                             "or [query, value, key]")
        q, v = shapes[0], shapes[1]
        k = shapes[2] if len(shapes) > 2 else v
        if any(len(s) != 3 for s in (q, v, k)):
            raise ValueError(f"{who} layer '{self.name}' expects inputs of rank 3 (batch, "
                             f"steps, dim), got shapes {shapes}")
        if k[1] != v[1] and None not in (k[1], v[1]):
            raise ValueError(f"{who} layer '{self.name}': key and value need the same number "
                             f"of steps, got {k} and {v}")
        return q, v, k

    def compute_output_shape(self, input_shape):
        q, v, _ = self._check(input_shape)
        return (*q[:-1], v[-1])

    def _call_output_shape(self, input_shape, call_kwargs):
        out = self.compute_output_shape(input_shape)
        if call_kwargs.get("return_attention_scores"):
            q, _, k = self._check(input_shape)
            return [out, (q[0], q[1], k[1])]
        return out

    def compute_mask(self, inputs, mask):
        if isinstance(mask, list) and mask and mask[0] is not None:
            return mask[0]
        return None

    def forward(self, inputs, ctx, return_attention_scores=False, use_causal_mask=False):
        if not isinstance(inputs, list):
            raise ValueError(  # noqa: TRY004 - Keras raises ValueError here too
                f"{type(self).__name__} layer '{self.name}' must be called on a list "
                "[query, value] or [query, value, key]")
        self._check([a.shape for a in inputs])
        q = np.asarray(inputs[0], dtype=self.dtype)
        v = np.asarray(inputs[1], dtype=self.dtype)
        k = np.asarray(inputs[2], dtype=self.dtype) if len(inputs) > 2 else v
        masks = ctx.mask if isinstance(ctx.mask, (list, tuple)) else [None, None]
        q_mask = None if masks[0] is None else np.asarray(masks[0], bool)
        v_mask = None if len(masks) < 2 or masks[1] is None else np.asarray(masks[1], bool)
        scores, scores_backward = self._scores(q, k)
        allowed = None if v_mask is None else v_mask[:, None, :]
        if use_causal_mask:
            causal = causal_mask(q.shape[1], k.shape[1])
            allowed = causal if allowed is None else allowed & causal
        if allowed is not None:
            scores = np.where(allowed, scores, scores - 1e9)
        probs = softmax_lastaxis(scores)
        drop = (dropout_mask(self, probs.shape, probs.dtype)
                if ctx.training and self.dropout > 0 else None)
        weights = probs if drop is None else probs * drop
        out = weights @ v
        keep_q = None if q_mask is None else q_mask[:, :, None]
        if keep_q is not None:
            out = np.where(keep_q, out, 0).astype(out.dtype)

        def backward(dy):
            d_out, d_probs_extra = (dy[0], dy[1]) if return_attention_scores else (dy, None)
            if keep_q is not None:
                d_out = np.where(keep_q, d_out, 0)
            d_weights = d_out @ np.swapaxes(v, 1, 2)
            dv = np.swapaxes(weights, 1, 2) @ d_out
            d_probs = d_weights if drop is None else d_weights * drop
            if d_probs_extra is not None:
                d_probs = d_probs + d_probs_extra
            dq, dk = scores_backward(softmax_backward(d_probs, probs))
            if len(inputs) > 2:
                return [dq, dv, dk]
            return [dq, dv + dk]

        if return_attention_scores:
            return [out, probs], backward
        return out, backward

    def get_config(self):
        config = super().get_config()
        config.update(use_scale=self.use_scale, score_mode=self.score_mode,
                      dropout=self.dropout, seed=self.seed)
        return config


class Attention(_BaseAttention):
    """Dot-product (Luong-style) attention.

    Parameters
    ----------
    use_scale : bool, default False
        Multiply the scores by a learned scalar ``scale`` (initialised to 1).
    score_mode : {'dot', 'concat'}, default 'dot'
        'dot': ``query @ key.T``; 'concat': ``concat_score_weight *
        sum(tanh(scale * (query_i + key_j)))``.
    dropout : float, default 0.0
        Dropout on the attention weights (training only).
    seed : int, optional

    Call ``layer([query, value])`` or ``layer([query, value, key])`` with
    optional ``mask=[query_mask, value_mask]``, ``return_attention_scores``
    and ``use_causal_mask``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import Attention
    >>> q, v = np.ones((2, 3, 4)), np.arange(40.0).reshape(2, 5, 4)
    >>> out, scores = Attention()([q, v], return_attention_scores=True)
    >>> out.shape, scores.shape
    ((2, 3, 4), (2, 3, 5))
    """

    def build(self, input_shape):
        self._check(input_shape)
        self.scale = self.add_weight("scale", (), "ones") if self.use_scale else None
        self.concat_score_weight = (self.add_weight("concat_score_weight", (), "ones")
                                    if self.score_mode == "concat" else None)
        self.built = True

    def _scores(self, q, k):
        scale = 1.0 if self.scale is None else self.scale.value[()]
        if self.score_mode == "dot":
            raw = q @ np.swapaxes(k, 1, 2)

            def backward(ds):
                if self.scale is not None:
                    self.scale.grad[()] += (ds * raw).sum()
                ds = ds * scale
                return ds @ k, np.swapaxes(ds, 1, 2) @ q

            return raw * scale, backward
        weight = self.concat_score_weight.value[()]
        pre = q[:, :, None, :] + k[:, None, :, :]
        t = np.tanh(scale * pre)
        summed = t.sum(axis=-1)

        def backward(ds):
            self.concat_score_weight.grad[()] += (ds * summed).sum()
            g = (ds * weight)[..., None] * (1 - t * t)
            if self.scale is not None:
                self.scale.grad[()] += (g * pre).sum()
            g = g * scale
            return g.sum(axis=2), g.sum(axis=1)

        return weight * summed, backward


class AdditiveAttention(_BaseAttention):
    """Additive (Bahdanau-style) attention: scores ``sum(scale * tanh(query_i + key_j))``.

    Parameters
    ----------
    use_scale : bool, default True
        Learn a ``scale`` vector of shape ``(dim,)`` (glorot_uniform).
    dropout : float, default 0.0

    Call as :class:`Attention`.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import AdditiveAttention
    >>> AdditiveAttention()([np.ones((2, 3, 4)), np.ones((2, 5, 4))]).shape
    (2, 3, 4)
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        q, _, _ = self._check(input_shape)
        self.scale = (self.add_weight("scale", (q[-1],), "glorot_uniform")
                      if self.use_scale else None)
        self.built = True

    def _scores(self, q, k):
        scale = 1.0 if self.scale is None else self.scale.value
        t = np.tanh(q[:, :, None, :] + k[:, None, :, :])

        def backward(ds):
            if self.scale is not None:
                self.scale.grad += (ds[..., None] * t).sum(axis=(0, 1, 2))
            g = ds[..., None] * scale * (1 - t * t)
            return g.sum(axis=2), g.sum(axis=1)

        return (scale * t).sum(axis=-1), backward

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
