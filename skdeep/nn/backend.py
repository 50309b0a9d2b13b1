"""Global engine settings: float dtype and random seeding (threads: ``threads.py``).

Everything that is process-global in the engine lives here, so that it is
easy to see and to reset.
"""
import contextlib
import threading

import numpy as np

_state = threading.local()
_FLOATX = ["float32"]
_VALID_FLOATX = ("float32", "float64")


def floatx():
    """Return the default float type of new layers, ``'float32'`` or ``'float64'``."""
    return _FLOATX[0]


def set_floatx(value):
    """Set the default float type of layers built from now on."""
    value = np.dtype(value).name
    if value not in _VALID_FLOATX:
        raise ValueError(f"floatx must be one of {_VALID_FLOATX}, got {value!r}")
    _FLOATX[0] = value


@contextlib.contextmanager
def floatx_scope(value):
    """Temporarily change :func:`floatx` (used by gradient checks in float64)."""
    old = floatx()
    set_floatx(value)
    try:
        yield
    finally:
        set_floatx(old)


def _rng_stack():
    stack = getattr(_state, "rngs", None)
    if stack is None:
        stack = _state.rngs = [np.random.default_rng()]
        _state.seeded = [False]
    return stack


def is_seeded():
    """Whether the random source in effect was seeded (:func:`set_random_seed`,
    or a :func:`seeded` block with a seed): the caller asked for reproducible
    results, so nothing may depend on timing (see ``threads.StepTuner``)."""
    _rng_stack()
    return _state.seeded[-1]


def get_rng():
    """The random Generator used for initializers, dropout masks and shuffles."""
    return _rng_stack()[-1]


def set_random_seed(seed):
    """Seed the engine's random generator (like ``keras.utils.set_random_seed``).

    NumPy's and Python's global generators are seeded too, as Keras does.
    """
    import random

    if seed is None:
        raise ValueError("set_random_seed needs an integer seed, got None")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % (2**32))
    _rng_stack()[0] = np.random.default_rng(seed)
    _state.seeded[0] = True


@contextlib.contextmanager
def seeded(seed):
    """Use a generator seeded with ``seed`` for everything random inside the block.

    ``seed`` may be None (fresh entropy), an int, or a numpy Generator /
    RandomState. Nesting is allowed; the block is thread-local.
    """
    if isinstance(seed, np.random.Generator):
        rng = seed
    elif isinstance(seed, np.random.RandomState):
        rng = np.random.default_rng(seed.randint(0, 2**31 - 1))
    else:
        rng = np.random.default_rng(seed)
    stack = _rng_stack()
    stack.append(rng)
    _state.seeded.append(seed is not None)
    try:
        yield rng
    finally:
        stack.pop()
        _state.seeded.pop()


def child_seed(rng=None):
    """Draw a 63-bit seed from ``rng`` (default: the engine generator)."""
    rng = get_rng() if rng is None else rng
    return int(rng.integers(0, 2**63 - 1))


# ---------------------------------------------------------------------------- Keras config names
_EPSILON = 1e-7


def epsilon():
    """The fuzz factor Keras code adds to denominators (``1e-7``, Keras' default)."""
    return _EPSILON


def image_data_format():
    """``'channels_last'``: images are ``(batch, height, width, channels)``."""
    return "channels_last"


def set_image_data_format(data_format):
    """Only ``'channels_last'`` is supported as the global default."""
    if data_format != "channels_last":
        raise NotImplementedError(
            f"set_image_data_format({data_format!r}): skdeep's global image layout is "
            "'channels_last'; pass data_format= to the layers that support another layout")


def backend():
    """The name of the array backend: ``'numpy'`` (NumPy arrays, Numba kernels)."""
    return "numpy"


def clear_session(free_memory=True):
    """Forget the names given to layers so far, so that new layers are named
    ``dense``, ``dense_1``... again, as ``keras.backend.clear_session()`` does."""
    from . import naming

    naming._NAME_COUNTERS.clear()
    naming._USED_NAMES.clear()
    _UIDS.clear()


def standardize_dtype(dtype):
    """A dtype's canonical name (``'float32'``, ``'int64'``...); ``'float'``
    and Python's ``float`` mean floatx, ``'int'`` and ``int`` mean int32, as Keras."""
    if dtype is None:
        return floatx()
    if dtype in ("float", float):
        return floatx()
    if dtype in ("int", int):
        return "int32"
    if dtype in ("bool", bool):
        return "bool"
    try:
        if not isinstance(dtype, type) and hasattr(dtype, "dtype"):  # an array
            dtype = dtype.dtype
        return np.dtype(dtype).name
    except TypeError:
        raise ValueError(f"Invalid dtype: {dtype!r}") from None


def is_float_dtype(dtype):
    """Whether ``dtype`` is a floating-point type."""
    return np.issubdtype(np.dtype(standardize_dtype(dtype)), np.floating)


def is_int_dtype(dtype):
    """Whether ``dtype`` is a (signed or unsigned) integer type."""
    return np.issubdtype(np.dtype(standardize_dtype(dtype)), np.integer)


_UIDS = {}


def get_uid(prefix=""):
    """1, 2, 3... per ``prefix``: how many times it was asked for (Keras' name counter)."""
    _UIDS[prefix] = _UIDS.get(prefix, 0) + 1
    return _UIDS[prefix]
