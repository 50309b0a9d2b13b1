"""Type aliases of the public API (for annotations only)."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, Union

import numpy as np
from numpy.typing import ArrayLike

if TYPE_CHECKING:  # scikit-learn's base, not skdeep's: this module imports nothing of skdeep
    from sklearn.base import BaseEstimator

__all__ = ["ArrayLike", "LayerSpecs", "OptimizerSpec", "LossSpec", "MetricsSpec",
           "CallbacksSpec", "RandomState", "Verbose", "EstimatorT"]

#: hidden layers given as Layer instances (specs, copied for each fit)
LayerSpecs = Sequence[Any]
#: a name ('adam'), an Optimizer class or an Optimizer instance
OptimizerSpec = Union[str, type, Any]
#: a name ('mse'), a Loss class or instance, a callable ``loss(y_true, y_pred)``
LossSpec = Union[str, type, Any, Callable[..., Any], Mapping[str, Any]]
MetricsSpec = Union[str, Sequence[Any], Mapping[str, Any]]
CallbacksSpec = Union[Sequence[Any], Mapping[str, Any], type, Any]
RandomState = Union[int, np.random.RandomState, None]
Verbose = Union[int, bool, str]
#: ``fit`` and ``partial_fit`` return the estimator itself
EstimatorT = TypeVar("EstimatorT", bound="BaseEstimator")
