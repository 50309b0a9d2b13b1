"""Keras' text ``Tokenizer`` as a scikit-learn transformer."""

import json
from collections import OrderedDict, defaultdict
from functools import lru_cache
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .sequence import pad_sequences

__all__ = ["Tokenizer", "text_to_word_sequence", "tokenizer_from_json"]

DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
_MATRIX_MODES = ("binary", "count", "tfidf", "freq")
# Keras' tokenizer keeps this state; each lives in ``<name>_`` once fitted.
_STATE = {
    "word_counts": OrderedDict,
    "word_docs": lambda: defaultdict(int),
    "index_docs": lambda: defaultdict(int),
    "word_index": dict,
    "index_word": dict,
    "document_count": int,
}


@lru_cache(maxsize=32)
def _translation_table(filters, split):
    return str.maketrans({char: split for char in filters})


def text_to_word_sequence(input_text, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Split a text into words, as ``keras.preprocessing.text`` does.

    Parameters
    ----------
    input_text : str
        The text.
    filters : str, default='!"#$%&()*+,-./:;<=>?@[\\\\]^_`{|}~\\t\\n'
        Characters replaced by ``split`` before splitting (punctuation, tabs
        and newlines by default; the apostrophe is kept).
    lower : bool, default=True
        Lowercase the text first.
    split : str, default=' '
        Separator between words.

    Returns
    -------
    list of str
        The words, without empty strings.

    Examples
    --------
    >>> from skdeep.text import text_to_word_sequence
    >>> text_to_word_sequence("This is a sample sentence. Isn't it?")
    ['this', 'is', 'a', 'sample', 'sentence', "isn't", 'it']
    """
    if not isinstance(input_text, str):
        raise TypeError(f"`input_text` must be a str, got {type(input_text).__name__}.")
    if lower:
        input_text = input_text.lower()
    input_text = input_text.translate(_translation_table("".join(filters), split))
    return [word for word in input_text.split(split) if word]


def _describe(value):
    if value is None or (isinstance(value, float) and value != value):
        return f"a missing value ({value!r})"
    return f"{type(value).__name__} {value!r}"


def _as_texts(X):
    """Turn sklearn-style input (list, array, Series, 1-column frame) into a list."""
    if isinstance(X, (str, bytes)):
        raise TypeError(
            "X must be an iterable of texts, got a single string; wrap it in a list: [text]."
        )
    if hasattr(X, "iloc") and getattr(X, "ndim", 1) == 2:  # pandas DataFrame
        if X.shape[1] != 1:
            raise ValueError(
                f"X must hold texts in a single column, got a DataFrame with {X.shape[1]} "
                "columns; select the text column, e.g. X['text']."
            )
        X = X.iloc[:, 0]
    if hasattr(X, "iloc"):  # pandas Series
        X = X.to_numpy(dtype=object)
    if not isinstance(X, np.ndarray):
        try:
            return list(X)
        except TypeError:
            raise TypeError(
                f"X must be an iterable of texts (list of str, array, pandas Series), "
                f"got {type(X).__name__}."
            ) from None
    if X.dtype.kind not in "OU":
        raise TypeError(
            f"X must contain strings, got an array of dtype {X.dtype}; Tokenizer "
            "tokenizes text, so convert the data with X.astype(str) if that is intended."
        )
    if X.ndim == 2 and X.shape[1] == 1:
        X = X[:, 0]
    if X.ndim != 1:
        raise ValueError(
            "X must be a 1-D sequence of texts (or a 2-D array with one column), "
            f"got an array of shape {X.shape}."
        )
    return X.tolist()


class Tokenizer(TransformerMixin, BaseEstimator):
    """Keras' text tokenizer, usable as a scikit-learn transformer.

    The Keras API (``fit_on_texts``, ``texts_to_sequences``,
    ``texts_to_matrix``, ``word_index``...) gives Keras' results. As a
    transformer, ``fit`` learns the vocabulary from scratch and ``transform``
    maps texts to a padded matrix of word ids of fixed width, ready for an
    ``Embedding`` layer.

    Index 0 is reserved for padding; words are numbered from 1 by decreasing
    count, ties broken by first appearance. With ``oov_token`` set, that
    token takes index 1 and replaces unknown words.

    Parameters
    ----------
    num_words : int or None, default=None
        When converting texts, keep only words of index below ``num_words``
        (the ``num_words - 1`` most frequent words, counting ``oov_token``).
        ``word_index`` itself is never truncated. ``None`` or 0 keeps all.
    filters : str, default='!"#$%&()*+,-./:;<=>?@[\\\\]^_`{|}~\\t\\n'
        Characters removed from texts (not applied with ``char_level``).
    lower : bool, default=True
        Lowercase texts.
    split : str, default=' '
        Word separator.
    char_level : bool, default=False
        Make every character a token.
    oov_token : str or None, default=None
        Token given index 1 and used for out-of-vocabulary words.
    maxlen : int or None, default=None
        Width of ``transform``'s output. ``None`` uses the longest sequence
        seen by ``fit``.
    padding : {'pre', 'post'}, default='pre'
        Where ``transform`` pads short sequences (see ``pad_sequences``).
    truncating : {'pre', 'post'}, default='pre'
        Where ``transform`` cuts long sequences.

    Attributes
    ----------
    word_index, index_word, word_counts, word_docs, index_docs, document_count
        Keras' vocabulary state (word to index, index to word, word counts in
        order of first appearance, number of documents per word and per
        index, number of documents seen). Empty before fitting; stored as
        ``word_index_`` etc. once fitted.
    maxlen_ : int
        Width of ``transform``'s output, set by ``fit``.
    n_features_in_ : int
        Always 1: the input is one column of texts.

    Examples
    --------
    >>> from skdeep.text import Tokenizer
    >>> texts = ["The cat sat.", "The dog sat on the cat!"]
    >>> tokenizer = Tokenizer(oov_token="<unk>").fit(texts)
    >>> tokenizer.word_index
    {'<unk>': 1, 'the': 2, 'cat': 3, 'sat': 4, 'dog': 5, 'on': 6}
    >>> tokenizer.transform(["the bird sat"])
    array([[0, 0, 0, 2, 1, 4]], dtype=int32)
    >>> tokenizer.texts_to_sequences(["the bird sat"])
    [[2, 1, 4]]
    """

    _parameter_constraints = {
        "num_words": [Interval(Integral, 0, None, closed="left"), None],
        "filters": [str, list, tuple],
        "lower": ["boolean"],
        "split": [str],
        "char_level": ["boolean"],
        "oov_token": [str, None],
        "maxlen": [Interval(Integral, 1, None, closed="left"), None],
        "padding": [StrOptions({"pre", "post"})],
        "truncating": [StrOptions({"pre", "post"})],
    }

    def __init__(
        self,
        num_words=None,
        filters=DEFAULT_FILTERS,
        lower=True,
        split=" ",
        char_level=False,
        oov_token=None,
        maxlen=None,
        padding="pre",
        truncating="pre",
    ):
        self.num_words = num_words
        self.filters = filters
        self.lower = lower
        self.split = split
        self.char_level = char_level
        self.oov_token = oov_token
        self.maxlen = maxlen
        self.padding = padding
        self.truncating = truncating

    # -- state ---------------------------------------------------------------
    def _check_params(self):
        self._validate_params()
        if self.split == "" and not self.char_level:
            raise ValueError("`split` must be a non-empty separator (or use char_level=True).")

    def _reset_state(self):
        for name, factory in _STATE.items():
            setattr(self, name + "_", factory())

    def _ensure_state(self):
        if not hasattr(self, "word_index_"):
            self._reset_state()

    def _tokens(self, text, position):
        if isinstance(text, str):
            if self.char_level:
                return text.lower() if self.lower else text
            return text_to_word_sequence(text, self.filters, self.lower, self.split)
        if isinstance(text, (list, tuple)):  # already tokenized, as Keras allows
            for token in text:
                if not isinstance(token, str):
                    raise TypeError(
                        f"Text {position} is a list of tokens holding {_describe(token)}; "
                        "tokens must be str."
                    )
            return [token.lower() if self.lower else str(token) for token in text]
        raise TypeError(
            f"Tokenizer expects texts as str (or lists of str tokens); text {position} "
            f"is {_describe(text)}. Fill missing values (e.g. Series.fillna('')) or "
            "convert the data to str first."
        )

    # -- Keras API -----------------------------------------------------------
    def fit_on_texts(self, texts):
        """Update the vocabulary with ``texts`` (counts accumulate across calls).

        Parameters
        ----------
        texts : iterable of str or of lists of str tokens
            May be a generator.

        Returns
        -------
        self : Tokenizer
        """
        self._check_params()
        self._ensure_state()
        counts, docs = self.word_counts_, self.word_docs_
        for position, text in enumerate(texts):
            self.document_count_ += 1
            tokens = self._tokens(text, position)
            for token in tokens:
                counts[token] = counts.get(token, 0) + 1
            for token in dict.fromkeys(tokens):  # distinct, in a reproducible order
                docs[token] += 1
        # sorted() is stable: equal counts keep first-appearance order, as in Keras.
        vocabulary = [] if self.oov_token is None else [self.oov_token]
        vocabulary += sorted(counts, key=counts.__getitem__, reverse=True)
        # A dict keeps the last index of a repeated key, like Keras' dict(zip(...)).
        self.word_index_ = {word: index for index, word in enumerate(vocabulary, 1)}
        self.index_word_ = {index: word for word, index in self.word_index_.items()}
        for word, n_docs in docs.items():
            self.index_docs_[self.word_index_[word]] = n_docs
        return self

    def fit_on_sequences(self, sequences):
        """Update document counts from sequences of word ids (for ``tfidf``).

        Parameters
        ----------
        sequences : list of lists of int

        Returns
        -------
        self : Tokenizer
        """
        self._check_params()
        self._ensure_state()
        self.document_count_ += len(sequences)
        for sequence in sequences:
            for index in set(sequence):
                self.index_docs_[index] += 1
        return self

    def texts_to_sequences_generator(self, texts):
        """Yield the list of word ids of each text (see ``texts_to_sequences``)."""
        num_words = self.num_words
        word_index = self.word_index
        oov_index = word_index.get(self.oov_token)
        for position, text in enumerate(texts):
            ids = []
            for token in self._tokens(text, position):
                index = word_index.get(token)
                if index is None or (num_words and index >= num_words):
                    if oov_index is not None:
                        ids.append(oov_index)
                else:
                    ids.append(index)
            yield ids

    def texts_to_sequences(self, texts):
        """Map each text to its list of word ids.

        Unknown words, and words of index ``>= num_words``, are dropped, or
        replaced by the index of ``oov_token`` when it is set.

        Parameters
        ----------
        texts : iterable of str or of lists of str tokens

        Returns
        -------
        list of lists of int

        Examples
        --------
        >>> from skdeep.text import Tokenizer
        >>> tokenizer = Tokenizer(num_words=3).fit(["a a a b b c"])
        >>> tokenizer.texts_to_sequences(["c b a d"])
        [[2, 1]]
        """
        return list(self.texts_to_sequences_generator(texts))

    def sequences_to_texts_generator(self, sequences):
        """Yield the text of each sequence (see ``sequences_to_texts``)."""
        num_words = self.num_words
        index_word = self.index_word
        oov_index = self.word_index.get(self.oov_token)
        for sequence in sequences:
            words = []
            for index in sequence:
                word = index_word.get(index)
                if word is None or (num_words and index >= num_words):
                    if oov_index is not None:
                        words.append(index_word[oov_index])
                else:
                    words.append(word)
            yield " ".join(words)

    def sequences_to_texts(self, sequences):
        """Map sequences of word ids back to space-joined texts.

        Parameters
        ----------
        sequences : iterable of iterables of int

        Returns
        -------
        list of str
        """
        return list(self.sequences_to_texts_generator(sequences))

    def texts_to_matrix(self, texts, mode="binary"):
        """Vectorize texts into a ``(len(texts), n_columns)`` float matrix.

        Parameters
        ----------
        texts : iterable of str or of lists of str tokens
        mode : {'binary', 'count', 'tfidf', 'freq'}, default='binary'
            See ``sequences_to_matrix`` for the modes and the width.

        Returns
        -------
        ndarray of shape (len(texts), num_words or len(word_index) + 1)

        Examples
        --------
        >>> from skdeep.text import Tokenizer
        >>> tokenizer = Tokenizer().fit(["a a b", "b c"])
        >>> tokenizer.texts_to_matrix(["a a b"], mode="count")
        array([[0., 2., 1., 0.]])
        """
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        """Vectorize sequences of word ids into a float matrix.

        Parameters
        ----------
        sequences : list of lists of int
        mode : {'binary', 'count', 'tfidf', 'freq'}, default='binary'
            Cell ``[i, j]`` holds, for word id ``j`` in sequence ``i``: 1
            (binary), its count ``c``, ``c / len(sequence)`` (freq), or
            ``(1 + log c) * log(1 + document_count / (1 + index_docs[j]))``
            (tfidf).

        Returns
        -------
        ndarray of shape (len(sequences), num_words or len(word_index) + 1)
            Ids at or above the width are ignored.
        """
        if mode not in _MATRIX_MODES:
            raise ValueError(f"Unknown vectorization mode: {mode!r}; use one of {_MATRIX_MODES}.")
        if self.num_words:
            width = self.num_words
        elif self.word_index:
            width = len(self.word_index) + 1
        else:
            raise ValueError(
                "Specify a dimension (`num_words` argument), or fit on some text data first."
            )
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")
        index_docs = self.index_docs
        matrix = np.zeros((len(sequences), width))
        for row, sequence in enumerate(sequences):
            ids, counts = np.unique(np.asarray(sequence, dtype=np.int64), return_counts=True)
            keep = ids < width
            ids, counts = ids[keep], counts[keep]
            if mode == "binary":
                matrix[row, ids] = 1.0
            elif mode == "count":
                matrix[row, ids] = counts
            elif mode == "freq":
                matrix[row, ids] = counts / len(sequence)
            else:
                docs = np.array([index_docs.get(int(j), 0) for j in ids], dtype=np.float64)
                idf = np.log(1.0 + self.document_count / (1.0 + docs))
                matrix[row, ids] = (1.0 + np.log(counts)) * idf
        return matrix

    def get_config(self):
        """Return Keras' tokenizer config (vocabulary dicts as JSON strings)."""
        config = {name: getattr(self, name) for name in
                  ("num_words", "filters", "lower", "split", "char_level", "oov_token")}
        config["document_count"] = self.document_count
        for name in ("word_counts", "word_docs", "index_docs", "index_word", "word_index"):
            config[name] = json.dumps(getattr(self, name))
        return config

    def to_json(self, **kwargs):
        """Serialize the tokenizer to JSON; read it back with ``tokenizer_from_json``.

        The ``"config"`` entry is Keras' format (Keras' own
        ``tokenizer_from_json`` can read it); the transformer settings go in
        a separate ``"skdeep_config"`` entry.

        Parameters
        ----------
        **kwargs
            Passed to ``json.dumps``.

        Returns
        -------
        str
        """
        extra = {"maxlen": self.maxlen, "padding": self.padding, "truncating": self.truncating}
        if hasattr(self, "maxlen_"):
            extra["maxlen_"] = int(self.maxlen_)
        payload = {"class_name": type(self).__name__, "config": self.get_config(),
                   "skdeep_config": extra}
        return json.dumps(payload, **kwargs)

    # -- scikit-learn API ----------------------------------------------------
    def fit(self, X, y=None):
        """Learn the vocabulary from scratch and the output width.

        Parameters
        ----------
        X : list of str, array of str of shape (n,) or (n, 1), pandas Series
            or one-column DataFrame
            The texts.
        y : ignored

        Returns
        -------
        self : Tokenizer
        """
        self._fit(X)
        return self

    def _fit(self, X):
        self._check_params()
        texts = _as_texts(X)
        if not texts:
            raise ValueError("Tokenizer.fit needs at least one text; X is empty.")
        self._reset_state()
        self.fit_on_texts(texts)
        if not self.word_index_:
            raise ValueError(
                "Empty vocabulary: the texts contain no tokens after filtering; "
                "check `filters` and `split`."
            )
        sequences = self.texts_to_sequences(texts)
        longest = max(map(len, sequences))
        self.maxlen_ = self.maxlen if self.maxlen is not None else longest
        self.n_features_in_ = 1
        return sequences

    def fit_transform(self, X, y=None, **fit_params):
        """Fit, then return the padded id matrix of ``X`` (tokenized once)."""
        return self._pad(self._fit(X))

    def transform(self, X):
        """Map texts to a padded ``int32`` matrix of word ids.

        Parameters
        ----------
        X : list of str, array of str of shape (n,) or (n, 1), pandas Series
            or one-column DataFrame

        Returns
        -------
        ndarray of shape (n_texts, ``maxlen_``), dtype int32
            If only ``fit_on_texts`` was called and ``maxlen`` is None, the
            width is the longest sequence of this ``X``.
        """
        check_is_fitted(self, "word_index_")
        return self._pad(self.texts_to_sequences(_as_texts(X)))

    def _pad(self, sequences):
        width = self.maxlen if self.maxlen is not None else getattr(self, "maxlen_", None)
        return pad_sequences(sequences, maxlen=width, dtype="int32",
                             padding=self.padding, truncating=self.truncating)

    def get_feature_names_out(self, input_features=None):
        """Output column names ``token_0`` ... ``token_{maxlen_ - 1}``."""
        check_is_fitted(self, "word_index_")
        if self.maxlen is None:
            check_is_fitted(self, "maxlen_")
        width = self.maxlen if self.maxlen is not None else self.maxlen_
        return np.asarray([f"token_{i}" for i in range(width)], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags

    def _more_tags(self):  # scikit-learn < 1.6
        return {"X_types": ["string"]}


def _state_property(name):
    default = _STATE[name]

    def getter(self):
        # Before fitting, Keras exposes empty containers; so do we, without
        # creating fitted state (check_is_fitted keys on ``word_index_``).
        state = self.__dict__.get(name + "_")
        return default() if state is None else state

    def setter(self, value):
        self._ensure_state()
        setattr(self, name + "_", value)

    return property(getter, setter, doc=f"Keras' ``{name}`` (fitted ``{name}_``).")


for _name in _STATE:
    setattr(Tokenizer, _name, _state_property(_name))
del _name


def tokenizer_from_json(json_string):
    """Rebuild a ``Tokenizer`` from ``Tokenizer.to_json()`` (or Keras' JSON).

    Parameters
    ----------
    json_string : str

    Returns
    -------
    Tokenizer

    Examples
    --------
    >>> from skdeep.text import Tokenizer, tokenizer_from_json
    >>> tokenizer = Tokenizer(oov_token="?").fit(["hello world", "hello"])
    >>> restored = tokenizer_from_json(tokenizer.to_json())
    >>> restored.word_index == tokenizer.word_index
    True
    """
    payload = json.loads(json_string)
    config = dict(payload["config"])
    extra = payload.get("skdeep_config", {})
    state = {name: json.loads(config.pop(name, "{}")) for name in
             ("word_counts", "word_docs", "index_docs", "index_word", "word_index")}
    document_count = config.pop("document_count", 0)
    tokenizer = Tokenizer(**config, **{k: v for k, v in extra.items() if not k.endswith("_")})
    tokenizer._reset_state()
    tokenizer.word_counts_ = OrderedDict(state["word_counts"])
    tokenizer.word_docs_.update(state["word_docs"])
    # JSON object keys are strings; the index dicts are keyed by int.
    tokenizer.index_docs_.update({int(k): v for k, v in state["index_docs"].items()})
    tokenizer.index_word_ = {int(k): v for k, v in state["index_word"].items()}
    tokenizer.word_index_ = state["word_index"]
    tokenizer.document_count_ = document_count
    if "maxlen_" in extra:
        tokenizer.maxlen_ = extra["maxlen_"]
        tokenizer.n_features_in_ = 1
    return tokenizer
