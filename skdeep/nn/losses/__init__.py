"""Losses with Keras 3 formulas; reduction is the mean over the batch.

Each loss computes per-sample values (``call``) and their gradient with
respect to the predictions (``gradient``). Cross-entropies fuse with their
usual output activation: when a model's output layer ends in softmax
(sigmoid) and the loss is categorical (binary) cross-entropy on
probabilities, the engine computes loss and gradient from the logits,
which is exact and numerically stable (see ``fused_value_and_grad``).
"""
from .base import EPSILON, Loss
from .wrapper import LossFunctionWrapper
from .crossentropy import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
)
from .focal import BinaryFocalCrossentropy, CategoricalFocalCrossentropy
from .hinge import CategoricalHinge, Hinge, SquaredHinge
from .probabilistic import KLDivergence, Poisson
from .regression import (
    CosineSimilarity,
    Huber,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
)

__all__ = ["Loss", "LossFunctionWrapper", "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
           "MeanSquaredLogarithmicError", "Huber", "BinaryCrossentropy",
           "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "get", "serialize",
           "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
           "mean_squared_logarithmic_error", "huber", "binary_crossentropy",
           "categorical_crossentropy", "sparse_categorical_crossentropy", "EPSILON",
           "KLDivergence", "Poisson", "LogCosh", "CosineSimilarity", "Hinge", "SquaredHinge",
           "CategoricalHinge", "BinaryFocalCrossentropy", "CategoricalFocalCrossentropy",
           "kl_divergence", "poisson", "log_cosh", "cosine_similarity", "hinge",
           "squared_hinge", "categorical_hinge", "binary_focal_crossentropy",
           "categorical_focal_crossentropy"]


_CLASSES = [MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
            MeanSquaredLogarithmicError, Huber, BinaryCrossentropy, CategoricalCrossentropy,
            SparseCategoricalCrossentropy, KLDivergence, Poisson, LogCosh, CosineSimilarity,
            Hinge, SquaredHinge, CategoricalHinge, BinaryFocalCrossentropy,
            CategoricalFocalCrossentropy]
_BY_CLASS = {cls.__name__: cls for cls in _CLASSES}
# Keras 3 names and aliases ('huber_loss' and 'cce' are ours, for convenience).
_REGISTRY = {"mse": MeanSquaredError, "mae": MeanAbsoluteError,
             "mape": MeanAbsolutePercentageError, "msle": MeanSquaredLogarithmicError,
             "huber_loss": Huber, "bce": BinaryCrossentropy, "cce": CategoricalCrossentropy,
             "kld": KLDivergence, "kullback_leibler_divergence": KLDivergence,
             "logcosh": LogCosh}


def _function(name, cls):
    def loss_fn(y_true, y_pred, **kwargs):
        return cls(reduction="none", **kwargs)(y_true, y_pred)

    loss_fn.__name__ = loss_fn.__qualname__ = name
    loss_fn.__doc__ = (f"Per-sample {name} (no reduction), as ``keras.losses.{name}``; "
                       f"keyword arguments are those of :class:`{cls.__name__}`.")
    loss_fn.loss_class = cls
    _REGISTRY[name] = cls
    return loss_fn


mean_squared_error = _function("mean_squared_error", MeanSquaredError)
mean_absolute_error = _function("mean_absolute_error", MeanAbsoluteError)
mean_absolute_percentage_error = _function("mean_absolute_percentage_error",
                                           MeanAbsolutePercentageError)
mean_squared_logarithmic_error = _function("mean_squared_logarithmic_error",
                                           MeanSquaredLogarithmicError)
huber = _function("huber", Huber)
binary_crossentropy = _function("binary_crossentropy", BinaryCrossentropy)
categorical_crossentropy = _function("categorical_crossentropy", CategoricalCrossentropy)
sparse_categorical_crossentropy = _function("sparse_categorical_crossentropy",
                                            SparseCategoricalCrossentropy)
kl_divergence = _function("kl_divergence", KLDivergence)
poisson = _function("poisson", Poisson)
log_cosh = _function("log_cosh", LogCosh)
cosine_similarity = _function("cosine_similarity", CosineSimilarity)
hinge = _function("hinge", Hinge)
squared_hinge = _function("squared_hinge", SquaredHinge)
categorical_hinge = _function("categorical_hinge", CategoricalHinge)
binary_focal_crossentropy = _function("binary_focal_crossentropy", BinaryFocalCrossentropy)
categorical_focal_crossentropy = _function("categorical_focal_crossentropy",
                                           CategoricalFocalCrossentropy)


def get(identifier):
    """Resolve a loss name, loss function from this module, config dict or instance."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier) and hasattr(identifier, "loss_class"):
        return identifier.loss_class()
    if callable(identifier) and not isinstance(identifier, type):
        # a custom loss function (y_true, y_pred) -> per-sample loss, written with ops
        return LossFunctionWrapper(identifier)
    if isinstance(identifier, str):
        cls = _REGISTRY.get(identifier.lower()) or _BY_CLASS.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown loss {identifier!r}. Known losses: "
                             f"{sorted(set(_REGISTRY))}")
        return cls()
    if isinstance(identifier, dict):
        cls = _BY_CLASS.get(identifier.get("class_name"))
        if cls is None:
            raise ValueError(f"Unknown loss config {identifier!r}")
        return cls.from_config(identifier.get("config", {}))
    raise ValueError(f"Could not interpret loss {identifier!r}: pass a name such as 'mse', a "
                     "Loss instance, or a function (y_true, y_pred) -> per-sample loss written "
                     "with skdeep.nn.ops")


def serialize(loss):
    return {"class_name": type(loss).__name__, "config": loss.get_config()}
