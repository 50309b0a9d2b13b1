"""F-scores and intersection-over-union metrics (Keras 3 formulas)."""
import numpy as np

from .base import Metric

__all__ = ["FBetaScore", "F1Score", "IoU", "MeanIoU"]

_EPSILON = 1e-7


class FBetaScore(Metric):
    """F-beta score of multi-class or multi-label predictions, accumulated over batches.

    Parameters
    ----------
    average : {None, 'micro', 'macro', 'weighted'}
        None returns one score per class; 'micro' pools the counts of all
        classes; 'macro' averages the per-class scores; 'weighted' averages
        them weighted by each class's support.
    beta : float, default 1.0
        Weight of recall against precision.
    threshold : float, optional
        Predictions above it count as positive; by default the arg-max of
        each row is the positive class.

    Examples
    --------
    >>> m = FBetaScore(beta=2.0, threshold=0.5)
    >>> m.update_state(np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]]),
    ...                np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]]))
    >>> [round(float(v), 4) for v in m.result()]
    [0.3846, 0.9091, 0.8333]
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError("Invalid `average` argument value. Expected one of: {None, "
                             f"'micro', 'macro', 'weighted'}}. Received: average={average!r}")
        if not isinstance(beta, (float, np.floating)):
            raise ValueError("Invalid `beta` argument value. It should be a Python float. "
                             f"Received: beta={beta!r} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: "
                             f"beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, (float, np.floating)):
                raise ValueError("Invalid `threshold` argument value. It should be a Python "
                                 f"float. Received: threshold={threshold!r} of type "
                                 f"'{type(threshold)}'")
            if not 0.0 < threshold <= 1.0:
                raise ValueError("Invalid `threshold` argument value. It should verify "
                                 f"0 < threshold <= 1. Received: threshold={threshold}")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(f"{type(self).__name__} expects 2D inputs with shape "
                             f"(batch_size, output_dim). Received input shapes: "
                             f"y_pred.shape={y_pred_shape} and y_true.shape={y_true_shape}.")
        shape = () if self.average == "micro" else (y_pred_shape[-1],)
        for name in ("true_positives", "false_positives", "false_negatives",
                     "intermediate_weights"):
            setattr(self, name, self.add_variable(shape, "zeros", name=name))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = np.asarray(y_true, dtype=self.dtype)
        y_pred = np.asarray(y_pred, dtype=self.dtype)
        if y_true.ndim == 1 and y_pred.ndim == 2 and y_pred.shape[1] == 1:
            y_true = y_true[:, None]  # flat binary targets against one sigmoid unit
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if y_true.shape != y_pred.shape:
            raise ValueError(f"{type(self).__name__}: targets of shape {y_true.shape} do not "
                             f"match predictions of shape {y_pred.shape} (one-hot targets "
                             "are expected)")
        if self.threshold is None:
            top = np.max(y_pred, axis=-1, keepdims=True)
            y_pred = (y_pred >= top) & (np.abs(y_pred) > 1e-9)
        else:
            y_pred = y_pred > self.threshold
        y_pred = y_pred.astype(np.float64)
        y_true = y_true.astype(np.float64)
        sw = None if sample_weight is None else \
            np.asarray(sample_weight, np.float64).reshape(-1, 1)

        def weighted_sum(val):
            return np.sum(val if sw is None else val * sw, axis=self.axis)

        self.true_positives.assign_add(weighted_sum(y_pred * y_true))
        self.false_positives.assign_add(weighted_sum(y_pred * (1 - y_true)))
        self.false_negatives.assign_add(weighted_sum((1 - y_pred) * y_true))
        self.intermediate_weights.assign_add(weighted_sum(y_true))

    def result(self):
        if not self._built:
            return np.asarray(0.0, self.dtype)[()]
        tp = self.true_positives.value.astype(np.float64)
        precision = tp / (tp + self.false_positives.value + _EPSILON)
        recall = tp / (tp + self.false_negatives.value + _EPSILON)
        b2 = self.beta ** 2
        f = precision * recall / (b2 * precision + recall + _EPSILON) * (1 + b2)
        if self.average == "weighted":
            w = self.intermediate_weights.value
            f = np.sum(f * w / (np.sum(w) + _EPSILON))
        elif self.average is not None:
            f = np.mean(f)
        return np.asarray(f, self.dtype)[()] if np.ndim(f) == 0 else np.asarray(f, self.dtype)

    def get_config(self):
        return dict(super().get_config(), average=self.average, beta=self.beta,
                    threshold=self.threshold)


class F1Score(FBetaScore):
    """F1 score: the harmonic mean of precision and recall (see :class:`FBetaScore`).

    Examples
    --------
    >>> m = F1Score(threshold=0.5)
    >>> m.update_state(np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]]),
    ...                np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]]))
    >>> [round(float(v), 4) for v in m.result()]
    [0.5, 0.8, 0.6667]
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config


