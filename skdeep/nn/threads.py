"""Worker threads and BLAS thread control shared by the layers.

Layers that split a batch across cores (convolution, pooling, recurrent) run
``fn(part, lo, hi)`` on contiguous blocks through :func:`run_blocks`: block 0
in the calling thread, the others on one persistent pool of Python threads
running nogil Numba kernels. Waiting threads sleep, unlike Numba's parallel
pool next to OpenBLAS's, which spin against each other on few cores
(measured here: 10-20x slower steps when other processes share the cores).

While blocks run, BLAS is held at one thread (:func:`single_threaded_blas`,
reference-counted so that overlapping sections from several threads restore
the setting only when the last one ends). The number of blocks follows
``numba.get_num_threads()``, which ``backend.thread_limits``, the estimators'
``n_jobs`` and joblib's workers set.
"""
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numba

_lock = threading.Lock()
_state = {"pool": None, "pid": None, "users": 0, "saved": None, "libs": None,
          "n_modules": 0}


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


class _SingleThreadedBlas:
    def __enter__(self):
        with _lock:
            if _state["users"] == 0:
                libs = _state["active"] = _blas_libs()
                _state["saved"] = [lib.num_threads for lib in libs]
                for lib, n in zip(libs, _state["saved"]):
                    if n != 1:
                        lib.set_num_threads(1)
            _state["users"] += 1
        return self

    def __exit__(self, *exc):
        with _lock:
            _state["users"] -= 1
            if _state["users"] == 0:
                for lib, n in zip(_state["active"], _state["saved"]):
                    if n != 1:
                        lib.set_num_threads(n)


def single_threaded_blas():
    """Context manager: BLAS at one thread inside, the previous setting after."""
    return _SingleThreadedBlas()


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
