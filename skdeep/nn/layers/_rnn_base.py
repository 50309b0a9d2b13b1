"""Machinery shared by SimpleRNN, LSTM and GRU: configuration, shapes, masks,
dropout, the row-range threads and the gradient GEMMs (see ``recurrent.py``).

The batch is split into row ranges, one per thread (``skdeep.nn.threads``):
each thread runs its rows' GEMMs and recurrence from start to end on its own
time-major arrays, so threads meet twice per training step instead of at
every GEMM, and BLAS is held at one thread meanwhile, because OpenBLAS' own
threads wait for each other at every call and collapse when the cores are
shared (measured here: ten times slower under load).
"""
import numpy as np

from .. import activations, backend, initializers, regularizers, threads
from ..kernels import activations as act_k
from ..kernels import recurrent as rk
from .base import Layer

_NO_MASK = np.zeros((0, 0), dtype=bool)
_MIN_ROWS = 32  # rows per thread, at least: fewer do not pay for the hand-off


def _blocks(batch):
    """Row ranges to split a batch into: one per Numba thread, each of at
    least ``_MIN_ROWS`` rows (fewer do not pay for the hand-off)."""
    return threads.n_blocks(batch, _MIN_ROWS)


# ----------------------------------------------------------------------------- helpers
def _resolve_activation(identifier, what, layer):
    fn = activations.get(identifier)
    if activations.kernel_code(fn) not in rk.SUPPORTED:
        names = sorted(n for n, f in activations.ALL.items() if f.code in rk.SUPPORTED)
        raise ValueError(f"{layer} does not support {what}="
                         f"{getattr(fn, '__name__', fn)!r} (its kernels fuse the built-in "
                         f"activations only); use one of {names}")
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
        if x.shape[1] == 0:
            raise ValueError(f"{type(self).__name__} '{self.name}' got a sequence of 0 steps")
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
            elif self.go_backwards:
                mask = mask[:, ::-1]  # processing order from here on
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

    def _buf(self, part, key, shape):
        """A work array of this call site and row range."""
        return part["ctx"].buffer((key, part["index"]), shape, part["dtype"])

    def _part(self, ctx, index, b0, b1, T, dtype, mask, rmask):
        """The arrays of rows [b0, b1): time-major within the part."""
        n = b1 - b0
        part = {"ctx": ctx, "index": index, "b0": b0, "b1": b1, "n": n, "dtype": dtype,
                "mask": _NO_MASK if mask is None else np.ascontiguousarray(mask[b0:b1].T),
                "rmask": np.zeros((0, 0), dtype) if rmask is None else rmask[b0:b1]}
        part["H"] = self._buf(part, "H", (T + 1, n, self.units))
        part["H"][0] = 0
        return part

    def forward(self, inputs, ctx, initial_state=None):
        if initial_state is not None:
            raise ValueError(f"{type(self).__name__} '{self.name}': initial_state is not "
                             "supported; recurrent layers start from zero states")
        x, mask = self._check(inputs, ctx.mask)
        B, T, F = x.shape
        u, width, dtype = self.units, self._n_gates * self.units, x.dtype
        dmask, rmask = self._dropout_masks(ctx.training, B, F)
        parts = [None] * _blocks(B)
        zero = self.zero_output_for_mask and mask is not None
        out = ctx.buffer("y", (B, T, u) if self.return_sequences else (B, u), dtype)
        states = [np.empty((B, u), dtype) for _ in range(self._n_states)]
        kernel = self.kernel.value

        def rows(i, b0, b1):
            part = parts[i] = self._part(ctx, i, b0, b1, T, dtype, mask, rmask)
            xt = part["xt"] = self._buf(part, "xt", (T, part["n"], F))
            src = (x[b0:b1, ::-1] if self.go_backwards else x[b0:b1]).transpose(1, 0, 2)
            if dmask is None:
                np.copyto(xt, src)
            else:
                np.multiply(src, dmask[b0:b1], out=xt)
            part["zx"] = self._buf(part, "zx", (T, part["n"], width))
            np.dot(xt.reshape(-1, F), kernel, out=part["zx"].reshape(-1, width))
            self._recur(part)
            H = part["H"]
            if self.return_sequences:
                np.copyto(out[b0:b1], H[1:].transpose(1, 0, 2))
                if zero:
                    out[b0:b1] *= mask[b0:b1, :, None]
            else:
                out[b0:b1] = H[T]
                if zero:
                    out[b0:b1] *= mask[b0:b1, T - 1:]
            states[0][b0:b1] = H[T]
            if self._n_states == 2:
                states[1][b0:b1] = part["C"][T]

        threads.run_blocks(rows, B, len(parts))
        no_dx = not ctx.need_dx

        def backward(dy):
            return self._backward(parts, x.shape, dy, mask, dmask, no_dx, ctx)

        return ([out] + states if self.return_state else out), backward

    def _backward(self, parts, shape, dy, mask, dmask, no_dx, ctx):
        B, T, F = shape
        u, width, dtype = self.units, self._n_gates * self.units, parts[0]["dtype"]
        dys = list(dy) if self.return_state else [dy]
        if not self.return_sequences and self.zero_output_for_mask and mask is not None:
            dys[0] = dys[0] * mask[:, T - 1:]
        self._prepare_backward(parts)
        kernel = self.kernel.value
        dx = None if no_dx else ctx.buffer("dx", shape, dtype)
        grads = [None] * len(parts)

        def rows(i, b0, b1):
            part = parts[i]  # the forward's row range: same batch, same split
            n = part["n"]
            dH, dC = self._buf(part, "dH", (n, u)), self._buf(part, "dC", (n, u))
            dH[...] = 0
            dC[...] = 0
            if self.return_sequences:
                dY = self._buf(part, "dY", (T, n, u))
                np.copyto(dY, dys[0][b0:b1].transpose(1, 0, 2))
            else:
                dY = np.zeros((0, n, u), dtype)
                dH += dys[0][b0:b1]
            if self.return_state:
                dH += dys[1][b0:b1]
                if self._n_states == 2:
                    dC += dys[2][b0:b1]
            self._bptt(part, dY, dH, dC)
            dz = part["dZ"].reshape(-1, width)
            if self.trainable:
                kgrad = self._buf(part, "kgrad", kernel.shape)
                np.dot(part["xt"].reshape(-1, F).T, dz, out=kgrad)
                grads[i] = [kgrad] + self._recurrent_grads(part)
            if dx is not None:
                dxt = self._buf(part, "dxt", (T, n, F))
                np.dot(dz, kernel.T, out=dxt.reshape(-1, F))
                if dmask is not None:
                    dxt *= dmask[b0:b1]
                np.copyto(dx[b0:b1, ::-1] if self.go_backwards else dx[b0:b1],
                          dxt.transpose(1, 0, 2))

        threads.run_blocks(rows, B, len(parts))
        for part_grads in grads:
            for w, g in zip(self.weights, part_grads or ()):
                w.grad += g
        return dx

    def _prepare_backward(self, parts):
        UT = np.ascontiguousarray(self.recurrent_kernel.value.T)
        for part in parts:
            part["UT"] = UT

    def _recurrent_input(self, part):
        """The states that entered the recurrent products, (T * n, u)."""
        hin = part["H"][:-1]
        if part["rmask"].shape[0]:
            hin = hin * part["rmask"]
        return hin.reshape(-1, self.units)

    def _recurrent_grads(self, part):
        """This row range's recurrent-kernel (and bias) gradients."""
        dz = part["dZ"].reshape(-1, self._n_gates * self.units)
        rgrad = self._buf(part, "rgrad", self.recurrent_kernel.shape)
        np.dot(self._recurrent_input(part).T, dz, out=rgrad)
        if not self.use_bias:
            return [rgrad]
        bgrad = self._buf(part, "bgrad", self.bias.shape)
        bgrad[...] = 0
        act_k.column_sum_add(dz, bgrad)
        return [rgrad, bgrad]

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
