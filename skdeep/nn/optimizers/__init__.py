"""Optimizers with Keras 3 update formulas, defaults and options.

An optimizer updates a model's flat parameter buffer from its flat gradient
buffer with one fused kernel call per step (see ``kernels/optim.py``);
``schedules`` holds the learning-rate schedules.

Examples
--------
>>> from skdeep.nn import optimizers
>>> opt = optimizers.get("adamw")
>>> type(opt).__name__, opt.weight_decay
('AdamW', 0.004)
"""
from . import schedules
from .adaptive import Adadelta, Adamax, Ftrl, Lion, Nadam
from .base import Optimizer
from .classic import SGD, Adagrad, Adam, AdamW, RMSprop

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Nadam", "Adamax",
           "Adadelta", "Lion", "Ftrl", "schedules", "get", "serialize", "deserialize"]

_CLASSES = (SGD, Adam, AdamW, RMSprop, Adagrad, Nadam, Adamax, Adadelta, Lion, Ftrl)
_REGISTRY = {cls.__name__.lower(): cls for cls in _CLASSES}
_BY_CLASS = {cls.__name__: cls for cls in _CLASSES}


def get(identifier):
    """An optimizer from a name ('adam', 'adamw', 'sgd', 'rmsprop', 'adagrad', 'nadam',
    'adamax', 'adadelta', 'lion', 'ftrl'), a config dict, a class or an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    if isinstance(identifier, str):
        cls = _REGISTRY.get(identifier.lower()) or _BY_CLASS.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown optimizer {identifier!r}. Known optimizers: "
                             f"{sorted(_REGISTRY)}")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise ValueError(f"Could not interpret optimizer {identifier!r}: pass a name such as "
                     "'adam' or an optimizer instance")


def serialize(optimizer):
    """``{'class_name', 'config'}`` of an optimizer (schedules serialized inside)."""
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config, custom_objects=None):
    """An optimizer from :func:`serialize`'s output."""
    name = config.get("class_name")
    cls = (custom_objects or {}).get(name) or _BY_CLASS.get(name) or \
        _REGISTRY.get(str(name).lower())
    if not (isinstance(cls, type) and issubclass(cls, Optimizer)):
        raise ValueError(f"Unknown optimizer config {config!r:.200}")
    return cls.from_config(dict(config.get("config", {})), custom_objects=custom_objects)
