"""Layers written as Keras 3 ``call()`` code: run under the ops tape.

A subclass of :class:`~skdeep.nn.layers.Layer` that overrides ``call`` gets
its ``forward`` from :func:`call_forward`: ``call`` runs on
:class:`~skdeep.nn.ops.Tensor` inputs while a tape records the ops, and the
returned ``backward`` replays that tape, adding into the weight gradients.
A layer called inside ``call`` (a sublayer, built-in or custom) becomes a
single tape node whose gradient is that layer's own ``backward``, so
built-in layers keep their fused kernels inside custom code.
"""
import inspect
import threading

import numpy as np

from ..context import CallContext
from ..ops import _core
from ..ops._core import Op, Tape, Tensor
from . import _call_args

_local = threading.local()


def _current_ctx():
    return getattr(_local, "ctx", None)


def call_signature(cls):
    """Which of ``training`` / ``mask`` the class's ``call`` accepts (cached per class)."""
    cached = cls.__dict__.get("_call_accepts")
    if cached is None:
        params = inspect.signature(cls.call).parameters
        var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
        cached = (var_kw or "training" in params, var_kw or "mask" in params)
        cls._call_accepts = cached
    return cached


def _wrap_input(tape, x, record):
    if isinstance(x, Tensor):
        return x
    arr = np.asarray(x)
    floating = np.issubdtype(arr.dtype, np.floating)
    return tape.watch(arr) if record and floating else Tensor(arr, tracked=False)


def _unwrap_output(y, dtype):
    value = np.asarray(_core.unwrap(y))
    if np.issubdtype(value.dtype, np.floating) and value.dtype != dtype:
        value = value.astype(dtype)
    return value


def _flatten_outputs(out, layer):
    if isinstance(out, dict):
        raise NotImplementedError(f"Layer '{layer.name}': call() returned a dict; return a "
                                  "tensor or a list of tensors")
    if isinstance(out, (list, tuple)):
        return list(out), True
    if out is None:
        raise ValueError(f"Layer '{layer.name}': call() returned None; it must return the "
                         "output tensor")
    return [out], False


class _Calling:
    """Marks a layer's ``call`` as running, for sublayer calls and ``add_loss``."""

    __slots__ = ("ctx", "layer", "outer", "outer_layer")

    def __init__(self, layer, ctx):
        self.layer, self.ctx = layer, ctx

    def __enter__(self):
        self.outer = getattr(_local, "ctx", None)
        self.outer_layer = getattr(_local, "layer", None)
        _local.ctx, _local.layer = self.ctx, self.layer

    def __exit__(self, *exc):
        _local.ctx, _local.layer = self.outer, self.outer_layer


def call_forward(layer, inputs, ctx, **kwargs):
    """``(outputs, backward)`` of a layer defined by ``call()`` (the default
    ``Layer.forward`` of such layers)."""
    wants_training, wants_mask = call_signature(type(layer))
    if wants_training and "training" not in kwargs:
        kwargs["training"] = ctx.training
    if wants_mask and "mask" not in kwargs and ctx.mask is not None:
        kwargs["mask"] = ctx.mask
    tape = Tape()
    multi_in = isinstance(inputs, (list, tuple))
    # with need_dx False (a first layer) the inputs are constants: no input gradient work
    xs = [_wrap_input(tape, x, ctx.need_dx) for x in (inputs if multi_in else [inputs])]
    layer._losses_this_call = []
    first = xs if multi_in else xs[0]
    if _call_args.KEY in kwargs:  # call(self, targets, logits): the inputs are packed
        first, kwargs = _call_args.unpack(xs, dict(kwargs))
    with tape, _Calling(layer, ctx):
        out = layer.call(first, **kwargs)
    outs, multi_out = _flatten_outputs(out, layer)
    values = [_unwrap_output(o, layer.dtype) for o in outs]
    losses = layer._losses_this_call
    if losses and ctx.penalties is not None:
        ctx.penalties.extend(float(np.sum(_core.unwrap(l))) for l in losses)

    def backward(dy):
        dys = list(dy) if multi_out else [dy]
        pairs = [(o, d) for o, d in zip(outs, dys)]
        pairs += [(l, 1.0) for l in losses if type(l) is Tensor]
        grads = tape.backward(pairs, xs)
        dxs = [None if g is None else np.asarray(g, dtype=x.dtype)
               for g, x in zip(grads, xs)]
        return dxs if multi_in else dxs[0]

    return (values if multi_out else values[0]), backward


