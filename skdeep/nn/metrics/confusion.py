"""Confusion-matrix counts at thresholds, precision and recall (Keras 3).

The counts follow Keras' ``update_confusion_matrix_variables``: a target is
positive when non-zero, a prediction is positive when strictly above the
threshold; ``top_k`` keeps only the k largest predictions of each row,
``class_id`` keeps one column, and unless ``multi_label`` every remaining
entry counts as one binary decision.
"""
import numpy as np

from .base import Metric, squeeze_or_expand_to_same_rank

__all__ = ["TruePositives", "TrueNegatives", "FalsePositives", "FalseNegatives", "Precision",
           "Recall", "update_confusion_matrix"]

#: the value that predictions outside the top k are replaced with (Keras' NEG_INF)
NEG_INF = -1e10
_KEYS = ("tp", "fp", "tn", "fn")


def parse_thresholds(owner, thresholds, default=0.5):
    """Thresholds as a list of floats in [0, 1] (Keras' ``parse_init_thresholds``)."""
    if thresholds is None:
        return [default]
    values = list(thresholds) if isinstance(thresholds, (list, tuple, np.ndarray)) else \
        [thresholds]
    bad = [t for t in values if t is None or isinstance(t, bool) or not 0 <= float(t) <= 1]
    if bad or not values:
        raise ValueError(f"{owner}: threshold values must be in [0, 1], got {thresholds!r}")
    return [float(t) for t in values]


def _filter_top_k(x, k):
    """Entries outside the k largest of the last axis set to NEG_INF (ties: lowest index)."""
    order = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    mask = np.zeros(x.shape, dtype=bool)
    np.put_along_axis(mask, order, True, axis=-1)
    return np.where(mask, x, NEG_INF)


def _counts_above(pred, label, weight, thresholds):
    """Weighted positives and negatives with ``pred > t`` for each threshold
    (pred, label, weight: 1-D). Sorting once makes it O(N log N + T)."""
    order = np.argsort(pred, kind="stable")
    p = pred[order]
    pos = np.concatenate([[0.0], np.cumsum(np.where(label[order], weight[order], 0.0))])
    neg = np.concatenate([[0.0], np.cumsum(np.where(label[order], 0.0, weight[order]))])
    idx = np.searchsorted(p, thresholds, side="right")  # first index with p > t
    return pos[-1] - pos[idx], neg[-1] - neg[idx], pos[-1], neg[-1]


def update_confusion_matrix(variables, y_true, y_pred, thresholds, top_k=None, class_id=None,
                            sample_weight=None, multi_label=False, label_weights=None,
                            clip=False):
    """Add the weighted tp/fp/tn/fn counts of a batch into ``variables``.

    Parameters
    ----------
    variables : dict
        Some of ``'tp'``, ``'fp'``, ``'tn'``, ``'fn'`` mapped to variables of
        shape ``(len(thresholds),)`` (``(len(thresholds), num_labels)`` with
        ``multi_label``).
    y_true, y_pred : array_like
        Same shape (up to a trailing axis of 1); targets are positive when non-zero.
    thresholds : list of float
    clip : bool
        Clip predictions to [0, 1] first (Keras does for evenly spaced thresholds).
    """
    dtype = next(iter(variables.values())).dtype
    y_pred = np.asarray(y_pred, dtype=dtype)
    y_true = np.asarray(y_true)
    if y_true.dtype.kind not in "biuf":
        raise ValueError(f"Targets must be numeric or boolean, got dtype {y_true.dtype}")
    y_true = y_true.astype(dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if y_pred.shape != y_true.shape:
        if y_pred.size != y_true.size:
            raise ValueError(f"Targets of shape {y_true.shape} do not match predictions of "
                             f"shape {y_pred.shape}")
        y_true = y_true.reshape(y_pred.shape)
    weights = None
    if sample_weight is not None:
        sw = np.asarray(sample_weight, dtype=dtype)
        sw = sw.reshape(sw.shape + (1,) * max(y_pred.ndim - sw.ndim, 0))
        if sw.ndim > y_pred.ndim:
            sw = sw.reshape(sw.shape[:y_pred.ndim]) if sw.size == y_pred.size else sw
        try:
            weights = np.broadcast_to(sw, y_pred.shape)
        except ValueError:
            raise ValueError(f"sample_weight of shape {np.shape(sample_weight)} cannot be "
                             f"broadcast to predictions of shape {y_pred.shape}") from None
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError("When class_id is provided, y_pred must be a 2D array with shape "
                             f"(num_samples, num_classes), found shape: {y_pred.shape}")
        if not 0 <= class_id < y_pred.shape[-1]:
            raise ValueError(f"class_id={class_id} is out of range for predictions with "
                             f"{y_pred.shape[-1]} classes")
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
        weights = None if weights is None else weights[..., class_id, None]
    if clip:
        y_pred = np.clip(y_pred, 0.0, 1.0)
    if label_weights is not None and not multi_label:
        lw = np.broadcast_to(np.asarray(label_weights, dtype=dtype), y_pred.shape)
        weights = lw if weights is None else weights * lw
    if weights is None:
        weights = np.ones(y_pred.shape, dtype)
    thresholds = np.asarray(thresholds, dtype=dtype)
    label = y_true != 0
    if multi_label:
        if y_pred.ndim != 2:
            raise ValueError(f"multi_label needs predictions of rank 2, got {y_pred.shape}")
        cols = [_counts_above(y_pred[:, j], label[:, j], weights[:, j].astype(np.float64),
                              thresholds) for j in range(y_pred.shape[1])]
        tp, fp, pos, neg = (np.stack([np.broadcast_to(c[i], thresholds.shape) for c in cols],
                                     axis=1) for i in range(4))
    else:
        tp, fp, pos, neg = _counts_above(y_pred.ravel(), label.ravel(),
                                         weights.ravel().astype(np.float64), thresholds)
    counts = {"tp": tp, "fp": fp, "tn": neg - fp, "fn": pos - tp}
    for key, var in variables.items():
        if key not in _KEYS:
            raise ValueError(f"Invalid confusion matrix key {key!r}; valid: {_KEYS}")
        var.assign_add(counts[key])


def divide_no_nan(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))


