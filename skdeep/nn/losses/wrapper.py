"""``LossFunctionWrapper``: a loss made from a plain function written with
:mod:`skdeep.nn.ops` (what ``compile(loss=fn)`` makes)."""
from .base import Loss

__all__ = ["LossFunctionWrapper"]


class LossFunctionWrapper(Loss):
    """A loss from a function ``fn(y_true, y_pred, **kwargs) -> per-sample loss``
    written with :mod:`skdeep.nn.ops` (what ``compile(loss=fn)`` makes).

    Parameters
    ----------
    fn : callable
    reduction : str, default 'sum_over_batch_size'
    name : str, optional
        Defaults to the function's name.
    **kwargs
        Passed to ``fn`` at every call.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn import ops
    >>> def mse(y_true, y_pred):
    ...     return ops.mean(ops.square(y_true - y_pred), axis=-1)
    >>> loss = LossFunctionWrapper(mse)
    >>> float(loss(np.zeros((2, 1)), np.ones((2, 1))))
    1.0
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None,
                 **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", "loss"), reduction=reduction,
                         dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        from .object_registry import serialize_keras_object

        config = super().get_config()
        config.update(fn=serialize_keras_object(self.fn), **self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        from .object_registry import deserialize_keras_object

        config = dict(config)
        fn = config.pop("fn")
        return cls(deserialize_keras_object(fn) if not callable(fn) else fn, **config)