def _layer_vjp(g, out, *vals, backward, multi_in):
    dx = backward(g)
    return list(dx) if multi_in else [dx]


#: a layer called on tape tensors: one node, differentiated by the layer's backward
LAYER_CALL = Op("layer_call", None, _layer_vjp)
LAYER_CALL_MULTI = Op("layer_call_multi", None, _layer_vjp, multi=True)


def call_on_tensors(layer, inputs, training=None, mask=None, **kwargs):
    """A layer called on tape tensors inside another layer's ``call()``."""
    outer = _current_ctx()
    multi_in = isinstance(inputs, (list, tuple))
    flat = list(inputs) if multi_in else [inputs]
    tape = _core.active_tape()
    vals, ins = [], []
    for x in flat:
        if type(x) is Tensor:
            vals.append(x.value)
            ins.append(x if x.tracked else None)
        elif _core.is_variable(x):
            t = tape.variable(x) if tape is not None else Tensor(x.value)
            vals.append(t.value)
            ins.append(t if t.tracked else None)
        else:
            vals.append(np.asarray(x))
            ins.append(None)
    vals = [v.astype(layer.dtype) if np.issubdtype(v.dtype, np.floating) and
            v.dtype != layer.dtype else v for v in vals]
    shapes = [(None,) + v.shape[1:] for v in vals]
    layer._maybe_build(shapes if multi_in else shapes[0], kwargs)
    if training is None:
        training = outer.training if outer is not None else False
    need_dx = any(t is not None for t in ins)
    if outer is not None:
        ctx = outer.child(("layer_call", id(layer)), training=bool(training), need_dx=need_dx)
        ctx.mask = mask
    else:
        ctx = CallContext(training=bool(training), mask=mask, need_dx=need_dx)
    y, backward = layer.forward(vals if multi_in else vals[0], ctx, **kwargs)
    multi_out = isinstance(y, list)
    op = LAYER_CALL_MULTI if multi_out else LAYER_CALL
    record = tape is not None and tape.record
    if multi_out:
        result = [Tensor(v, record) for v in y]
    else:
        result = Tensor(y, record)
    if record:
        tape.nodes.append((op, result, ins, vals, {"backward": backward, "multi_in": multi_in}))
    return result


def add_loss(layer, loss):
    """Record a loss term from inside ``call`` (Keras' ``Layer.add_loss``)."""
    pending = layer.__dict__.get("_losses_this_call")
    if pending is None or getattr(_local, "layer", None) is None:
        # outside call(): a constant loss (a float or array), kept until the next call
        pending = layer.__dict__.setdefault("_losses_this_call", [])
    pending.append(loss)


def infer_output_shape(layer, input_shape, call_kwargs=None):
    """Output shape(s) by running ``call`` on a batch of one, without side effects."""
    multi = isinstance(input_shape, list)
    shapes = input_shape if multi else [input_shape]
    dtype = layer.dtype
    xs = [np.zeros(tuple(1 if d is None else d for d in s), dtype) for s in shapes]
    snapshot = [(w, w.value.copy()) for w in layer.weights if not w.trainable]
    generators = [(g, g._counter) for g in _seed_generators(layer)]
    pending = layer.__dict__.get("_losses_this_call")
    try:
        with np.errstate(all="ignore"):
            ys, _ = call_forward(layer, xs if multi else xs[0], CallContext(training=False),
                                 **(call_kwargs or {}))
    finally:
        for w, v in snapshot:
            w.value[...] = v
        for g, c in generators:
            g._counter = c
        layer._losses_this_call = pending or []
    outs = ys if isinstance(ys, list) else [ys]
    batch_none = any(s and s[0] is None for s in shapes)
    out_shapes = [((None,) + o.shape[1:]) if batch_none and o.ndim else o.shape for o in outs]
    return out_shapes if isinstance(ys, list) else out_shapes[0]


