"""The Keras 3 ``Metric`` base class, its state variables and the mean/sum metrics.

A metric keeps its running state in variables created with
:meth:`Metric.add_variable`; ``update_state`` accumulates into them,
``result`` reads them and ``reset_state`` puts them back to their initial
values. The variables are NumPy-backed and behave as arrays in NumPy
expressions and in :mod:`skdeep.nn.ops`.
"""
import copy

import numpy as np

from .. import backend, initializers
from ..variables import Variable as _Variable

__all__ = [
    "Mean",
    "MeanMetricWrapper",
    "Metric",
    "Sum",
    "Variable",
    "reduce_to_samplewise",
    "squeeze_or_expand_to_same_rank",
]


class Variable(np.lib.mixins.NDArrayOperatorsMixin, _Variable):
    """A metric state variable: a :class:`skdeep.nn.Variable` (non-trainable)
    whose arithmetic gives plain NumPy arrays and whose ``assign`` broadcasts.

    Parameters
    ----------
    value : array_like
        The initial value (its shape and dtype are kept by later assignments).
    name : str
    aggregation : str
        How replicas would combine it (``'sum'``, ``'mean'``, ``'only_first_replica'``,
        ``'none'``), kept for Keras compatibility; the engine runs on one device.

    Examples
    --------
    >>> import skdeep.nn as keras
    >>> v = Variable(np.zeros(2), name="count")
    >>> v.assign_add([1.0, 2.0])
    >>> (v * 2).tolist(), v.numpy().tolist(), isinstance(v, keras.Variable)
    ([2.0, 4.0], [1.0, 2.0], True)
    """

    __slots__ = ("_initializer",)
    _is_variable = False  # ops see it as an array, not as a weight to differentiate
    _AGGREGATIONS = ("none", "mean", "sum", "only_first_replica")

    def __init__(self, value, name="variable", aggregation="sum", initializer=None):
        if aggregation not in self._AGGREGATIONS:
            raise ValueError(f"Variable '{name}': aggregation must be one of "
                             f"{self._AGGREGATIONS}, got {aggregation!r}")
        self._setup(name, np.array(value), False, None, None, None)
        self.grad = None
        self.aggregation, self.synchronization, self.autocast = aggregation, "on_read", True
        self._initializer = initializer

    @property
    def _value(self):
        return self.value

    @property
    def dtype(self):
        return self.value.dtype.name

    def _cast(self, value):
        value = np.asarray(value)
        try:
            value = np.broadcast_to(value, self.value.shape)
        except ValueError:
            raise ValueError(f"Cannot assign a value of shape {value.shape} to variable "
                             f"'{self.name}' of shape {self.value.shape}") from None
        return value

    def assign(self, value):
        """Set the value (broadcast to the variable's shape, cast to its dtype)."""
        self.value[...] = self._cast(value)

    def assign_add(self, value):
        self.value[...] = self.value + self._cast(value)

    def assign_sub(self, value):
        self.value[...] = self.value - self._cast(value)

    def reset(self):
        """Back to the initial value."""
        if self._initializer is None:
            self.value[...] = 0
        else:
            self.value[...] = self._initializer(self.value.shape, self.value.dtype)

    def __array__(self, dtype=None, copy=None):
        if dtype is None and not copy:
            return self.value
        return np.array(self.value, dtype=dtype, copy=True)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        # unwrap to plain arrays: results of expressions are arrays, not variables
        inputs = tuple(x.value if isinstance(x, Variable) else x for x in inputs)
        if "out" in kwargs:
            kwargs["out"] = tuple(x.value if isinstance(x, Variable) else x
                                  for x in kwargs["out"])
        return getattr(ufunc, method)(*inputs, **kwargs)

    def __bool__(self):
        return bool(self.value)

    def __len__(self):
        return len(self.value)

    def __getitem__(self, key):
        return self.value[key]

    def __copy__(self):
        return Variable(self.value.copy(), self.name, self.aggregation, self._initializer)

    def __deepcopy__(self, memo):
        return self.__copy__()

    def __repr__(self):
        return (f"<Variable name={self.name} shape={self.value.shape} "
                f"dtype={self.value.dtype.name} value={self.value!r}>")


