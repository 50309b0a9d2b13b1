"""Recurrent layers: SimpleRNN, LSTM and GRU (Keras 3 semantics and weights).

Each layer projects the inputs of all time steps in one GEMM, runs the
recurrence and its backprop-through-time in compiled kernels
(``kernels/recurrent.py``) and computes the weight gradients of all steps
in one GEMM per weight; ``_rnn_base.py`` holds what the three share.

Masks (from ``Embedding(mask_zero=True)`` or ``Masking``) have shape
``(batch, timesteps)``: a masked step keeps the previous state, and its
output repeats the previous output, or is zero with
``zero_output_for_mask=True`` (which ``Bidirectional`` sets when returning
sequences), exactly as Keras does. With ``go_backwards=True`` the sequence
is processed from the end and returned in that (reversed) order.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..kernels import activations as act_k
from ..kernels import recurrent as rk
from ._rnn_base import _RNN, _init_args


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

    def __init__(self, units: int, activation: str | Callable[..., Any] | None = "tanh",
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, seed: int | None = None,
                 return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**_init_args(locals()))

    def _recur(self, part):
        n, u = part["n"], self.units
        rk.simple_rnn_forward(
            part["zx"], self._bias_value(), self.recurrent_kernel.value, part["mask"],
            part["rmask"], self.activation.code, part["H"],
            self._buf(part, "Zt", (n, u)), self._buf(part, "HD", (n, u)), 0, n)

    def _bptt(self, part, dY, dH, dC):
        n, u = part["n"], self.units
        part["dZ"] = self._buf(part, "dZ", part["H"][1:].shape)
        rk.simple_rnn_backward(
            dY, dH, part["UT"], part["H"], part["mask"], part["rmask"], self.activation.code,
            self.zero_output_for_mask, part["dZ"], self._buf(part, "DHM", (n, u)), 0, n)


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

    def __init__(self, units: int, activation: str | Callable[..., Any] | None = "tanh",
                 recurrent_activation: str | Callable[..., Any] | None = "sigmoid",
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 unit_forget_bias: bool = True, kernel_regularizer: Any = None,
                 recurrent_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, seed: int | None = None,
                 return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 **kwargs: Any) -> None:
        args = _init_args(locals())
        self.unit_forget_bias = bool(args.pop("unit_forget_bias"))
        super().__init__(**args)

    def build(self, input_shape):
        super().build(input_shape)
        if self.use_bias and self.unit_forget_bias:
            self.bias.value[self.units:2 * self.units] = 1.0

    def _recur(self, part):
        n, u = part["n"], self.units
        T = part["zx"].shape[0]
        part["C"] = self._buf(part, "C", (T + 1, n, u))
        part["C"][0] = 0
        part["G"] = self._buf(part, "G", (T, n, 4 * u))
        part["TC"] = self._buf(part, "TC", (T, n, u))
        rk.lstm_forward(
            part["zx"], self._bias_value(), self.recurrent_kernel.value, part["mask"],
            part["rmask"], self.activation.code, self.recurrent_activation.code,
            part["H"], part["C"], part["G"], part["TC"], self._buf(part, "Zt", (n, 4 * u)),
            self._buf(part, "HD", (n, u)), 0, n)

    def _bptt(self, part, dY, dH, dC):
        n, u = part["n"], self.units
        part["dZ"] = self._buf(part, "dZ", part["G"].shape)
        rk.lstm_backward(
            dY, dH, dC, part["UT"], part["C"], part["G"], part["TC"], part["mask"],
            part["rmask"], self.activation.code, self.recurrent_activation.code,
            self.zero_output_for_mask, part["dZ"], self._buf(part, "DHM", (n, u)), 0, n)

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

    def __init__(self, units: int, activation: str | Callable[..., Any] | None = "tanh",
                 recurrent_activation: str | Callable[..., Any] | None = "sigmoid",
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, seed: int | None = None,
                 return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 reset_after: bool = True, **kwargs: Any) -> None:
        args = _init_args(locals())
        self.reset_after = bool(args.pop("reset_after"))
        super().__init__(**args)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _recur(self, part):
        n, u = part["n"], self.units
        T, dtype = part["zx"].shape[0], part["dtype"]
        part["G"] = self._buf(part, "G", (T, n, 3 * u))
        part["RH"] = self._buf(part, "RH", (T, n, u))
        U = self.recurrent_kernel.value
        common = (part["mask"], part["rmask"], self.activation.code,
                  self.recurrent_activation.code, part["H"], part["G"],
                  part["RH"])
        if self.reset_after:
            bias = self.bias.value if self.use_bias else np.zeros((2, 0), dtype)
            rk.gru_forward(part["zx"], bias[0], bias[1], U, *common,
                           self._buf(part, "Zt", (n, 3 * u)), self._buf(part, "HD", (n, u)),
                           0, n)
        else:
            rk.gru_v1_forward(part["zx"], self._bias_value(), np.ascontiguousarray(U[:, :2 * u]),
                              np.ascontiguousarray(U[:, 2 * u:]), *common,
                              self._buf(part, "Zt", (n, 2 * u)), self._buf(part, "Zh", (n, u)),
                              self._buf(part, "HD", (n, u)), 0, n)

    def _prepare_backward(self, parts):
        super()._prepare_backward(parts)
        u, U = self.units, self.recurrent_kernel.value
        UzrT, UhT = np.ascontiguousarray(U[:, :2 * u].T), np.ascontiguousarray(U[:, 2 * u:].T)
        for part in parts:
            part["UzrT"], part["UhT"] = UzrT, UhT

    def _bptt(self, part, dY, dH, dC):
        n, u = part["n"], self.units
        part["dZ"] = self._buf(part, "dZ", part["G"].shape)
        codes = (self.activation.code, self.recurrent_activation.code, self.zero_output_for_mask)
        if self.reset_after:
            part["dZr"] = self._buf(part, "dZr", part["G"].shape)
            rk.gru_backward(dY, dH, part["UT"], part["H"], part["G"], part["RH"], part["mask"],
                            part["rmask"], *codes, part["dZ"], part["dZr"],
                            self._buf(part, "DHM", (n, u)), 0, n)
        else:
            work = [self._buf(part, k, (n, w)) for k, w in
                    (("DZR", 2 * u), ("DHH", u), ("DRH", u), ("DHM", u), ("HD", u))]
            rk.gru_v1_backward(dY, dH, part["UzrT"], part["UhT"], part["H"], part["G"],
                               part["mask"], part["rmask"], *codes, part["dZ"], *work, 0, n)

    def _recurrent_grads(self, part):
        u = self.units
        dz = part["dZ"].reshape(-1, 3 * u)
        hin = self._recurrent_input(part)
        rgrad = self._buf(part, "rgrad", (u, 3 * u))
        if self.reset_after:
            dzr = part["dZr"].reshape(dz.shape)
            np.dot(hin.T, dzr, out=rgrad)
            sums = [(dz, 0), (dzr, 1)]
        else:  # the candidate columns multiplied r * h, not h
            rgrad[:, :2 * u] = np.dot(hin.T, dz[:, :2 * u])
            rgrad[:, 2 * u:] = np.dot(part["RH"].reshape(-1, u).T, dz[:, 2 * u:])
            sums = [(dz, None)]
        if not self.use_bias:
            return [rgrad]
        bgrad = self._buf(part, "bgrad", self.bias.shape)
        bgrad[...] = 0
        for d, row in sums:
            act_k.column_sum_add(d, bgrad if row is None else bgrad[row])
        return [rgrad, bgrad]

    def get_config(self):
        config = super().get_config()
        config["reset_after"] = self.reset_after
        return config
