"""``InputSpec``: what a layer accepts (rank, axis sizes, dtype), checked on each call.

A layer that sets ``self.input_spec`` (one spec, or a list with one per
input) gets Keras' error for an incompatible input, naming the layer, the
input and the expected and received shapes, before anything is computed.
"""
import numpy as np

__all__ = ["InputSpec", "assert_input_compatibility"]


class InputSpec:
    """The rank, axis sizes and dtype a layer's input must have.

    Parameters
    ----------
    dtype : str, optional
        Expected dtype (``'float32'``, ``'int32'``...).
    shape : tuple, optional
        Expected shape, batch first; None entries accept any size.
    ndim, max_ndim, min_ndim : int, optional
        Expected, largest and smallest rank (with the batch axis).
    axes : dict, optional
        ``{axis: size}`` for axes of a fixed size, e.g. ``{-1: 8}``.
    allow_last_axis_squeeze : bool, default=False
        Accept a rank one higher or lower whose extra last axis has size 1.
    name : str, optional
    optional : bool, default=False
        Whether the input may be None.

    Examples
    --------
    >>> from skdeep.nn import Input
    >>> from skdeep.nn.layers import Dense
    >>> layer = Dense(2)
    >>> layer.input_spec = InputSpec(ndim=2, axes={-1: 3})
    >>> layer(Input(shape=(4,)))
    Traceback (most recent call last):
    ...
    ValueError: Input 0 of layer "dense..." is incompatible with the layer: expected axis -1 of input shape to have value 3, but received input with shape (None, 4)
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = None if dtype is None else np.dtype(dtype).name
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.name, self.optional = name, optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        axes = dict(axes or {})
        for axis in axes:
            if not isinstance(axis, int):
                raise TypeError(f"InputSpec axes must be integers, got {axis!r}")
        if axes and self.ndim is not None and max(axes) >= self.ndim:
            raise ValueError(f"InputSpec axis {max(axes)} is out of range for ndim={self.ndim}")
        self.axes = axes

    def __repr__(self):
        parts = [f"{k}={v}" for k, v in (("dtype", self.dtype), ("shape", self.shape),
                                         ("ndim", self.ndim), ("max_ndim", self.max_ndim),
                                         ("min_ndim", self.min_ndim), ("axes", self.axes))
                 if v]
        return f"InputSpec({', '.join(parts)})"

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _fail(layer_name, index, why, shape):
    raise ValueError(f'Input {index} of layer "{layer_name}" is incompatible with the layer: '
                     f"{why}, but received input with shape {shape}")


def assert_input_compatibility(spec, inputs, layer_name):
    """Raise Keras' ValueError when ``inputs`` (tensors or arrays) do not fit ``spec``."""
    if spec is None:
        return
    specs = spec if isinstance(spec, (list, tuple)) else [spec]
    flat = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    if len(specs) != len(flat) and not all(s is None for s in specs):
        raise ValueError(f'Layer "{layer_name}" expects {len(specs)} input(s), but it received '
                         f"{len(flat)} input tensors")
    for index, (s, x) in enumerate(zip(specs, flat)):
        if s is None:
            continue
        if x is None:
            if s.optional:
                continue
            raise ValueError(f'Input {index} of layer "{layer_name}" is None')
        shape = tuple(getattr(x, "shape", np.shape(x)))
        ndim = len(shape)
        squeeze = s.allow_last_axis_squeeze
        if s.ndim is not None and ndim != s.ndim and not (
                squeeze and abs(ndim - s.ndim) == 1 and
                (shape[-1] == 1 if ndim > s.ndim else True)):
            _fail(layer_name, index, f"expected ndim={s.ndim}, found ndim={ndim}", shape)
        if s.max_ndim is not None and ndim > s.max_ndim:
            _fail(layer_name, index, f"expected max_ndim={s.max_ndim}, found ndim={ndim}",
                  shape)
        if s.min_ndim is not None and ndim < s.min_ndim:
            _fail(layer_name, index, f"expected min_ndim={s.min_ndim}, found ndim={ndim}",
                  shape)
        dtype = getattr(x, "dtype", None)
        if s.dtype is not None and dtype is not None and np.dtype(dtype).name != s.dtype:
            _fail(layer_name, index, f"expected dtype={s.dtype}, found dtype={dtype}", shape)
        for axis, value in s.axes.items():
            if value is None or not -ndim <= axis < ndim:
                continue
            if shape[axis] not in (value, None):
                _fail(layer_name, index, f"expected axis {axis} of input shape to have value "
                      f"{value}", shape)
        if s.shape is not None and ndim == len(s.shape):
            for want, got in zip(s.shape, shape):
                if want is not None and got is not None and want != got:
                    _fail(layer_name, index, f"expected shape={s.shape}", shape)