def _seed_generators(layer):
    from ..random import SeedGenerator

    out = []
    for value in vars(layer).values():
        if isinstance(value, SeedGenerator):
            out.append(value)
    for sub in tracked_layers(layer):
        out.extend(_seed_generators(sub))
    return out


def build_packed_call(layer, shapes, kwargs, default_build):
    """Build a packed-call layer (:mod:`._call_args`) as Keras 3 does: a
    one-argument ``build`` gets the first tensor's shape; ``build(targets_shape,
    logits_shape)`` gets each by name. ``default_build`` is ``Layer.build``: a
    layer that does not override it builds its tracked sublayers by one call."""
    if layer.built:
        return
    spec = kwargs[_call_args.KEY]
    build_fn = type(layer).build
    if getattr(build_fn, "__wrapped__", build_fn) is default_build:
        layer.built = True
        if any(not sub.built for sub in tracked_layers(layer)):
            infer_output_shape(layer, shapes, kwargs)
        return
    params = [p for p in list(inspect.signature(build_fn).parameters)[1:]]
    first = list(inspect.signature(type(layer).call).parameters)[1]
    by_name = dict(zip([f"{first}_shape"] + [f"{n}_shape" for n in spec["names"]], shapes))
    if len(params) == 1:
        layer.build(shapes[0])
    elif set(params) <= set(by_name):
        layer.build(**{p: by_name[p] for p in params})
    else:
        raise ValueError(f"Layer '{layer.name}': build{tuple(params)} does not match the "
                         f"call's tensor arguments; expected parameters {sorted(by_name)}")
    layer.built = True


def tracked_layers(layer):
    """Layers assigned as attributes of ``layer`` (directly, in lists, tuples or
    dicts), in assignment order: Keras' automatic tracking. Every ``Layer``
    is a ``CallLayerMixin`` (this module sits below ``base``)."""
    found, seen = [], {id(layer)}

    def visit(value, depth=0):
        if isinstance(value, CallLayerMixin):
            if id(value) not in seen:
                seen.add(id(value))
                found.append(value)
        elif depth < 3 and isinstance(value, (list, tuple)):
            for v in value:
                visit(v, depth + 1)
        elif depth < 3 and isinstance(value, dict):
            for v in value.values():
                visit(v, depth + 1)

    for key, value in vars(layer).items():
        if key in _UNTRACKED:
            continue
        visit(value)
    return found


# engine bookkeeping that may hold layers without owning them
_UNTRACKED = frozenset({"_inbound_nodes", "_nodes", "_all_layers", "_input_tensors",
                        "_output_tensors", "_stack", "_input_layer", "_plan", "_train",
                        "_local", "optimizer", "history", "_compile_spec",
                        "_trainable_at_compile", "_call_layer"})


class EagerArray(np.ndarray):
    """What an eager call of a ``call()`` layer returns: an ndarray that also
    has Keras tensors' ``.numpy()``."""

    def numpy(self):
        return np.array(self)


def _json_ready(value):
    import json

    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


