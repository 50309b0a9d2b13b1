"""Recurrent layers: SimpleRNN, LSTM and GRU (Keras 3 semantics and weights).

Each layer projects the inputs of all time steps in one GEMM, runs the
recurrence and its backprop-through-time in compiled kernels
(``kernels/recurrent.py``) and computes the weight gradients of all steps
in a few more GEMMs. Work arrays are time-major ``(T, B, ...)``.

Masks (from ``Embedding(mask_zero=True)`` or ``Masking``) have shape
``(batch, timesteps)``: a masked step keeps the previous state, and its
output repeats the previous output, or is zero with
``zero_output_for_mask=True`` (which ``Bidirectional`` sets when returning
sequences), exactly as Keras does. With ``go_backwards=True`` the sequence
is processed from the end and returned in that (reversed) order.
"""
import numpy as np

from .. import activations, backend, initializers, regularizers
from ..kernels import activations as act_k
from ..kernels import recurrent as rk
from .base import Layer, get_buffer

_NO_MASK = np.zeros((0, 0), dtype=bool)


def row_bounds(batch):
    """Row ranges ``[b_i, b_i+1)`` the recurrence kernels run on, one per thread."""
    return np.array([0, batch], dtype=np.int64)


def _run(kernel, args, bounds):
    """Run a row-range kernel over every range of ``bounds``."""
    for p in range(len(bounds) - 1):
        kernel(*args, bounds[p], bounds[p + 1])


def _resolve_activation(identifier, what, layer):
    fn = activations.get(identifier)
    if fn.code not in rk.SUPPORTED:
        raise ValueError(f"{layer} does not support {what}={fn.__name__!r}; use one of "
                         f"{sorted(n for n, f in activations.ALL.items() if f.code in rk.SUPPORTED)}")
    return fn


def _init_args(local_vars):
    """The arguments of a subclass __init__ (from ``locals()``), for the base."""
    args = {k: v for k, v in local_vars.items() if k not in ("self", "__class__", "kwargs")}
    args.update(local_vars["kwargs"])
    return args


def _rate(value, what, layer):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) \
            or not 0.0 <= value < 1.0:
        raise ValueError(f"{layer} {what} must be a number in [0, 1), got {value!r}")
    return float(value)


