"""Reshaping layers: ZeroPadding1D/2D, Cropping1D/2D, RepeatVector, Permute.

Padding and cropping are slicing: padding writes the input into a zeroed array, cropping
takes a view, and each one's backward is the other. ``data_format`` may be
``'channels_last'`` (default) or ``'channels_first'``, as in Keras.
"""
import numpy as np

from .base import Layer
from .conv import normalize_tuple


def _data_format(data_format, who):
    if data_format not in (None, "channels_last", "channels_first"):
        raise ValueError(f"{who} data_format must be 'channels_last' or 'channels_first', got "
                         f"{data_format!r}")
    return data_format or "channels_last"


def _pairs(value, rank, what, who):
    """Keras' padding/cropping forms as ``rank`` (before, after) pairs of ints >= 0.

    An int pads every side alike; for rank 2 a pair of ints is (symmetric
    height, symmetric width) and a pair of pairs is ((top, bottom), (left, right)).
    For rank 1 a pair is (left, right).
    """
    if rank == 1:
        return (normalize_tuple(value, 2, what, who, minimum=0),)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (value, value)
    if not hasattr(value, "__len__") or len(value) != 2:
        raise ValueError(f"{who} {what} must be an int, a tuple of 2 ints or a tuple of 2 "
                         f"tuples of 2 ints ((top, bottom), (left, right)), got {value!r}")
    return tuple(normalize_tuple(v, 2, f"{what} entry", who, minimum=0) for v in value)


class _Spatial(Layer):
    """Shared checks of the layers acting on the ``rank`` spatial axes."""

    rank = 2

    def _spatial_axes(self, ndim):
        first = 2 if self.data_format == "channels_first" else 1
        return list(range(first, first + self.rank))

    def _check_rank(self, shape):
        if len(shape) != self.rank + 2:
            raise ValueError(f"{type(self).__name__} layer '{self.name}' expects inputs of rank "
                             f"{self.rank + 2}, got shape {tuple(shape)}")


class _ZeroPadding(_Spatial):
    def __init__(self, padding, data_format=None, **kwargs):
        super().__init__(**kwargs)
        who = type(self).__name__
        self.data_format = _data_format(data_format, who)
        self.padding = _pairs(padding, self.rank, "padding", who)

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        shape = list(input_shape)
        for axis, (before, after) in zip(self._spatial_axes(len(shape)), self.padding):
            if shape[axis] is not None:
                shape[axis] += before + after
        return tuple(shape)

    def forward(self, inputs, ctx):
        self._check_rank(inputs.shape)
        shape = inputs.shape
        out_shape = self.compute_output_shape(shape)
        index = [slice(None)] * len(shape)
        for axis, (before, _) in zip(self._spatial_axes(len(shape)), self.padding):
            index[axis] = slice(before, before + shape[axis])
        index = tuple(index)
        y = ctx.buffer("y", out_shape, inputs.dtype)
        y.fill(0)
        y[index] = inputs
        return y, lambda dy: dy[index]

    def get_config(self):
        config = super().get_config()
        padding = list(self.padding[0]) if self.rank == 1 else [list(p) for p in self.padding]
        config.update(padding=padding, data_format=self.data_format)
        return config


