"""Shared pieces of the benchmark workloads: seeded data, skips, timing, threads.

Every dataset is a pure function of a fixed seed. The runner points
``BENCH_DATA_DIR`` at a temporary directory; the first process that asks for a
dataset writes it there as ``.npy`` files (atomically) and every later process
of the run, whatever its framework, loads the very same bytes.
"""
import os
import platform
import statistics
import tempfile
import time

import numpy as np

SEED = 20240601
FRAMEWORKS = ("skdeep", "torch", "sklearn", "keras", "skorch")

# mlp workload shape, shared by mlp, predict_latency and gemm
MLP_ROWS, MLP_FEATURES, MLP_CLASSES = 20_000, 784, 10
MLP_UNITS = (256, 128)

_GENERATORS = {}


class Skip(Exception):
    """Raised by a ``run_<framework>`` function that cannot or should not run."""


def import_or_skip(name):
    """Import module ``name`` or raise :class:`Skip` naming it."""
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise Skip(f"{name} is not installed ({exc})") from None


# ------------------------------------------------------------------------ data
def register_dataset(name):
    """Decorator registering a seeded generator ``fn() -> tuple of arrays``."""
    def decorate(fn):
        _GENERATORS[name] = fn
        return fn
    return decorate


def dataset(name):
    """The arrays of dataset ``name``: from ``BENCH_DATA_DIR`` when set, else generated."""
    if name not in _GENERATORS:
        raise ValueError(f"unknown dataset {name!r}; known: {sorted(_GENERATORS)}")
    root = os.environ.get("BENCH_DATA_DIR")
    if not root:
        return tuple(_GENERATORS[name]())
    files = sorted(f for f in os.listdir(root) if f.startswith(name + "__"))
    if files:
        return tuple(np.load(os.path.join(root, f)) for f in files)
    arrays = tuple(_GENERATORS[name]())
    for i, a in enumerate(arrays):
        final = os.path.join(root, f"{name}__{i:02d}.npy")
        fd, tmp = tempfile.mkstemp(dir=root, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, np.ascontiguousarray(a))
        os.replace(tmp, final)
    return arrays


@register_dataset("mlp")
def _mlp_data():
    """20,000 x 784 float32 features, 10 classes from a random linear teacher + noise."""
    rng = np.random.default_rng(SEED)
    X = rng.standard_normal((MLP_ROWS, MLP_FEATURES), dtype=np.float32)
    teacher = rng.standard_normal((MLP_FEATURES, MLP_CLASSES)).astype(np.float32)
    teacher /= np.sqrt(MLP_FEATURES)
    logits = X @ teacher + 0.5 * rng.standard_normal((MLP_ROWS, MLP_CLASSES), dtype=np.float32)
    y = np.argmax(logits, axis=1).astype(np.int64)
    return X, y


@register_dataset("tabular")
def _tabular_data():
    """Breast cancer, stratified 75/25 split, standardized on the training part."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                        random_state=SEED % 2**31)
    scaler = StandardScaler().fit(X_train)
    return (scaler.transform(X_train).astype(np.float32),
            scaler.transform(X_test).astype(np.float32),
            y_train.astype(np.int64), y_test.astype(np.int64))


# ------------------------------------------------------------------------ timing
class EpochClock:
    """Wall time of consecutive epochs: call :meth:`start` then :meth:`stop`."""

    def __init__(self):
        self.times = []
        self._t0 = None

    def start(self):
        self._t0 = time.perf_counter()

    def stop(self):
        self.times.append(time.perf_counter() - self._t0)


def clock_callback(callback_base):
    """A Keras-style callback (subclass of ``callback_base``: skdeep's or Keras'
    ``Callback``) whose ``.clock`` is an :class:`EpochClock` timing each epoch."""

    class Clock(callback_base):
        def __init__(self):
            super().__init__()
            self.clock = EpochClock()

        def on_epoch_begin(self, epoch, logs=None):
            self.clock.start()

        def on_epoch_end(self, epoch, logs=None):
            self.clock.stop()

    return Clock()


def samples_per_s(n_rows, epoch_times, warmup=1):
    """Rows per second of the median timed epoch (the first ``warmup`` are dropped)."""
    timed = epoch_times[warmup:]
    if not timed:
        raise ValueError("no timed epochs")
    return n_rows / statistics.median(timed)


def median_call_us(fn, calls, warmup=20):
    """Median wall microseconds of ``fn()`` over ``calls`` calls."""
    for _ in range(warmup):
        fn()
    times = []
    clock = time.perf_counter
    for _ in range(calls):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return statistics.median(times) * 1e6


def accuracy(y_true, y_pred):
    return float(np.mean(np.asarray(y_true).ravel() == np.asarray(y_pred).ravel()))


# ------------------------------------------------------------------------ threads
def n_cores():
    """Cores this process may use (affinity-aware), or the runner's ``--threads``."""
    if os.environ.get("BENCH_THREADS"):
        return int(os.environ["BENCH_THREADS"])
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def torch_threads(torch):
    """All cores for intra-op work, one inter-op thread: what an expert sets on CPU."""
    torch.set_num_threads(n_cores())
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set once parallel work started
        pass


def keras_backend_env():
    """Select the JAX backend for Keras 3 before it is imported (it reads the env)."""
    os.environ.setdefault("KERAS_BACKEND", "jax")


# ------------------------------------------------------------------------ machine
def machine_info():
    """One line describing the CPU, cores and BLAS, for the results header."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    blas = "unknown BLAS"
    try:
        from threadpoolctl import threadpool_info

        libs = [f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}, "
                f"{i.get('num_threads')} threads)"
                for i in threadpool_info() if i.get("user_api") == "blas"]
        blas = "; ".join(libs) or blas
    except ImportError:
        pass
    return f"{cpu}, {n_cores()} cores, numpy BLAS: {blas}"
