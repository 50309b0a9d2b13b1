"""TimeDistributed (one layer applied to every step) and Identity."""
from .base import Layer
from .serialization import deserialize_layer, serialize_layer


class TimeDistributed(Layer):
    """Apply ``layer`` to every step of ``(batch, steps, ...)``.

    The steps are folded into the batch, so the wrapped layer's kernels run
    once on ``(batch * steps, ...)``; its weights are shared by the steps
    and are the wrapper's weights.

    Parameters
    ----------
    layer : Layer
        Layer applied to each ``(batch, ...)`` slice.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import Dense, TimeDistributed
    >>> layer = TimeDistributed(Dense(4))
    >>> layer(np.ones((2, 5, 3))).shape
    (2, 5, 4)
    >>> [w.shape for w in layer.weights]
    [(3, 4), (4,)]
    """

    supports_masking = True

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise TypeError(f"TimeDistributed needs a layer instance, got {layer!r}")
        super().__init__(**kwargs)
        self.layer = layer

    @property
    def sublayers(self):
        return [self.layer]

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        if hasattr(self, "layer"):
            self.layer.trainable = value

    @property
    def weights(self):
        return self.layer.weights

    @property
    def trainable_weights(self):
        return self.layer.trainable_weights if self.trainable else []

    def _inner_shape(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError(f"TimeDistributed layer '{self.name}' expects inputs of rank >= 3 "
                             f"(batch, steps, ...), got shape {tuple(input_shape)}")
        return (None,) + tuple(input_shape[2:])

    def build(self, input_shape):
        self.layer._maybe_build(self._inner_shape(input_shape))
        self.built = True

    def compute_output_shape(self, input_shape):
        inner = self.layer.compute_output_shape(self._inner_shape(input_shape))
        if isinstance(inner, list):
            raise ValueError(  # noqa: TRY004 - a valid layer, just not a wrappable one
                f"TimeDistributed cannot wrap layer '{self.layer.name}', which has several "
                "outputs")
        return tuple(input_shape[:2]) + tuple(inner[1:])

    def forward(self, inputs, ctx):
        shape = inputs.shape
        self._inner_shape(shape)
        inner_ctx = ctx.child("layer")
        inner_ctx.mask = None  # a (batch, steps) mask does not fit the folded batch
        y, inner_backward = self.layer.forward(inputs.reshape((-1,) + shape[2:]), inner_ctx)
        y_shape = y.shape

        def backward(dy):
            dx = inner_backward(dy.reshape(y_shape))
            return None if dx is None else dx.reshape(shape)

        return y.reshape(shape[:2] + y_shape[1:]), backward

    def get_config(self):
        config = super().get_config()
        config["layer"] = serialize_layer(self.layer)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"])
        return cls(**config)


class Identity(Layer):
    """Return the input unchanged (a placeholder layer, as in Keras).

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import Identity
    >>> Identity()(np.array([[1.0, 2.0]])).tolist()
    [[1.0, 2.0]]
    """

    supports_masking = True

    def forward(self, inputs, ctx):
        return inputs, lambda dy: dy
