"""Bidirectional: runs a recurrent layer forwards and a copy backwards."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .base import Layer, _as_list
from .serialization import deserialize_layer, serialize_layer

_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


class Bidirectional(Layer):
    """Bidirectional wrapper for recurrent layers (Keras 3 semantics).

    Parameters
    ----------
    layer : SimpleRNN, LSTM or GRU
        The forward layer's template: the wrapper builds a fresh copy of it
        from its config (``forward_<name>``) and, unless ``backward_layer``
        is given, a second copy with ``go_backwards`` flipped
        (``backward_<name>``).
    merge_mode : {'concat', 'sum', 'mul', 'ave', None}, default 'concat'
        How the two outputs are combined; None returns them as a list.
    backward_layer : layer, optional
        The layer for the backward direction; it must differ from ``layer``
        in ``go_backwards`` and agree on ``return_sequences`` and
        ``return_state``.

    The backward direction's output sequence is reversed back into input
    order before merging, and both directions output zeros at masked steps
    when returning sequences. With ``return_state`` the outputs are
    ``[merged, *forward_states, *backward_states]``. Weights are the
    forward layer's arrays followed by the backward layer's.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import Bidirectional, LSTM
    >>> Bidirectional(LSTM(4, return_sequences=True))(np.ones((2, 5, 3))).shape
    (2, 5, 8)
    """

    consumes_mask = True
    supports_masking = True

    def __init__(self, layer: Layer, merge_mode: str | None = "concat",
                 weights: Sequence[Any] | None = None, backward_layer: Layer | None = None,
                 **kwargs: Any) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(f"Bidirectional needs a recurrent layer instance, got {layer!r}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(f"Bidirectional backward_layer must be a layer instance, got "
                             f"{backward_layer!r}")
        for attr in ("go_backwards", "return_sequences", "return_state"):
            if not hasattr(layer, attr):
                raise ValueError(f"Bidirectional needs a recurrent layer (SimpleRNN, LSTM, GRU); "
                                 f"{type(layer).__name__} has no '{attr}'")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Bidirectional merge_mode must be one of {_MERGE_MODES}, got "
                             f"{merge_mode!r}")
        super().__init__(**kwargs)
        self.forward_layer = self._copy(layer, "forward_", None, serialize_layer,
                                        deserialize_layer)
        if backward_layer is None:
            self.backward_layer = self._copy(layer, "backward_", True, serialize_layer,
                                             deserialize_layer)
        else:
            self.backward_layer = backward_layer
        fw, bw = self.forward_layer, self.backward_layer
        if fw.go_backwards == bw.go_backwards:
            raise ValueError("Bidirectional: the forward and backward layers must have different "
                             f"go_backwards values, both have {fw.go_backwards}")
        for attr in ("return_sequences", "return_state"):
            if getattr(fw, attr) != getattr(bw, attr):
                raise ValueError(f"Bidirectional: the forward and backward layers must agree on "
                                 f"{attr} ({getattr(fw, attr)} vs {getattr(bw, attr)})")
        for sub in (fw, bw):  # Keras: masked steps of a returned sequence are zeros
            if hasattr(sub, "zero_output_for_mask"):
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.return_sequences = fw.return_sequences
        self.return_state = fw.return_state
        self._initial_weights = weights

    @staticmethod
    def _copy(layer, prefix, go_backwards, serialize, deserialize):
        spec = serialize(layer)
        config = dict(spec["config"])
        name = config.get("name", layer.name)
        for p in ("forward_", "backward_"):
            if name.startswith(p):
                name = name[len(p):]
        config["name"] = prefix + name
        config.pop("input_shape", None)
        if go_backwards is not None:
            config["go_backwards"] = not layer.go_backwards
        return deserialize({"class_name": spec["class_name"], "config": config})

    # ------------------------------------------------------------------ weights
    @property
    def sublayers(self):
        return [self.forward_layer, self.backward_layer]

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for sub in self.sublayers:
            sub.trainable = value

    @property
    def weights(self):
        return self.forward_layer.weights + self.backward_layer.weights

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return self.forward_layer.trainable_weights + self.backward_layer.trainable_weights


    # ------------------------------------------------------------------ shapes
    def build(self, input_shape):
        for sub in self.sublayers:
            sub._maybe_build(input_shape)
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def compute_output_shape(self, input_shape):
        shapes = _as_list(self.forward_layer.compute_output_shape(input_shape)) \
            if self.return_state else [self.forward_layer.compute_output_shape(input_shape)]
        out, states = shapes[0], shapes[1:]
        if self.merge_mode == "concat":
            outs = [tuple(out[:-1]) + (None if out[-1] is None else 2 * out[-1],)]
        elif self.merge_mode is None:
            outs = [out, out]
        else:
            outs = [out]
        outs = outs + list(states) * 2
        return outs if len(outs) > 1 else outs[0]

    def compute_mask(self, inputs, mask):
        if isinstance(mask, list):
            mask = mask[0]
        out = mask if self.return_sequences else None
        masks = [out, out] if self.merge_mode is None else [out]
        if self.return_state:
            n_states = len(_as_list(self.forward_layer.compute_output_shape(
                (None, None, None)))) - 1
            masks += [None] * (2 * n_states)
        return masks if len(masks) > 1 else masks[0]

    # ------------------------------------------------------------------ forward
    def forward(self, inputs, ctx):
        y_f, back_f = self.forward_layer.forward(inputs, ctx.child("forward"))
        y_b, back_b = self.backward_layer.forward(inputs, ctx.child("backward"))
        states_f = states_b = []
        if self.return_state:
            (y_f, *states_f), (y_b, *states_b) = y_f, y_b
        if self.return_sequences:
            y_b = y_b[:, ::-1]
        mode = self.merge_mode
        if mode == "concat":
            merged = [np.concatenate([y_f, y_b], axis=-1)]
        elif mode == "sum":
            merged = [y_f + y_b]
        elif mode == "ave":
            merged = [(y_f + y_b) * y_f.dtype.type(0.5)]
        elif mode == "mul":
            merged = [y_f * y_b]
        else:
            merged = [y_f, y_b]
        outputs = merged + states_f + states_b
        n_merged, n_states = len(merged), len(states_f)

        def backward(dy):
            dys = _as_list(dy) if len(outputs) > 1 else [dy]
            d = dys[0]
            if mode == "concat":
                units = y_f.shape[-1]
                d_f, d_b = d[..., :units], d[..., units:]
            elif mode == "sum":
                d_f, d_b = d, d
            elif mode == "ave":
                d_f = d_b = d * d.dtype.type(0.5)
            elif mode == "mul":
                d_f, d_b = d * y_b, d * y_f
            else:
                d_f, d_b = d, dys[1]
            if self.return_sequences:
                d_b = d_b[:, ::-1]
            rest = dys[n_merged:]
            if self.return_state:
                d_f = [d_f] + rest[:n_states]
                d_b = [d_b] + rest[n_states:]
            dx_f, dx_b = back_f(d_f), back_b(d_b)
            if dx_f is None or dx_b is None:
                return None
            return dx_f + dx_b

        return (outputs if len(outputs) > 1 else outputs[0]), backward

    # ------------------------------------------------------------------ config
    def get_config(self):
        config = super().get_config()
        config.update(layer=serialize_layer(self.forward_layer), merge_mode=self.merge_mode,
                      backward_layer=serialize_layer(self.backward_layer))
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"])
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize_layer(config["backward_layer"])
        return cls(**config)
