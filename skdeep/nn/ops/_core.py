"""The tape: tensors, primitive operations and their reverse replay.

Every primitive of :mod:`skdeep.nn.ops` is an :class:`Op`: a forward function
on NumPy arrays plus its vector-Jacobian product ``vjp(g, out, *inputs,
**params) -> one gradient (or None) per input``. All primitives live in the
one registry :data:`OPS`, which the gradient tests iterate.

Outside a recording :class:`Tape`, ops on NumPy arrays return NumPy arrays
and nothing is recorded. While a tape records (a custom layer's ``call()``
run by the engine), ops on :class:`Tensor` arguments and on layer weights
append a node; :meth:`Tape.backward` walks the nodes in reverse and adds the
weight gradients into ``weight.grad``, which is exactly the engine's
``backward(dy)`` contract.
"""
import threading

import numpy as np

__all__ = ["OPS", "Op", "Tape", "Tensor", "apply", "is_tensor", "unwrap"]

#: every primitive, by name: the table the gradient tests iterate
OPS = {}
#: public functions behind the Python operators, filled by the op modules
OPERATOR = {}
#: set by the layer engine: builds a graph node when an op meets a symbolic tensor
SYMBOLIC = {"hook": None}

_local = threading.local()
# NumPy ufunc names whose skdeep.nn.ops function has another name
_UFUNC_ALIASES = {"true_divide": "divide", "absolute": "abs", "remainder": "mod",
                  "arctan": "arctan", "bitwise_and": "logical_and", "bitwise_or": "logical_or",
                  "invert": "logical_not", "conjugate": "copy"}


class Op:
    """A primitive: ``forward(*arrays, **params)`` and its ``vjp``.

    Parameters
    ----------
    name : str
        Registry key (the public function's name).
    forward : callable
        ``forward(*arrays, **params) -> ndarray`` (a tuple when ``multi``).
    vjp : callable or None
        ``vjp(g, out, *arrays, **params)`` returning one gradient per array
        argument (None where an input is not differentiable). None marks an
        op whose output is not differentiable (integer or boolean results).
    broadcast : bool
        The inputs broadcast against each other: input gradients are summed
        back to each input's shape.
    multi : bool
        ``forward`` returns a tuple of arrays (``split``, ``unstack``); ``g`` is
        then a list with zeros for unused outputs.
    needs : bool
        ``vjp`` takes ``needs=`` (one bool per input: is its gradient wanted)
        so that it can skip work, e.g. the input gradient of a first layer.
    """

    __slots__ = ("broadcast", "forward", "multi", "name", "needs", "vjp")

    def __init__(self, name, forward, vjp=None, broadcast=False, multi=False, needs=False):
        if name in OPS:
            raise ValueError(f"op {name!r} is registered twice")
        self.name, self.forward, self.vjp = name, forward, vjp
        self.broadcast, self.multi, self.needs = broadcast, multi, needs
        OPS[name] = self

    def __repr__(self):
        return f"<Op {self.name}>"


