"""Every op of skdeep.nn.ops: float64 central-difference gradients (through the
tape) and forward values against Keras 3 (a fixture recorded with keras.ops)."""
import os

import numpy as np
import pytest

from skdeep.nn import ops
from skdeep.nn.ops import Tape, Tensor

from .ops_cases import CASES, FORWARD_ONLY

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "ops_keras.npz")
# public names that are not computations on tensors
NOT_OPS = {"Tensor", "Tape", "OPS", "is_tensor", "dtype"}
# primitives of the engine (a layer or a built-in loss called inside a call()): tested in
# test_custom_layers.py
ENGINE_OPS = {"layer_call", "layer_call_multi", "loss_call"}


def _value(y):
    if isinstance(y, (list, tuple)):
        return [np.asarray(v) for v in y]
    return np.asarray(y)


def _run(fn, inputs):
    tape = Tape()
    with tape:
        xs = [tape.watch(np.array(x, dtype=np.float64)) for x in inputs]
        y = fn(ops, *xs)
    return tape, xs, y


def test_every_public_op_has_a_case():
    covered = {n for _, _, names in CASES.values() for n in names} | set(FORWARD_ONLY)
    covered |= {k.rsplit("_", 1)[0] for k in FORWARD_ONLY}
    missing = sorted(set(ops.__all__) - covered - NOT_OPS)
    assert not missing, f"ops without a test case: {missing}"


def test_every_primitive_is_exercised():
    used = set()
    original = {name: op.forward for name, op in ops.OPS.items()}
    try:
        for name, op in ops.OPS.items():
            def spy(*a, _f=original[name], _n=name, **k):
                used.add(_n)
                return _f(*a, **k)
            op.forward = spy
        for fn, inputs, _ in CASES.values():
            _run(fn, inputs)
        for fn, inputs in FORWARD_ONLY.values():
            fn(ops, *inputs)
    finally:
        for name, op in ops.OPS.items():
            op.forward = original[name]
    assert not sorted(set(ops.OPS) - used - ENGINE_OPS)


@pytest.mark.parametrize("case", sorted(CASES))
def test_gradient(case):
    fn, inputs, _ = CASES[case]
    tape, xs, y = _run(fn, inputs)
    assert isinstance(y, Tensor) and y.tracked
    rng = np.random.default_rng(0)
    cot = rng.normal(size=np.shape(y.value))
    grads = tape.backward([(y, cot)], xs)

    def objective(arrays):
        return float(np.sum(np.asarray(fn(ops, *arrays), dtype=np.float64) * cot))

    eps = 1e-6
    for i, x in enumerate(inputs):
        x = np.array(x, dtype=np.float64)
        numeric = np.zeros_like(x)
        for j in np.ndindex(x.shape):
            hi, lo = x.copy(), x.copy()
            hi[j] += eps
            lo[j] -= eps
            args_hi = [np.array(a, dtype=np.float64) for a in inputs]
            args_lo = [np.array(a, dtype=np.float64) for a in inputs]
            args_hi[i], args_lo[i] = hi, lo
            numeric[j] = (objective(args_hi) - objective(args_lo)) / (2 * eps)
        analytic = np.zeros_like(x) if grads[i] is None else np.asarray(grads[i])
        assert analytic.shape == x.shape, (case, i)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7,
                                   err_msg=f"{case}: input {i}")


@pytest.mark.parametrize("case", sorted(CASES))
def test_plain_arrays_give_plain_arrays(case):
    fn, inputs, _ = CASES[case]
    eager = fn(ops, *[np.array(x) for x in inputs])
    _, _, taped = _run(fn, inputs)
    assert isinstance(eager, np.ndarray) or np.isscalar(eager)
    np.testing.assert_allclose(np.asarray(eager), np.asarray(taped.value), rtol=1e-12)


