"""TextVectorization: strings to token ids or bag-of-words vectors (Keras 3
semantics in plain Python: regular expressions, dictionaries, NumPy).

Each string is standardized (lower case, punctuation stripped), split on
whitespace, optionally expanded into n-grams, then looked up in a
:class:`StringLookup` vocabulary: ``['', '[UNK]', ...]`` for ``'int'``
output (0 pads), ``['[UNK]', ...]`` otherwise.
"""
import numbers
import re

import numpy as np

from ..base import Layer
from .lookup import StringLookup
from .numeric import _as_array, _no_gradient

_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,\-\./:;<=>?@\[\\\]^_`{|}~\']')
_STANDARDIZE = (None, "lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = (None, "whitespace", "character")


class TextVectorization(Layer):
    """Turn raw strings into sequences of token ids or token-count vectors.

    Parameters
    ----------
    max_tokens : int, optional
        Vocabulary size cap (special tokens included).
    standardize : {'lower_and_strip_punctuation', 'lower', 'strip_punctuation', None} or callable
        A callable receives and returns one Python string.
    split : {'whitespace', 'character', None} or callable
        A callable receives a string and returns a list of tokens.
    ngrams : int or tuple of int, optional
        ``n`` adds every 1..n-gram; a tuple lists the sizes.
    output_mode : {'int', 'multi_hot', 'count', 'tf_idf'}, default 'int'
    output_sequence_length : int, optional
        'int' mode: pad with 0 / truncate each row to this length (default:
        the longest row of the batch).
    pad_to_max_tokens : bool, default False
    vocabulary : list or path, optional
    idf_weights : array-like, optional

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import TextVectorization
    >>> layer = TextVectorization(output_sequence_length=4)
    >>> layer.adapt(np.array(["The cat sat.", "the dog, the cat!"]))
    >>> layer.get_vocabulary()
    ['', '[UNK]', 'the', 'cat', 'sat', 'dog']
    >>> layer(np.array(["the cat ran", "dog"]))
    array([[2, 3, 1, 0],
           [5, 0, 0, 0]])
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int", output_sequence_length=None,
                 pad_to_max_tokens=False, vocabulary=None, idf_weights=None, sparse=False,
                 ragged=False, encoding="utf-8", **kwargs):
        super().__init__(**kwargs)
        if not (standardize in _STANDARDIZE or callable(standardize)):
            raise ValueError(f"TextVectorization standardize must be one of {_STANDARDIZE} or a "
                             f"callable, got {standardize!r}")
        if not (split in _SPLIT or callable(split)):
            raise ValueError(f"TextVectorization split must be one of {_SPLIT} or a callable, "
                             f"got {split!r}")
        if output_mode not in ("int", "multi_hot", "count", "tf_idf"):
            raise ValueError(f"TextVectorization output_mode must be 'int', 'multi_hot', "
                             f"'count' or 'tf_idf', got {output_mode!r}")
        if ngrams is not None and not (isinstance(ngrams, numbers.Integral) or (
                isinstance(ngrams, (tuple, list)) and all(isinstance(n, numbers.Integral) for n in ngrams))):
            raise ValueError(f"TextVectorization ngrams must be None, an int or a tuple of ints, "
                             f"got {ngrams!r}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError("TextVectorization output_sequence_length needs output_mode='int'")
        if ragged or sparse:
            raise NotImplementedError("TextVectorization ragged/sparse outputs are not supported")
        self.max_tokens, self.standardize, self.split = max_tokens, standardize, split
        self.ngrams = tuple(ngrams) if isinstance(ngrams, list) else ngrams
        self._ngram_sizes = (tuple(range(1, ngrams + 1)) if isinstance(ngrams, numbers.Integral)
                             else self.ngrams)
        self.output_mode, self.output_sequence_length = output_mode, output_sequence_length
        self.pad_to_max_tokens, self.encoding = bool(pad_to_max_tokens), encoding
        self._lookup = StringLookup(max_tokens=max_tokens,
                                    mask_token="" if output_mode == "int" else None,
                                    output_mode=output_mode,
                                    pad_to_max_tokens=pad_to_max_tokens, encoding=encoding,
                                    vocabulary=vocabulary, idf_weights=idf_weights,
                                    name=f"{self.name}_lookup")

    # ------------------------------------------------------------------ tokens
    def _tokens(self, text):
        if isinstance(text, bytes):
            text = text.decode(self.encoding)
        text = str(text)
        if callable(self.standardize):
            text = self.standardize(text)
        else:
            if self.standardize in ("lower", "lower_and_strip_punctuation"):
                text = text.lower()
            if self.standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
                text = _PUNCTUATION.sub("", text)
        if self.split is None:
            tokens = [text]
        elif callable(self.split):
            tokens = list(self.split(text))
        elif self.split == "whitespace":
            tokens = text.split()
        else:
            tokens = list(text)
        if self._ngram_sizes:
            tokens = [" ".join(tokens[i:i + n]) for n in self._ngram_sizes
                      for i in range(len(tokens) - n + 1)]
        return tokens

    def _documents(self, inputs):
        x = np.asarray(inputs, dtype=object)
        if x.ndim == 2 and x.shape[-1] == 1:
            x = x[:, 0]
        if x.ndim == 0:
            x = x[None]
        if x.ndim != 1:
            raise ValueError(f"TextVectorization '{self.name}' expects a batch of strings of "
                             f"shape (batch,) or (batch, 1), got shape {x.shape}")
        return [self._tokens(t) for t in x.tolist()]

    # ------------------------------------------------------------------ vocabulary
    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary (and idf weights) from a batch of strings."""
        self._lookup._learn(self._documents(_as_array(data)))

    def get_vocabulary(self, include_special_tokens=True):
        return self._lookup.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup.set_vocabulary(vocabulary, idf_weights)

    # ------------------------------------------------------------------ calling
    def forward(self, inputs, ctx):
        docs = self._documents(inputs)
        if self.output_mode == "int":
            length = self.output_sequence_length
            if length is None:
                length = max((len(d) for d in docs), default=0)
            out = np.zeros((len(docs), length), np.int64)
            for i, d in enumerate(docs):
                if d:
                    ids = self._lookup._lookup(np.array(d[:length], dtype=object))
                    out[i, :len(ids)] = ids
            return out, _no_gradient
        rows = []
        for d in docs:
            y, _ = self._lookup.forward(np.array(d or [""], dtype=object)[None], ctx)
            if not d:
                y = np.zeros_like(y)
            rows.append(y[0])
        return np.stack(rows), _no_gradient

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return (input_shape[0], self.output_sequence_length)
        depth = self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()
        return (input_shape[0], depth)

    def get_config(self):
        config = super().get_config()
        if callable(self.standardize) or callable(self.split):
            raise TypeError(f"TextVectorization '{self.name}' with a callable standardize or "
                             "split cannot be serialized")
        config.update(max_tokens=self.max_tokens, standardize=self.standardize,
                      split=self.split, ngrams=list(self.ngrams) if isinstance(
                          self.ngrams, tuple) else self.ngrams,
                      output_mode=self.output_mode,
                      output_sequence_length=self.output_sequence_length,
                      pad_to_max_tokens=self.pad_to_max_tokens,
                      vocabulary=self.get_vocabulary(include_special_tokens=False) or None,
                      idf_weights=(None if self._lookup._idf is None
                                   else self._lookup._idf.tolist()),
                      sparse=False, ragged=False, encoding=self.encoding)
        return config