class _RNN(Layer):
    """Shared configuration, shapes, masking, dropout and gradient plumbing."""

    consumes_mask = True
    supports_masking = True
    _n_gates = 1
    _n_states = 1

    def __init__(self, units, activation, use_bias, kernel_initializer, recurrent_initializer,
                 bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
                 activity_regularizer, dropout, recurrent_dropout, seed, return_sequences,
                 return_state, go_backwards, stateful, unroll, recurrent_activation=None,
                 zero_output_for_mask=False, use_cudnn="auto", **kwargs):
        kwargs.pop("implementation", None)  # Keras internals with no meaning here
        super().__init__(**kwargs)
        who = f"{type(self).__name__} '{self.name}'"
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"{who} units must be a positive integer, got {units!r}")
        if stateful:
            raise ValueError(f"{who}: stateful=True is not supported; pass whole sequences")
        self.units = int(units)
        self.activation = _resolve_activation(activation, "activation", who)
        if recurrent_activation is not None:
            self.recurrent_activation = _resolve_activation(recurrent_activation,
                                                            "recurrent_activation", who)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.dropout = _rate(dropout, "dropout", who)
        self.recurrent_dropout = _rate(recurrent_dropout, "recurrent_dropout", who)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = False
        self.unroll = bool(unroll)  # accepted for Keras code; the loop is always compiled
        self.zero_output_for_mask = bool(zero_output_for_mask)

    # ------------------------------------------------------------------ build / shapes
    def _bias_shape(self):
        return (self._n_gates * self.units,)

    def build(self, input_shape):
        if len(input_shape) != 3 or input_shape[-1] is None:
            raise ValueError(f"{type(self).__name__} '{self.name}' expects inputs of shape "
                             f"(batch, timesteps, features) with known features, got "
                             f"{tuple(input_shape)}")
        width = self._n_gates * self.units
        self.kernel = self.add_weight("kernel", (input_shape[-1], width),
                                      self.kernel_initializer, self.kernel_regularizer)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, width),
                                                self.recurrent_initializer,
                                                self.recurrent_regularizer)
        self.bias = (self.add_weight("bias", self._bias_shape(), self.bias_initializer,
                                     self.bias_regularizer) if self.use_bias else None)
        self.built = True

    def compute_output_shape(self, input_shape):
        batch = input_shape[0]
        out = ((batch, input_shape[1], self.units) if self.return_sequences
               else (batch, self.units))
        if self.return_state:
            return [out] + [(batch, self.units)] * self._n_states
        return out

    def compute_mask(self, inputs, mask):
        if isinstance(mask, list):
            mask = mask[0]
        out = mask if self.return_sequences else None
        if self.return_state:
            return [out] + [None] * self._n_states
        return out

    # ------------------------------------------------------------------ forward
    def _check(self, inputs, mask):
        x = np.asarray(inputs)
        if x.ndim != 3 or x.shape[-1] != self.kernel.shape[0]:
            raise ValueError(f"{type(self).__name__} '{self.name}' expects inputs of shape "
                             f"(batch, timesteps, {self.kernel.shape[0]}), got {x.shape}")
        if x.dtype != self.dtype:
            x = x.astype(self.dtype)
        if mask is not None:
            mask = np.asarray(mask, dtype=bool)
            if mask.shape != x.shape[:2]:
                raise ValueError(f"{type(self).__name__} '{self.name}' got a mask of shape "
                                 f"{mask.shape} for inputs of shape {x.shape}; masks are "
                                 "(batch, timesteps)")
            if mask.all():
                mask = None
        return x, mask

    def _dropout_masks(self, training, batch, features):
        """Input and recurrent dropout scales, one per sample for all steps (Keras)."""
        if not training or (self.dropout == 0 and self.recurrent_dropout == 0):
            return None, None
        rng = self._rng if self._rng is not None else backend.get_rng()
        masks = []
        for rate, width in ((self.dropout, features), (self.recurrent_dropout, self.units)):
            if rate == 0:
                masks.append(None)
                continue
            keep = 1.0 - rate
            m = (rng.random((batch, width)) < keep).astype(self.dtype)
            m *= m.dtype.type(1.0 / keep)
            masks.append(m)
        return masks

    def forward(self, inputs, training=False, ws=None, mask=None):
        x, mask = self._check(inputs, mask)
        B, T, F = x.shape
        if T == 0:
            raise ValueError(f"{type(self).__name__} '{self.name}' got a sequence of 0 steps")
        dmask, rmask = self._dropout_masks(training, B, F)
        if self.go_backwards:
            x = x[:, ::-1]
            mask = None if mask is None else mask[:, ::-1]
        dtype = np.dtype(self.dtype)
        xt = get_buffer(ws, "xt", (T, B, F), dtype)
        np.copyto(xt, x.transpose(1, 0, 2))
        if dmask is not None:
            xt *= dmask
        width = self._n_gates * self.units
        zx = get_buffer(ws, "zx", (T, B, width), dtype)
        np.matmul(xt.reshape(T * B, F), self.kernel.value, out=zx.reshape(T * B, width))
        ctx = {"ws": ws, "mask": _NO_MASK if mask is None else np.ascontiguousarray(mask.T),
               "rmask": np.zeros((0, 0), dtype) if rmask is None else rmask,
               "bounds": row_bounds(B), "fast": dtype == np.float32}
        H = get_buffer(ws, "H", (T + 1, B, self.units), dtype)
        H[0] = 0
        ctx["H"] = H
        self._recur(zx, ctx)
        outputs = self._outputs(ctx, mask)
        no_dx = ws is not None and ws.get("_no_dx", False)

        def backward(dy):
            dH, dC, dYt = self._output_grads(dy, mask, B, T, dtype, ws)
            dz_in = self._bptt(ctx, dYt, dH, dC)
            dz2 = dz_in.reshape(T * B, width)
            self._add_grad(self.kernel, xt.reshape(T * B, F).T, dz2, ws, "kgrad")
            self._recurrent_grads(ctx, dz2)
            if no_dx:
                return None
            dx = get_buffer(ws, "dx", (T, B, F), dtype)
            np.matmul(dz2, self.kernel.value.T, out=dx.reshape(T * B, F))
            if dmask is not None:
                dx *= dmask
            dx = dx.transpose(1, 0, 2)
            return dx[:, ::-1] if self.go_backwards else dx

        return outputs, backward

    def _outputs(self, ctx, mask):
        H, T = ctx["H"], ctx["H"].shape[0] - 1
        zero = self.zero_output_for_mask and mask is not None
        if self.return_sequences:
            y = H[1:].transpose(1, 0, 2)
            out = y * mask[:, :, None] if zero else np.ascontiguousarray(y)
        else:
            out = H[T] * mask[:, T - 1:T] if zero else H[T].copy()
        if not self.return_state:
            return out
        return [out, H[T].copy()] + ([ctx["C"][T].copy()] if self._n_states == 2 else [])

    def _output_grads(self, dy, mask, B, T, dtype, ws):
        """(dH, dC, dY): gradients of the last state(s) and of the time-major
        output sequence (shape (0, B, u) when only the last output is returned)."""
        dys = list(dy) if self.return_state else [dy]
        d_out = np.asarray(dys[0], dtype=dtype)
        dH = get_buffer(ws, "dH", (B, self.units), dtype)
        dC = get_buffer(ws, "dC", (B, self.units), dtype)
        dH[...] = 0
        dC[...] = 0
        if self.return_sequences:
            dYt = get_buffer(ws, "dY", (T, B, self.units), dtype)
            np.copyto(dYt, d_out.transpose(1, 0, 2))
        else:
            dYt = np.zeros((0, B, self.units), dtype)
            if self.zero_output_for_mask and mask is not None:
                d_out = d_out * mask[:, T - 1:T]
            dH += d_out
        if self.return_state:
            dH += dys[1]
            if self._n_states == 2:
                dC += dys[2]
        return dH, dC, dYt

    @staticmethod
    def _add_grad(weight, a, b, ws, key):
        """weight.grad += a @ b through a reusable buffer."""
        buf = get_buffer(ws, key, weight.shape, weight.grad.dtype)
        np.matmul(a, b, out=buf)
        weight.grad += buf

    def _recurrent_input(self, ctx):
        """The states that entered the recurrent products, (T * B, u)."""
        H = ctx["H"]
        hin = H[:-1].reshape(-1, self.units)
        rmask = ctx["rmask"]
        if rmask.shape[0]:
            hin = (H[:-1] * rmask).reshape(-1, self.units)
        return hin

    def _recurrent_grads(self, ctx, dz2):
        """Recurrent kernel and bias gradients from the pre-activation gradients."""
        self._add_grad(self.recurrent_kernel, self._recurrent_input(ctx).T, dz2, ctx["ws"],
                       "rgrad")
        if self.use_bias:
            act_k.column_sum_add(dz2, self.bias.grad)

    def _bias_value(self):
        return self.bias.value if self.use_bias else np.zeros(0, self.dtype)

    # ------------------------------------------------------------------ config
    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units, activation=activations.serialize(self.activation),
            use_bias=self.use_bias,
            kernel_initializer=initializers.serialize(self.kernel_initializer),
            recurrent_initializer=initializers.serialize(self.recurrent_initializer),
            bias_initializer=initializers.serialize(self.bias_initializer),
            kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
            recurrent_regularizer=regularizers.serialize(self.recurrent_regularizer),
            bias_regularizer=regularizers.serialize(self.bias_regularizer),
            activity_regularizer=regularizers.serialize(self.activity_regularizer),
            dropout=self.dropout, recurrent_dropout=self.recurrent_dropout, seed=self.seed,
            return_sequences=self.return_sequences, return_state=self.return_state,
            go_backwards=self.go_backwards, unroll=self.unroll,
            zero_output_for_mask=self.zero_output_for_mask)
        if hasattr(self, "recurrent_activation"):
            config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        return config


