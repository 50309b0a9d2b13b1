"""Sequence utilities: Keras' ``pad_sequences`` and a next-token dataset maker."""

from numbers import Integral

import numpy as np

__all__ = ["pad_sequences", "make_next_token_dataset"]

_SIDES = ("pre", "post")


def _check_side(name, side):
    if side not in _SIDES:
        kind = name.capitalize()
        raise ValueError(
            f'{kind} type "{side}" not understood: `{name}` must be "pre" or "post".'
        )


def pad_sequences(
    sequences,
    maxlen=None,
    dtype="int32",
    padding="pre",
    truncating="pre",
    value=0.0,
):
    """Pad (and truncate) sequences to a common length, as Keras does.

    Parameters
    ----------
    sequences : sequence of sequences
        A list (or any object with ``len``) whose items are lists or arrays
        (of scalars, or of equally shaped sub-arrays such as word vectors).
    maxlen : int or None, default=None
        Length of the output rows. ``None`` uses the longest sequence.
    dtype : str or numpy dtype, default='int32'
        Dtype of the output; use ``object`` for variable-length strings.
    padding : {'pre', 'post'}, default='pre'
        Add ``value`` before or after each sequence shorter than ``maxlen``.
    truncating : {'pre', 'post'}, default='pre'
        Drop items at the beginning (``'pre'``) or the end (``'post'``) of
        sequences longer than ``maxlen``.
    value : float or str, default=0.0
        Padding value, cast to ``dtype``.

    Returns
    -------
    ndarray of shape (len(sequences), maxlen, ...)
        Empty sequences become rows made only of ``value``.

    Raises
    ------
    ValueError
        For an unknown ``padding`` or ``truncating``, a non-iterable item, a
        string ``value`` with a non-string ``dtype``, or items whose trailing
        shapes differ from the first non-empty sequence.

    Notes
    -----
    Unlike Keras, ``padding``/``truncating`` are checked before any work,
    an empty ``sequences`` gives an array of shape ``(0, maxlen or 0)``
    instead of a NumPy reduction error, and ``maxlen=0`` gives ``n`` rows of
    width 0 whatever ``truncating`` is.

    Examples
    --------
    >>> from skdeep.text import pad_sequences
    >>> pad_sequences([[1], [2, 3], [4, 5, 6]])
    array([[0, 0, 1],
           [0, 2, 3],
           [4, 5, 6]], dtype=int32)
    >>> pad_sequences([[1], [2, 3], [4, 5, 6]], maxlen=2, padding="post",
    ...               truncating="post", value=-1)
    array([[ 1, -1],
           [ 2,  3],
           [ 4,  5]], dtype=int32)
    """
    _check_side("padding", padding)
    _check_side("truncating", truncating)
    if not hasattr(sequences, "__len__"):
        raise ValueError(
            "`sequences` must be iterable with a length (e.g. a list of lists); "
            f"got {type(sequences).__name__}."
        )
    lengths = []
    sample_shape = ()
    shape_found = False
    for item in sequences:
        try:
            lengths.append(len(item))
        except TypeError as exc:
            raise ValueError(
                f"`sequences` must be a list of iterables. Found non-iterable: {item!s}"
            ) from exc
        if not shape_found and len(item):
            # Later items must share the trailing shape of the first non-empty one.
            sample_shape = np.asarray(item).shape[1:]
            shape_found = True

    if maxlen is None:
        maxlen = max(lengths, default=0)
    elif not isinstance(maxlen, Integral) or isinstance(maxlen, bool):
        raise TypeError(f"`maxlen` must be an int or None, got {maxlen!r}.")
    elif maxlen < 0:
        raise ValueError(f"`maxlen` must be >= 0, got {maxlen}.")

    string_dtype = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not string_dtype:
        raise ValueError(
            f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
            "You should set `dtype=object` for variable length strings."
        )

    padded = np.full((len(lengths), maxlen) + sample_shape, value, dtype=dtype)
    for row, (item, length) in enumerate(zip(sequences, lengths)):
        if length == 0 or maxlen == 0:
            continue
        if length > maxlen:
            item = item[length - maxlen :] if truncating == "pre" else item[:maxlen]
        kept = np.asarray(item, dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError(
                f"Shape of sample {kept.shape[1:]} of sequence at position {row} "
                f"is different from expected shape {sample_shape}"
            )
        if padding == "pre":
            padded[row, maxlen - len(kept) :] = kept
        else:
            padded[row, : len(kept)] = kept
    return padded


def make_next_token_dataset(sequence, seq_len, dtype="int32"):
    """Cut a token sequence into sliding windows for next-token prediction.

    Every window of ``seq_len`` consecutive tokens gives one sample: its first
    ``seq_len - 1`` tokens are the input and its last token is the target.
    This is the classic word-level language model set-up (e.g. windows of
    3 words, the first two predicting the third).

    Parameters
    ----------
    sequence : array-like of int, shape (n_tokens,)
        Token ids, e.g. ``tokenizer.texts_to_sequences([text])[0]``.
    seq_len : int
        Window length, at least 2 (one context token and one target).
    dtype : str or numpy dtype, default='int32'
        Integer dtype of the outputs.

    Returns
    -------
    X : ndarray of shape (n_tokens - seq_len + 1, seq_len - 1)
        Context windows, one per row.
    y : ndarray of shape (n_tokens - seq_len + 1,)
        The token that follows each context window.

    Raises
    ------
    ValueError
        If ``seq_len`` < 2, ``sequence`` is not 1-D, or it is shorter than
        ``seq_len``.
    TypeError
        If ``sequence`` does not hold integers.

    Examples
    --------
    >>> from skdeep.text import Tokenizer, make_next_token_dataset
    >>> text = "the cat sat on the mat"
    >>> tokenizer = Tokenizer().fit([text])
    >>> ids = tokenizer.texts_to_sequences([text])[0]
    >>> ids
    [1, 2, 3, 4, 1, 5]
    >>> X, y = make_next_token_dataset(ids, seq_len=3)
    >>> X
    array([[1, 2],
           [2, 3],
           [3, 4],
           [4, 1]], dtype=int32)
    >>> y
    array([3, 4, 1, 5], dtype=int32)
    """
    if not isinstance(seq_len, Integral) or isinstance(seq_len, bool):
        raise TypeError(f"`seq_len` must be an int, got {seq_len!r}.")
    if seq_len < 2:
        raise ValueError(
            f"`seq_len` must be >= 2 (context tokens plus one target), got {seq_len}."
        )
    tokens = np.asarray(sequence)
    if tokens.ndim != 1:
        raise ValueError(
            f"`sequence` must be a 1-D sequence of token ids, got shape {tokens.shape}."
        )
    if tokens.size and not np.issubdtype(tokens.dtype, np.integer):
        raise TypeError(
            f"`sequence` must hold integer token ids, got dtype {tokens.dtype}; "
            "convert texts with Tokenizer.texts_to_sequences first."
        )
    if len(tokens) < seq_len:
        raise ValueError(
            f"`sequence` has {len(tokens)} tokens, fewer than seq_len={seq_len}: "
            "no window fits."
        )
    windows = np.lib.stride_tricks.sliding_window_view(tokens, seq_len)
    windows = np.ascontiguousarray(windows, dtype=dtype)
    return np.ascontiguousarray(windows[:, :-1]), windows[:, -1].copy()