class _ConditionCount(Metric):
    _key = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = parse_thresholds(type(self).__name__, thresholds)
        self.accumulator = self.add_variable((len(self.thresholds),), "zeros",
                                             name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix({self._key: self.accumulator}, y_true, y_pred, self.thresholds,
                                sample_weight=sample_weight)

    def result(self):
        value = self.accumulator.numpy()
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self):
        return dict(super().get_config(), thresholds=self.init_thresholds)


def _count_class(key, cls_name, what, example):
    doc = f"""Weighted number of {what}.

    Parameters
    ----------
    thresholds : float or list of float, optional
        A prediction counts as positive when strictly above the threshold
        (0.5 by default); a list gives one count per threshold.

    Examples
    --------
    {example}
    """
    cls = type(cls_name, (_ConditionCount,), {"_key": key, "__doc__": doc,
                                              "__module__": __name__})
    return cls


TruePositives = _count_class(
    "tp", "TruePositives", "true positives",
    ">>> float(TruePositives()([0, 1, 1, 1], [1, 0, 1, 1]))\n    2.0")
TrueNegatives = _count_class(
    "tn", "TrueNegatives", "true negatives",
    ">>> float(TrueNegatives()([0, 1, 0, 0], [1, 1, 0, 0]))\n    2.0")
FalsePositives = _count_class(
    "fp", "FalsePositives", "false positives",
    ">>> float(FalsePositives()([0, 1, 0, 0], [0, 0, 1, 1]))\n    2.0")
FalseNegatives = _count_class(
    "fn", "FalseNegatives", "false negatives",
    ">>> float(FalseNegatives()([0, 1, 1, 1], [0, 1, 0, 0]))\n    2.0")


class _PrecisionRecall(Metric):
    _keys = ()

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        owner = type(self).__name__
        if top_k is not None and (isinstance(top_k, bool) or not isinstance(
                top_k, (int, np.integer)) or top_k < 1):
            raise ValueError(f"{owner}: top_k must be a positive integer, got {top_k!r}")
        if class_id is not None and (isinstance(class_id, bool) or not isinstance(
                class_id, (int, np.integer)) or class_id < 0):
            raise ValueError(f"{owner}: class_id must be an integer >= 0, got {class_id!r}")
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = parse_thresholds(owner, thresholds,
                                           0.5 if top_k is None else NEG_INF)
        n = len(self.thresholds)
        self.true_positives = self.add_variable((n,), "zeros", name="true_positives")
        other = "false_positives" if "fp" in self._keys else "false_negatives"
        setattr(self, other, self.add_variable((n,), "zeros", name=other))

    def update_state(self, y_true, y_pred, sample_weight=None):
        names = {"tp": "true_positives", "fp": "false_positives", "fn": "false_negatives"}
        update_confusion_matrix({k: getattr(self, names[k]) for k in self._keys}, y_true,
                                y_pred, self.thresholds, top_k=self.top_k,
                                class_id=self.class_id, sample_weight=sample_weight)

    def _ratio(self, other):
        tp = self.true_positives.value
        r = divide_no_nan(tp, tp + other.value).astype(self.dtype)
        return r[0] if len(self.thresholds) == 1 else r

    def get_config(self):
        return dict(super().get_config(), thresholds=self.init_thresholds, top_k=self.top_k,
                    class_id=self.class_id)


class Precision(_PrecisionRecall):
    """``true_positives / (true_positives + false_positives)`` (0 when undefined).

    Parameters
    ----------
    thresholds : float or list of float, optional
        Predictions strictly above count as positive; 0.5 by default (with
        ``top_k``, every one of the top k counts).
    top_k : int, optional
        Only the k largest predictions of each row count as positive.
    class_id : int, optional
        Binary precision of that column only.

    Examples
    --------
    >>> round(float(Precision()([0, 1, 1, 1], [1, 0, 1, 1])), 4)
    0.6667
    >>> float(Precision(top_k=2)([0, 0, 1, 1], [1, 1, 1, 1]))
    0.0
    """

    _keys = ("tp", "fp")

    def result(self):
        return self._ratio(self.false_positives)


class Recall(_PrecisionRecall):
    """``true_positives / (true_positives + false_negatives)`` (0 when undefined).

    Same arguments as :class:`Precision`.

    Examples
    --------
    >>> round(float(Recall()([0, 1, 1, 1], [1, 0, 1, 1])), 4)
    0.6667
    """

    _keys = ("tp", "fn")

    def result(self):
        return self._ratio(self.false_negatives)
