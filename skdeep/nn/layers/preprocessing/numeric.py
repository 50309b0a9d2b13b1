"""Numeric preprocessing layers: Normalization (with ``adapt``),
Discretization (with ``adapt``), CategoryEncoding.

``encode`` (one_hot / multi_hot / count / tf_idf of integer ids) is shared
with the lookup layers. These layers sit at a model's input: Normalization
passes gradients through, the integer-valued layers have none.
"""
import numpy as np

from ..base import Layer

_EPSILON = 1e-7  # keras.backend.epsilon()


def _no_gradient(dy):
    return None


def encode(ids, output_mode, depth, dtype, count_weights=None, who="CategoryEncoding"):
    """Keras' ``encode_categorical_inputs``: ids (ints in [0, depth)) to
    one_hot / multi_hot / count vectors of length ``depth``. multi_hot and
    count reduce axis 1 (axis 0 for a 1-D input); one_hot drops a final axis of 1."""
    ids = np.asarray(ids)
    if output_mode == "int":
        return ids.astype(dtype)
    if ids.ndim == 0:
        ids = ids[None]
    if ids.size and (ids.min() < 0 or ids.max() >= depth):
        raise ValueError(f"{who}: input values must be in [0, {depth}) (num_tokens={depth}), "
                         f"got values in [{ids.min()}, {ids.max()}]")
    if output_mode == "one_hot" and ids.ndim > 1 and ids.shape[-1] == 1:
        ids = ids[..., 0]
    onehot = (ids[..., None] == np.arange(depth)).astype(dtype)
    if output_mode == "one_hot":
        return onehot
    axis = 1 if ids.ndim > 1 else 0
    if output_mode == "multi_hot":
        return onehot.max(axis=axis)
    if count_weights is not None:
        onehot = onehot * np.asarray(count_weights, dtype)[..., None]
    return onehot.sum(axis=axis).astype(dtype, copy=False)


