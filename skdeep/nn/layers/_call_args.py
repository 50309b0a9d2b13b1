"""``call()`` layers that take several tensors: ``call(self, targets, logits)``.

Keras 3 passes every argument of ``layer(a, b, c=t)`` to ``call`` and makes
each tensor among them an input of the graph node. The engine's layers take
one input (or one list), so such a call is packed: the node's inputs are
``[a, b, t]`` and its ``_call_tensor_args`` keyword names the ``call``
parameters that the tensors after the first go to. :func:`unpack` turns the
packed form back into ``call``'s arguments; the gradient of each tensor is
the gradient of its packed input. Building such a layer is
``_custom.build_packed_call``.
"""
import inspect

import numpy as np

from ..ops._core import Operators, is_variable

#: the node keyword that holds the packing (saved with the graph)
KEY = "_call_tensor_args"
_MODE_ARGS = ("training", "mask")


def _params(cls):
    """Names of ``call``'s parameters after the first that can take an argument by
    position, and all names it accepts by keyword (cached per class)."""
    cached = cls.__dict__.get("_call_params")
    if cached is None:
        params = list(inspect.signature(cls.call).parameters.values())[2:]  # self, inputs
        positional = [p.name for p in params
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        named = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        varargs = any(p.kind is p.VAR_POSITIONAL for p in params)
        cached = (positional, named, varargs)
        cls._call_params = cached
    return cached


def _is_tensor(value):
    # Operators: the symbolic KTensor, the tape Tensor and Variable (this module
    # sits below layers/base, which defines KTensor)
    return isinstance(value, (Operators, np.ndarray)) or is_variable(value)


def pack(layer, inputs, args, kwargs):
    """``(inputs, kwargs, training, mask)`` of a call with positional arguments
    ``args`` after the inputs; tensors among them (and tensor keyword arguments
    named in ``call``'s signature) are packed into the inputs list.

    Returns None when the call has nothing to pack (one tensor input).
    """
    positional, named, varargs = _params(type(layer))
    training, mask = kwargs.pop("training", None), kwargs.pop("mask", None)
    if KEY in kwargs:  # already packed (a saved graph being rebuilt)
        return inputs, kwargs, training, mask
    bound = {}
    for i, value in enumerate(args):
        if i >= len(positional):
            what = ("call(*args) with several tensors is not supported: name the "
                    "parameters of call()") if varargs else \
                f"call() takes {len(positional) + 1} positional arguments"
            raise TypeError(f"Layer '{layer.name}': {len(args) + 1} positional arguments "
                            f"given; {what}")
        name = positional[i]
        if name in bound or name in kwargs:
            raise TypeError(f"Layer '{layer.name}': call() got multiple values for {name!r}")
        bound[name] = value
    for name in list(kwargs):
        if name in named and name not in _MODE_ARGS and _is_tensor(kwargs[name]):
            bound[name] = kwargs.pop(name)
    for name in _MODE_ARGS:
        if name in bound:
            value = bound.pop(name)
            training, mask = (value, mask) if name == "training" else (training, value)
    tensors = {n: v for n, v in bound.items() if _is_tensor(v)}
    kwargs.update((n, v) for n, v in bound.items() if n not in tensors)
    if not tensors:
        return None if not args else (inputs, kwargs, training, mask)
    if isinstance(inputs, (list, tuple)):
        raise NotImplementedError(
            f"Layer '{layer.name}': a call on a list of tensors plus other tensor arguments "
            f"({sorted(tensors)}) is not supported; pass each tensor as its own argument")
    names = list(tensors)
    leading = 0  # the tensors passed by position before any other argument (Keras' args)
    while leading < len(args) and positional[leading] in tensors:
        leading += 1
    kwargs[KEY] = {"names": names, "positional": leading}
    return [inputs] + [tensors[n] for n in names], kwargs, training, mask


def unpack(xs, kwargs):
    """``(first input, call kwargs)`` of a packed call: the tensors after the first
    go to ``call`` by parameter name."""
    spec = kwargs.pop(KEY)
    first, rest = xs[0], list(xs[1:])
    names = spec["names"]
    if len(rest) != len(names):
        raise ValueError(f"A packed call needs {len(names) + 1} inputs, got {len(xs)}")
    kwargs.update(zip(names, rest))
    return first, kwargs


def keras_node(args, kwargs):
    """A packed node in Keras 3's ``{"args", "kwargs"}`` layout (the tensors passed
    by position as positional arguments, the others by keyword)."""
    kwargs = dict(kwargs)
    spec = kwargs.pop(KEY)
    names, k = spec["names"], spec["positional"]
    kwargs.update(zip(names[k:], args[1 + k:]))
    return {"args": args[:1 + k], "kwargs": kwargs}
