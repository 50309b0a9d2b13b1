"""Threshold-curve metrics: AUC (ROC, PR, PR-gain) and the constrained
operating points PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity,
SpecificityAtSensitivity (Keras 3 formulas)."""
import numpy as np

from .. import activations
from .base import Metric
from .confusion import divide_no_nan, update_confusion_matrix

__all__ = ["AUC", "PrecisionAtRecall", "RecallAtPrecision", "SensitivityAtSpecificity",
           "SpecificityAtSensitivity"]

_EPSILON = 1e-7
_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "minoring", "majoring")


def _evenly_spaced(thresholds):
    n = len(thresholds)
    return n >= 3 and np.allclose(thresholds, np.arange(n) / (n - 1), atol=_EPSILON)


def _check_int(owner, name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{owner}: argument `{name}` must be an integer >= {minimum}, got "
                         f"{value!r}")
    return int(value)


class AUC(Metric):
    """Area under the ROC or precision-recall curve, from counts at thresholds.

    Parameters
    ----------
    num_thresholds : int, default 200
        Evenly spaced thresholds on [0, 1] (the end points nudged by 1e-7).
    curve : {'ROC', 'PR', 'PRGAIN'}
    summation_method : {'interpolation', 'minoring', 'majoring'}
        Riemann sum of the curve; for PR, 'interpolation' is Davis & Goadrich's
        interpolation, as in Keras.
    thresholds : list of float, optional
        Explicit thresholds instead of ``num_thresholds``.
    multi_label : bool, default False
        One curve per label column, averaged (weighted by ``label_weights``);
        otherwise every entry is one binary decision.
    num_labels : int, optional
        Columns, when ``multi_label`` (inferred from the first batch otherwise).
    label_weights : array_like, optional
    from_logits : bool, default False
        Apply a sigmoid to the predictions first.

    Examples
    --------
    >>> m = AUC(num_thresholds=3)
    >>> float(m([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]))
    0.75
    >>> round(float(AUC()([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])), 3)
    0.75
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        super().__init__(name=name, dtype=dtype)
        key = str(curve).lower()
        if key not in _CURVES:
            raise ValueError(f'Invalid AUC curve value "{curve}"; expected one of '
                             f'{list(_CURVES.values())}')
        if str(summation_method).lower() not in _SUMMATIONS:
            raise ValueError(f'Invalid AUC summation method value "{summation_method}"; '
                             f"expected one of {list(_SUMMATIONS)}")
        self.curve = _CURVES[key]
        self.summation_method = str(summation_method).lower()
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            if any(not 0 <= t <= 1 for t in inner):
                raise ValueError(f"AUC: threshold values must be in [0, 1], got {thresholds!r}")
            self.num_thresholds = len(inner) + 2
            self._evenly = _evenly_spaced(np.array([0.0] + inner + [1.0]))
        else:
            if isinstance(num_thresholds, bool) or not isinstance(
                    num_thresholds, (int, np.integer)) or num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds!r}")
            self.num_thresholds = int(num_thresholds)
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        self._thresholds = np.array([0.0 - _EPSILON] + inner + [1.0 + _EPSILON])
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else \
            np.asarray(label_weights, dtype=self.dtype)
        self._from_logits = bool(from_logits)
        self._built = False
        if self.multi_label:
            if num_labels:
                self._build((None, _check_int("AUC", "num_labels", num_labels, 1)))
        else:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self):
        """The thresholds the counts are taken at."""
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError("`y_pred` must have rank 2 when `multi_label=True`. Found "
                                 f"rank {len(shape)}. Full shape received for `y_pred`: "
                                 f"{shape}")
            self._num_labels = shape[1]
            var_shape = (self.num_thresholds, self._num_labels)
        else:
            var_shape = (self.num_thresholds,)
        for name in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            setattr(self, name, self.add_variable(var_shape, "zeros", name=name))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = np.asarray(y_pred)
        if not self._built:
            self._build(y_pred.shape)
        if self._from_logits:
            y_pred = activations.sigmoid(y_pred.astype(self.dtype))
        update_confusion_matrix(
            {"tp": self.true_positives, "tn": self.true_negatives,
             "fp": self.false_positives, "fn": self.false_negatives},
            y_true, y_pred, self._thresholds, sample_weight=sample_weight,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights, clip=self._evenly)

    def _by_label(self, terms):
        if not self.multi_label:
            return np.sum(terms)
        by_label = np.sum(terms, axis=0)
        if self.label_weights is None:
            return np.mean(by_label)
        return divide_no_nan(np.sum(by_label * self.label_weights), np.sum(self.label_weights))

    def _interpolate_pr_auc(self, tp, fp, fn):
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        ratio = np.where((p[:-1] > 0) & (p[1:] > 0),
                         divide_no_nan(p[:-1], np.maximum(p[1:], 0)), 1.0)
        increment = divide_no_nan(slope * (dtp + intercept * np.log(ratio)),
                                  np.maximum(tp[1:] + fn[1:], 0))
        return self._by_label(increment)

    def result(self):
        if not self._built:
            return np.asarray(0.0, self.dtype)[()]
        tp, fp, tn, fn = (v.value.astype(np.float64) for v in (
            self.true_positives, self.false_positives, self.true_negatives,
            self.false_negatives))
        if self.curve == "PR" and self.summation_method == "interpolation":
            return np.asarray(self._interpolate_pr_auc(tp, fp, fn), self.dtype)[()]
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, divide_no_nan(tp, tp + fp)
        else:  # precision-recall gain (Flach & Kull)
            scale = divide_no_nan(tp + fn, tn + fp)
            recall_gain = np.where(tp == 0, 0.0, 1.0 - scale * divide_no_nan(fn, tp))
            precision_gain = np.where(tp == 0, 1.0, 1.0 - scale * divide_no_nan(fp, tp))
            x, y = np.maximum(recall_gain, 0.0), precision_gain
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return np.asarray(self._by_label((x[:-1] - x[1:]) * heights), self.dtype)[()]

    def get_config(self):
        config = dict(super().get_config(), num_thresholds=self.num_thresholds,
                      curve=self.curve, summation_method=self.summation_method,
                      multi_label=self.multi_label, num_labels=self.num_labels,
                      label_weights=None if self.label_weights is None else
                      self.label_weights.tolist(), from_logits=self._from_logits)
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self._thresholds[1:-1]]
        return config


class _SensitivitySpecificityBase(Metric):
    """Counts at ``num_thresholds`` thresholds in [0, 1]; the result is the best
    dependent statistic among thresholds whose constrained statistic reaches ``value``."""

    _value_name = None

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        owner = type(self).__name__
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or \
                not 0 <= value <= 1:
            raise ValueError(f"Argument `{self._value_name}` must be in the range [0, 1]. "
                             f"Received: {self._value_name}={value!r}")
        self.num_thresholds = _check_int(owner, "num_thresholds", num_thresholds, 1)
        self.value = float(value)
        self.class_id = class_id
        if self.num_thresholds == 1:
            self.thresholds, self._evenly = [0.5], False
        else:
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds, self._evenly = [0.0] + inner + [1.0], True
        n = len(self.thresholds)
        for var in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            setattr(self, var, self.add_variable((n,), "zeros", name=var))

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix(
            {"tp": self.true_positives, "tn": self.true_negatives,
             "fp": self.false_positives, "fn": self.false_negatives},
            y_true, y_pred, self.thresholds, class_id=self.class_id,
            sample_weight=sample_weight, clip=self._evenly)

    def _rates(self):
        tp, fp, tn, fn = (v.value.astype(np.float64) for v in (
            self.true_positives, self.false_positives, self.true_negatives,
            self.false_negatives))
        return {"recall": divide_no_nan(tp, tp + fn), "precision": divide_no_nan(tp, tp + fp),
                "specificity": divide_no_nan(tn, tn + fp)}

    def _max_under_constraint(self, constrained, dependent):
        r = self._rates()
        best = np.max(np.where(r[constrained] >= self.value, r[dependent], 0.0), initial=0.0)
        return np.asarray(best, self.dtype)[()]

    def get_config(self):
        return dict(super().get_config(), num_thresholds=self.num_thresholds,
                    class_id=self.class_id, **{self._value_name: self.value})


class PrecisionAtRecall(_SensitivitySpecificityBase):
    """Best precision among thresholds where recall >= ``recall``.

    Examples
    --------
    >>> float(PrecisionAtRecall(0.5)([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]))
    0.5
    """

    _value_name = "recall"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)

    def result(self):
        return self._max_under_constraint("recall", "precision")


class RecallAtPrecision(_SensitivitySpecificityBase):
    """Best recall among thresholds where precision >= ``precision``.

    Examples
    --------
    >>> float(RecallAtPrecision(0.8)([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]))
    0.5
    """

    _value_name = "precision"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)

    def result(self):
        return self._max_under_constraint("precision", "recall")


class SensitivityAtSpecificity(_SensitivitySpecificityBase):
    """Best sensitivity (recall) among thresholds where specificity >= ``specificity``.

    Examples
    --------
    >>> float(SensitivityAtSpecificity(0.5)([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]))
    0.5
    """

    _value_name = "specificity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)

    def result(self):
        return self._max_under_constraint("specificity", "recall")


class SpecificityAtSensitivity(_SensitivitySpecificityBase):
    """Best specificity among thresholds where sensitivity (recall) >= ``sensitivity``.

    Examples
    --------
    >>> round(float(SpecificityAtSensitivity(0.5)([0, 0, 0, 1, 1],
    ...                                            [0, 0.3, 0.8, 0.3, 0.8])), 4)
    0.6667
    """

    _value_name = "sensitivity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)

    def result(self):
        return self._max_under_constraint("recall", "specificity")
