"""Metrics: stateful, sample-weighted summaries of predictions (Keras 3 semantics).

Every metric is a :class:`Metric` whose state lives in variables made with
``add_variable``. ``'accuracy'`` / ``'acc'`` resolve to binary, categorical
or sparse categorical accuracy from the target and prediction shapes, as
Keras 3 does; other strings resolve by class name or its snake-case form
(``'precision'``, ``'auc'``, ``'mean_io_u'``) and Keras' short aliases.
"""
from .. import losses as _losses
from . import accuracy as _accuracy
from . import auc as _auc
from . import confusion as _confusion
from . import fscore as _fscore
from . import hinge as _hinge
from . import probabilistic as _probabilistic
from . import regression as _regression
from .accuracy import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from .auc import (
    AUC,
    PrecisionAtRecall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
)
from .base import Mean, MeanMetricWrapper, Metric, Sum, Variable
from .confusion import (
    FalseNegatives,
    FalsePositives,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
)
from .fscore import F1Score, FBetaScore, IoU, MeanIoU
from .hinge import CategoricalHinge, Hinge, SquaredHinge
from .probabilistic import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    kl_divergence,
    poisson,
)
from .regression import (
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    R2Score,
    RootMeanSquaredError,
    cosine_similarity,
    log_cosh,
)

mean_squared_error = _losses.mean_squared_error
mean_absolute_error = _losses.mean_absolute_error
mean_absolute_percentage_error = _losses.mean_absolute_percentage_error
mean_squared_logarithmic_error = _losses.mean_squared_logarithmic_error
binary_crossentropy = _losses.binary_crossentropy
categorical_crossentropy = _losses.categorical_crossentropy
sparse_categorical_crossentropy = _losses.sparse_categorical_crossentropy
hinge = _losses.hinge
squared_hinge = _losses.squared_hinge
categorical_hinge = _losses.categorical_hinge

_MODULES = (_accuracy, _regression, _probabilistic, _confusion, _auc, _fscore, _hinge)
__all__ = ["Metric", "Mean", "Sum", "MeanMetricWrapper", "Variable", "get", "resolve",
           "serialize", "deserialize", "register",
           # accuracy
           "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy",
           "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "accuracy",
           "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
           "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy",
           # regression
           "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
           "MeanSquaredLogarithmicError", "RootMeanSquaredError", "LogCoshError",
           "CosineSimilarity", "R2Score", "cosine_similarity", "log_cosh",
           "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
           "mean_squared_logarithmic_error",
           # probabilistic
           "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
           "KLDivergence", "Poisson", "kl_divergence", "poisson", "binary_crossentropy",
           "categorical_crossentropy", "sparse_categorical_crossentropy",
           # confusion-matrix based
           "TruePositives", "TrueNegatives", "FalsePositives", "FalseNegatives", "Precision",
           "Recall", "AUC", "PrecisionAtRecall", "RecallAtPrecision",
           "SensitivityAtSpecificity", "SpecificityAtSensitivity", "FBetaScore", "F1Score",
           "IoU", "MeanIoU", "Hinge", "SquaredHinge", "CategoricalHinge", "hinge",
           "squared_hinge", "categorical_hinge"]


def _snake(name):
    from .base import _snake as snake

    return snake(name)


_CLASSES = [obj for m in _MODULES for obj in (getattr(m, n) for n in m.__all__)
            if isinstance(obj, type) and issubclass(obj, Metric)] + [Mean, Sum]
_BY_CLASS = {c.__name__: c for c in _CLASSES}
# Keras 3: class names, their snake-case forms and a few short aliases
_REGISTRY = {_snake(c.__name__): c for c in _CLASSES}
_REGISTRY.update(mse=MeanSquaredError, mae=MeanAbsoluteError, mape=MeanAbsolutePercentageError,
                 msle=MeanSquaredLogarithmicError, bce=BinaryCrossentropy)
_REGISTRY.update({k.upper(): v for k, v in list(_REGISTRY.items())
                  if k in ("mse", "mae", "mape", "msle", "bce")})


