"""Merge layers: Concatenate, Add, Subtract, Multiply, Average, Maximum, Minimum."""
import numpy as np

from .base import Layer


class _Merge(Layer):
    supports_masking = True

    def build(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) < 2:
            raise ValueError(f"{type(self).__name__} layer '{self.name}' must be called on a "
                             f"list of at least 2 inputs, got {input_shape}")
        self.built = True

    def compute_mask(self, inputs, mask):
        if mask is None or all(m is None for m in mask):
            return None
        masks = [m for m in mask if m is not None]
        out = masks[0]
        for m in masks[1:]:
            out = out & m
        return out


class _Elementwise(_Merge):
    def build(self, input_shape):
        super().build(input_shape)
        shapes = {tuple(s[1:]) for s in input_shape}
        if len(shapes) > 1:
            raise ValueError(f"{type(self).__name__} layer '{self.name}' needs inputs of the "
                             f"same shape, got {input_shape}")

    def compute_output_shape(self, input_shape):
        return input_shape[0]


class Add(_Elementwise):
    """Sum of a list of inputs of the same shape."""

    def forward(self, inputs, ctx):
        y = inputs[0] + inputs[1]
        for x in inputs[2:]:
            y = y + x
        n = len(inputs)
        return y, lambda dy: [dy] * n


class Subtract(_Elementwise):
    """``inputs[0] - inputs[1]``."""

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(f"Subtract layer '{self.name}' takes exactly 2 inputs")

    def forward(self, inputs, ctx):
        return inputs[0] - inputs[1], lambda dy: [dy, -dy]


class Multiply(_Elementwise):
    """Elementwise product of a list of inputs."""

    def forward(self, inputs, ctx):
        y = inputs[0]
        for x in inputs[1:]:
            y = y * x

        def backward(dy):
            grads = []
            for i in range(len(inputs)):
                g = dy
                for j, x in enumerate(inputs):
                    if j != i:
                        g = g * x
                grads.append(g)
            return grads

        return y, backward


class Average(_Elementwise):
    """Mean of a list of inputs."""

    def forward(self, inputs, ctx):
        n = len(inputs)
        y = sum(inputs[1:], inputs[0]) / n
        return y.astype(inputs[0].dtype, copy=False), lambda dy: [dy / n] * n


class Maximum(_Elementwise):
    """Elementwise maximum (gradient to the first input holding the maximum)."""

    _pick = staticmethod(np.argmax)

    def forward(self, inputs, ctx):
        stack = np.stack(inputs)
        idx = self._pick(stack, axis=0)
        y = np.take_along_axis(stack, idx[None], axis=0)[0]
        return y, lambda dy: [np.where(idx == i, dy, 0).astype(dy.dtype)
                              for i in range(len(inputs))]


class Minimum(Maximum):
    """Elementwise minimum (gradient to the first input holding the minimum)."""

    _pick = staticmethod(np.argmin)


class Concatenate(_Merge):
    """Concatenate a list of inputs along ``axis`` (default last)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def build(self, input_shape):
        super().build(input_shape)
        ndims = {len(s) for s in input_shape}
        if len(ndims) != 1:
            raise ValueError(f"Concatenate layer '{self.name}' needs inputs of the same rank, "
                             f"got {input_shape}")
        axis = self.axis % ndims.pop()
        for s in input_shape[1:]:
            for d, (a, b) in enumerate(zip(input_shape[0], s)):
                if d != axis and d != 0 and a is not None and b is not None and a != b:
                    raise ValueError(f"Concatenate layer '{self.name}' needs matching shapes "
                                     f"except on the concat axis, got {input_shape}")

    def compute_output_shape(self, input_shape):
        axis = self.axis % len(input_shape[0])
        out = list(input_shape[0])
        sizes = [s[axis] for s in input_shape]
        out[axis] = None if any(v is None for v in sizes) else sum(sizes)
        return tuple(out)

    def forward(self, inputs, ctx):
        axis = self.axis % inputs[0].ndim
        y = np.concatenate(inputs, axis=axis)
        splits = np.cumsum([x.shape[axis] for x in inputs])[:-1]
        return y, lambda dy: np.split(dy, splits, axis=axis)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


def _functional(cls):
    def merge(inputs, **kwargs):
        return cls(**kwargs)(inputs)

    merge.__name__ = merge.__qualname__ = cls.__name__.lower()
    merge.__doc__ = f"Functional interface to :class:`{cls.__name__}`: ``{cls.__name__}(**kwargs)(inputs)``."
    return merge


add = _functional(Add)
subtract = _functional(Subtract)
multiply = _functional(Multiply)
average = _functional(Average)
maximum = _functional(Maximum)
minimum = _functional(Minimum)
concatenate = _functional(Concatenate)