class ZeroPadding2D(_ZeroPadding):
    """Pad images with zero rows and columns.

    Parameters
    ----------
    padding : int, tuple of 2 ints, or tuple of 2 tuples of 2 ints, default (1, 1)
        An int pads all four sides; ``(h, w)`` pads ``h`` rows above and
        below and ``w`` columns left and right; ``((top, bottom), (left,
        right))`` sets each side.
    data_format : {'channels_last', 'channels_first'}, optional

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import ZeroPadding2D
    >>> ZeroPadding2D(((1, 0), (0, 2)))(np.ones((1, 2, 2, 1))).shape
    (1, 3, 4, 1)
    """

    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding1D(_ZeroPadding):
    """Pad sequences ``(batch, steps, features)`` with zero steps.

    Parameters
    ----------
    padding : int or tuple of 2 ints, default 1
        Steps added at the start and at the end.
    data_format : {'channels_last', 'channels_first'}, optional

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import ZeroPadding1D
    >>> ZeroPadding1D((1, 2))(np.ones((1, 2, 1)))[0, :, 0]
    array([0., 1., 1., 0., 0.], dtype=float32)
    """

    rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class _Cropping(_Spatial):
    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(**kwargs)
        who = type(self).__name__
        self.data_format = _data_format(data_format, who)
        self.cropping = _pairs(cropping, self.rank, "cropping", who)

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        shape = list(input_shape)
        for axis, (before, after) in zip(self._spatial_axes(len(shape)), self.cropping):
            if shape[axis] is not None:
                if before + after >= shape[axis]:
                    raise ValueError(f"Layer '{self.name}': cropping {self.cropping} removes the "
                                     f"whole of axis {axis} of input shape {tuple(input_shape)}")
                shape[axis] -= before + after
        return tuple(shape)

    def forward(self, inputs, ctx):
        shape = inputs.shape
        self.compute_output_shape(shape)
        index = [slice(None)] * len(shape)
        for axis, (before, after) in zip(self._spatial_axes(len(shape)), self.cropping):
            index[axis] = slice(before, shape[axis] - after)
        index = tuple(index)

        def backward(dy):
            dx = ctx.buffer("dx", shape, dy.dtype)
            dx.fill(0)
            dx[index] = dy
            return dx

        return inputs[index], backward

    def get_config(self):
        config = super().get_config()
        cropping = (list(self.cropping[0]) if self.rank == 1
                    else [list(c) for c in self.cropping])
        config.update(cropping=cropping, data_format=self.data_format)
        return config


class Cropping2D(_Cropping):
    """Crop rows and columns off images.

    Parameters
    ----------
    cropping : int, tuple of 2 ints, or tuple of 2 tuples of 2 ints, default ((0, 0), (0, 0))
        Same forms as :class:`ZeroPadding2D`'s ``padding``.
    data_format : {'channels_last', 'channels_first'}, optional

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import Cropping2D
    >>> Cropping2D(((1, 0), (0, 2)))(np.ones((1, 4, 4, 1))).shape
    (1, 3, 2, 1)
    """

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping1D(_Cropping):
    """Crop steps off the start and end of sequences ``(batch, steps, features)``.

    Parameters
    ----------
    cropping : int or tuple of 2 ints, default (1, 1)

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import Cropping1D
    >>> Cropping1D((1, 2))(np.arange(5.0).reshape(1, 5, 1))[0, :, 0]
    array([1., 2.], dtype=float32)
    """

    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, None, **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]
        return config


class RepeatVector(Layer):
    """Repeat a ``(batch, features)`` input ``n`` times: ``(batch, n, features)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import RepeatVector
    >>> RepeatVector(3)(np.array([[1.0, 2.0]])).shape
    (1, 3, 2)
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"RepeatVector n must be a positive integer, got {n!r}")
        self.n = int(n)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(f"RepeatVector layer '{self.name}' expects inputs of rank 2 "
                             f"(batch, features), got shape {tuple(input_shape)}")
        return (input_shape[0], self.n, input_shape[1])

    def forward(self, inputs, ctx):
        self.compute_output_shape(inputs.shape)
        y = np.repeat(inputs[:, None, :], self.n, axis=1)
        return y, lambda dy: dy.sum(axis=1)

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config


class Permute(Layer):
    """Permute the non-batch axes: ``dims`` is a permutation of ``1..rank``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import Permute
    >>> Permute((2, 1))(np.zeros((4, 3, 5))).shape
    (4, 5, 3)
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        try:
            dims = tuple(int(d) for d in dims)
        except (TypeError, ValueError):
            raise ValueError(f"Permute dims must be a sequence of axis numbers, got "
                             f"{dims!r}") from None
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(f"Permute dims must be a permutation of 1..{len(dims)} (the batch "
                             f"axis 0 stays first), got {dims}")
        self.dims = dims
        self._inverse = tuple(int(i) for i in np.argsort((0,) + dims))

    def compute_output_shape(self, input_shape):
        if len(input_shape) != len(self.dims) + 1:
            raise ValueError(f"Permute layer '{self.name}' with dims {self.dims} expects inputs "
                             f"of rank {len(self.dims) + 1}, got shape {tuple(input_shape)}")
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def forward(self, inputs, ctx):
        self.compute_output_shape(inputs.shape)
        y = np.transpose(inputs, (0,) + self.dims)
        return y, lambda dy: np.transpose(dy, self._inverse)

    def get_config(self):
        config = super().get_config()
        config["dims"] = list(self.dims)
        return config