class CategoryEncoding(Layer):
    """Encode integer ids as one-hot, multi-hot or count vectors.

    Parameters
    ----------
    num_tokens : int
        Ids must lie in ``[0, num_tokens)``.
    output_mode : {'multi_hot', 'one_hot', 'count'}, default 'multi_hot'
    sparse : bool, default False
        Sparse outputs are not supported (NotImplementedError).

    Call with ``count_weights=`` (same shape as the ids) to weight the counts.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import CategoryEncoding
    >>> CategoryEncoding(num_tokens=4, output_mode="count")(np.array([[0, 1], [3, 3]]))
    array([[1., 1., 0., 0.],
           [0., 0., 0., 2.]], dtype=float32)
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode not in ("one_hot", "multi_hot", "count"):
            raise ValueError(f"CategoryEncoding output_mode must be 'one_hot', 'multi_hot' or "
                             f"'count', got {output_mode!r}")
        if num_tokens is None or isinstance(num_tokens, bool) or not isinstance(
                num_tokens, (int, np.integer)) or num_tokens < 1:
            raise ValueError(f"CategoryEncoding num_tokens must be a positive integer, got "
                             f"{num_tokens!r}")
        if sparse:
            raise NotImplementedError("CategoryEncoding sparse=True is not supported")
        self.num_tokens, self.output_mode, self.sparse = int(num_tokens), output_mode, False

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        if self.output_mode == "one_hot" and len(shape) > 1 and shape[-1] == 1:
            shape = shape[:-1]
        elif self.output_mode != "one_hot":
            shape = shape[:1] + shape[2:] if len(shape) > 1 else ()
        return shape + (self.num_tokens,)

    def forward(self, inputs, ctx, count_weights=None):
        y = encode(inputs, self.output_mode, self.num_tokens, self.dtype, count_weights,
                   f"CategoryEncoding '{self.name}'")
        return y, _no_gradient

    def get_config(self):
        config = super().get_config()
        config.update(num_tokens=self.num_tokens, output_mode=self.output_mode, sparse=False)
        return config


def _as_array(data):
    """The samples of ``adapt`` data: an array-like, or an iterable of batches."""
    if isinstance(data, (np.ndarray, list, tuple)) or np.isscalar(data):
        return np.asarray(data)
    return np.concatenate([np.asarray(batch) for batch in data])


class Normalization(Layer):
    """Standardize features: ``(x - mean) / max(sqrt(variance), 1e-7)``.

    Parameters
    ----------
    axis : int, tuple of int or None, default -1
        Axes with their own statistics (None: one mean and variance).
    mean, variance : array-like, optional
        Fixed statistics; otherwise call :meth:`adapt` on data.
    invert : bool, default False
        Map standardized values back: ``x * max(sqrt(variance), 1e-7) + mean``.

    After :meth:`adapt` the weights are ``mean``, ``variance`` and ``count``
    (non-trainable), as in Keras.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import Normalization
    >>> layer = Normalization()
    >>> layer.adapt(np.array([[1.0, 10.0], [3.0, 30.0]]))
    >>> layer(np.array([[2.0, 50.0]]))
    array([[0., 3.]], dtype=float32)
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            self.axis = ()
        elif isinstance(axis, (int, np.integer)):
            self.axis = (int(axis),)
        else:
            self.axis = tuple(int(a) for a in axis)
        if (mean is None) != (variance is None):
            raise ValueError("Normalization needs both mean and variance, or neither (then "
                             "call adapt())")
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)
        self._fixed = None
        if mean is not None:
            self._fixed = (np.asarray(mean, "float64"), np.asarray(variance, "float64"))

    def _param_shape(self, input_shape):
        ndim = len(input_shape)
        axes = sorted(a % ndim for a in self.axis)
        if 0 in axes:
            raise ValueError(f"Normalization '{self.name}' cannot keep statistics per batch "
                             "index (axis 0)")
        for a in axes:
            if input_shape[a] is None:
                raise ValueError(f"Normalization '{self.name}' needs a known size on axis {a}, "
                                 f"got input shape {tuple(input_shape)}")
        return axes, tuple(input_shape[a] for a in axes)

    def build(self, input_shape):
        axes, shape = self._param_shape(input_shape)
        self._axes = axes
        if self._fixed is None:
            self.mean = self.add_weight("mean", shape, "zeros", trainable=False)
            self.variance = self.add_weight("variance", shape, "ones", trainable=False)
            self.count = self.add_weight("count", (), "zeros", trainable=False)
        self.built = True

    def adapt(self, data, batch_size=None, steps=None):
        """Compute the mean and variance of ``data`` over every axis but ``axis``."""
        x = _as_array(data).astype("float64")
        if x.ndim == 1 and self.axis == (-1,):
            x = x[:, None]
        if not self.built:
            self._maybe_build((None,) + x.shape[1:])
        if self._fixed is not None:
            raise ValueError(f"Normalization '{self.name}' was given a fixed mean and variance; "
                             "adapt() cannot change them")
        reduce = tuple(a for a in range(x.ndim) if a not in self._axes)
        self.mean.assign(x.mean(axis=reduce).reshape(self.mean.shape))
        self.variance.assign(x.var(axis=reduce).reshape(self.variance.shape))
        # Keras 3 keeps ``count`` at 0 after a one-shot adapt; so does skdeep

    def _stats(self, ndim, dtype):
        shape = [1] * ndim
        sizes = self.mean.shape if self._fixed is None else self._fixed[0].shape
        if len(sizes) == len(self._axes):
            for a, size in zip(self._axes, sizes):
                shape[a] = size
        if self._fixed is not None:
            mean, var = self._fixed
            if mean.ndim:
                mean, var = mean.reshape(shape), var.reshape(shape)
        else:
            mean, var = self.mean.value.reshape(shape), self.variance.value.reshape(shape)
        return mean.astype(dtype), np.maximum(np.sqrt(var), _EPSILON).astype(dtype)

    def forward(self, inputs, ctx):
        x = np.asarray(inputs)
        x = x if x.dtype.kind == "f" else x.astype(self.dtype)
        if x.ndim == 1 and self.axis == (-1,) and self._axes == [1]:
            x = x[:, None]
        mean, std = self._stats(x.ndim, x.dtype)
        if self.invert:
            return x * std + mean, lambda dy: dy * std
        return (x - mean) / std, lambda dy: dy / std

    def get_config(self):
        config = super().get_config()
        def to_json(v):
            return np.asarray(v).tolist() if v is not None else None

        config.update(axis=None if self.axis == () else (
            self.axis[0] if len(self.axis) == 1 else list(self.axis)),
            mean=to_json(self.input_mean), variance=to_json(self.input_variance),
            invert=self.invert)
        return config


