"""``keras.Variable`` (also every layer weight) and ``keras.name_scope``.

One class serves both: ``Variable(initializer, shape, dtype, ...)`` is
Keras' constructor, and ``Layer.add_weight`` makes the same objects. A
weight's ``value`` may be a view into a model's flat parameter buffer; it is
always updated in place (``assign``), never rebound, so the views stay valid.
"""
import itertools
import threading

import numpy as np

from . import backend, initializers
from .naming import BUILD_LOCK, _NAME_COUNTERS
from .ops._core import Operators

__all__ = ["Variable", "name_scope"]

_AGGREGATIONS = (None, "none", "mean", "sum", "only_first_replica")
_SYNCHRONIZATIONS = (None, "none", "on_write", "on_read", "auto")
_SCOPES = threading.local()


def _check_name(name, what="name"):
    if not isinstance(name, str) or "/" in name:
        raise ValueError(f"Argument `{what}` must be a string and cannot contain character "
                         f"`/`. Received: {what}={name!r}")
    return name


def _auto_name():
    # a counter of its own ('/' cannot start a layer name), reset by clear_session
    with BUILD_LOCK:
        n = next(_NAME_COUNTERS.setdefault("/variable", itertools.count()))
    return "variable" if n == 0 else f"variable_{n}"


def _default_dtype(value):
    # Keras: floats become floatx, 64-bit integers int32; other dtypes stay
    kind = value.dtype.kind
    if kind == "f" and value.dtype.itemsize >= 4:
        return backend.floatx()
    if kind in "iu" and value.dtype.itemsize == 8:
        return "int32" if kind == "i" else "uint32"
    return value.dtype.name


class Variable(Operators):
    """A variable (``keras.Variable``); also the class of every layer weight.

    Parameters
    ----------
    initializer : array_like, initializer name or callable
        The initial value, or an initializer (``'zeros'``, an
        :class:`~skdeep.nn.initializers.Initializer`, ``fn(shape, dtype)``),
        which then needs ``shape``.
    shape : tuple of int, optional
    dtype : str, optional
        Default: the value's dtype, with floats as ``floatx()`` and 64-bit
        integers as ``int32`` (Keras' rule).
    trainable : bool, default=True
    autocast : bool, default=True
        Kept for Keras compatibility (no mixed precision here).
    aggregation : {'none', 'mean', 'sum', 'only_first_replica'}, default='none'
    synchronization : {'auto', 'none', 'on_write', 'on_read'}, default='auto'
    name : str, optional
        Default ``variable``, ``variable_1``... Inside :class:`name_scope`
        blocks the :attr:`path` gets the scopes' names as a prefix.

    Examples
    --------
    >>> import numpy as np
    >>> import skdeep.nn as keras
    >>> v = keras.Variable(np.array([1.0, 2.0]), name="w")
    >>> v.dtype, v.trainable
    (dtype('float32'), True)
    >>> _ = v.assign_add([1.0, 1.0])
    >>> v.numpy().tolist(), np.asarray(v * 2).tolist()
    ([2.0, 3.0], [4.0, 6.0])
    >>> keras.Variable("ones", shape=(2, 2), dtype="int32").numpy().tolist()
    [[1, 1], [1, 1]]
    """

    __slots__ = ("name", "value", "grad", "trainable", "regularizer", "constraint", "layer",
                 "aggregation", "synchronization", "autocast", "_parent_path")
    _is_variable = True

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, autocast=True,
                 aggregation="none", synchronization="auto", name=None):
        name = _auto_name() if name is None else _check_name(name)
        if aggregation not in _AGGREGATIONS:
            raise ValueError(f"Invalid value for argument `aggregation`. Expected one of "
                             f"{_AGGREGATIONS}. Received: aggregation={aggregation!r}")
        if synchronization not in _SYNCHRONIZATIONS:
            raise ValueError(f"Invalid value for argument `synchronization`. Expected one of "
                             f"{_SYNCHRONIZATIONS}. Received: "
                             f"synchronization={synchronization!r}")
        if isinstance(initializer, (str, dict, initializers.Initializer)) or callable(initializer):
            if shape is None:
                raise ValueError(f"Variable '{name}': creating a Variable from an initializer "
                                 f"needs the `shape` argument. Received: "
                                 f"initializer={initializer!r} and shape=None")
            shape = (int(shape),) if np.ndim(shape) == 0 else tuple(int(d) for d in shape)
            dtype = np.dtype(dtype or backend.floatx()).name
            fn = initializer if callable(initializer) and not isinstance(
                initializer, initializers.Initializer) else initializers.get(initializer)
            value = np.array(fn(shape, dtype), dtype=dtype)
        else:
            value = np.asarray(initializer)
            if value.dtype == object:
                raise ValueError(f"Variable '{name}': cannot make a numeric value of "
                                 f"{initializer!r}")
            value = np.array(value, dtype=np.dtype(dtype).name if dtype else
                             _default_dtype(value))
            if shape is not None and tuple(shape) != value.shape:
                raise ValueError(f"Variable '{name}': the initial value has shape "
                                 f"{value.shape}, not the `shape` {tuple(shape)}")
        if value.dtype.kind not in "biuf":
            raise ValueError(f"Variable '{name}': unsupported dtype {value.dtype}")
        self._setup(name, value, bool(trainable), None, None, None)
        self.aggregation = aggregation or "none"
        self.synchronization = synchronization or "auto"
        self.autocast = autocast

    @classmethod
    def _wrap(cls, name, value, trainable=True, regularizer=None, constraint=None, layer=None):
        """A variable holding the array ``value`` itself (layer weights: no copy)."""
        var = cls.__new__(cls)
        var._setup(name, value, trainable, regularizer, constraint, layer)
        var.aggregation, var.synchronization, var.autocast = "none", "auto", True
        return var

    def _setup(self, name, value, trainable, regularizer, constraint, layer):
        self.name = name
        self.value = value
        self.grad = np.zeros_like(value)
        self.trainable = trainable
        self.regularizer = regularizer
        self.constraint = constraint
        self.layer = layer
        self._parent_path = current_path()

    @property
    def shape(self):
        return self.value.shape

    @property
    def dtype(self):
        return self.value.dtype

    @property
    def ndim(self):
        return self.value.ndim

    @property
    def path(self):
        """``scope/.../layer/name``: the enclosing :class:`name_scope` names,
        the layer's name (for a layer weight) and the variable's name."""
        parts = [p for p in (self._parent_path,
                             self.layer.name if self.layer is not None else "", self.name) if p]
        return "/".join(parts)

    def numpy(self):
        """A copy of the value."""
        return self.value.copy()

    def assign(self, value):
        """Set the value in place (same shape; cast to the variable's dtype)."""
        value = np.asarray(value)
        if value.shape != self.value.shape:
            raise ValueError(f"Cannot assign a value of shape {value.shape} to variable "
                             f"'{self.path}' of shape {self.value.shape}")
        self.value[...] = value
        return self.value

    def assign_add(self, value):
        return self.assign(self.value + np.asarray(value))

    def assign_sub(self, value):
        return self.assign(self.value - np.asarray(value))

    def __array__(self, dtype=None, copy=None):
        return self.value if dtype is None else self.value.astype(dtype)

    def __float__(self):
        return float(self.value)

    def __int__(self):
        return int(self.value)

    def __repr__(self):
        return f"<Variable path={self.path}, shape={self.value.shape}, " \
               f"dtype={self.value.dtype}, value={self.value}>"


