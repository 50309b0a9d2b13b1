"""MultiHeadAttention (Keras 3 semantics, weight layout and names).

The query, key, value and output projections are :class:`EinsumDense`
sublayers named ``query``, ``key``, ``value`` and ``attention_output`` with
Keras' kernels: ``query/kernel (dim, num_heads, key_dim)``, ``query/bias
(num_heads, key_dim)``, the same for key and value (``value_dim``), and
``attention_output/kernel (num_heads, value_dim, out_dim)``,
``attention_output/bias (out_dim,)``. Inputs of rank > 3 attend over all
their middle axes, which are folded into one sequence axis.
"""
import math
import numbers

import numpy as np

from .. import constraints, initializers, regularizers
from .attention import causal_mask, dropout_mask, softmax_backward, softmax_lastaxis
from .base import KTensor, Layer, _as_list
from .einsum_dense import EinsumDense

_ROLES = ("query", "value", "key", "attention_mask")


class MultiHeadAttention(Layer):
    """Multi-head (scaled dot-product) attention, as ``keras.layers.MultiHeadAttention``.

    Parameters
    ----------
    num_heads : int
    key_dim : int
        Size of each head for query and key.
    value_dim : int, optional
        Size of each head for value; defaults to ``key_dim``.
    dropout : float, default 0.0
        Dropout on the attention probabilities (training only).
    use_bias : bool, default True
    output_shape : int or tuple, optional
        Last dimension(s) of the output; defaults to the query's last dimension.
    attention_axes : int or tuple, optional
        Only the default (every axis between batch and features, also when
        given explicitly, as Keras' saved configs do) is supported.
    use_gate : bool, default False
        Multiply the attended values by a sigmoid gate projected from the
        query (weights ``gate/kernel``, ``gate/bias``) before the output
        projection.
    kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
    kernel_constraint, bias_constraint : passed to the projections
    seed : int, optional
        Seed of the attention dropout.

    Call ``layer(query, value, key=None, attention_mask=None,
    return_attention_scores=False, training=None, use_causal_mask=False)``.
    ``attention_mask`` is a boolean ``(batch, Tq, Tv)`` array (True attends);
    masks propagated from ``Embedding(mask_zero=True)`` are combined with it,
    as in Keras. With ``return_attention_scores`` the result is ``[output,
    scores]`` with scores ``(batch, num_heads, Tq, Tv)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import MultiHeadAttention
    >>> mha = MultiHeadAttention(num_heads=2, key_dim=3)
    >>> x = np.ones((4, 5, 6))
    >>> mha(x, x).shape
    (4, 5, 6)
    >>> [w.shape for w in mha.weights]
    [(6, 2, 3), (2, 3), (6, 2, 3), (2, 3), (6, 2, 3), (2, 3), (2, 3, 6), (6,)]
    """

    consumes_mask = True
    supports_masking = True

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate=False, seed=None, flash_attention=None, sliding_window=None,
                 **kwargs):
        super().__init__(**kwargs)
        for what, value in (("num_heads", num_heads), ("key_dim", key_dim),
                            ("value_dim", value_dim)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Integral)
                                      or value <= 0):
                raise ValueError(f"MultiHeadAttention {what} must be a positive integer, got "
                                 f"{value!r}")
        if not isinstance(dropout, numbers.Real) or not 0 <= dropout < 1:
            raise ValueError(f"MultiHeadAttention dropout must be in [0, 1), got {dropout!r}")
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        if attention_axes is not None and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(f"MultiHeadAttention attention_axes must be an int, list or tuple, "
                             f"got {attention_axes!r}")
        if flash_attention:
            raise NotImplementedError("MultiHeadAttention flash_attention needs an accelerator "
                                      "backend; skdeep computes attention explicitly")
        if activity_regularizer is not None:
            raise NotImplementedError("MultiHeadAttention activity_regularizer (applied to the "
                                      "projections inside the layer) is not implemented")
        if sliding_window is not None:
            raise NotImplementedError("MultiHeadAttention sliding_window is not implemented")
        self.num_heads, self.key_dim = num_heads, key_dim
        self.value_dim = value_dim or key_dim
        self.dropout = float(dropout)
        self.use_bias = bool(use_bias)
        self.use_gate = bool(use_gate)
        if isinstance(output_shape, numbers.Integral):
            output_shape = (output_shape,)
        self._output_shape = None if not output_shape else tuple(output_shape)
        self.attention_axes = None if attention_axes is None else tuple(attention_axes)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)
        self._projections = []
        self._build_roles = None

    # ------------------------------------------------------------------ calling
    def __call__(self, query, value=None, key=None, query_mask=None, value_mask=None,
                 key_mask=None, attention_mask=None, return_attention_scores=False,
                 training=None, use_causal_mask=False, roles=None):
        if roles is None:
            if value is None:
                raise TypeError("MultiHeadAttention needs query and value: mha(query, value)")
            inputs, roles = [query, value], ["query", "value"]
            for role, tensor in (("key", key), ("attention_mask", attention_mask)):
                if tensor is not None:
                    inputs.append(tensor)
                    roles.append(role)
        else:  # the packed form a saved graph is rebuilt with
            inputs, roles = list(query), list(roles)
        kwargs = {"roles": roles, "return_attention_scores": bool(return_attention_scores),
                  "use_causal_mask": bool(use_causal_mask)}
        self._build_roles = roles
        if any(isinstance(t, KTensor) for t in inputs):
            if any(m is not None for m in (query_mask, value_mask, key_mask)):
                raise NotImplementedError("MultiHeadAttention: explicit query_mask/value_mask/"
                                          "key_mask on symbolic tensors are not supported; use "
                                          "attention_mask or Embedding(mask_zero=True)")
            return super().__call__(inputs, training=training, **kwargs)
        given = {"query": query_mask, "value": value_mask, "key": key_mask}
        masks = [given.get(r) for r in roles]
        mask = masks if any(m is not None for m in masks) else None
        return super().__call__(inputs, training=training, mask=mask, **kwargs)

    def _shapes(self, input_shape, roles=None):
        roles = roles or self._build_roles or list(_ROLES[:len(input_shape)])
        shapes = dict(zip(roles, _as_list(input_shape)))
        if "query" not in shapes or "value" not in shapes:
            raise ValueError(f"MultiHeadAttention '{self.name}' needs query and value inputs")
        q, v = tuple(shapes["query"]), tuple(shapes["value"])
        k = tuple(shapes.get("key", v))
        if len(q) < 3 or len(v) != len(q) or len(k) != len(q):
            raise ValueError(f"MultiHeadAttention '{self.name}' expects query, value and key of "
                             f"one rank >= 3 (batch, ..., dim), got {q}, {v}, {k}")
        if v[1:-1] != k[1:-1]:
            raise ValueError(f"MultiHeadAttention '{self.name}': value and key must agree on "
                             f"every axis but the last, got {v} and {k}")
        return q, v, k

    # ------------------------------------------------------------------ weights
    def _projection(self, name, equation, output_shape, bias_axes, activation=None):
        return EinsumDense(equation, output_shape, activation=activation,
                           bias_axes=bias_axes if self.use_bias else None, name=name,
                           kernel_initializer=self.kernel_initializer,
                           bias_initializer=self.bias_initializer,
                           kernel_regularizer=self.kernel_regularizer,
                           bias_regularizer=self.bias_regularizer,
                           kernel_constraint=self.kernel_constraint,
                           bias_constraint=self.bias_constraint, dtype=self.dtype)

    def build(self, input_shape):
        q, v, k = self._shapes(input_shape)
        if self.attention_axes is not None:
            rank = len(q) + 1  # of the projected (batch, ..., heads, size) tensors
            axes = tuple(a if a >= 0 else rank - 1 + a for a in self.attention_axes)
            if axes != tuple(range(1, len(q) - 1)):
                raise NotImplementedError(
                    f"MultiHeadAttention attention_axes={self.attention_axes} is not "
                    "implemented; only the default (every axis between batch and features)")
        n, kd, vd = self.num_heads, self.key_dim, self.value_dim
        proj = "abc,cde->abde"  # (batch, steps, dim) -> (batch, steps, heads, size)
        self.query_dense = self._projection("query", proj, (None, n, kd), "de")
        self.key_dense = self._projection("key", proj, (None, n, kd), "de")
        self.gate_dense = (self._projection("gate", proj, (None, n, vd), "de", "sigmoid")
                           if self.use_gate else None)
        self.value_dense = self._projection("value", proj, (None, n, vd), "de")
        out_dims = self._output_shape or (q[-1],)
        letters = "efgh"[:len(out_dims)]
        self.output_dense = self._projection("attention_output", f"abcd,cd{letters}->ab{letters}",
                                             (None,) + tuple(out_dims), letters)
        self.query_dense.build((None, None, q[-1]))
        self.key_dense.build((None, None, k[-1]))
        if self.gate_dense is not None:
            self.gate_dense.build((None, None, q[-1]))
        self.value_dense.build((None, None, v[-1]))
        self.output_dense.build((None, None, n, vd))
        self._projections = [p for p in (self.query_dense, self.key_dense, self.gate_dense,
                                         self.value_dense, self.output_dense) if p is not None]
        self.built = True

    @property
    def sublayers(self):
        return list(self._projections)

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for p in getattr(self, "_projections", ()):
            p.trainable = value

    @property
    def weights(self):
        return [w for p in self._projections for w in p.weights]

    @property
    def trainable_weights(self):
        return [w for p in self._projections for w in p.trainable_weights] if self.trainable \
            else []

    # ------------------------------------------------------------------ shapes
    def compute_output_shape(self, input_shape, roles=None):
        q, _, _ = self._shapes(input_shape, roles)
        return q[:-1] + (self._output_shape or (q[-1],))

    def _call_output_shape(self, input_shape, call_kwargs):
        roles = call_kwargs.get("roles")
        out = self.compute_output_shape(input_shape, roles)
        if call_kwargs.get("return_attention_scores"):
            q, v, _ = self._shapes(input_shape, roles)
            tq = None if None in q[1:-1] else math.prod(q[1:-1])
            tv = None if None in v[1:-1] else math.prod(v[1:-1])
            return [out, (q[0], self.num_heads, tq, tv)]
        return out

    def compute_mask(self, inputs, mask):
        return mask[0] if isinstance(mask, list) and mask else None

    # ------------------------------------------------------------------ compute
    def forward(self, inputs, ctx, roles=None, return_attention_scores=False,
                use_causal_mask=False):
        roles = roles or list(_ROLES[:len(inputs)])
        arrays = dict(zip(roles, _as_list(inputs)))
        masks = dict(zip(roles, ctx.mask if isinstance(ctx.mask, (list, tuple))
                         else [None] * len(roles)))
        query, value = arrays["query"], arrays["value"]
        key = arrays.get("key", value)
        self._shapes([a.shape for a in _as_list(inputs)], roles)
        b, q_shape = query.shape[0], query.shape
        q3, v3, k3 = (np.asarray(a, dtype=self.dtype).reshape(a.shape[0], -1, a.shape[-1])
                      for a in (query, value, key))
        tq, tv = q3.shape[1], v3.shape[1]
        allowed = self._attention_mask(arrays.get("attention_mask"), masks, b, tq, tv,
                                       use_causal_mask, "key" in arrays)
        # the output projection's input gradient is internal: always needed
        children = {p.name: ctx.child(p.name, need_dx=True if p is self.output_dense else None)
                    for p in self._projections}
        for c in children.values():
            c.mask = None
        qp, q_back = self.query_dense.forward(q3, children["query"])
        kp, k_back = self.key_dense.forward(k3, children["key"])
        vp, v_back = self.value_dense.forward(v3, children["value"])
        inv = 1.0 / math.sqrt(self.key_dim)
        # (batch, steps, heads, size) -> (batch, heads, steps, size)
        qh, kh, vh = (np.swapaxes(a, 1, 2) for a in (qp, kp, vp))
        scores = (qh * inv) @ np.swapaxes(kh, 2, 3)
        if allowed is not None:
            scores = np.where(allowed[:, None], scores, -1e9)
        probs = softmax_lastaxis(scores)
        if allowed is not None:
            probs = np.where(allowed[:, None], probs, 0).astype(scores.dtype)
        drop = (dropout_mask(self, probs.shape, probs.dtype)
                if ctx.training and self.dropout > 0 else None)
        weights = probs if drop is None else probs * drop
        attended = np.swapaxes(weights @ vh, 1, 2)          # (batch, Tq, heads, value_dim)
        if self.gate_dense is not None:
            gate, g_back = self.gate_dense.forward(q3, children["gate"])
            gated = attended * gate
        else:
            gated = attended
        out, o_back = self.output_dense.forward(np.ascontiguousarray(gated),
                                                children["attention_output"])
        out = out.reshape(q_shape[:-1] + out.shape[2:])

        def backward(dy):
            d_out, d_scores_extra = (dy[0], dy[1]) if return_attention_scores else (dy, None)
            d_gated = o_back(np.asarray(d_out).reshape((b, tq) + out.shape[len(q_shape) - 1:]))
            d_query_gate = None
            if self.gate_dense is not None:
                d_query_gate = g_back(d_gated * attended)
                d_gated = d_gated * gate
            d_att = np.swapaxes(d_gated, 1, 2)              # (batch, heads, Tq, value_dim)
            d_weights = d_att @ np.swapaxes(vh, 2, 3)
            dvh = np.swapaxes(weights, 2, 3) @ d_att
            d_probs = d_weights if drop is None else d_weights * drop
            if d_scores_extra is not None:
                d_probs = d_probs + d_scores_extra
            d_scores = softmax_backward(d_probs, probs)
            dqh = d_scores @ kh * inv
            dkh = np.swapaxes(d_scores, 2, 3) @ (qh * inv)
            dq3 = q_back(np.ascontiguousarray(np.swapaxes(dqh, 1, 2)))
            dk3 = k_back(np.ascontiguousarray(np.swapaxes(dkh, 1, 2)))
            dv3 = v_back(np.ascontiguousarray(np.swapaxes(dvh, 1, 2)))
            if not ctx.need_dx:
                return [None] * len(roles)
            if d_query_gate is not None:
                dq3 = dq3 + d_query_gate
            grads = {"query": dq3.reshape(query.shape), "attention_mask": None}
            if "key" in arrays:
                grads["key"], grads["value"] = dk3.reshape(key.shape), dv3.reshape(value.shape)
            else:
                grads["value"] = (dk3 + dv3).reshape(value.shape)
            return [grads[r] for r in roles]

        if return_attention_scores:
            return [out, probs], backward
        return out, backward

    def _attention_mask(self, attention_mask, masks, b, tq, tv, causal, has_key):
        """The (batch, Tq, Tv) booleans of allowed positions, or None (Keras' merge)."""
        allowed = None

        def merge(a, m):
            return m if a is None else a & m

        if masks.get("query") is not None:
            allowed = np.asarray(masks["query"], bool).reshape(b, tq)[:, :, None]
        if masks.get("value") is not None:
            allowed = merge(allowed, np.asarray(masks["value"], bool).reshape(b, tv)[:, None, :])
        if has_key and masks.get("key") is not None:
            allowed = merge(allowed, np.asarray(masks["key"], bool).reshape(b, tv)[:, None, :])
        if causal:
            allowed = merge(allowed, causal_mask(tq, tv))
        if attention_mask is not None:
            am = np.asarray(attention_mask).astype(bool)
            try:
                am = np.broadcast_to(am.reshape(am.shape[0], tq, tv) if am.ndim > 3 else am,
                                     (b, tq, tv))
            except ValueError:
                raise ValueError(f"MultiHeadAttention '{self.name}': attention_mask of shape "
                                 f"{np.shape(attention_mask)} does not fit (batch, Tq, Tv) = "
                                 f"({b}, {tq}, {tv})") from None
            allowed = merge(allowed, am)
        return None if allowed is None else np.broadcast_to(allowed, (b, tq, tv))

    # Keras files: mha(query, value, key=..., attention_mask=...) with a build() of
    # query/value/key shapes (used by skdeep.nn.formats)
    def keras_call_node(self, args, call_kwargs):
        roles = call_kwargs.get("roles") or list(_ROLES[:len(args)])
        by_role = dict(zip(roles, args))
        kwargs = {r: by_role[r] for r in ("key", "attention_mask") if r in by_role}
        for flag in ("return_attention_scores", "use_causal_mask"):
            if call_kwargs.get(flag):
                kwargs[flag] = True
        return {"args": [by_role["query"], by_role["value"]], "kwargs": kwargs}

    def keras_build_config(self, shapes, call_kwargs):
        roles = call_kwargs.get("roles") or list(_ROLES[:len(shapes)])
        q, v, k = self._shapes(shapes, roles)
        shapes_dict = {"query_shape": list(q), "value_shape": list(v)}
        if "key" in roles:
            shapes_dict["key_shape"] = list(k)
        return {"shapes_dict": shapes_dict}

    def get_config(self):
        config = super().get_config()
        config.update(num_heads=self.num_heads, key_dim=self.key_dim, value_dim=self.value_dim,
                      dropout=self.dropout, use_bias=self.use_bias, use_gate=self.use_gate,
                      output_shape=None if self._output_shape is None else list(
                          self._output_shape),
                      attention_axes=(None if self.attention_axes is None
                                      else list(self.attention_axes)),
                      kernel_initializer=initializers.serialize(self.kernel_initializer),
                      bias_initializer=initializers.serialize(self.bias_initializer),
                      kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
                      bias_regularizer=regularizers.serialize(self.bias_regularizer),
                      activity_regularizer=None,
                      kernel_constraint=constraints.serialize(self.kernel_constraint),
                      bias_constraint=constraints.serialize(self.bias_constraint),
                      seed=self.seed)
        return config