class IoU(Metric):
    """Mean intersection-over-union of ``target_class_ids`` from a confusion matrix.

    Parameters
    ----------
    num_classes : int
    target_class_ids : list of int
        Classes whose IoU is averaged (classes absent from both targets and
        predictions are left out of the mean).
    ignore_class : int, optional
        Target value excluded from the counts (a "void" label).
    sparse_y_true, sparse_y_pred : bool, default True
        Integer labels; False takes the arg-max along ``axis``.

    Examples
    --------
    >>> round(float(IoU(num_classes=2, target_class_ids=[0])([0, 0, 1, 1], [0, 1, 0, 1])), 4)
    0.3333
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype)
        if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) \
                or num_classes < 1:
            raise ValueError(f"{type(self).__name__}: num_classes must be a positive integer, "
                             f"got {num_classes!r}")
        ids = list(target_class_ids)
        if max(ids, default=0) >= num_classes or min(ids, default=0) < 0:
            raise ValueError(f"Target class id out of range [0, {num_classes}): {ids}")
        self.num_classes = int(num_classes)
        self.target_class_ids = ids
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable((num_classes, num_classes), "zeros",
                                          name="total_confusion_matrix")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
        if not self.sparse_y_true:
            y_true = np.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = np.argmax(y_pred, axis=self.axis)
        y_true, y_pred = y_true.reshape(-1), y_pred.reshape(-1)
        if y_true.shape != y_pred.shape:
            raise ValueError(f"{type(self).__name__}: {y_true.size} targets against "
                             f"{y_pred.size} predictions")
        sw = np.ones(y_true.shape) if sample_weight is None else np.broadcast_to(
            np.asarray(sample_weight, np.float64).reshape(-1)
            if np.ndim(sample_weight) else np.asarray(sample_weight, np.float64), y_true.shape)
        n = self.num_classes
        ok = (y_true >= 0) & (y_true < n) & (y_pred >= 0) & (y_pred < n)
        if self.ignore_class is not None:
            ok &= y_true != self.ignore_class
        t, p = y_true[ok].astype(np.int64), y_pred[ok].astype(np.int64)
        cm = np.bincount(t * n + p, weights=sw[ok], minlength=n * n).reshape(n, n)
        self.total_cm.assign_add(cm)

    def result(self):
        cm = self.total_cm.value.astype(np.float64)
        tp = np.diag(cm)
        denominator = cm.sum(axis=0) + cm.sum(axis=1) - tp
        ids = self.target_class_ids
        tp, denominator = tp[ids], denominator[ids]
        valid = denominator > 1e-9
        iou = np.where(valid, tp / (denominator + _EPSILON), 0.0)
        return np.asarray(np.sum(iou) / (np.sum(valid) + _EPSILON), self.dtype)[()]

    def get_config(self):
        return dict(super().get_config(), num_classes=self.num_classes,
                    target_class_ids=self.target_class_ids, ignore_class=self.ignore_class,
                    sparse_y_true=self.sparse_y_true, sparse_y_pred=self.sparse_y_pred,
                    axis=self.axis)


class MeanIoU(IoU):
    """Mean intersection-over-union over all ``num_classes`` (see :class:`IoU`).

    Examples
    --------
    >>> m = MeanIoU(num_classes=2)
    >>> round(float(m([0, 0, 1, 1], [0, 1, 0, 1])), 4)
    0.3333
    >>> m.reset_state()
    >>> round(float(m([0, 0, 1, 1], [0, 1, 0, 1], sample_weight=[0.3, 0.3, 0.3, 0.1])), 4)
    0.2381
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(num_classes)) if isinstance(
            num_classes, (int, np.integer)) else [], name=name, dtype=dtype,
            ignore_class=ignore_class, sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred,
            axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["target_class_ids"]
        return config
