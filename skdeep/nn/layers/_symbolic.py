"""Ops on symbolic tensors: ``ops.add(a, b)``, ``a * 2 + b``, ``x[:, :3]`` on
``Input`` tensors become graph nodes of an :class:`OpLayer`, as in Keras 3's
functional API.
"""
import json

import numpy as np

from ..ops import _core
from ..ops._core import OPS, Tape, Tensor, apply
from .base import KTensor, Layer, unique_name


def _symbolic(x):
    return isinstance(x, KTensor)


class OpLayer(Layer):
    """One op of :mod:`skdeep.nn.ops` applied to symbolic tensors.

    ``op`` names the primitive; ``params`` are its keyword arguments and
    ``constants`` the non-symbolic positional inputs, by position.
    """

    def __init__(self, op, params=None, constants=None, n_inputs=None, name=None, **kwargs):
        if op not in OPS or OPS[op].forward is None:
            raise ValueError(f"Unknown op {op!r}")
        super().__init__(name=name or unique_name(op), **kwargs)
        self.op = op
        self.params = dict(params or {})
        self.constants = {int(k): v for k, v in (constants or {}).items()}
        self.n_inputs = n_inputs
        self.built = True

    def _full_inputs(self, tensors):
        it = iter(tensors)
        total = len(self.constants) + len(tensors)
        return [self.constants[i] if i in self.constants else next(it) for i in range(total)]

    def forward(self, inputs, ctx):
        arrays = inputs if isinstance(inputs, list) else [inputs]
        tape = Tape()
        with tape:
            watched = [tape.watch(a) if np.issubdtype(np.asarray(a).dtype, np.floating)
                       else Tensor(np.asarray(a)) for a in arrays]
            out = apply(OPS[self.op], self._full_inputs(watched), **self.params)
        multi = isinstance(out, list)
        values = [o.value for o in out] if multi else out.value

        def backward(dy):
            dys = dy if multi else [dy]
            pairs = list(zip(out if multi else [out], dys))
            grads = tape.backward(pairs, watched)
            return grads if isinstance(inputs, list) else grads[0]

        return values, backward

    def compute_output_shape(self, input_shape):
        shapes = input_shape if isinstance(input_shape, list) else [input_shape]
        probes = []
        for fill in (1, 2):
            arrays = [np.zeros(tuple(fill if d is None else d for d in s), self.dtype)
                      for s in shapes]
            with np.errstate(all="ignore"):
                out = OPS[self.op].forward(*self._full_inputs(arrays), **self.params)
            probes.append([np.shape(o) for o in out] if isinstance(out, (list, tuple))
                          else [np.shape(out)])
        result = [tuple(None if a != b else a for a, b in zip(s1, s2)) if len(s1) == len(s2)
                  else s1 for s1, s2 in zip(*probes)]
        return result if isinstance(out, (list, tuple)) else result[0]

    def get_config(self):
        config = super().get_config()
        constants = {str(k): np.asarray(v).tolist() for k, v in self.constants.items()}
        params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.params.items()}
        try:
            json.dumps([constants, params])
        except (TypeError, ValueError):
            raise NotImplementedError(
                f"The op node '{self.name}' ({self.op} with {self.params!r:.80}) cannot be "
                "saved: its arguments are not JSON-serializable (e.g. a slice); write the "
                "computation as a custom layer with get_config()") from None
        config.update(op=self.op, params=params, constants=constants, n_inputs=self.n_inputs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        params = {k: tuple(v) if isinstance(v, list) and k in ("axis", "axes", "newshape",
                                                               "shape", "repeats") else v
                  for k, v in config.pop("params", {}).items()}
        constants = {int(k): np.asarray(v) if isinstance(v, list) else v
                     for k, v in config.pop("constants", {}).items()}
        return cls(params=params, constants=constants, **config)


def _flatten_inputs(inputs):
    """Varargs ops (concatenate, stack, einsum) receive tensors one by one."""
    return list(inputs)


def symbolic_apply(op, inputs, params):
    """The hook ``ops._core.apply`` calls when an input is a symbolic tensor."""
    tensors, constants = [], {}
    for i, x in enumerate(_flatten_inputs(inputs)):
        if _symbolic(x):
            tensors.append(x)
        else:
            constants[i] = np.asarray(_core.unwrap(x)) if _core.is_tensor(x) else x
    layer = OpLayer(op.name, params=params, constants=constants, n_inputs=len(tensors),
                    dtype=tensors[0].dtype if np.issubdtype(np.dtype(tensors[0].dtype),
                                                            np.floating) else None)
    return layer(tensors if len(tensors) > 1 else tensors[0])


_core.SYMBOLIC["hook"] = symbolic_apply
