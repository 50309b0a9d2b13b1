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
