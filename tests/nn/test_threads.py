"""Shared worker threads and the reference-counted BLAS thread guard."""
import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from skdeep.nn import threads


def blas_threads():
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


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


def test_overlapping_guards_restore_blas_threads_once_last_exits():
    with threadpool_limits(limits=2, user_api="blas"):
        before = blas_threads()
        inner_started, release = threading.Event(), threading.Event()

        def other():
            with threads.single_threaded_blas():
                inner_started.set()
                release.wait(5)

        t = threading.Thread(target=other)
        t.start()
        inner_started.wait(5)
        with threads.single_threaded_blas():
            assert all(n == 1 for n in blas_threads())
        assert all(n == 1 for n in blas_threads())  # the other section still runs
        release.set()
        t.join()
        assert blas_threads() == before
