"""Worker threads and BLAS thread control shared by the layers.

Layers that split a batch across cores (convolution, pooling, recurrent) run
``fn(part, lo, hi)`` on contiguous blocks through :func:`run_blocks`: block 0
in the calling thread, the others on one persistent pool of Python threads
running nogil Numba kernels. Waiting threads sleep, unlike Numba's parallel
pool next to OpenBLAS's, which spin against each other on few cores
(measured here: 10-20x slower steps when other processes share the cores).

While blocks run, BLAS is held at one thread (:func:`single_threaded_blas`).
Limits are counted, not saved and restored (:class:`BlasLimit`): with
sections from several threads overlapping in any order, BLAS runs the
smallest active limit, and its own setting again when the last one ends. The number of blocks follows
``numba.get_num_threads()``, which :func:`thread_limits`, the estimators'
``n_jobs`` and joblib's workers set.

This module is the engine's whole thread policy: :func:`thread_limits`
(``n_jobs``), :func:`fit_policy` (one BLAS thread for small networks, or a
:class:`StepTuner` that follows the machine's load) and the block runner.
"""
import contextlib
import numbers
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numba

_lock = threading.Lock()
_state = {"pool": None, "pid": None, "libs": None, "n_modules": 0, "baseline": {}}


def _blas_libs():
    # The libraries' own setters cost ~10 us, threadpool_limits() ~30 us. A
    # module imported since the last scan may have loaded another BLAS (scipy
    # ships its own OpenBLAS), so scan again when sys.modules has grown.
    if _state["libs"] is None or _state["n_modules"] != len(sys.modules):
        from threadpoolctl import ThreadpoolController

        _state["libs"] = [lib for lib in ThreadpoolController().lib_controllers
                          if lib.user_api == "blas"]
        _state["n_modules"] = len(sys.modules)
    return _state["libs"]


class BlasLimit:
    """Context manager: BLAS at (most) ``n`` threads inside.

    BLAS's thread count is process-wide, while limited sections run in
    several threads at once (two ``n_jobs=1`` fits in joblib threads, a
    layer's blocks inside a fit). Saving and restoring the setting around
    each section breaks when they end in another order than they began (the
    last one out restored a value another section had set, and OpenBLAS
    stayed at one thread). So the active limits are counted instead: while
    any is active, BLAS runs the smallest of them; when the last ends, every
    library gets back the thread count it had before the first began.
    """

    __slots__ = ("_entered", "n")

    def __init__(self, n):
        self.n = max(1, int(n))
        self._entered = False

    def __enter__(self):
        with _lock:
            if not _active:
                _state["baseline"] = {}
            _active.append(self.n)
            self._entered = True
            _apply_limits()
        return self

    def __exit__(self, *exc):
        with _lock:
            if self._entered:
                self._entered = False
                _active.remove(self.n)
                _apply_limits()


_active = []  # the limits of the sections running now (a multiset)


def _apply_limits():
    """Set every BLAS library to min(active limits), or back to its baseline
    when none is active (call with ``_lock`` held)."""
    baseline = _state.setdefault("baseline", {})
    for lib in _blas_libs():
        key = getattr(lib, "filepath", None) or id(lib)
        current = lib.num_threads
        if key not in baseline:  # first seen now: its count is its own setting
            baseline[key] = current
        want = min(_active) if _active else baseline[key]
        if current != want:
            lib.set_num_threads(want)
    if not _active:
        _state["baseline"] = {}


class _SingleThreadedBlas(BlasLimit):
    __slots__ = ()

    def __init__(self):
        super().__init__(1)


def single_threaded_blas():
    """Context manager: BLAS at one thread inside, the previous setting after
    (correct under any interleaving of sections from several threads, see
    :class:`BlasLimit`)."""
    return _SingleThreadedBlas()


def blas_limit(n_threads):
    """Context manager: BLAS at most ``n_threads`` threads inside (see :class:`BlasLimit`)."""
    return BlasLimit(n_threads)


def _pool():
    with _lock:
        if _state["pool"] is None or _state["pid"] != os.getpid():  # no threads after fork
            _state["pool"] = ThreadPoolExecutor(max(numba.config.NUMBA_NUM_THREADS - 1, 1),
                                                thread_name_prefix="skdeep")
            _state["pid"] = os.getpid()
        return _state["pool"]