class CallLayerMixin:
    """What :class:`~skdeep.nn.layers.Layer` adds for Keras 3 subclassing:
    ``call``-defined layers, tracked sublayers, ``add_loss`` / ``losses`` and
    the automatic config of ``__init__`` arguments."""

    #: True on classes whose computation is ``call()`` (set by ``__init_subclass__``)
    _call_defined = False

    def __new__(cls, *args, **kwargs):
        instance = super().__new__(cls)
        # the constructor arguments, for the automatic get_config of custom layers
        instance._init_args = (args, kwargs)
        return instance

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "build" in cls.__dict__ and not getattr(cls.__dict__["build"], "_marks_built", False):
            cls.build = _marking_built(cls.__dict__["build"])
        if "call" in cls.__dict__ and "forward" not in cls.__dict__:
            cls.forward = _forward_via_call
            cls._call_defined = True
            params = inspect.signature(cls.call).parameters
            if "mask" in params and "consumes_mask" not in cls.__dict__:
                cls.consumes_mask = True

    def call(self, inputs, *args, **kwargs):
        """The computation, written with :mod:`skdeep.nn.ops` (override it)."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement call(inputs) (Keras 3 style, with "
            "skdeep.nn.ops) or forward(inputs, ctx) (the engine protocol)")

    # ---------------------------------------------------------------- tracking
    def _tracked_layers(self):
        return tracked_layers(self) if self._call_defined else []

    def _with_tracked(self, own):
        """``own`` weights (trainable first, as Keras), then the tracked sublayers'."""
        if not self._call_defined:
            return own
        out = [w for w in own if w.trainable] + [w for w in own if not w.trainable]
        seen = {id(w) for w in out}
        for layer in self._tracked_layers():
            for w in layer.weights:
                if id(w) not in seen:
                    seen.add(id(w))
                    out.append(w)
        return out

    def _trainable_with_tracked(self, own):
        out, seen = list(own), {id(w) for w in own}
        for layer in self._tracked_layers():
            for w in layer.trainable_weights:
                if id(w) not in seen:
                    seen.add(id(w))
                    out.append(w)
        return out

    # ---------------------------------------------------------------- losses
    def add_loss(self, loss):
        """Add a loss term (a tensor written with ops, or a number) from ``call``;
        training adds it to the compiled loss and differentiates it."""
        add_loss(self, loss)

    @property
    def losses(self):
        """Loss terms of the last call (this layer's and its sublayers') plus the
        weight regularization penalties, as Keras' ``layer.losses``."""
        out = [np.asarray(_core.unwrap(l)) for l in self.__dict__.get("_losses_this_call", ())]
        for layer in self._tracked_layers():
            out.extend(layer.losses)
        if not self._tracked_layers():
            for w in self._weights:
                if w.regularizer is not None:
                    out.append(np.asarray(w.regularizer(w.value)))
        return out

    # ---------------------------------------------------------------- config
    def _auto_config(self):
        args, kwargs = self.__dict__.get("_init_args", ((), {}))
        try:
            bound = inspect.signature(type(self).__init__).bind(self, *args, **kwargs)
        except TypeError:
            return None
        config = {}
        for key, value in list(bound.arguments.items())[1:]:
            param = inspect.signature(type(self).__init__).parameters[key]
            if param.kind is param.VAR_KEYWORD:
                config.update(value)
            elif param.kind is param.VAR_POSITIONAL:
                return None
            else:
                config[key] = value
        return config if _json_ready(config) else None


def _marking_built(build):
    """``build`` that also sets ``built``, as Keras does, so that a layer built
    by calling ``layer.build(shape)`` directly is not built again."""
    import functools

    @functools.wraps(build)
    def wrapper(self, *args, **kwargs):
        result = build(self, *args, **kwargs)
        _adopt_variables(self)
        self.built = True
        return result

    wrapper._marks_built = True
    return wrapper


def _adopt_variables(layer):
    """Make the ``keras.Variable`` objects a custom layer holds as attributes
    (``self.w = keras.Variable(...)`` in ``build`` or ``__init__``) its weights,
    as Keras tracks them."""
    own = layer.__dict__.get("_weights")
    if own is None:
        return
    known = {id(w) for w in own}
    for value in list(vars(layer).values()):
        for v in value if isinstance(value, (list, tuple)) else (value,):
            if getattr(type(v), "_is_variable", False) and getattr(v, "layer", 0) is None \
                    and id(v) not in known:
                v.layer = layer
                own.append(v)
                known.add(id(v))


def _forward_via_call(self, inputs, ctx, **kwargs):
    return call_forward(self, inputs, ctx, **kwargs)


def merge_auto_config(layer, base):
    """Keras 3's automatic config: the base entries plus the ``__init__`` arguments."""
    auto = layer._auto_config()
    if auto is None:
        raise NotImplementedError(
            f"Layer {type(layer).__name__} has __init__ arguments that cannot be saved "
            "automatically (not JSON-serializable); implement get_config() returning them "
            "(and from_config() if needed)")
    params = inspect.signature(type(layer).__init__).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        base = {k: v for k, v in base.items() if k in params}
    return {**base, **auto}


def active_tape():
    return _core.active_tape()


def build_sublayers(layer, input_shape):
    """Build a ``call()`` layer's unbuilt sublayers by one probe call."""
    if any(not sub.built for sub in tracked_layers(layer)):
        infer_output_shape(layer, input_shape)
