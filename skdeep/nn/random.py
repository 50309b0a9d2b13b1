"""``keras.random``: seeded random tensors and a :class:`SeedGenerator`.

``seed`` follows Keras 3: an int gives the same values at every call, a
:class:`SeedGenerator` gives a new, reproducible draw at every call (the
pattern of layers that draw noise), and None draws from the engine's
generator, seeded by :func:`skdeep.nn.utils.set_random_seed`.

Examples
--------
>>> from skdeep.nn import random
>>> a = random.normal((2,), seed=3)
>>> bool((a == random.normal((2,), seed=3)).all())
True
>>> gen = random.SeedGenerator(1337)
>>> bool((random.uniform((2,), seed=gen) == random.uniform((2,), seed=gen)).all())
False
"""
import numpy as np

from . import backend
from .ops import _core

__all__ = [
    "SeedGenerator",
    "beta",
    "binomial",
    "categorical",
    "dropout",
    "gamma",
    "normal",
    "randint",
    "shuffle",
    "truncated_normal",
    "uniform",
]


class SeedGenerator:
    """A reproducible stream of seeds for random ops.

    Parameters
    ----------
    seed : int, optional
        Start of the stream; None draws one from the engine's generator.
    name : str, optional
    """

    def __init__(self, seed=None, name=None, **kwargs):
        if kwargs:
            raise TypeError(f"SeedGenerator got unexpected keyword argument(s) {sorted(kwargs)}")
        if seed is None:
            seed = backend.child_seed()
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            # Keras raises ValueError here too
            raise ValueError(  # noqa: TRY004
                f"SeedGenerator seed must be an int or None, got {seed!r}")
        self.seed = int(seed)
        self.name = name or "seed_generator"
        self._counter = 0

    @property
    def state(self):
        """``[seed, calls so far]`` (Keras keeps the same two numbers)."""
        return np.array([self.seed, self._counter], dtype=np.int64)

    def next(self, ordered=True):
        """The seed for the next draw (advances the stream)."""
        value = np.random.SeedSequence([self.seed % 2**63, self._counter]).generate_state(1)[0]
        self._counter += 1
        return int(value)

    def get_config(self):
        return {"seed": self.seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<SeedGenerator seed={self.seed} calls={self._counter}>"


def _rng(seed):
    if seed is None:
        return backend.get_rng()
    if isinstance(seed, SeedGenerator):
        return np.random.default_rng(seed.next())
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(  # noqa: TRY004
            f"seed must be an int, a SeedGenerator or None, got {seed!r}")
    return np.random.default_rng(int(seed))


def _shape(shape):
    shape = _core.unwrap(shape)
    return (int(shape),) if np.ndim(shape) == 0 else tuple(int(d) for d in shape)


def _dtype(dtype):
    return np.dtype(dtype or backend.floatx())


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Draws from a normal distribution."""
    values = _rng(seed).standard_normal(_shape(shape))
    return (values * stddev + mean).astype(_dtype(dtype))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Draws from the uniform distribution on ``[minval, maxval)``."""
    return _rng(seed).uniform(minval, maxval, _shape(shape)).astype(_dtype(dtype))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal draws with those beyond two standard deviations redrawn (as Keras)."""
    rng = _rng(seed)
    shape = _shape(shape)
    values = rng.standard_normal(shape)
    bad = np.abs(values) > 2
    while bad.any():
        values[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(values) > 2
    return (values * stddev + mean).astype(_dtype(dtype))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers drawn uniformly from ``[minval, maxval)``."""
    return _rng(seed).integers(minval, maxval, _shape(shape)).astype(dtype)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """``num_samples`` class ids per row of ``logits`` (unnormalised log-probabilities)."""
    z = np.asarray(_core.unwrap(logits), dtype=np.float64)
    if z.ndim != 2:
        raise ValueError(f"categorical expects 2-D logits (batch, classes), got shape {z.shape}")
    p = np.exp(z - z.max(axis=1, keepdims=True))
    cdf = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    u = _rng(seed).uniform(size=(z.shape[0], int(num_samples)))
    ids = (u[:, :, None] > cdf[:, None, :]).sum(axis=-1)
    return np.minimum(ids, z.shape[1] - 1).astype(dtype)


def gamma(shape, alpha, dtype=None, seed=None):
    """Draws from a gamma distribution with concentration ``alpha`` (scale 1)."""
    return _rng(seed).gamma(alpha, 1.0, _shape(shape)).astype(_dtype(dtype))


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Draws from a binomial distribution."""
    return _rng(seed).binomial(counts, probabilities, _shape(shape)).astype(_dtype(dtype))


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Draws from a beta distribution."""
    return _rng(seed).beta(alpha, beta, _shape(shape)).astype(_dtype(dtype))


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zero each element with probability ``rate`` and scale the rest by
    ``1 / (1 - rate)``; differentiable (the mask is a constant)."""
    from . import ops

    if not 0 <= rate < 1:
        raise ValueError(f"dropout rate must be in [0, 1), got {rate!r}")
    x = _core.unwrap(inputs)
    shape = np.shape(x) if noise_shape is None else tuple(
        d if n is None else n for n, d in zip(noise_shape, np.shape(x)))
    keep = _rng(seed).uniform(size=shape) >= rate
    dtype = np.asarray(x).dtype
    mask = (keep / (1.0 - rate)).astype(dtype if np.issubdtype(dtype, np.floating) else
                                        backend.floatx())
    return ops.multiply(inputs, mask)


def shuffle(x, axis=0, seed=None):
    """``x`` with its entries along ``axis`` randomly permuted."""
    from . import ops

    n = np.shape(_core.unwrap(x))[axis]
    return ops.take(x, _rng(seed).permutation(n), axis=axis)
