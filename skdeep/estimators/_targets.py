"""Target encoders: from scikit-learn targets to network outputs and back.

An encoder looks at ``y`` once (``fit``), proposes the output layer and the
loss (``output_spec``), adapts to the output the network really has
(``configure``: a user's ``model=`` callable may have built its own), encodes
``y`` for training (``transform``) and decodes the network's outputs into
probabilities and labels or values. This is scikeras' target-encoder pattern.
"""
import warnings

import numpy as np
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from ..nn import losses

_BINARY, _ONEHOT, _IDS, _MULTILABEL = "binary", "onehot", "ids", "multilabel"


def _loss_kind(loss):
    """'sparse', 'categorical' or None for a resolved loss object."""
    if isinstance(loss, losses.SparseCategoricalCrossentropy):
        return "sparse"
    if isinstance(loss, losses.CategoricalCrossentropy):
        return "categorical"
    return None


def ravel_column(y):
    """A column vector ``(n, 1)`` becomes ``(n,)``, with scikit-learn's warning."""
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn("A column-vector y was passed when a 1d array was expected. Please "
                      "change the shape of y to (n_samples,), for example using ravel().",
                      DataConversionWarning, stacklevel=4)
        return y.ravel()
    return y


class ClassifierTargetEncoder:
    """Labels of any type → 0/1 column, one-hot, class ids or label indicators.

    Attributes (after ``fit``): ``classes_``, ``target_type_`` ('binary',
    'multiclass' or 'multilabel-indicator'), ``n_outputs_``.
    """

    def fit(self, y, classes=None, owner="NeuralClassifier"):
        y = np.asarray(y)
        check_classification_targets(y)
        target_type = type_of_target(y)
        if target_type == "multilabel-indicator":
            self.classes_ = np.arange(y.shape[1])
            if classes is not None and len(classes) != y.shape[1]:
                raise ValueError(f"classes has {len(classes)} entries but the multilabel y has "
                                 f"{y.shape[1]} columns")
            self._y_dtype = y.dtype
            self.target_type_ = target_type
            self.n_outputs_ = y.shape[1]
            return self
        if target_type not in ("binary", "multiclass"):
            raise ValueError(f"{owner} does not support {target_type} targets; y must hold "
                             "one label per sample or be a label indicator matrix")
        seen = np.unique(y)
        if classes is None:
            self.classes_ = seen
        else:
            self.classes_ = np.unique(np.asarray(classes))
            unknown = np.setdiff1d(seen, self.classes_)
            if unknown.size:
                raise ValueError(f"y contains labels {unknown.tolist()} that are not in "
                                 f"classes={self.classes_.tolist()}")
        if len(self.classes_) < 2:
            raise ValueError(f"{owner} needs samples of at least 2 classes, but the data "
                             f"contains only 1 class: {self.classes_.tolist()}")
        self.target_type_ = "binary" if len(self.classes_) == 2 else "multiclass"
        self.n_outputs_ = 1
        return self

    @property
    def n_classes_(self):
        return len(self.classes_)

    def get_metadata(self):
        """What the estimator exposes as attributes (scikeras' ``get_metadata``)."""
        return {"classes_": self.classes_, "n_classes_": self.n_classes_,
                "target_type_": self.target_type_, "n_outputs_": self.n_outputs_,
                "n_outputs_expected_": 1}

    def inverse_transform(self, raw, return_proba=False):
        """Labels (or, with ``return_proba``, probabilities) from network outputs."""
        proba = self.proba(np.asarray(raw))
        return proba if return_proba else self.labels(proba)

    def output_spec(self, loss):
        """(units, activation, loss) of the output layer for a resolved ``loss`` (or None)."""
        kind = _loss_kind(loss) if loss is not None else None
        k = self.n_classes_
        if self.target_type_ == "multilabel-indicator":
            return k, "sigmoid", loss or losses.BinaryCrossentropy()
        if self.target_type_ == "binary" and kind is None:
            return 1, "sigmoid", loss or losses.BinaryCrossentropy()
        return k, "softmax", loss or losses.CategoricalCrossentropy()

    def configure(self, units, loss):
        """Choose the encoding for a network output of ``units`` trained with ``loss``."""
        k, kind = self.n_classes_, _loss_kind(loss)
        if self.target_type_ == "multilabel-indicator":
            ok, mode = units == k, _MULTILABEL
        elif kind == "sparse":
            ok, mode = units == k, _IDS
        elif self.target_type_ == "binary" and units == 1:
            ok, mode = True, _BINARY
        else:
            ok, mode = units == k, _ONEHOT
        if not ok:
            need = "1 or 2" if self.target_type_ == "binary" else str(k)
            raise ValueError(f"The network's output has {units} units, but y is "
                             f"{self.target_type_} with {k} classes: the output layer needs "
                             f"{need} units")
        self._mode, self._units = mode, units
        return self

    def transform(self, y):
        y = np.asarray(y)
        if self._mode == _MULTILABEL:
            return y.astype(np.float32)
        ids = np.searchsorted(self.classes_, y)
        if self._mode == _BINARY:
            return ids.astype(np.float32).reshape(-1, 1)
        if self._mode == _IDS:
            return ids.astype(np.int64)
        onehot = np.zeros((ids.shape[0], self._units), dtype=np.float32)
        onehot[np.arange(ids.shape[0]), ids] = 1.0
        return onehot

    def proba(self, raw):
        """Class probabilities ``(n, n_classes)`` from the network output."""
        if self._mode == _BINARY:
            p = raw.reshape(-1, 1)
            return np.hstack([1.0 - p, p])
        return raw

    def labels(self, proba):
        """Predicted labels from :meth:`proba`'s output."""
        if self._mode == _MULTILABEL:
            return (proba > 0.5).astype(self._y_dtype)
        return self.classes_[proba.argmax(axis=1)]


class RegressorTargetEncoder:
    """Real-valued targets ``(n,)`` or ``(n, k)`` → network outputs ``(n, k)``."""

    def fit(self, y, owner="NeuralRegressor"):
        y = np.asarray(y)
        if y.ndim not in (1, 2):
            raise ValueError(f"{owner} needs y of shape (n_samples,) or (n_samples, n_outputs), "
                             f"got {y.shape}")
        self._ndim = y.ndim
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        self.target_type_ = "continuous" if y.ndim == 1 else "continuous-multioutput"
        return self

    def get_metadata(self):
        """What the estimator exposes as attributes (scikeras' ``get_metadata``)."""
        return {"target_type_": self.target_type_, "n_outputs_": self.n_outputs_,
                "n_outputs_expected_": 1}

    def output_spec(self, loss):
        return self.n_outputs_, "linear", loss or losses.MeanSquaredError()

    def configure(self, units, loss):
        if units != self.n_outputs_:
            raise ValueError(f"The network's output has {units} units, but y has "
                             f"{self.n_outputs_} target column(s)")
        return self

    def transform(self, y):
        y = np.asarray(y, dtype=np.float64)
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def inverse_transform(self, raw, dtype=np.float64):
        raw = np.asarray(raw, dtype=dtype)
        return raw.reshape(-1) if self._ndim == 1 else raw.reshape(raw.shape[0], -1)
