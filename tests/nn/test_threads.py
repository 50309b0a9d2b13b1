"""Shared worker threads and the reference-counted BLAS thread guard."""
import threading

import numpy as np
import pytest

from skdeep.nn import threads


def test_blocks_cover_range_once():
    seen = np.zeros(103, dtype=int)

    def fn(k, lo, hi):
        seen[lo:hi] += 1

    threads.run_blocks(fn, 103, blocks=2)
    threads.run_blocks(fn, 103, blocks=1)
    assert (seen == 2).all()


def test_error_in_a_block_is_raised_after_all_blocks_finish():
    done = []

    def fn(k, lo, hi):
        if k == 1:
            raise RuntimeError("boom")
        done.append(k)

    with pytest.raises(RuntimeError, match="boom"):
        threads.run_blocks(fn, 10, blocks=2)
    assert done == [0]


class FakeBlas:
    user_api = "blas"

    def __init__(self, n):
        self.num_threads = n

    def set_num_threads(self, n):
        self.num_threads = n


def test_overlapping_guards_restore_blas_threads_once_last_exits(monkeypatch):
    libs = [FakeBlas(2), FakeBlas(4)]
    monkeypatch.setattr(threads, "_blas_libs", lambda: libs)
    inner_started, release = threading.Event(), threading.Event()

    def other():
        with threads.single_threaded_blas():
            inner_started.set()
            release.wait(5)

    t = threading.Thread(target=other)
    t.start()
    inner_started.wait(5)
    with threads.single_threaded_blas():
        assert [lib.num_threads for lib in libs] == [1, 1]
    assert [lib.num_threads for lib in libs] == [1, 1]  # the other section still runs
    release.set()
    t.join()
    assert [lib.num_threads for lib in libs] == [2, 4]


def test_blas_guard_finds_real_libraries():
    assert threads._blas_libs(), "threadpoolctl found no BLAS library"


class FakeClock:
    """A clock the test advances: each step lasts what ``cost()`` says."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def _run_steps(tuner, clock, n, cost):
    for _ in range(n):
        with tuner:
            clock.now += cost(tuner.serial)


def test_step_tuner_keeps_the_faster_mode_and_measures_again(monkeypatch):
    libs = [FakeBlas(2)]
    monkeypatch.setattr(threads, "_blas_libs", lambda: libs)
    clock = FakeClock()
    tuner = threads.StepTuner(probe_steps=3, hold_s=1.0, clock=clock)
    busy = {"on": True}

    # a busy machine: BLAS's two threads make a step 4x slower than one thread
    def cost(serial):
        return 0.001 if serial or not busy["on"] else 0.004

    _run_steps(tuner, clock, 6, cost)
    assert tuner.choices == [threads.StepTuner.SERIAL] and tuner.serial
    assert libs[0].num_threads == 1
    busy["on"] = False  # the other process ends; parallel is now faster
    _run_steps(tuner, clock, 1200, lambda serial: 0.001 if serial else 0.0005)
    assert tuner.choices[-1] == threads.StepTuner.PARALLEL and not tuner.serial
    assert libs[0].num_threads == 2
    _run_steps(tuner, clock, 3, cost)
    tuner.close()
    assert libs[0].num_threads == 2


def test_step_tuner_restores_blas_when_closed_in_serial_mode(monkeypatch):
    libs = [FakeBlas(2)]
    monkeypatch.setattr(threads, "_blas_libs", lambda: libs)
    clock = FakeClock()
    tuner = threads.StepTuner(probe_steps=2, clock=clock)
    _run_steps(tuner, clock, 4, lambda serial: 0.001 if serial else 0.01)
    assert libs[0].num_threads == 1
    tuner.close()
    assert libs[0].num_threads == 2


def test_seeded_fits_and_single_threaded_blas_are_never_tuned(monkeypatch):
    from skdeep.nn import backend

    monkeypatch.setattr(threads, "_blas_libs", lambda: [FakeBlas(2)])
    with backend.seeded(None):
        assert isinstance(threads.StepTuner.for_fit(False), threads.StepTuner)
        assert threads.StepTuner.for_fit(True) is None
    with backend.seeded(0):
        assert threads.StepTuner.for_fit(False) is None
    threads.set_thread_tuning(False)
    try:
        with backend.seeded(None):
            assert threads.StepTuner.for_fit(False) is None
    finally:
        threads.set_thread_tuning(True)
    with pytest.raises(TypeError, match="True or False"):
        threads.set_thread_tuning("auto")


def test_unseeded_fit_with_large_products_restores_blas_threads():
    from skdeep.nn import Sequential
    from skdeep.nn.layers import Dense

    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 300)).astype(np.float32)
    model = Sequential([Dense(200, activation="relu"), Dense(1)])
    model.compile("adam", "mse")
    model.fit(x[:8], x[:8, 0], epochs=1, verbose=0)  # loads whatever BLAS a fit imports
    before = {lib.filepath: lib.num_threads for lib in threads._blas_libs()}
    model.fit(x, x[:, 0], batch_size=128, epochs=2, verbose=0)  # 128*300*200 > 4M MACs
    assert {lib.filepath: lib.num_threads for lib in threads._blas_libs()} == before
