"""The first call of an unbuilt model from many threads builds it once."""
import threading

import numpy as np
import pytest

from skdeep.nn import Sequential, backend
from skdeep.nn.layers import Dense, Dropout


def run_in_threads(fn, n=8):
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def work(i):
        try:
            barrier.wait()
            results[i] = fn()
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


@pytest.mark.parametrize("repeat", range(3))
def test_first_predict_from_eight_threads_builds_once(repeat):
    x = np.random.default_rng(repeat).standard_normal((5, 3)).astype("float32")
    with backend.seeded(repeat):
        model = Sequential([Dense(4, activation="relu"), Dropout(0.1), Dense(2)])
    outs = run_in_threads(lambda: model.predict(x, verbose=0))
    assert len(model.weights) == 4
    assert all(len(layer._inbound_nodes) == 1 for layer in model.layers)
    for out in outs[1:]:
        np.testing.assert_array_equal(out, outs[0])
    np.testing.assert_array_equal(model.predict(x, verbose=0), outs[0])


def test_concurrent_build_calls_and_layer_builds():
    model = Sequential([Dense(3), Dense(1)])
    run_in_threads(lambda: model.build((None, 4)))
    assert len(model.weights) == 4
    layer = Dense(2)
    run_in_threads(lambda: layer(np.ones((1, 3), "float32")))
    assert len(layer.weights) == 2
