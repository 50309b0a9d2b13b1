"""Routed parameters: ``<destination>__<name>`` keys and fresh engine objects.

The estimators accept scikeras-style routed parameters (``model__units``,
``optimizer__beta_1``, ``layers__0__units``, ...). They are stored verbatim
and only interpreted here, at fit time, where every engine object the
estimator needs (layers, optimizer, loss, callbacks) is built fresh, so the
objects a user passes as parameters are never modified.
"""
import copy
import inspect

from ..nn import callbacks as callbacks_module
from ..nn import losses, optimizers
from ..nn.layers import Layer


def split_prefix(routed, prefix):
    """``{'units': 8}`` from ``{'model__units': 8, ...}`` for ``prefix='model'``."""
    head = prefix + "__"
    return {k[len(head):]: v for k, v in routed.items() if k.startswith(head)}


def check_routed_names(routed, prefixes, owner, allow_plain=False):
    """Fail early on a routed key whose destination does not exist.

    With ``allow_plain``, keys without ``__`` are arguments of the ``model=``
    callable (checked against its signature when the network is built).
    """
    for key in routed:
        if allow_plain and "__" not in key:
            continue
        head = key.split("__", 1)[0]
        if "__" not in key or head not in prefixes:
            raise ValueError(
                f"{owner} got an unknown parameter {key!r}. Routed parameters start with "
                f"one of {sorted(p + '__' for p in prefixes)} (un-prefixed extra parameters "
                f"are only for a model= function); check the spelling or use get_params() "
                f"to list the parameters")


def by_index(params, param_name, n_items):
    """``{0: {'units': 8}}`` from ``{'0__units': 8}``; indices checked against ``n_items``."""
    out = {}
    for key, value in params.items():
        index, sep, name = key.partition("__")
        if not sep or not index.lstrip("-").isdigit() or not name:
            raise ValueError(f"Routed parameter '{param_name}__{key}' should look like "
                             f"'{param_name}__<index>__<argument>', e.g. '{param_name}__0__units'")
        i = int(index)
        if not -n_items <= i < n_items:
            raise ValueError(f"Routed parameter '{param_name}__{key}' refers to layer {i}, but "
                             f"{param_name} has {n_items} layers")
        out.setdefault(i % n_items, {})[name] = value
    return out


def layer_config(layer, param_name, index):
    if not isinstance(layer, Layer):
        raise TypeError(f"{param_name}[{index}] must be a layer instance such as Dense(32), got "
                        f"{type(layer).__name__}: {layer!r}")
    return layer.get_config()


def fresh_layers(specs, routed, param_name, used_names):
    """New, unbuilt layers from the configs of ``specs`` plus routed overrides.

    ``used_names`` (a set, updated) keeps names unique inside one model: a
    repeated name (the same spec object listed twice) gets a new one.
    """
    specs = list(specs)
    overrides = by_index(split_prefix(routed, param_name), param_name, len(specs))
    layers = []
    for i, spec in enumerate(specs):
        config = dict(layer_config(spec, param_name, i))
        config.update(overrides.get(i, {}))
        config.pop("input_shape", None)  # the input shape always comes from X
        if config.get("name") in used_names:
            config.pop("name")
        try:
            layer = type(spec).from_config(config)
        except TypeError as exc:
            bad = sorted(overrides.get(i, {}))
            raise ValueError(f"Could not rebuild {param_name}[{i}] ({type(spec).__name__}) with "
                             f"routed arguments {bad}: {exc}") from None
        used_names.add(layer.name)
        layers.append(layer)
    return layers


def deep_layer_params(specs, routed, param_name):
    """``{'layers__0__units': 8, ...}``: the spec arguments as get_params(deep=True) shows them."""
    out = {}
    for i, spec in enumerate(specs or []):
        if not isinstance(spec, Layer):
            continue
        for key, value in spec.get_config().items():
            if key not in ("name", "trainable", "dtype", "input_shape"):
                out[f"{param_name}__{i}__{key}"] = value
    out.update({k: v for k, v in routed.items() if k.startswith(param_name + "__")})
    return out


def _from_instance(obj, params):
    config = obj.get_config()
    config.update(params)
    return type(obj).from_config(config)


def make_optimizer(spec, learning_rate, params):
    """A fresh optimizer from a name, class or instance, ``learning_rate`` and routed params."""
    params = dict(params)
    if learning_rate is not None:
        params.setdefault("learning_rate", learning_rate)
    if isinstance(spec, type) and issubclass(spec, optimizers.Optimizer):
        cls = spec
    elif isinstance(spec, optimizers.Optimizer):
        return _from_instance(spec, params)
    else:
        cls = type(optimizers.get(spec))
    try:
        return cls(**params)
    except TypeError as exc:
        raise ValueError(f"Invalid optimizer arguments {sorted(params)} for {cls.__name__}: "
                         f"{exc}") from None


def make_loss(spec, params):
    """A fresh loss object from a name, class or instance plus routed ``loss__*`` params."""
    loss = losses.get(spec)
    try:
        return _from_instance(loss, params)
    except TypeError as exc:
        raise ValueError(f"Invalid loss arguments {sorted(params)} for {type(loss).__name__}: "
                         f"{exc}") from None


def _callback_entries(spec):
    if spec is None:
        return []
    if isinstance(spec, dict):
        return list(spec.items())
    if isinstance(spec, (list, tuple)):
        return [(str(i), cb) for i, cb in enumerate(spec)]
    return [("0", spec)]


def make_callbacks(spec, params):
    """Fresh callbacks: classes are instantiated with their routed arguments,
    instances are deep-copied (so the user's objects never see our model).

    ``callbacks__<key>__<arg>`` addresses a callback by dict key, list
    index or class name.
    """
    entries = _callback_entries(spec)
    routed = {}
    for key, value in params.items():
        name, sep, arg = key.partition("__")
        if not sep or not arg:
            raise ValueError(f"Routed parameter 'callbacks__{key}' should look like "
                             "'callbacks__<name or index>__<argument>'")
        routed.setdefault(name, {})[arg] = value
    out, used = [], set()
    for key, cb in entries:
        cls = cb if isinstance(cb, type) else type(cb)
        if not issubclass(cls, callbacks_module.Callback):
            raise TypeError(f"callbacks entries must be skdeep.nn.callbacks.Callback instances "
                            f"or classes, got {cb!r}")
        args = {}
        for name in (key, cls.__name__):
            if name in routed:
                args.update(routed[name])
                used.add(name)
        if isinstance(cb, type):
            out.append(cb(**args))
            continue
        cb = copy.deepcopy(cb)
        for arg, value in args.items():
            if not hasattr(cb, arg):
                raise ValueError(f"Routed parameter 'callbacks__{key}__{arg}': "
                                 f"{cls.__name__} has no attribute {arg!r}")
            setattr(cb, arg, value)
        out.append(cb)
    unused = sorted(set(routed) - used)
    if unused:
        raise ValueError(f"Routed callback parameters for {unused} match no callback; name a "
                         "callback by its dict key, list index or class name")
    return out


def accepts(fn, name):
    """Whether callable ``fn`` takes keyword ``name`` (or ``**kwargs``)."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind == p.VAR_KEYWORD for p in params.values())
