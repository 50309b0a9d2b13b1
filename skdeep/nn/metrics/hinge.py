"""Hinge metrics: the mean of the hinge losses (Keras 3)."""
from .. import losses as _losses
from .base import MeanMetricWrapper

__all__ = ["Hinge", "SquaredHinge", "CategoricalHinge"]


class Hinge(MeanMetricWrapper):
    """Mean hinge loss ``max(1 - t * p, 0)`` (0/1 targets become -1/1).

    Examples
    --------
    >>> round(float(Hinge()([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])), 4)
    1.3
    """

    def __init__(self, name="hinge", dtype=None):
        super().__init__(_losses.hinge, name=name, dtype=dtype)


class SquaredHinge(MeanMetricWrapper):
    """Mean squared hinge loss.

    Examples
    --------
    >>> round(float(SquaredHinge()([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])), 4)
    1.86
    """

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(_losses.squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(MeanMetricWrapper):
    """Mean categorical hinge loss against one-hot targets.

    Examples
    --------
    >>> round(float(CategoricalHinge()([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])), 4)
    1.4
    """

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(_losses.categorical_hinge, name=name, dtype=dtype)