def is_binary_or_sparse_categorical(y_true_shape, y_pred_shape):
    """Keras 3's rule: binary when the prediction has one unit; sparse when the
    target has a lower rank or a last dimension of 1 against several units."""
    is_binary = y_pred_shape[-1] == 1
    is_sparse = (len(y_true_shape) < len(y_pred_shape)
                 or (y_true_shape[-1] == 1 and y_pred_shape[-1] > 1))
    return is_binary, is_sparse


def _accuracy_from_loss(loss):
    if isinstance(loss, _losses.SparseCategoricalCrossentropy):
        return SparseCategoricalAccuracy
    if isinstance(loss, _losses.CategoricalCrossentropy):
        return CategoricalAccuracy
    return BinaryAccuracy


def _class_for(name):
    return _REGISTRY.get(name) or _BY_CLASS.get(name) or _REGISTRY.get(name.lower())


def register(cls, *names):
    """Make a Metric subclass resolvable by its class name (and ``names``)."""
    _BY_CLASS[cls.__name__] = cls
    _REGISTRY[_snake(cls.__name__)] = cls
    for n in names:
        _REGISTRY[n] = cls
    return cls


def resolve(identifier, loss=None, y_true_shape=None, y_pred_shape=None):
    """A Metric instance for ``identifier``.

    ``'accuracy'`` / ``'acc'`` resolve as in Keras 3, from the shapes only:
    binary accuracy when the predictions have one unit, sparse categorical
    accuracy when the targets have a lower rank (or one column against
    several units), categorical accuracy otherwise -- so a multi-label
    sigmoid output with 0/1 target matrices gets categorical accuracy, as in
    Keras 3; ask for ``'binary_accuracy'`` there. Without shapes the loss
    decides. A string names the metric (its log key), as in Keras.

    Examples
    --------
    >>> from skdeep.nn import metrics
    >>> type(metrics.resolve("accuracy", y_true_shape=(8,), y_pred_shape=(8, 3))).__name__
    'SparseCategoricalAccuracy'
    >>> metrics.resolve("mse").name
    'mse'
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier.lower() in ("accuracy", "acc"):
            if y_true_shape is not None and y_pred_shape is not None and len(y_true_shape) \
                    and len(y_pred_shape):
                is_binary, is_sparse = is_binary_or_sparse_categorical(y_true_shape,
                                                                        y_pred_shape)
                cls = (BinaryAccuracy if is_binary else SparseCategoricalAccuracy if is_sparse
                       else CategoricalAccuracy)
            else:
                cls = _accuracy_from_loss(loss)
            return cls(name=identifier)
        cls = _class_for(identifier)
        if cls is None:
            raise ValueError(f"Unknown metric {identifier!r}. Known metrics: "
                             f"{sorted(set(_REGISTRY) | {'accuracy', 'acc'})}")
        metric = cls()
        metric.name = identifier
        return metric
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise ValueError(f"Could not interpret metric {identifier!r}: pass a name such as "
                     "'accuracy' or 'mae', a Metric instance or a function "
                     "fn(y_true, y_pred) -> per-sample values")


def get(identifier):
    """A metric from a name, config dict, class, instance or function (Keras' ``get``).

    Examples
    --------
    >>> m = get("mse")
    >>> type(m).__name__, m.name
    ('MeanSquaredError', 'mean_squared_error')
    """
    if isinstance(identifier, str) and identifier.lower() not in ("accuracy", "acc"):
        cls = _class_for(identifier)
        if cls is not None:  # Keras' get keeps the class's own name
            return cls()
    return resolve(identifier)


def serialize(metric):
    """``{'class_name', 'config'}`` of a built-in metric."""
    return {"class_name": type(metric).__name__, "config": metric.get_config()}


def deserialize(config, custom_objects=None):
    """A metric from :func:`serialize`'s output (classes of this module, or
    ``custom_objects``)."""
    name = config.get("class_name")
    cls = (custom_objects or {}).get(name) or _BY_CLASS.get(name)
    if not (isinstance(cls, type) and issubclass(cls, Metric)):
        raise ValueError(f"Unknown metric config {config!r:.200}")
    return cls.from_config(dict(config.get("config", {})))
