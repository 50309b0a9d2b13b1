"""Embedding and Masking: the layers that start a (masked) sequence model."""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import constraints, initializers, regularizers
from ..kernels import embedding as emb_k
from .base import Layer


def _positive_int(value, what, layer):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{layer} {what} must be a positive integer, got {value!r}")
    return int(value)


class Embedding(Layer):
    """Turns non-negative integer ids into dense vectors of size ``output_dim``.

    Parameters
    ----------
    input_dim : int
        Size of the vocabulary: ids must lie in ``[0, input_dim)``.
    output_dim : int
        Size of each embedding vector.
    embeddings_initializer : str or Initializer, default 'uniform'
        Keras' default, ``RandomUniform(-0.05, 0.05)``.
    embeddings_regularizer : str or Regularizer, optional
    mask_zero : bool, default False
        Whether id 0 is padding: the layer then emits a mask (``ids != 0``)
        that recurrent layers downstream use to skip those steps, so the
        vocabulary should start at 1 (``input_dim`` = vocabulary size + 1).
    weights : array-like, optional
        Initial ``(input_dim, output_dim)`` embeddings (or a one-element list
        of it), as in Keras.

    Input ids may be integer or float arrays holding whole numbers (a
    Sequential model's input is float unless it is built on integer data);
    other values and ids out of range raise a ValueError. The only weight is
    ``embeddings`` of shape ``(input_dim, output_dim)``. The ids get no
    gradient.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import Embedding
    >>> Embedding(10, 3)(np.array([[1, 2, 0]])).shape
    (1, 3, 3)
    """

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer: Any = "uniform",
                 embeddings_regularizer: Any = None, activity_regularizer: Any = None,
                 embeddings_constraint: Any = None, mask_zero: bool = False,
                 weights: Sequence[Any] | None = None, input_length: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if input_length is not None:
            warnings.warn("Embedding argument `input_length` is deprecated (Keras 3) and "
                          "ignored; just remove it", stacklevel=2)
        self.input_dim = _positive_int(input_dim, "input_dim", f"Embedding '{self.name}'")
        self.output_dim = _positive_int(output_dim, "output_dim", f"Embedding '{self.name}'")
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        if weights is not None:
            self.build(None)
            arrays = weights if isinstance(weights, (list, tuple)) else [weights]
            self.set_weights(arrays)

    @property
    def supports_masking(self):
        return self.mask_zero

    def build(self, input_shape=None):
        if self.built:
            return
        self.embeddings = self.add_weight("embeddings", (self.input_dim, self.output_dim),
                                          self.embeddings_initializer,
                                          self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        self.built = True

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return np.asarray(inputs) != 0

    def _ids(self, inputs):
        """Validated int64 ids (any shape)."""
        ids = np.asarray(inputs)
        if ids.dtype.kind == "f":
            if not np.isfinite(ids).all() or (ids != np.round(ids)).any():
                bad = ids[~np.isfinite(ids) | (ids != np.round(ids))].ravel()[0]
                raise ValueError(f"Embedding '{self.name}' needs integer ids, got the value "
                                 f"{bad.item()!r}; pass token ids (e.g. from skdeep.text.Tokenizer)")
        elif ids.dtype.kind not in "iub":
            raise TypeError(f"Embedding '{self.name}' needs integer ids, got an array of dtype "
                            f"{ids.dtype}")
        if ids.size:
            lo, hi = ids.min(), ids.max()
            if lo < 0 or hi >= self.input_dim:
                bad = lo if lo < 0 else hi
                raise ValueError(f"Embedding '{self.name}' got id {bad:g} outside [0, "
                                 f"{self.input_dim}); input_dim must be larger than the largest "
                                 "id (vocabulary size + 1 when 0 is padding)")
        return ids.astype(np.int64, copy=False)

    def forward(self, inputs, ctx):
        ids = self._ids(inputs)
        flat = np.ascontiguousarray(ids).reshape(-1)
        ids2 = flat.reshape(ids.shape) if ids.ndim == 2 else None
        table = self.embeddings.value
        out = ctx.buffer("y", (flat.shape[0], self.output_dim), table.dtype)
        emb_k.embedding_forward(table, flat, out)

        def backward(dy):
            if not self.trainable:
                return None
            dy = np.asarray(dy, dtype=table.dtype)
            if ids.ndim == 2:
                emb_k.embedding_backward(ids2, dy, self.embeddings.grad)
            else:
                emb_k.embedding_backward(flat.reshape(-1, 1),
                                         np.ascontiguousarray(dy).reshape(-1, 1, self.output_dim),
                                         self.embeddings.grad)
            return None

        return out.reshape(ids.shape + (self.output_dim,)), backward

    def get_config(self):
        config = super().get_config()
        config.update(input_dim=self.input_dim, output_dim=self.output_dim,
                      embeddings_initializer=initializers.serialize(self.embeddings_initializer),
                      embeddings_regularizer=regularizers.serialize(self.embeddings_regularizer),
                      activity_regularizer=regularizers.serialize(self.activity_regularizer),
                      embeddings_constraint=constraints.serialize(self.embeddings_constraint),
                      mask_zero=self.mask_zero)
        return config


class Masking(Layer):
    """Masks the time steps whose features all equal ``mask_value``.

    The output is the input with those steps set to zero, and carries a
    ``(batch, timesteps)`` mask that recurrent layers downstream use to skip
    the steps (they carry their state over them), as in Keras.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import Masking
    >>> x = np.array([[[1.0, 2.0], [0.0, 0.0]]])
    >>> Masking().compute_mask(x, None)
    array([[ True, False]])
    """

    supports_masking = True

    def __init__(self, mask_value: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mask_value = float(mask_value)

    def compute_mask(self, inputs, mask=None):
        return np.any(np.asarray(inputs) != self.mask_value, axis=-1)

    def forward(self, inputs, ctx):
        x = np.asarray(inputs)
        keep = np.any(x != self.mask_value, axis=-1, keepdims=True).astype(x.dtype)
        return x * keep, lambda dy: dy * keep

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