def unbroadcast(g, shape):
    """Sum ``g`` down to ``shape`` (the reverse of NumPy broadcasting)."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, d in enumerate(shape) if d == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)


class Operators:
    """Python operators (``+ - * / // % ** @ [] unary - abs`` and comparisons)
    dispatching to :mod:`skdeep.nn.ops`; shared by tensors and layer weights."""

    __slots__ = ()
    __array_priority__ = 1000

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        # NumPy functions on tensors and weights (np.exp(t), ndarray + w) run the
        # ops of the same name, so they stay differentiable under a tape
        tracking = active_tape() is not None or any(
            type(x) is Tensor and x.tracked for x in inputs)
        if method == "__call__" and not kwargs and tracking:
            fn = OPERATOR.get(_UFUNC_ALIASES.get(ufunc.__name__, ufunc.__name__))
            if fn is None:
                from .. import ops

                fn = getattr(ops, _UFUNC_ALIASES.get(ufunc.__name__, ufunc.__name__), None)
            if fn is not None:
                return fn(*inputs)
        if any(type(x) is Tensor and x.tracked for x in inputs):
            raise TypeError(f"numpy.{ufunc.__name__} ({method}) has no skdeep.nn.ops "
                            "counterpart here and would cut the gradient; use skdeep.nn.ops")
        arrays = [unwrap(x) for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(unwrap(o) for o in kwargs["out"])
        return getattr(ufunc, method)(*arrays, **kwargs)

    def __add__(self, o): return OPERATOR["add"](self, o)
    def __radd__(self, o): return OPERATOR["add"](o, self)
    def __sub__(self, o): return OPERATOR["subtract"](self, o)
    def __rsub__(self, o): return OPERATOR["subtract"](o, self)
    def __mul__(self, o): return OPERATOR["multiply"](self, o)
    def __rmul__(self, o): return OPERATOR["multiply"](o, self)
    def __truediv__(self, o): return OPERATOR["divide"](self, o)
    def __rtruediv__(self, o): return OPERATOR["divide"](o, self)
    def __floordiv__(self, o): return OPERATOR["floor_divide"](self, o)
    def __rfloordiv__(self, o): return OPERATOR["floor_divide"](o, self)
    def __mod__(self, o): return OPERATOR["mod"](self, o)
    def __rmod__(self, o): return OPERATOR["mod"](o, self)
    def __pow__(self, o): return OPERATOR["power"](self, o)
    def __rpow__(self, o): return OPERATOR["power"](o, self)
    def __matmul__(self, o): return OPERATOR["matmul"](self, o)
    def __rmatmul__(self, o): return OPERATOR["matmul"](o, self)
    def __neg__(self): return OPERATOR["negative"](self)
    def __pos__(self): return self
    def __abs__(self): return OPERATOR["abs"](self)
    def __lt__(self, o): return OPERATOR["less"](self, o)
    def __le__(self, o): return OPERATOR["less_equal"](self, o)
    def __gt__(self, o): return OPERATOR["greater"](self, o)
    def __ge__(self, o): return OPERATOR["greater_equal"](self, o)
    def __eq__(self, o): return OPERATOR["equal"](self, o)
    def __ne__(self, o): return OPERATOR["not_equal"](self, o)
    def __and__(self, o): return OPERATOR["logical_and"](self, o)
    def __or__(self, o): return OPERATOR["logical_or"](self, o)
    def __invert__(self): return OPERATOR["logical_not"](self)
    def __getitem__(self, key): return OPERATOR["getitem"](self, key)
    __hash__ = object.__hash__

    @property
    def T(self):
        return OPERATOR["transpose"](self)

    def __len__(self):
        return len(self.value)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __float__(self):
        return float(np.asarray(self.value))

    def __int__(self):
        return int(np.asarray(self.value))

    def __bool__(self):
        return bool(np.asarray(self.value))

    def __index__(self):
        return int(np.asarray(self.value))


class Tensor(Operators):
    """An array seen by ops while a custom ``call()`` runs.

    ``value`` is the NumPy array; ``tracked`` says whether it depends on
    something whose gradient is wanted. ``np.asarray(t)`` and
    :func:`skdeep.nn.ops.convert_to_numpy` give the array.
    """

    __slots__ = ("tracked", "value")

    def __init__(self, value, tracked=False):
        self.value = value
        self.tracked = tracked

    shape = property(lambda self: self.value.shape)
    dtype = property(lambda self: self.value.dtype)
    ndim = property(lambda self: self.value.ndim)
    size = property(lambda self: self.value.size)

    def numpy(self):
        return np.array(self.value)

    def __array__(self, dtype=None, copy=None):
        v = np.asarray(self.value)
        return v if dtype is None else v.astype(dtype)

    def __repr__(self):
        return f"<Tensor shape={self.value.shape} dtype={self.value.dtype}\n{self.value}>"


def is_variable(x):
    return getattr(type(x), "_is_variable", False)


def is_tensor(x):
    """Whether ``x`` is a tape tensor or a layer weight."""
    return type(x) is Tensor or is_variable(x)


def unwrap(x):
    """The NumPy value behind a tensor, a weight or an array-like."""
    if type(x) is Tensor:
        return x.value
    if is_variable(x):
        return x.value
    return x


def active_tape():
    return getattr(_local, "tape", None)


class Tape:
    """Records primitive calls on tracked tensors while it is active.

    Use as a context manager around the code to differentiate; then call
    :meth:`backward` once with the gradients of the outputs.

    Parameters
    ----------
    record : bool, default True
        False runs the code with tensors (so that operators work) but
        records nothing (inference).
    """

    __slots__ = ("_outer", "leaves", "nodes", "record")

    def __init__(self, record=True):
        self.nodes = []
        self.leaves = {}  # id(weight) -> (weight, its tensor)
        self.record = record
        self._outer = None

    def __enter__(self):
        self._outer = active_tape()
        _local.tape = self
        return self

    def __exit__(self, *exc):
        _local.tape = self._outer
        self._outer = None
        return False

    def watch(self, value):
        """A tracked tensor for an input array."""
        return Tensor(value, tracked=self.record)

    def variable(self, w):
        """The tensor standing for weight ``w`` (one per weight per tape)."""
        entry = self.leaves.get(id(w))
        if entry is None:
            layer = w.layer
            trainable = self.record and w.trainable and (layer is None or layer.trainable)
            # Values of untrained weights are snapshotted: a call() may assign to them
            # (running statistics) after using them, and the replay needs the old value.
            value = w.value if trainable else w.value.copy()
            entry = self.leaves[id(w)] = (w, Tensor(value, tracked=trainable))
        return entry[1]

    def backward(self, out_grads, inputs=()):
        """Replay in reverse: ``out_grads`` maps output tensors to gradients.

        Adds the gradients of trainable weights into ``weight.grad`` and
        returns the gradients of ``inputs`` (None where an input does not
        influence the outputs).
        """
        grads = {}
        for t, g in out_grads:
            if g is not None and type(t) is Tensor and t.tracked:
                g = np.asarray(g, dtype=t.value.dtype)
                k = id(t)
                grads[k] = g if k not in grads else grads[k] + g
        for op, out, ins, vals, params in reversed(self.nodes):
            if op.multi:
                gs = [grads.pop(id(o), None) for o in out]
                if all(g is None for g in gs):
                    continue
                g = [np.zeros_like(o.value) if gi is None else gi for gi, o in zip(gs, out)]
                outval = [o.value for o in out]
            else:
                g = grads.pop(id(out), None)
                if g is None:
                    continue
                outval = out.value
            if op.needs:
                in_grads = op.vjp(g, outval, *vals, needs=[t is not None for t in ins], **params)
            else:
                in_grads = op.vjp(g, outval, *vals, **params)
            for t, v, gi in zip(ins, vals, in_grads):
                if t is None or gi is None:
                    continue
                if op.broadcast:
                    gi = unbroadcast(np.asarray(gi), np.shape(v))
                k = id(t)
                grads[k] = gi if k not in grads else grads[k] + gi
        for w, t in self.leaves.values():
            g = grads.get(id(t))
            if g is not None:
                w.grad += g
        return [grads.get(id(t)) for t in inputs]


def _has_symbolic(inputs):
    hook = SYMBOLIC["hook"]
    if hook is None:
        return False
    for x in inputs:
        if getattr(x, "_is_symbolic", False):
            return True
        if isinstance(x, (list, tuple)) and any(getattr(i, "_is_symbolic", False) for i in x):
            return True
    return False


def apply(op, inputs, **params):
    """Run primitive ``op`` on ``inputs`` (arrays, tensors, weights, scalars).

    Returns an ndarray when no input is a tensor or a weight, else a
    :class:`Tensor` (a list of them for ``multi`` ops), recorded on the
    active tape when an input is tracked.
    """
    tape = getattr(_local, "tape", None)
    vals, ins = [], []
    wrap = tracked = False
    for x in inputs:
        tx = type(x)
        if tx is Tensor:
            vals.append(x.value)
            wrap = True
            if x.tracked:
                tracked = True
                ins.append(x)
            else:
                ins.append(None)
        elif getattr(tx, "_is_variable", False):
            wrap = True
            if tape is not None:
                t = tape.variable(x)
                vals.append(t.value)
                ins.append(t if t.tracked else None)
                tracked = tracked or t.tracked
            else:
                vals.append(x.value)
                ins.append(None)
        else:
            if getattr(x, "_is_symbolic", False) and SYMBOLIC["hook"] is not None:
                return SYMBOLIC["hook"](op, inputs, params)
            vals.append(x)
            ins.append(None)
    out = op.forward(*vals, **params)
    if not wrap:
        return out
    record = tracked and op.vjp is not None and tape is not None and tape.record
    if op.multi:
        outs = [Tensor(o, record) for o in out]
        if record:
            tape.nodes.append((op, outs, ins, vals, params))
        return outs
    t = Tensor(out, record)
    if record:
        tape.nodes.append((op, t, ins, vals, params))
    return t
