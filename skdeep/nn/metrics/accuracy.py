"""Accuracy metrics: exact, binary, categorical, sparse and top-k (Keras 3)."""
import numpy as np

from .base import MeanMetricWrapper

__all__ = [
    "Accuracy",
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "SparseCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy",
    "TopKCategoricalAccuracy",
    "accuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
    "top_k_categorical_accuracy",
]


def _match(y_true, y_pred):
    """``y_true`` as an array shaped like ``y_pred`` where only a reshape is needed."""
    y_true = np.asarray(y_true)
    if y_true.shape != y_pred.shape and y_true.size == y_pred.size:
        y_true = y_true.reshape(y_pred.shape)
    return y_true


def accuracy(y_true, y_pred):
    """1.0 where predictions equal targets exactly."""
    y_pred = np.asarray(y_pred)
    return (_match(y_true, y_pred) == y_pred).astype(np.float64)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Mean over the last axis of ``y_true == (y_pred > threshold)`` (Keras)."""
    y_pred = np.asarray(y_pred)
    y_true = _match(y_true, y_pred)
    return np.mean(y_true == (y_pred > threshold), axis=-1, dtype=np.float64)


def categorical_accuracy(y_true, y_pred):
    """1.0 where the arg-max of predictions and one-hot targets agree."""
    y_pred = np.asarray(y_pred)
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype(np.float64)


def _sparse_labels(y_true, y_pred):
    y_true = np.asarray(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return y_true


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the arg-max of predictions equals the integer target."""
    y_pred = np.asarray(y_pred)
    # compared as values, like Keras: a target of 1.5 matches no class
    return (_sparse_labels(y_true, y_pred) == np.argmax(y_pred, axis=-1)).astype(np.float64)


def _in_top_k(y_pred, labels, k):
    """1.0 where ``labels`` is among the ``k`` largest predictions (ties count as
    in the top k when the label's score equals the k-th largest)."""
    y_pred = np.asarray(y_pred, dtype=np.float64)
    flat = y_pred.reshape(-1, y_pred.shape[-1])
    labels = np.asarray(labels).reshape(-1)
    n_classes = flat.shape[1]
    if k >= n_classes:
        out = np.ones(flat.shape[0])
    else:
        kth = -np.partition(-flat, k - 1, axis=1)[:, k - 1]
        valid = (labels >= 0) & (labels < n_classes) & (labels == np.round(labels))
        score = flat[np.arange(flat.shape[0]), np.where(valid, labels, 0).astype(np.int64)]
        # an entry strictly above the k-th value, or tied with it while fewer
        # than k entries are strictly larger (TF's in_top_k counts ties in)
        out = (valid & (score >= kth)).astype(np.float64)
    return out.reshape(y_pred.shape[:-1])


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot target's class is among the ``k`` top predictions."""
    y_pred = np.asarray(y_pred)
    return _in_top_k(y_pred, np.argmax(y_true, axis=-1), k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer target is among the ``k`` top predictions.

    With ``from_sorted_ids=True``, ``y_pred`` holds class ids sorted by
    decreasing score (as from ``ops.top_k``) instead of scores.
    """
    y_pred = np.asarray(y_pred)
    labels = _sparse_labels(y_true, y_pred)
    if from_sorted_ids:
        return np.any(y_pred[..., :k] == labels[..., None], axis=-1).astype(np.float64)
    return _in_top_k(y_pred, labels, k)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal targets.

    Examples
    --------
    >>> m = Accuracy()
    >>> float(m([[1], [2], [3], [4]], [[0], [2], [3], [4]]))
    0.75
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` equals the 0/1 targets.

    Examples
    --------
    >>> m = BinaryAccuracy()
    >>> float(m([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]))
    0.75
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the arg-max of predictions matches one-hot targets.

    Examples
    --------
    >>> m = CategoricalAccuracy()
    >>> float(m([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]))
    0.5
    """

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the arg-max of predictions matches integer targets.

    Examples
    --------
    >>> m = SparseCategoricalAccuracy()
    >>> float(m([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]))
    0.5
    """

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often one-hot targets are in the top ``k`` predictions.

    Examples
    --------
    >>> m = TopKCategoricalAccuracy(k=1)
    >>> float(m([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]))
    0.5
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often integer targets are in the top ``k`` predictions.

    Examples
    --------
    >>> m = SparseTopKCategoricalAccuracy(k=1)
    >>> float(m([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]))
    0.5
    """

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        kwargs = {"k": k}
        if from_sorted_ids:
            kwargs["from_sorted_ids"] = True
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, **kwargs)