def n_blocks(n_items, min_items=1):
    """Blocks to split ``n_items`` into: one per Numba thread, each at least
    ``min_items`` long."""
    return max(1, min(numba.get_num_threads(), n_items // max(min_items, 1)))


def run_blocks(fn, n_items, blocks=None, blas=True):
    """Call ``fn(block, lo, hi)`` on contiguous blocks covering ``range(n_items)``.

    ``blas``: hold BLAS at one thread meanwhile (``fn`` multiplies matrices).
    Always waits for every block, even when one raises, since blocks usually
    share work arrays; then re-raises the first error.
    """
    blocks = n_blocks(n_items) if blocks is None else max(1, int(blocks))
    bounds = [n_items * k // blocks for k in range(blocks + 1)]
    guard = _SingleThreadedBlas() if blas else None
    if guard is not None:
        guard.__enter__()
    try:
        if blocks == 1:
            fn(0, 0, n_items)
            return
        futures = [_pool().submit(fn, k, bounds[k], bounds[k + 1]) for k in range(1, blocks)]
        try:
            fn(0, bounds[0], bounds[1])
        finally:
            for f in futures:
                f.exception()
        for f in futures:
            f.result()
    finally:
        if guard is not None:
            guard.__exit__(None, None, None)


class StepTuner:
    """Chooses, while a fit runs, between BLAS's own threads and one thread.

    On a quiet machine BLAS's threads make large products faster; when
    another process takes a core, OpenBLAS's threads wait for each other at
    every product and a step can take 3-5x longer than with one thread.
    ``StepTuner`` times a few steps in each mode, keeps the faster one, and
    measures again every couple of seconds, so a fit follows the load.

    BLAS sums in a different order with one thread than with several, so the
    choice changes round-off: :meth:`for_fit` enables tuning only when the
    fit's random source is unseeded (``backend.is_seeded()`` is False). A
    seeded fit keeps one fixed thread setting and stays reproducible.

    Use ``with tuner: <one training step>``, and :meth:`close` at the
    end of the fit (restores BLAS's own threads).
    """

    __slots__ = (
        "_guard",
        "_mode",
        "_probing",
        "_t0",
        "_times",
        "_until",
        "choices",
        "clock",
        "hold_s",
        "probe_steps",
    )

    PARALLEL, SERIAL = 0, 1

    def __init__(self, probe_steps=5, hold_s=2.0, clock=None):
        import time

        self.probe_steps = int(probe_steps)
        self.hold_s = float(hold_s)
        self.clock = time.perf_counter if clock is None else clock
        self._mode = self.PARALLEL
        self._times = ([], [])
        self._probing = True
        self._until = 0.0
        self._guard = None
        self._t0 = 0.0
        self.choices = []  # modes chosen after each probe, for tests and benchmarks

    @classmethod
    def for_fit(cls, blas_single_threaded):
        """A tuner for this fit, or None when there is nothing to choose.

        Nothing to choose when BLAS already runs one thread (a small network,
        ``n_jobs=1``, a joblib worker's share of one core) or when the fit
        was seeded and must not depend on timing.
        """
        from . import backend

        if blas_single_threaded or backend.is_seeded() or not _TUNING[0]:
            return None
        if max((lib.num_threads for lib in _blas_libs()), default=1) <= 1:
            return None
        return cls()

    def _set_mode(self, mode):
        if mode == self._mode:
            return
        if mode == self.SERIAL:
            self._guard = _SingleThreadedBlas()
            self._guard.__enter__()
        else:
            self._guard.__exit__(None, None, None)
            self._guard = None
        self._mode = mode

    def __enter__(self):
        self._t0 = self.clock()
        return self

    def __exit__(self, exc_type, exc, tb):
        now = self.clock()
        if not self._probing:
            if now >= self._until:  # measure both modes again
                self._probing = True
                self._times = ([], [])
                self._set_mode(self.PARALLEL)
            return False
        times = self._times[self._mode]
        times.append(now - self._t0)
        if len(times) < self.probe_steps:
            return False
        if self._mode == self.PARALLEL and not self._times[self.SERIAL]:
            self._set_mode(self.SERIAL)
            return False
        par, ser = (sorted(t)[len(t) // 2] for t in self._times)
        best = self.SERIAL if ser < par else self.PARALLEL
        self._set_mode(best)
        self.choices.append(best)
        self._probing = False
        # hold long enough that probing the slower mode costs little
        self._until = now + max(self.hold_s, 40 * self.probe_steps * min(par, ser))
        return False

    @property
    def serial(self):
        """Whether steps now run with BLAS at one thread."""
        return self._mode == self.SERIAL

    def close(self):
        """Back to BLAS's own threads (call once, when the fit ends)."""
        self._set_mode(self.PARALLEL)


_TUNING = [True]


def set_thread_tuning(enabled):
    """Turn the per-fit BLAS thread tuning of :class:`StepTuner` on (the
    default) or off. Seeded fits are never tuned, so that the same seed gives
    the same weights."""
    if not isinstance(enabled, bool):
        raise TypeError(f"set_thread_tuning takes True or False, got {enabled!r}")
    _TUNING[0] = enabled


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
    # exact. BLAS's is per process: blas_limit counts the active limits so
    # that concurrent sections may end in any order.
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(n_threads)
        with blas_limit(n_threads):
            yield
    finally:
        numba.set_num_threads(old)


# Below this many multiply-adds in a step's largest Dense product, OpenBLAS's
# second thread costs more in hand-offs than it saves (and collapses when the
# cores are shared: measured 3-7x slower small-network epochs under load).
SMALL_GEMM_MACS = 4_000_000


@contextlib.contextmanager
def fit_policy(small):
    """The BLAS threads of one fit: one thread when the network's products are
    ``small`` (see :data:`SMALL_GEMM_MACS`); otherwise yields a
    :class:`StepTuner` (or None) that picks BLAS's threads or one thread
    from step timings."""
    with single_threaded_blas() if small else contextlib.nullcontext():
        tuner = StepTuner.for_fit(small)
        try:
            yield tuner
        finally:
            if tuner is not None:
                tuner.close()
