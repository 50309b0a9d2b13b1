"""The scalar activation table (kernels/scalar.py) shared by the dense and recurrent kernels."""
import numpy as np
import pytest

from skdeep.nn import activations
from skdeep.nn.kernels import activations as dense_k
from skdeep.nn.kernels import recurrent as rk
from skdeep.nn.kernels import scalar
from skdeep.nn.layers import Dense, SimpleRNN

NAMES = sorted(n for n, f in activations.ALL.items() if f.code in scalar.BY_CODE)
ROW = np.array([-90.0, -40.0, -17.0, -9.5, -6.5, -3.0, -1.2, -0.3, -0.05, 0.0, 1e-3, 0.07, 0.4,
                1.0, 2.9, 3.0, 5.99, 6.0, 7.5, 15.0])


def _row(name, dtype):
    x = np.clip(ROW, -20, 20) if name == "exponential" else ROW
    return x.astype(dtype)


def test_recurrent_kernels_use_the_table_codes():
    assert rk.SUPPORTED == scalar.BY_CODE
    assert len(NAMES) == len(scalar.BY_CODE)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", NAMES)
def test_dense_and_recurrent_kernels_give_the_same_values(name, dtype):
    code = activations.get(name).code
    x = _row(name, dtype)
    dense = np.empty((1, x.size), dtype)
    dense_k.bias_act_forward(x[None], np.zeros(0, dtype), code, activations.get(name).alpha, dense)
    rec = x.copy()
    rk._act_row(rec, code)
    assert dense.dtype == rec.dtype == dtype
    np.testing.assert_array_equal(dense[0], rec)
    # derivatives from the output, each path's own way
    dy = np.random.default_rng(0).standard_normal(x.size).astype(dtype)
    dz = np.empty((1, x.size), dtype)
    dense_k.act_backward(dy[None], dense, dense, np.zeros(0, dtype), code,
                         activations.get(name).alpha, dz)
    drec = dy.copy()
    rk._dact_row(drec, rec, code)
    np.testing.assert_array_equal(dz[0], drec)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", NAMES)
def test_simple_rnn_step_equals_dense_layer(name, dtype):
    """One step of SimpleRNN with an identity kernel and a zero recurrent kernel is
    Dense(identity) with the same bias, to the last bit."""
    units = 6
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((5, units)) * 4).astype(dtype)
    bias = rng.standard_normal(units).astype(dtype)
    dense = Dense(units, activation=name, dtype=dtype)
    dense.build((None, units))
    dense.set_weights([np.eye(units, dtype=dtype), bias])
    rnn = SimpleRNN(units, activation=name, dtype=dtype)
    rnn.build((None, 1, units))
    rnn.set_weights([np.eye(units, dtype=dtype), np.zeros((units, units), dtype), bias])
    np.testing.assert_array_equal(rnn(x[:, None, :]), dense(x))


def test_float32_tanh_and_sigmoid_accuracy():
    """The float32 fast paths against float64 references over a wide grid."""
    x = np.linspace(-100, 100, 400_001).astype(np.float32)
    ref_tanh = np.tanh(x.astype(np.float64))
    ref_sig = 1.0 / (1.0 + np.exp(-x.astype(np.float64)))
    out = np.empty((1, x.size), np.float32)
    empty = np.zeros(0, np.float32)
    dense_k.bias_act_forward(x[None], empty, scalar.TANH, 0.0, out)
    assert np.abs(out[0] - ref_tanh).max() < 5e-7
    assert np.all(np.abs(out[0]) <= 1)
    assert np.all(np.sign(out[0]) == np.sign(x))
    dense_k.bias_act_forward(x[None], empty, scalar.SIGMOID, 0.0, out)
    normal = ref_sig > 1.2e-38  # below that the float32 exp is clamped
    rel = np.abs(out[0] - ref_sig)[normal] / ref_sig[normal]
    assert rel.max() < 5e-7
    assert np.all((out[0] >= 0) & (out[0] <= 1))


def test_float64_policy_is_accurate():
    x = np.linspace(-30, 30, 200_001)
    out = np.empty((1, x.size))
    dense_k.bias_act_forward(x[None], np.zeros(0), scalar.TANH, 0.0, out)
    np.testing.assert_allclose(out[0], np.tanh(x), rtol=1e-15, atol=1e-300)
    dense_k.bias_act_forward(x[None], np.zeros(0), scalar.SIGMOID, 0.0, out)
    np.testing.assert_allclose(out[0], 1.0 / (1.0 + np.exp(-x)), rtol=1e-15)


def test_like_casts_to_the_argument_type():
    from numba import njit

    @njit
    def cast(v):
        return scalar.like(0.2, v)

    assert cast(np.float32(1.0)) == float(np.float32(0.2)) != 0.2  # rounded to float32
    assert cast(1.0) == 0.2
