"""Weight and activity regularizers (Keras 3 formulas: no 1/2 factor on L2).

A weight regularizer's penalty is added to the loss as is; an activity
regularizer's penalty on a layer output is divided by the batch size (the
engine does that, see ``Model._run``).
"""
import math

import numpy as np

__all__ = ["Regularizer", "L1", "L2", "L1L2", "l1", "l2", "l1_l2", "get", "serialize"]


def _validate(owner, name, value):
    # Keras' validate_float_arg: a finite, non-negative int or float
    ok = (isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
          and math.isfinite(value) and value >= 0)
    if not ok:
        raise ValueError(f"{owner}: {name} must be a finite non-negative float, got {value!r}")
    return float(value)


class Regularizer:
    """Base class: ``reg(x) -> float`` penalty and ``reg.gradient(x)`` its gradient."""

    def __call__(self, x):
        raise NotImplementedError

    def gradient(self, x):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x**2)``; ``L1L2()`` has both factors 0 (Keras).

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.regularizers import L1L2
    >>> L1L2(l1=0.1, l2=0.01)(np.array([1.0, -2.0]))
    0.35000000000000003
    """

    def __init__(self, l1=0.0, l2=0.0):
        owner = type(self).__name__
        self.l1 = _validate(owner, "l1", 0.0 if l1 is None else l1)
        self.l2 = _validate(owner, "l2", 0.0 if l2 is None else l2)

    def __call__(self, x):
        x = np.asarray(x, dtype=np.float64)
        out = 0.0
        if self.l1:
            out += self.l1 * float(np.abs(x).sum())
        if self.l2:
            out += self.l2 * float(np.square(x).sum())
        return out

    def gradient(self, x):
        g = np.zeros_like(x)
        if self.l1:
            g += self.l1 * np.sign(x)
        if self.l2:
            g += (2.0 * self.l2) * x
        return g

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """``l1 * sum(|x|)``, ``l1=0.01`` by default (also when None, as Keras)."""

    def __init__(self, l1=0.01):
        super().__init__(l1=0.01 if l1 is None else l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """``l2 * sum(x ** 2)``, ``l2=0.01`` by default (also when None, as Keras)."""

    def __init__(self, l2=0.01):
        super().__init__(l2=0.01 if l2 is None else l2)

    def get_config(self):
        return {"l2": self.l2}


# Keras' lower-case aliases of the classes.
l1, l2, l1_l2 = L1, L2, L1L2

# By string, 'l1_l2' means l1=0.01 and l2=0.01, as Keras documents it (the
# L1L2 class itself defaults to zeros).
_REGISTRY = {"l1": L1, "l2": L2, "l1_l2": lambda: L1L2(0.01, 0.01),
             "l1l2": lambda: L1L2(0.01, 0.01)}
_BY_CLASS = {"L1": L1, "L2": L2, "L1L2": L1L2}


def get(identifier):
    """Resolve None, a name ('l1', 'l2', 'l1_l2'), a config dict or an instance."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, str):
        cls = (_BY_CLASS.get(identifier) or _REGISTRY.get(identifier)
               or _REGISTRY.get(identifier.lower()))
        if cls is None:
            raise ValueError(f"Unknown regularizer {identifier!r}. Known: ['l1', 'l2', 'l1_l2']")
        return cls()
    if isinstance(identifier, dict):
        cls = _BY_CLASS.get(identifier.get("class_name"))
        if cls is None:
            raise ValueError(f"Unknown regularizer config {identifier!r}")
        return cls.from_config(identifier.get("config", {}))
    raise ValueError(f"Could not interpret regularizer {identifier!r}")


def serialize(regularizer):
    """``{'class_name', 'config'}`` of a regularizer (None stays None)."""
    if regularizer is None:
        return None
    return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}