class SimpleRNN(_RNN):
    """Fully-connected RNN: ``h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)``.

    Parameters
    ----------
    units : int
        Size of the output and of the state.
    activation : str, default 'tanh'
    use_bias : bool, default True
    kernel_initializer, recurrent_initializer, bias_initializer
        Default ``'glorot_uniform'``, ``'orthogonal'``, ``'zeros'`` (Keras).
    kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer
        Optional regularizers.
    dropout, recurrent_dropout : float, default 0
        Fraction of the inputs / of the recurrent state dropped in training,
        one mask per sample for the whole sequence, as in Keras.
    seed : int, optional
        Seed of the dropout masks.
    return_sequences : bool, default False
        Return the whole output sequence ``(batch, timesteps, units)``
        instead of the last output ``(batch, units)``.
    return_state : bool, default False
        Also return the last state: ``[output, h]``.
    go_backwards : bool, default False
        Process the sequence from its end (and return it reversed).
    zero_output_for_mask : bool, default False
        With a mask and ``return_sequences``, output zeros at masked steps
        instead of repeating the previous output.

    Weights: ``kernel (features, units)``, ``recurrent_kernel (units, units)``,
    ``bias (units,)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import SimpleRNN
    >>> SimpleRNN(4, return_sequences=True)(np.ones((2, 5, 3))).shape
    (2, 5, 4)
    """

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, **kwargs):
        super().__init__(**_init_args(locals()))

    def _recur(self, zx, ctx):
        B = zx.shape[1]
        dtype = zx.dtype
        ws = ctx["ws"]
        Zt = get_buffer(ws, "Zt", (B, self.units), dtype)
        HD = get_buffer(ws, "HD", (B, self.units), dtype)
        _run(rk.simple_rnn_forward,
             (zx, self._bias_value(), self.recurrent_kernel.value, ctx["mask"], ctx["rmask"],
              self.activation.code, ctx["fast"], ctx["H"], Zt, HD), ctx["bounds"])

    def _bptt(self, ctx, dYt, dH, dC):
        H, ws = ctx["H"], ctx["ws"]
        dZ = get_buffer(ws, "dZ", H[1:].shape, H.dtype)
        DHM = get_buffer(ws, "DHM", dH.shape, H.dtype)
        UT = np.ascontiguousarray(self.recurrent_kernel.value.T)
        _run(rk.simple_rnn_backward,
             (dYt, dH, UT, H, ctx["mask"], ctx["rmask"], self.activation.code,
              self.zero_output_for_mask, dZ, DHM), ctx["bounds"])
        return dZ