class name_scope:
    """Prefixes the :attr:`Variable.path` of the variables created inside
    (``keras.name_scope``); nests, and is a context manager.

    Parameters
    ----------
    name : str
        The scope's name (no ``/``).
    caller : object, optional
        With ``deduplicate``, re-entering the innermost scope of the same
        name and caller adds nothing.
    deduplicate : bool, default=True
    override_parent : str, optional
        An absolute path replacing the enclosing scopes.

    Examples
    --------
    >>> import skdeep.nn as keras
    >>> with keras.name_scope("outer"):
    ...     with keras.name_scope("inner"):
    ...         v = keras.Variable(1.0, name="x")
    >>> v.name, v.path
    ('x', 'outer/inner/x')
    """

    def __init__(self, name, caller=None, deduplicate=True, override_parent=None):
        self.name = _check_name(name)
        self.caller = caller
        self.deduplicate = deduplicate
        self.override_parent = override_parent
        self._pushed = False

    def __enter__(self):
        stack = _stack()
        if self.deduplicate and stack and self.caller is not None and \
                stack[-1].caller is self.caller and stack[-1].name == self.name:
            return self
        stack.append(self)
        self._pushed = True
        return self

    def __exit__(self, *exc):
        if self._pushed:
            _stack().pop()
            self._pushed = False
        return False


def _stack():
    stack = getattr(_SCOPES, "stack", None)
    if stack is None:
        stack = _SCOPES.stack = []
    return stack


def current_path():
    """The ``/``-joined names of the open :class:`name_scope` blocks ('' outside)."""
    stack = getattr(_SCOPES, "stack", None)
    if not stack:
        return ""
    parts = []
    for scope in stack:
        if scope.override_parent is not None:
            parts = [p for p in scope.override_parent.split("/") if p]
        parts.append(scope.name)
    return "/".join(p for p in parts if p)
