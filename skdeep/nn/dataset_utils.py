"""Array utilities of ``keras.utils``: ``split_dataset``, ``normalize`` and
the ``(x, y, sample_weight)`` packing helpers."""
import numbers

import numpy as np

__all__ = ["split_dataset", "normalize", "pack_x_y_sample_weight", "unpack_x_y_sample_weight"]


def normalize(x, axis=-1, order=2):
    """Divide ``x`` by its ``order``-norm along ``axis`` (zero norms left as 1).

    Examples
    --------
    >>> normalize(np.array([[3.0, 4.0], [0.0, 0.0]])).tolist()
    [[0.6, 0.8], [0.0, 0.0]]
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype("float32")
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    norm = np.where(norm == 0, 1, norm).astype(x.dtype)
    return x / norm


def _split_sizes(left_size, right_size, total):
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is not None and (isinstance(size, bool) or
                                 not isinstance(size, (numbers.Integral, float))):
            raise TypeError(f"{name} must be an int, a float or None, got "
                            f"{type(size).__name__}")
        if isinstance(size, numbers.Integral) and not 0 < size < total:
            raise ValueError(f"{name} should be a positive integer smaller than {total}, or a "
                             f"float in (0, 1); got {name}={size}")
        if isinstance(size, (float, np.floating)) and not 0 < size < 1:
            raise ValueError(f"{name} should be a positive integer smaller than {total}, or a "
                             f"float in (0, 1); got {name}={size}")
    if left_size is None and right_size is None:
        left_size = 0.5
    if isinstance(left_size, (float, np.floating)) and isinstance(right_size, (float, np.floating)) and \
            left_size + right_size > 1:
        raise ValueError("left_size + right_size is greater than 1")
    left = round(left_size * total) if isinstance(left_size, (float, np.floating)) else left_size
    right = round(right_size * total) if isinstance(right_size, (float, np.floating)) else right_size
    if left is None:
        left = total - right
    if right is None:
        right = total - left
    if left + right > total:
        raise ValueError(f"left_size + right_size = {left + right} is more than the {total} "
                         "samples")
    for side, n in (("left", left), ("right", right)):
        if n == 0:
            raise ValueError(f"With {total} samples, left_size={left_size} and right_size="
                             f"{right_size}, the {side} split would be empty")
    return int(left), int(right)


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None):
    """Split arrays (or a tuple/list/dict of same-length arrays) into two parts.

    Sizes are fractions (floats in ``(0, 1)``) or sample counts, as in
    ``keras.utils.split_dataset``; one of them may be None (the rest), and
    with both None the split is half and half. Keras returns
    ``tf.data.Dataset`` objects; here each part has the structure of
    ``dataset`` (an array, or a tuple/list/dict of arrays), ready for
    ``fit(*left)``.

    Examples
    --------
    >>> x, y = np.arange(10).reshape(5, 2), np.arange(5)
    >>> (x_left, y_left), (x_right, y_right) = split_dataset((x, y), left_size=0.8)
    >>> x_left.shape, y_right.tolist()
    ((4, 2), [4])
    """
    if isinstance(dataset, dict):
        keys = list(dataset)
        arrays = [np.asarray(dataset[k]) for k in keys]
    elif isinstance(dataset, (tuple, list)):
        keys = None
        arrays = [np.asarray(a) for a in dataset]
        if not arrays or any(a.ndim == 0 for a in arrays):
            raise ValueError("split_dataset: a tuple or list dataset must hold arrays of the "
                             "same length, e.g. (x, y)")
    else:
        keys = None
        arrays = [np.asarray(dataset)]
    lengths = {len(a) for a in arrays}
    if len(lengths) != 1:
        raise ValueError(f"split_dataset needs arrays of one length, got lengths "
                         f"{sorted(lengths)}")
    total = lengths.pop()
    left, right = _split_sizes(left_size, right_size, total)
    index = np.arange(total)
    if shuffle:
        np.random.default_rng(seed).shuffle(index)
    parts = [[a[index[:left]] for a in arrays], [a[index[left:left + right]] for a in arrays]]
    if keys is not None:
        return tuple(dict(zip(keys, p)) for p in parts)
    if not isinstance(dataset, (tuple, list)):
        return parts[0][0], parts[1][0]
    kind = tuple if isinstance(dataset, tuple) else list
    return kind(parts[0]), kind(parts[1])


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``, as ``fit`` batches.

    Examples
    --------
    >>> pack_x_y_sample_weight(1, 2)
    (1, 2)
    """
    if y is None:
        return x if isinstance(x, (tuple, list)) else (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """``(x, y, sample_weight)`` from a batch, with None for what is missing.

    Examples
    --------
    >>> unpack_x_y_sample_weight((1, 2))
    (1, 2, None)
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(f"A batch should be (x,), (x, y) or (x, y, sample_weight); got a tuple of "
                     f"{len(data)} elements")