class LSTM(_RNN):
    """Long Short-Term Memory layer (Hochreiter 1997), Keras 3 formulation.

    With gates ``i, f, c, o`` (that order in the weight columns)::

        z = x_t @ kernel + h_{t-1} @ recurrent_kernel + bias
        i, f, o = recurrent_activation(z_i), recurrent_activation(z_f), recurrent_activation(z_o)
        c_t = f * c_{t-1} + i * activation(z_c);  h_t = o * activation(c_t)

    Parameters are those of :class:`SimpleRNN`, plus
    ``recurrent_activation`` (default ``'sigmoid'``) and ``unit_forget_bias``
    (default True: the forget-gate bias starts at 1). With
    ``return_state`` the layer returns ``[output, h, c]``.

    Weights: ``kernel (features, 4 * units)``, ``recurrent_kernel
    (units, 4 * units)``, ``bias (4 * units,)``: Keras-trained weights load
    with ``set_weights`` and predict the same.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import LSTM
    >>> out, h, c = LSTM(4, return_state=True)(np.ones((2, 5, 3)))
    >>> out.shape, c.shape
    ((2, 4), (2, 4))
    """

    _n_gates = 4
    _n_states = 2

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 **kwargs):
        args = _init_args(locals())
        self.unit_forget_bias = bool(args.pop("unit_forget_bias"))
        super().__init__(**args)

    def build(self, input_shape):
        super().build(input_shape)
        if self.use_bias and self.unit_forget_bias:
            self.bias.value[self.units:2 * self.units] = 1.0

    def _recur(self, zx, ctx):
        T, B = zx.shape[:2]
        dtype, ws, u = zx.dtype, ctx["ws"], self.units
        C = ctx["C"] = get_buffer(ws, "C", (T + 1, B, u), dtype)
        C[0] = 0
        G = ctx["G"] = get_buffer(ws, "G", zx.shape, dtype)
        TC = ctx["TC"] = get_buffer(ws, "TC", (T, B, u), dtype)
        Zt = get_buffer(ws, "Zt", (B, 4 * u), dtype)
        HD = get_buffer(ws, "HD", (B, u), dtype)
        _run(rk.lstm_forward,
             (zx, self._bias_value(), self.recurrent_kernel.value, ctx["mask"], ctx["rmask"],
              self.activation.code, self.recurrent_activation.code, ctx["fast"], ctx["H"], C, G,
              TC, Zt, HD), ctx["bounds"])

    def _bptt(self, ctx, dYt, dH, dC):
        G, ws = ctx["G"], ctx["ws"]
        dZ = get_buffer(ws, "dZ", G.shape, G.dtype)
        DHM = get_buffer(ws, "DHM", dH.shape, G.dtype)
        UT = np.ascontiguousarray(self.recurrent_kernel.value.T)
        _run(rk.lstm_backward,
             (dYt, dH, dC, UT, ctx["C"], G, ctx["TC"], ctx["mask"], ctx["rmask"],
              self.activation.code, self.recurrent_activation.code, self.zero_output_for_mask,
              dZ, DHM), ctx["bounds"])
        return dZ

    def get_config(self):
        config = super().get_config()
        config["unit_forget_bias"] = self.unit_forget_bias
        return config


