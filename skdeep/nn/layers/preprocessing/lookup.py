"""Vocabulary lookups: StringLookup and IntegerLookup (Keras 3 semantics),
in plain Python dictionaries and NumPy.

The vocabulary is ``[mask_token] (if set) + [oov_token] * num_oov_indices +
learned tokens``; ``adapt`` orders the learned tokens by frequency, ties by
the token in descending order, as Keras does. Unknown tokens map to the OOV
index; ``invert=True`` maps indices back to tokens.
"""
import math
import numbers

import numpy as np

from ..base import Layer
from .numeric import _as_array, _no_gradient, encode

_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


class _IndexLookup(Layer):
    _kind = "token"

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=None,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, **kwargs):
        super().__init__(**kwargs)
        who = type(self).__name__
        if output_mode not in _MODES:
            raise ValueError(f"{who} output_mode must be one of {_MODES}, got {output_mode!r}")
        if isinstance(num_oov_indices, bool) or not isinstance(num_oov_indices, numbers.Integral) or \
                num_oov_indices < 0:
            raise ValueError(f"{who} num_oov_indices must be an integer >= 0, got "
                             f"{num_oov_indices!r}")
        if num_oov_indices > 1:
            raise NotImplementedError(f"{who} num_oov_indices > 1 (hashing unknown tokens into "
                                      "several buckets) is not implemented")
        if max_tokens is not None and max_tokens <= (mask_token is not None) + num_oov_indices:
            raise ValueError(f"{who} max_tokens={max_tokens} leaves no room for learned tokens")
        if invert and output_mode != "int":
            raise ValueError(f"{who} invert=True needs output_mode='int'")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{who} pad_to_max_tokens=True needs max_tokens")
        if sparse:
            raise NotImplementedError(f"{who} sparse=True is not supported")
        self.max_tokens, self.num_oov_indices = max_tokens, num_oov_indices
        self.mask_token, self.oov_token = self._clean(mask_token), self._clean(oov_token)
        self.invert, self.output_mode = bool(invert), output_mode
        self.pad_to_max_tokens, self.sparse = bool(pad_to_max_tokens), False
        self._tokens, self._idf = [], None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    def _clean(self, token):
        return token

    # ------------------------------------------------------------------ vocabulary
    def _token_start(self):
        return (self.mask_token is not None) + self.num_oov_indices

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary, index by index (special tokens first unless excluded)."""
        if not include_special_tokens:
            return list(self._tokens)
        head = ([self.mask_token] if self.mask_token is not None else []) + \
            [self.oov_token] * self.num_oov_indices
        return head + list(self._tokens)

    def vocabulary_size(self):
        return self._token_start() + len(self._tokens)

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Use ``vocabulary`` (a list, an array or a text file with one token a
        line); leading special tokens are accepted and skipped."""
        if isinstance(vocabulary, str):
            with open(vocabulary, encoding="utf-8") as f:
                vocabulary = [line.rstrip("\n") for line in f]
        tokens = [self._clean(t) for t in np.asarray(vocabulary).reshape(-1).tolist()]
        specials = self.get_vocabulary()[:self._token_start()]
        if tokens[:len(specials)] == specials:
            tokens = tokens[len(specials):]
        if len(set(tokens)) != len(tokens):
            raise ValueError(f"{type(self).__name__} vocabulary has repeated tokens")
        if any(t in (self.mask_token, self.oov_token) for t in tokens):
            raise ValueError(f"{type(self).__name__} vocabulary contains the mask or OOV token "
                             "outside the leading special positions")
        if self.max_tokens is not None and self._token_start() + len(tokens) > self.max_tokens:
            raise ValueError(f"{type(self).__name__} vocabulary of {len(tokens)} tokens exceeds "
                             f"max_tokens={self.max_tokens}")
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError("output_mode='tf_idf' with a fixed vocabulary needs idf_weights")
            idf = np.asarray(idf_weights, "float64").reshape(-1)
            if idf.size == len(tokens):
                idf = self._pad_idf(idf)
            elif idf.size != len(tokens) + self._token_start():
                raise ValueError(f"{type(self).__name__}: {idf.size} idf_weights for a "
                                 f"vocabulary of {len(tokens)} tokens")
            self._idf = idf
        self._tokens = tokens
        self._index = {t: i + self._token_start() for i, t in enumerate(tokens)}

    def _pad_idf(self, idf):
        # Keras pads the special positions with the mean idf of the learned tokens
        head = np.full(self._token_start(), idf.mean() if idf.size else 0.0)
        return np.concatenate([head, idf])

    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary (and idf weights for 'tf_idf') from ``data``;
        each row is one document."""
        x = _as_array(data)
        docs = [x] if x.ndim == 0 else list(x)
        self._learn([[self._clean(t) for t in np.asarray(doc).reshape(-1).tolist()]
                     for doc in docs])

    def _learn(self, docs):
        """Build the vocabulary from documents given as lists of clean tokens."""
        counts, doc_counts = {}, {}
        for seen in docs:
            for t in seen:
                counts[t] = counts.get(t, 0) + 1
            for t in set(seen):
                doc_counts[t] = doc_counts.get(t, 0) + 1
        for special in (self.mask_token, self.oov_token):
            counts.pop(special, None)
        ordered = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
        if self.max_tokens is not None:
            ordered = ordered[:self.max_tokens - self._token_start()]
        idf = None
        if self.output_mode == "tf_idf":
            idf = [math.log(1 + len(docs) / (1 + doc_counts[t])) for t in ordered]
        self.set_vocabulary(ordered, idf)

    # ------------------------------------------------------------------ calling
    def _lookup(self, x):
        oov = self.mask_token is not None  # the OOV index follows the mask
        flat = [self._clean(t) for t in x.reshape(-1).tolist()]
        out = np.empty(len(flat), np.int64)
        for i, t in enumerate(flat):
            j = self._index.get(t)
            if j is None:
                if self.mask_token is not None and t == self.mask_token:
                    j = 0
                elif self.num_oov_indices == 0:
                    raise ValueError(f"{type(self).__name__} '{self.name}': token {t!r} is not "
                                     "in the vocabulary and num_oov_indices=0")
                else:
                    j = int(oov)
            out[i] = j
        return out.reshape(x.shape)

    def _invert(self, ids):
        vocab = self.get_vocabulary()
        ids = np.asarray(ids).astype(np.int64)
        fallback = self.oov_token
        flat = [vocab[i] if 0 <= i < len(vocab) else fallback for i in ids.reshape(-1).tolist()]
        return np.array(flat, dtype=self._inverse_dtype()).reshape(ids.shape)

    def forward(self, inputs, ctx):
        x = np.asarray(inputs)
        if self.invert:
            return self._invert(x), _no_gradient
        ids = self._lookup(x)
        if self.output_mode == "int":
            return ids, _no_gradient
        depth = self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()
        y = encode(ids, "count" if self.output_mode == "tf_idf" else self.output_mode, depth,
                   self.dtype, who=f"{type(self).__name__} '{self.name}'")
        if self.output_mode == "tf_idf":
            idf = np.zeros(depth)
            idf[:self._idf.size] = self._idf
            y = (y * idf).astype(self.dtype)
        return y, _no_gradient

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()
        shape = tuple(input_shape)
        if self.output_mode == "one_hot":
            shape = shape[:-1] if len(shape) > 1 and shape[-1] == 1 else shape
        else:
            shape = shape[:1] + shape[2:] if len(shape) > 1 else ()
        return shape + (depth,)

    def get_config(self):
        config = super().get_config()
        config.update(max_tokens=self.max_tokens, num_oov_indices=self.num_oov_indices,
                      mask_token=self.mask_token, oov_token=self.oov_token,
                      vocabulary=self.get_vocabulary(include_special_tokens=False) or None,
                      idf_weights=None if self._idf is None else self._idf.tolist(),
                      invert=self.invert, output_mode=self.output_mode,
                      pad_to_max_tokens=self.pad_to_max_tokens, sparse=False)
        return config


class StringLookup(_IndexLookup):
    """Map strings to integer indices through a vocabulary (learned by
    :meth:`adapt` or given).

    Parameters
    ----------
    max_tokens : int, optional
        Vocabulary size cap, special tokens included.
    num_oov_indices : {0, 1}, default 1
    mask_token : str, optional
        Maps to index 0 when set.
    oov_token : str, default '[UNK]'
    vocabulary : list or path, optional
    idf_weights : array-like, optional
        For ``output_mode='tf_idf'`` with a fixed vocabulary.
    invert : bool, default False
        Map indices to strings instead.
    output_mode : {'int', 'one_hot', 'multi_hot', 'count', 'tf_idf'}, default 'int'
    pad_to_max_tokens : bool, default False
    encoding : str, default 'utf-8'
        Used to decode bytes inputs.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import StringLookup
    >>> layer = StringLookup()
    >>> layer.adapt(np.array(["a", "b", "b", "c", "c", "c"]))
    >>> layer.get_vocabulary()
    ['[UNK]', 'c', 'b', 'a']
    >>> layer(np.array([["c", "a", "zz"]]))
    array([[1, 3, 0]])
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", **kwargs):
        self.encoding = encoding
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         idf_weights, invert, output_mode, pad_to_max_tokens, sparse, **kwargs)

    def _clean(self, token):
        if isinstance(token, bytes):
            return token.decode(self.encoding)
        return token if token is None else str(token)

    def _inverse_dtype(self):
        return object

    def get_config(self):
        config = super().get_config()
        config["encoding"] = self.encoding
        return config


class IntegerLookup(_IndexLookup):
    """Map integer values (e.g. raw category codes) to contiguous indices.

    Same parameters as :class:`StringLookup`, with integer tokens:
    ``mask_token=None`` and ``oov_token=-1`` by default.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import IntegerLookup
    >>> layer = IntegerLookup()
    >>> layer.adapt(np.array([5, 5, 7, 9, 9, 9]))
    >>> layer.get_vocabulary()
    [-1, 9, 5, 7]
    >>> layer(np.array([9, 5, 100]))
    array([1, 2, 0])
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False, **kwargs):
        self.vocabulary_dtype = vocabulary_dtype
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         idf_weights, invert, output_mode, pad_to_max_tokens, sparse, **kwargs)

    def _clean(self, token):
        if token is None:
            return None
        if isinstance(token, (float, np.floating)) and not float(token).is_integer():
            raise ValueError(f"IntegerLookup got a non-integer value {token!r}")
        return int(token)

    def _inverse_dtype(self):
        return np.int64

    def get_config(self):
        config = super().get_config()
        config["vocabulary_dtype"] = self.vocabulary_dtype
        return config
