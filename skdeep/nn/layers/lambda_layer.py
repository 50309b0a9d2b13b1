"""``Lambda``: wrap a function written with :mod:`skdeep.nn.ops` as a layer."""
import types

from .. import object_registry
from .base import Layer


class Lambda(Layer):
    """A layer computing ``function(inputs, **arguments)`` (Keras 3's ``Lambda``).

    The function is written with :mod:`skdeep.nn.ops` (or Python operators
    on its input) and is differentiated through the ops tape.

    Parameters
    ----------
    function : callable
    output_shape : tuple or callable, optional
        The output shape without the batch dimension, or a function of the
        input shape; inferred by running ``function`` on a probe batch when
        omitted.
    mask : callable or None, optional
        ``mask(inputs, previous_mask)`` giving the output mask.
    arguments : dict, optional
        Keyword arguments passed to ``function``.
    **kwargs
        Base layer arguments (``name``, ``dtype``, ...).

    Notes
    -----
    Saving stores a named function by its registered name (see
    :func:`skdeep.nn.saving.register_keras_serializable`) and a Python
    ``lambda`` as bytecode. Loading bytecode would run code from the file,
    so it is refused unless ``load_model(..., safe_mode=False)`` is given,
    as in Keras.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn import ops
    >>> from skdeep.nn.layers import Lambda
    >>> Lambda(lambda x: ops.square(x))(np.array([[1.0, 2.0]])).tolist()
    [[1.0, 4.0]]
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda needs a callable, got {type(function).__name__}")
        self.function = function
        self._output_shape = output_shape
        self._mask = mask
        self.arguments = dict(arguments or {})
        self.supports_masking = mask is not None

    def call(self, inputs, mask=None):
        return self.function(inputs, **self.arguments)

    def compute_mask(self, inputs, mask=None):
        if callable(self._mask):
            return self._mask(inputs, mask)
        return self._mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            from . import _custom

            return _custom.infer_output_shape(self, input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        shape = tuple(self._output_shape)
        batch = input_shape[0][0] if isinstance(input_shape, list) else input_shape[0]
        return (batch,) + shape

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        fn = self.function
        if isinstance(fn, types.FunctionType) and fn.__name__ == "<lambda>" and fn.__closure__:
            raise NotImplementedError(
                f"Lambda layer '{self.name}': its function uses variables from an enclosing "
                "scope (a closure), which cannot be saved; pass them as arguments= or "
                "write a custom layer with get_config()")
        config["function"] = object_registry.serialize_keras_object(fn)
        if self._output_shape is not None and not callable(self._output_shape):
            config["output_shape"] = list(self._output_shape)
        if self.arguments:
            config["arguments"] = self.arguments
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        fn = config.pop("function")
        if not callable(fn):
            fn = object_registry.deserialize_keras_object(
                fn, safe_mode=object_registry.in_safe_mode())
        return cls(fn, **config)