class GRU(_RNN):
    """Gated Recurrent Unit (Cho et al. 2014), Keras 3 formulation.

    Gates ``z`` (update), ``r`` (reset) and the candidate ``h`` (that order in
    the weight columns)::

        z = recurrent_activation(x_z + h_{t-1} @ U_z + b_z), r likewise
        reset_after=True:  hh = activation(x_h + r * (h_{t-1} @ U_h + b_rec_h))
        reset_after=False: hh = activation(x_h + (r * h_{t-1}) @ U_h)
        h_t = z * h_{t-1} + (1 - z) * hh

    Parameters are those of :class:`LSTM` (without ``unit_forget_bias``),
    plus ``reset_after`` (default True, Keras' and cuDNN's convention).

    Weights: ``kernel (features, 3 * units)``, ``recurrent_kernel
    (units, 3 * units)`` and ``bias`` of shape ``(2, 3 * units)`` (input
    and recurrent biases) with ``reset_after=True``, ``(3 * units,)``
    otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import GRU
    >>> layer = GRU(4)
    >>> layer(np.ones((2, 5, 3))).shape
    (2, 4)
    >>> [w.shape for w in layer.get_weights()]
    [(3, 12), (4, 12), (2, 12)]
    """

    _n_gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, reset_after=True, **kwargs):
        args = _init_args(locals())
        self.reset_after = bool(args.pop("reset_after"))
        super().__init__(**args)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _recur(self, zx, ctx):
        T, B = zx.shape[:2]
        dtype, ws, u = zx.dtype, ctx["ws"], self.units
        G = ctx["G"] = get_buffer(ws, "G", zx.shape, dtype)
        RH = ctx["RH"] = get_buffer(ws, "RH", (T, B, u), dtype)
        HD = get_buffer(ws, "HD", (B, u), dtype)
        U = self.recurrent_kernel.value
        common = (ctx["mask"], ctx["rmask"], self.activation.code,
                  self.recurrent_activation.code, ctx["fast"], ctx["H"], G, RH)
        if self.reset_after:
            bias = self.bias.value if self.use_bias else np.zeros((2, 0), dtype)
            Zt = get_buffer(ws, "Zt", (B, 3 * u), dtype)
            _run(rk.gru_forward, (zx, bias[0], bias[1], U) + common + (Zt, HD), ctx["bounds"])
        else:
            Zt = get_buffer(ws, "Zt", (B, 2 * u), dtype)
            Zh = get_buffer(ws, "Zh", (B, u), dtype)
            _run(rk.gru_v1_forward,
                 (zx, self._bias_value(), np.ascontiguousarray(U[:, :2 * u]),
                  np.ascontiguousarray(U[:, 2 * u:])) + common + (Zt, Zh, HD), ctx["bounds"])

    def _bptt(self, ctx, dYt, dH, dC):
        G, ws, u = ctx["G"], ctx["ws"], self.units
        dtype, B = G.dtype, G.shape[1]
        U = self.recurrent_kernel.value
        dZ = get_buffer(ws, "dZ", G.shape, dtype)
        DHM = get_buffer(ws, "DHM", dH.shape, dtype)
        codes = (self.activation.code, self.recurrent_activation.code, self.zero_output_for_mask)
        if self.reset_after:
            dZr = ctx["dZr"] = get_buffer(ws, "dZr", G.shape, dtype)
            _run(rk.gru_backward,
                 (dYt, dH, np.ascontiguousarray(U.T), ctx["H"], G, ctx["RH"], ctx["mask"],
                  ctx["rmask"]) + codes + (dZ, dZr, DHM), ctx["bounds"])
        else:
            work = [get_buffer(ws, k, (B, s), dtype)
                    for k, s in (("DZR", 2 * u), ("DHH", u), ("DRH", u), ("HD", u))]
            _run(rk.gru_v1_backward,
                 (dYt, dH, np.ascontiguousarray(U[:, :2 * u].T),
                  np.ascontiguousarray(U[:, 2 * u:].T), ctx["H"], G, ctx["mask"], ctx["rmask"])
                 + codes + (dZ, work[0], work[1], work[2], DHM, work[3]), ctx["bounds"])
        return dZ

    def _recurrent_grads(self, ctx, dz2):
        u, ws = self.units, ctx["ws"]
        if self.reset_after:
            dzr = ctx["dZr"].reshape(dz2.shape)
            self._add_grad(self.recurrent_kernel, self._recurrent_input(ctx).T, dzr, ws, "rgrad")
            if self.use_bias:
                act_k.column_sum_add(dz2, self.bias.grad[0])
                act_k.column_sum_add(dzr, self.bias.grad[1])
            return
        # reset before the product: the candidate columns saw r * h, not h
        rhin = ctx["RH"].reshape(-1, u)
        grad = self.recurrent_kernel.grad
        grad[:, :2 * u] += self._recurrent_input(ctx).T @ dz2[:, :2 * u]
        grad[:, 2 * u:] += rhin.T @ dz2[:, 2 * u:]
        if self.use_bias:
            act_k.column_sum_add(dz2, self.bias.grad)

    def get_config(self):
        config = super().get_config()
        config["reset_after"] = self.reset_after
        return config