def _initializer_fn(initializer):
    """``fn(shape, dtype) -> ndarray`` from a name, Initializer, callable or value."""
    if initializer is None:
        return None
    if isinstance(initializer, (str, dict, initializers.Initializer)) or (
            isinstance(initializer, type) and issubclass(initializer, initializers.Initializer)):
        return initializers.get(initializer)
    if callable(initializer):
        return initializer
    value = np.asarray(initializer)
    return lambda shape, dtype: np.broadcast_to(value, shape).astype(dtype)


class Metric:
    """Base class of stateful metrics, as ``keras.metrics.Metric``.

    Subclasses create their state in ``__init__`` with :meth:`add_variable`
    and implement ``update_state(y_true, y_pred, sample_weight=None)`` and
    ``result()``; ``reset_state()`` by default puts every variable back to
    its initial value.

    Parameters
    ----------
    dtype : str, optional
        Dtype of the state and the result; ``backend.floatx()`` by default.
    name : str, optional
        Defaults to the snake-case class name.

    Examples
    --------
    >>> class CountAbove(Metric):
    ...     def __init__(self, name="count_above", **kwargs):
    ...         super().__init__(name=name, **kwargs)
    ...         self.count = self.add_variable(shape=(), initializer="zeros", name="count")
    ...     def update_state(self, y_true, y_pred, sample_weight=None):
    ...         self.count.assign_add(np.sum(np.asarray(y_pred) > 0.5))
    ...     def result(self):
    ...         return self.count
    >>> m = CountAbove()
    >>> m.update_state(None, [0.2, 0.7, 0.9])
    >>> float(m.result())
    2.0
    >>> m.reset_state(); float(m.result())
    0.0
    """

    def __init__(self, dtype=None, name=None):
        self.name = name or _snake(type(self).__name__)
        self._dtype = np.dtype(dtype or backend.floatx()).name
        self._variables = []

    # ------------------------------------------------------------------ state
    @property
    def dtype(self):
        return self._dtype

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """A state variable of ``shape``, tracked in :attr:`variables`."""
        dtype = np.dtype(dtype or self._dtype).name
        init = _initializer_fn(initializer)
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape or ())
        value = np.zeros(shape, dtype) if init is None else np.asarray(init(shape, dtype),
                                                                      dtype=dtype)
        var = Variable(value, name=name or f"variable_{len(self._variables)}",
                       aggregation=aggregation, initializer=init)
        self._variables.append(var)
        return var

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """Keras 2 spelling of :meth:`add_variable` (zeros by default)."""
        return self.add_variable(shape, initializer or "zeros", dtype=dtype, name=name)

    @property
    def variables(self):
        """The state variables, this metric's then those of metrics it holds."""
        out = list(self._variables)
        for value in self.__dict__.values():
            if isinstance(value, Metric) and value is not self:
                out.extend(v for v in value.variables if v not in out)
        return out

    def reset_state(self):
        """Put every state variable back to its initial value."""
        for v in self.variables:
            v.reset()

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state()")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result()")

    def __call__(self, *args, **kwargs):
        """``update_state(...)`` then ``result()``, as Keras."""
        self.update_state(*args, **kwargs)
        return self.result()

    # ------------------------------------------------------------------ config
    def get_config(self):
        return {"name": self.name, "dtype": self._dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __copy__(self):
        # a copy owns its state: evaluate() works on copies of the fit metrics
        new = type(self).__new__(type(self))
        memo = {}
        for key, value in self.__dict__.items():
            if isinstance(value, (Variable, Metric)):
                value = memo.setdefault(id(value), copy.copy(value))
            elif key == "_variables":
                value = [memo.setdefault(id(v), copy.copy(v)) for v in value]
            new.__dict__[key] = value
        new._variables = [memo.setdefault(id(v), copy.copy(v)) for v in self._variables]
        for key, value in self.__dict__.items():
            if isinstance(value, Variable):
                new.__dict__[key] = memo[id(value)]
        return new

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def _snake(name):
    import re

    # Keras' to_snake_case: 'AUC' -> 'auc', 'MeanIoU' -> 'mean_io_u', 'R2Score' -> 'r2_score'
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", re.sub(r"\W+", "", name))
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Make two arrays the same rank by dropping (or adding) a trailing axis of
    size 1, as Keras does before weighting."""
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = x2[..., None]
        else:
            x1 = x1[..., 0]
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = x1[..., None]
        else:
            x2 = x2[..., 0]
    return x1, x2


def reduce_to_samplewise(values, sample_weight, reduce_fn=np.mean):
    """Per-sample values and weights (Keras' ``reduce_to_samplewise_values``).

    Values of a higher rank than the weights are reduced over their trailing
    axes with ``reduce_fn``, then weighted; what remains beyond the first axis
    is reduced too.
    """
    values = np.asarray(values, dtype=np.float64)
    if sample_weight is not None:
        sw = np.asarray(sample_weight, dtype=np.float64)
        values, sw = squeeze_or_expand_to_same_rank(values, sw)
        if values.ndim > sw.ndim:
            values = reduce_fn(values, axis=tuple(range(sw.ndim, values.ndim)))
        try:
            sw = np.broadcast_to(sw, values.shape)
        except ValueError:
            raise ValueError(f"sample_weight of shape {np.shape(sample_weight)} does not "
                             f"match values of shape {values.shape}") from None
        values = values * sw
        if sw.ndim > 1:
            sw = reduce_fn(sw, axis=tuple(range(1, sw.ndim)))
        sample_weight = sw
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Mean(Metric):
    """Weighted running mean of the values passed to ``update_state(values)``.

    Examples
    --------
    >>> m = Mean()
    >>> m.update_state([1, 3, 5, 7])
    >>> float(m.result())
    4.0
    >>> m.reset_state()
    >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    >>> float(m.result())
    2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")
        self.count = self.add_variable((), "zeros", name="count")

    def update_state(self, values, sample_weight=None):
        values, sw = reduce_to_samplewise(values, sample_weight)
        self.total.assign_add(values.sum())
        self.count.assign_add(sw.sum() if sw is not None else
                              values.shape[0] if values.ndim else 1)

    def result(self):
        count = float(self.count)
        return np.asarray(float(self.total) / count if count else 0.0, self._dtype)[()]


class Sum(Metric):
    """Weighted running sum of the values passed to ``update_state(values)``.

    Examples
    --------
    >>> m = Sum()
    >>> m.update_state([1, 3, 5, 7])
    >>> float(m.result())
    16.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = reduce_to_samplewise(values, sample_weight, np.sum)
        self.total.assign_add(values.sum())

    def result(self):
        return self.total.numpy()[()]


class MeanMetricWrapper(Mean):
    """Mean of a per-sample function ``fn(y_true, y_pred, **kwargs)``.

    Examples
    --------
    >>> def abs_error(y_true, y_pred):
    ...     return np.abs(np.asarray(y_true) - np.asarray(y_pred))
    >>> m = MeanMetricWrapper(abs_error, name="abs_error")
    >>> float(m([1.0, 2.0], [1.5, 2.0]))
    0.25
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", "mean_metric_wrapper"),
                         dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    @property
    def fn(self):
        return self._fn

    @property
    def kwargs(self):
        return self._fn_kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        super().update_state(np.asarray(values), sample_weight)

    def get_config(self):
        return dict(super().get_config(), **self._fn_kwargs)