@pytest.fixture(scope="module")
def keras_values():
    if not os.path.exists(FIXTURE):
        pytest.skip("fixture not recorded")
    with np.load(FIXTURE) as data:
        return dict(data)


@pytest.mark.parametrize("case", sorted(CASES) + sorted(f"fwd:{k}" for k in FORWARD_ONLY))
def test_matches_keras(case, keras_values):
    if case.startswith("fwd:"):
        fn, inputs = FORWARD_ONLY[case[4:]]
    else:
        fn, inputs, _ = CASES[case]
    ours = np.asarray(fn(ops, *[np.array(x) for x in inputs]))
    expected = keras_values[case]
    assert ours.shape == expected.shape, case
    if expected.dtype.kind in "biu":
        np.testing.assert_array_equal(ours, expected)
        assert ours.dtype.kind == expected.dtype.kind
    else:
        np.testing.assert_allclose(ours, expected, rtol=1e-6, atol=1e-6)


def test_float32_stays_float32():
    tape = Tape()
    x32 = np.ones((2, 3), np.float32)
    with tape:
        x = tape.watch(x32)
        y = ops.sum(ops.maximum(x * 2.0, 0.5) ** 2 / 3 + ops.sigmoid(x) - ops.mean(x, axis=0))
    (dx,) = tape.backward([(y, np.float32(1.0))], [x])
    assert y.dtype == np.float32 and dx.dtype == np.float32


def test_tensor_protocol():
    t = Tensor(np.arange(6.0).reshape(2, 3))
    assert t.shape == (2, 3) and t.ndim == 2 and len(t) == 2
    assert [row.shape for row in t] == [(3,), (3,)]
    assert float(ops.sum(t)) == 15.0
    np.testing.assert_array_equal(np.asarray(t > 2), np.arange(6).reshape(2, 3) > 2)
    np.testing.assert_array_equal(np.asarray(np.ones(3) + t), np.asarray(t) + 1)
    assert isinstance(np.ones(3) * t, np.ndarray)  # no tape: plain NumPy


def test_numpy_functions_on_tensors_stay_differentiable():
    from skdeep.nn.layers import Dense

    layer = Dense(2)
    layer.build((None, 3))
    assert isinstance(np.abs(layer.kernel), np.ndarray)  # weights outside call(): arrays
    tape = Tape()
    with tape:
        a = tape.watch(np.array([1.0, 2.0]))
        y = ops.sum(np.exp(a) + np.ones(2) * a + np.maximum(a, 1.5))
        assert isinstance(np.ones(2) * a, Tensor)
        with pytest.raises(TypeError, match="skdeep.nn.ops"):
            np.heaviside(a, 0.5)
    (da,) = tape.backward([(y, 1.0)], [a])
    np.testing.assert_allclose(da, np.exp([1.0, 2.0]) + 1 + [0.0, 1.0])


def test_bad_inputs_are_named():
    with pytest.raises(IndexError, match="out of bounds"):
        ops.take(np.ones(3), [3])
    with pytest.raises(ValueError, match="does not match"):
        ops.categorical_crossentropy(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="unstack"):
        ops.unstack(np.ones((2, 3)), num=3)
    with pytest.raises(NotImplementedError, match="sparse"):
        ops.one_hot([1], 3, sparse=True)


def test_stop_gradient_cuts_the_tape():
    tape = Tape()
    with tape:
        a, b = tape.watch(np.array([1.0, 2.0])), tape.watch(np.array([3.0, 4.0]))
        y = ops.sum(ops.stop_gradient(a) * b + a)
    da, db = tape.backward([(y, 1.0)], [a, b])
    np.testing.assert_array_equal(da, [1.0, 1.0])
    np.testing.assert_array_equal(db, [1.0, 2.0])


def test_docs_list_every_op():
    path = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "ops.md")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    missing = [n for n in ops.__all__ if n not in NOT_OPS and f"`ops.{n}(" not in text]
    assert not missing, f"docs/ops.md does not list {missing}"
