"""BLAS thread limits stay correct whatever the order in which concurrent
limited sections start and end (BLAS's thread count is process-wide)."""
import threading

import numpy as np
from joblib import Parallel, delayed
from threadpoolctl import threadpool_info, threadpool_limits

from skdeep import NeuralRegressor
from skdeep.nn import threads
from skdeep.nn.callbacks import Callback


def blas_threads():
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


class FakeBlas:
    """Stands for a BLAS library: records the thread count it is given."""

    user_api = "blas"

    def __init__(self, n, path):
        self.num_threads, self.filepath = n, path

    def set_num_threads(self, n):
        self.num_threads = n


def fake_libs(monkeypatch):
    libs = [FakeBlas(2, "a.so"), FakeBlas(4, "b.so")]
    monkeypatch.setattr(threads, "_blas_libs", lambda: libs)
    return libs


def test_out_of_order_exit_restores_the_real_openblas():
    """Two limited sections, the first to begin ends first (as two fits in
    threads may): the setting must come back, not stay at one thread."""
    with threadpool_limits(limits=2, user_api="blas"):
        base = blas_threads()
        assert max(base) == 2
        first, second = threads.thread_limits(1), threads.thread_limits(1)
        first.__enter__()
        second.__enter__()
        first.__exit__(None, None, None)
        assert blas_threads() == [1] * len(base)  # the second still runs
        second.__exit__(None, None, None)
        assert blas_threads() == base
        outer, inner = threads.thread_limits(2), threads.single_threaded_blas()
        outer.__enter__()
        inner.__enter__()
        outer.__exit__(None, None, None)
        assert blas_threads() == [1] * len(base)
        inner.__exit__(None, None, None)
        assert blas_threads() == base


def test_overlapping_limits_from_threads(monkeypatch):
    libs = fake_libs(monkeypatch)
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with threads.thread_limits(1):
            a_in.set()
            b_in.wait(10)
        a_out.set()  # leaves while the second is still inside

    def second():
        a_in.wait(10)
        with threads.thread_limits(2):
            b_in.set()
            a_out.wait(10)
            seen["inside"] = [lib.num_threads for lib in libs]

    ts = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert seen["inside"] == [2, 2]  # only the second's limit is left
    assert [lib.num_threads for lib in libs] == [2, 4]


_EVENTS = {name: threading.Event() for name in ("a_started", "b_started", "a_done")}
_SEEN = {}


class Rendezvous(Callback):
    """Orders two fits in threads: A starts, B starts, A ends, then B ends."""

    def __init__(self, role):
        super().__init__()
        self.role = role

    def on_train_begin(self, logs=None):
        if self.role == "a":
            _EVENTS["a_started"].set()
            _EVENTS["b_started"].wait(30)
        else:
            _EVENTS["a_started"].wait(30)
            _EVENTS["b_started"].set()

    def on_train_end(self, logs=None):
        if self.role == "b":
            _EVENTS["a_done"].wait(30)
            _SEEN["b_end"] = [lib.num_threads for lib in threads._blas_libs()]


def test_two_n_jobs_1_fits_in_joblib_threads_restore_blas(monkeypatch):
    libs = fake_libs(monkeypatch)
    for event in _EVENTS.values():
        event.clear()
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((16, 3)), rng.standard_normal(16)

    def fit(role):
        est = NeuralRegressor(layers=[], epochs=1, n_jobs=1, random_state=0,
                              callbacks=[Rendezvous(role)]).fit(X, y)
        if role == "a":
            _EVENTS["a_done"].set()
        return est.n_iter_

    out = Parallel(n_jobs=2, backend="threading")(delayed(fit)(r) for r in ("a", "b"))
    assert out == [1, 1]
    assert _SEEN["b_end"] == [1, 1]  # B's n_jobs=1 still holds after A ended
    assert [lib.num_threads for lib in libs] == [2, 4]