def _quantile_boundaries(values, num_bins, epsilon):
    """Approximate quantile boundaries as Keras' Discretization computes them:
    summarize the sorted data at ~1/epsilon evenly spaced points, then
    interpolate its cumulative weights at 1/num_bins, 2/num_bins, ..."""
    values = np.sort(np.asarray(values, "float64").reshape(-1))
    step = max(values.size * epsilon, 1.0)
    points = values[int(step) - 1::int(step)]
    weights = np.full(points.shape, step)
    if points.size * (1.0 / num_bins) < 1:
        return points[:-1]
    percents = np.arange(1, num_bins + 1) / num_bins
    cumulative = np.cumsum(weights) / weights.sum()
    return np.interp(percents, cumulative, points)[:-1].astype("float32")


class Discretization(Layer):
    """Bucket values by boundaries: output ``i`` for ``boundaries[i-1] <= x < boundaries[i]``.

    Parameters
    ----------
    bin_boundaries : list of float, optional
        Sorted boundaries (n boundaries make n + 1 bins); otherwise learn
        ``num_bins`` quantile bins with :meth:`adapt`.
    num_bins : int, optional
    epsilon : float, default 0.01
        Error tolerance of the quantile summary (Keras' algorithm).
    output_mode : {'int', 'one_hot', 'multi_hot', 'count'}, default 'int'

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import Discretization
    >>> x = np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]])
    >>> Discretization(bin_boundaries=[0.0, 1.0, 2.0])(x)
    array([[0, 2, 3, 1],
           [1, 3, 2, 1]])
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode not in ("int", "one_hot", "multi_hot", "count"):
            raise ValueError(f"Discretization output_mode must be 'int', 'one_hot', "
                             f"'multi_hot' or 'count', got {output_mode!r}")
        if bin_boundaries is not None and num_bins is not None:
            raise ValueError("Discretization takes bin_boundaries or num_bins, not both")
        if sparse:
            raise NotImplementedError("Discretization sparse=True is not supported")
        self.bin_boundaries = None if bin_boundaries is None else [float(b) for b in
                                                                  bin_boundaries]
        if self.bin_boundaries is not None and sorted(self.bin_boundaries) != self.bin_boundaries:
            raise ValueError(f"Discretization bin_boundaries must be sorted, got {bin_boundaries}")
        self.num_bins = num_bins
        self.epsilon = float(epsilon)
        self.output_mode = output_mode

    def adapt(self, data, batch_size=None, steps=None):
        """Learn ``num_bins`` quantile boundaries from ``data``."""
        if self.num_bins is None:
            raise ValueError(f"Discretization '{self.name}' needs num_bins to adapt")
        self.bin_boundaries = [float(b) for b in
                               _quantile_boundaries(_as_array(data), self.num_bins,
                                                    self.epsilon)]

    def forward(self, inputs, ctx):
        if self.bin_boundaries is None:
            raise ValueError(f"Discretization '{self.name}' has no bin_boundaries: pass them or "
                             "call adapt() first")
        x = np.asarray(inputs)
        ids = np.digitize(x, self.bin_boundaries)
        depth = len(self.bin_boundaries) + 1

        def backward(dy):  # piecewise constant: zero almost everywhere
            return np.zeros(x.shape, dy.dtype) if x.dtype.kind == "f" else None

        if self.output_mode == "int":
            return ids, backward
        return encode(ids, self.output_mode, depth, self.dtype), backward

    def get_config(self):
        config = super().get_config()
        config.update(bin_boundaries=self.bin_boundaries, num_bins=self.num_bins,
                      epsilon=self.epsilon, output_mode=self.output_mode, sparse=False)
        return config

