"""Weight initializers with Keras 3 names, formulas and defaults.

Random draws come from the engine generator (``backend.get_rng()``) unless the
initializer has its own ``seed``, in which case every call gives the same
values, as in Keras 3.
"""
import math

import numpy as np

from . import backend

__all__ = ["Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform",
           "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeNormal",
           "HeUniform", "LecunNormal", "LecunUniform", "Orthogonal", "Identity", "get",
           "serialize"]


def compute_fans(shape):
    """Keras' fan-in / fan-out of a kernel shape."""
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class: ``init(shape, dtype) -> ndarray``."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _rng(self):
        seed = getattr(self, "seed", None)
        return backend.get_rng() if seed is None else np.random.default_rng(seed)


def _check_seed(owner, seed):
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise ValueError(f"{owner}: seed must be an integer or None, got {seed!r}")
    return None if seed is None else int(seed)


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        return np.zeros(shape, dtype or backend.floatx())


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return np.ones(shape, dtype or backend.floatx())


class Constant(Initializer):
    """Every value equal to ``value`` (default 0.0)."""

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return np.full(shape, self.value, dtype or backend.floatx())

    def get_config(self):
        return {"value": self.value}


class RandomNormal(Initializer):
    """Normal draws, ``mean=0.0, stddev=0.05`` by default (Keras).

    An integer ``seed`` makes every call return the same values.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, _check_seed("RandomNormal", seed)

    def __call__(self, shape, dtype=None):
        v = self._rng().normal(self.mean, self.stddev, size=shape)
        return v.astype(dtype or backend.floatx())

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    """Uniform draws in ``[minval, maxval)``, ``[-0.05, 0.05)`` by default (Keras)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval = minval, maxval
        self.seed = _check_seed("RandomUniform", seed)

    def __call__(self, shape, dtype=None):
        v = self._rng().uniform(self.minval, self.maxval, size=shape)
        return v.astype(dtype or backend.floatx())

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


def _truncated_normal(rng, shape, mean, stddev):
    """Normal draws re-drawn until within two standard deviations of the mean."""
    size = int(np.prod(shape)) if len(shape) else 1
    out = rng.standard_normal(size)
    bad = np.abs(out) > 2.0
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2.0
    return (mean + stddev * out).reshape(shape)


class TruncatedNormal(Initializer):
    """Normal draws re-drawn beyond two standard deviations (``stddev=0.05``)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, _check_seed("TruncatedNormal", seed)

    def __call__(self, shape, dtype=None):
        v = _truncated_normal(self._rng(), tuple(shape), self.mean, self.stddev)
        return v.astype(dtype or backend.floatx())

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(Initializer):
    """Keras' variance scaling: ``n`` is fan_in, fan_out or their mean.

    ``'truncated_normal'``: stddev ``sqrt(scale / n) / 0.8796...`` (the
    truncation's correction); ``'untruncated_normal'``: stddev
    ``sqrt(scale / n)``; ``'uniform'``: limit ``sqrt(3 * scale / n)``.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if scale <= 0:
            raise ValueError(f"VarianceScaling scale must be positive, got {scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid mode {mode!r}: expected fan_in, fan_out or fan_avg")
        distribution = str(distribution).lower()
        if distribution == "normal":  # Keras' legacy spelling
            distribution = "truncated_normal"
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(f"Invalid distribution {distribution!r}: expected "
                             "'truncated_normal', 'untruncated_normal' or 'uniform'")
        self.scale, self.mode, self.distribution = scale, mode, distribution
        self.seed = _check_seed(type(self).__name__, seed)

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        rng = self._rng()
        if self.distribution == "truncated_normal":
            v = _truncated_normal(rng, tuple(shape), 0.0, math.sqrt(scale) / 0.87962566103423978)
        elif self.distribution == "untruncated_normal":
            v = rng.normal(0.0, math.sqrt(scale), size=shape)
        else:
            limit = math.sqrt(3.0 * scale)
            v = rng.uniform(-limit, limit, size=shape)
        return np.asarray(v).astype(dtype or backend.floatx())

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


def _variance_scaling(name, scale, mode, distribution):
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return {"seed": self.seed}

    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                           "__doc__": f"Keras' {name}: variance scaling with "
                                           f"scale={scale}, mode={mode!r}, "
                                           f"distribution={distribution!r}."})


GlorotUniform = _variance_scaling("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _variance_scaling("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeNormal = _variance_scaling("HeNormal", 2.0, "fan_in", "truncated_normal")
HeUniform = _variance_scaling("HeUniform", 2.0, "fan_in", "uniform")
LecunNormal = _variance_scaling("LecunNormal", 1.0, "fan_in", "truncated_normal")
LecunUniform = _variance_scaling("LecunUniform", 1.0, "fan_in", "uniform")


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix from the QR decomposition of normal draws, times ``gain``.

    Shapes of rank > 2 are flattened to ``(prod(shape[:-1]), shape[-1])``.
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain, self.seed = gain, _check_seed("Orthogonal", seed)

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if len(shape) < 2:
            raise ValueError(f"Orthogonal initializer needs a shape of rank >= 2, got {shape}")
        rows = int(np.prod(shape[:-1]))
        cols = shape[-1]
        flat = (max(rows, cols), min(rows, cols))
        a = self._rng().standard_normal(flat)
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q).reshape(shape).astype(dtype or backend.floatx())

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only)."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(f"Identity initializer needs a 2-D shape, got {tuple(shape)}")
        return (self.gain * np.eye(*shape)).astype(dtype or backend.floatx())

    def get_config(self):
        return {"gain": self.gain}


_REGISTRY = {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
    "random_uniform": RandomUniform, "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal, "he_normal": HeNormal, "he_uniform": HeUniform,
    "lecun_normal": LecunNormal, "lecun_uniform": LecunUniform, "orthogonal": Orthogonal,
    "identity": Identity,
}
_BY_CLASS = {cls.__name__: cls for cls in _REGISTRY.values()}
# Keras 3 aliases
_REGISTRY.update({"uniform": RandomUniform, "normal": RandomNormal, "one": Ones, "zero": Zeros})
_BY_CLASS.update({"OrthogonalInitializer": Orthogonal, "IdentityInitializer": Identity})


def get(identifier):
    """Resolve a name, config dict, class or instance to an initializer."""
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if isinstance(identifier, str):
        cls = _REGISTRY.get(identifier) or _BY_CLASS.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown initializer {identifier!r}. Known: {sorted(_REGISTRY)}")
        return cls()
    if isinstance(identifier, dict):
        cls = _BY_CLASS.get(identifier.get("class_name")) or _REGISTRY.get(identifier.get("class_name"))
        if cls is None:
            raise ValueError(f"Unknown initializer config {identifier!r}")
        return cls.from_config(identifier.get("config", {}))
    raise ValueError(f"Could not interpret initializer {identifier!r}")


def serialize(initializer):
    return {"class_name": type(initializer).__name__, "config": initializer.get_config()}
