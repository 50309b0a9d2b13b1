"""Global engine settings: float dtype, random seeding and thread control.

Everything that is process-global in the engine lives here, so that it is
easy to see and to reset.
"""
import contextlib
import numbers
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


@contextlib.contextmanager
def thread_limits(n_threads=None):
    """Limit BLAS and Numba threads to ``n_threads`` inside the block.

    ``None`` keeps the current settings; negative values count back from the
    number of cores (-1: all cores), as scikit-learn's ``n_jobs`` does.
    Settings are always restored on exit, also when sections running in
    several threads end in another order than they began.
    """
    if n_threads is None:
        yield
        return
    import numba

    from . import threads

    n_cores = numba.config.NUMBA_NUM_THREADS
    if isinstance(n_threads, bool) or not isinstance(n_threads, numbers.Integral) \
            or n_threads == 0:
        raise ValueError(f"n_threads must be None, a positive integer or a negative one "
                         f"counting back from the number of cores (-1: all), got "
                         f"{n_threads!r}; 0 has no meaning")
    if n_threads < 0:
        n_threads = max(1, n_cores + 1 + n_threads)
    n_threads = int(max(1, min(n_threads, n_cores)))
    # Numba's thread count is per thread: saving and restoring it here is
    # exact. BLAS's is per process: threads.blas_limit counts the active
    # limits so that concurrent sections may end in any order.
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(n_threads)
        with threads.blas_limit(n_threads):
            yield
    finally:
        numba.set_num_threads(old)


def function(inputs, outputs, updates=None, name=None):
    """A function from input arrays to output arrays of a graph (``K.function``).

    ``inputs`` and ``outputs`` are symbolic tensors (lists or single) of a
    built model, e.g. ``function([model.input], [model.layers[2].output])``.
    The returned callable takes a list of arrays and returns a list of arrays
    computed in inference mode.
    """
    from .model import Model

    if updates:
        raise ValueError("backend.function does not support updates")
    many_in = isinstance(inputs, (list, tuple))
    many_out = isinstance(outputs, (list, tuple))
    sub = Model(list(inputs) if many_in else inputs, list(outputs) if many_out else outputs,
                name=name)

    def call(arrays):
        if isinstance(arrays, (list, tuple)) and not many_in and len(arrays) == 1:
            arrays = arrays[0]
        result = sub.predict_on_batch(list(arrays) if many_in else arrays)
        return list(result) if many_out else result

    return call


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
    from .layers import base

    base._NAME_COUNTERS.clear()
    base._USED_NAMES.clear()
    _UIDS.clear()


def is_keras_tensor(x):
    """Whether ``x`` is a symbolic tensor (from ``Input`` and layer calls)."""
    from .layers.base import KTensor

    return isinstance(x, KTensor)


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
