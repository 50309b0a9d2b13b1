"""Activations against NumPy formulas (Keras 3 definitions and defaults)."""
import math

import numpy as np
import pytest

from skdeep.nn import activations
from skdeep.nn.kernels import activations as kernels

X = np.array([[-40.0, -6.5, -3.0, -1.2, -0.3, 0.0, 0.4, 1.0, 2.9, 3.0, 6.0, 7.5, 40.0]])
SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805
_erf = np.vectorize(math.erf)


def _sigmoid(x):
    return np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) /
                    (1 + np.exp(-np.abs(x))))


REFERENCES = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "softmax": lambda x: np.exp(x - x.max(-1, keepdims=True)) /
    np.exp(x - x.max(-1, keepdims=True)).sum(-1, keepdims=True),
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
    "selu": lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0))),
    "softplus": lambda x: np.logaddexp(0, x),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "swish": lambda x: x * _sigmoid(x),
    # Keras 3's default is the exact gelu (approximate=False)
    "gelu": lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2))),
    # Keras 3's default negative_slope is 0.2
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    # Keras 3: x / 6 + 0.5 clipped to [0, 1] (Keras 2 used 0.2 x + 0.5)
    "hard_sigmoid": lambda x: np.clip(x / 6 + 0.5, 0, 1),
    "exponential": np.exp,
    "relu6": lambda x: np.clip(x, 0, 6),
}


def test_every_activation_has_a_reference():
    assert set(REFERENCES) == set(activations.ALL)


@pytest.mark.parametrize("name", sorted(REFERENCES))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_activation_matches_numpy_formula(name, dtype):
    x = X.astype(dtype) if name != "exponential" else np.clip(X, -20, 20).astype(dtype)
    got = activations.get(name)(x)
    assert got.dtype == dtype and got.shape == x.shape
    expected = REFERENCES[name](x.astype(np.float64))
    np.testing.assert_allclose(got, expected, rtol=1e-6 if dtype == "float32" else 1e-12,
                               atol=1e-7 if dtype == "float32" else 1e-15)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_kernel_derivative_matches_central_differences(name):
    """act_backward on the kernel level, away from the kinks, with a non-zero
    bias (the kernel gets the pre-activation before the bias, as the forward did)."""
    x = np.array([[-5.3, -2.1, -0.7, -0.2, 0.3, 0.9, 2.2, 4.1, 6.8]])
    bias = np.linspace(-1.5, 1.0, x.shape[1])
    code = activations.get(name).code
    alpha = activations.get(name).alpha
    y = activations.get(name)(x)
    dy = np.random.default_rng(0).standard_normal(x.shape)
    dz = np.empty_like(x)
    kernels.act_backward(dy, y, x - bias, bias, code, alpha, dz)
    eps = 1e-6
    f = activations.get(name)
    if name == "softmax":
        numeric = np.array([[(np.sum(dy * f(x + eps * e)) - np.sum(dy * f(x - eps * e))) / (2 * eps)
                             for e in np.eye(x.shape[1])]])
    else:
        numeric = dy * (f(x + eps) - f(x - eps)) / (2 * eps)
    np.testing.assert_allclose(dz, numeric, rtol=1e-6, atol=1e-8)


def test_keras_relu_examples():
    x = np.array([-10, -5, 0.0, 5, 10])
    np.testing.assert_array_equal(activations.relu(x), [0, 0, 0, 5, 10])
    np.testing.assert_array_equal(activations.relu(x, negative_slope=0.5),
                                  [-5, -2.5, 0, 5, 10])
    np.testing.assert_array_equal(activations.relu(x, max_value=5.0), [0, 0, 0, 5, 5])
    np.testing.assert_array_equal(activations.relu(x, threshold=5.0), [0, 0, 0, 0, 10])


def test_keyword_arguments_of_the_keras_functions():
    x = np.array([[-2.0, -0.5, 1.0]])
    np.testing.assert_allclose(activations.leaky_relu(x, negative_slope=0.1), [[-0.2, -0.05, 1]])
    np.testing.assert_allclose(activations.elu(x, alpha=2.0), [[2 * np.expm1(-2.0),
                                                                2 * np.expm1(-0.5), 1.0]])
    approx = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    np.testing.assert_allclose(activations.gelu(x, approximate=True), approx)
    np.testing.assert_allclose(activations.gelu(x, approximate=False), REFERENCES["gelu"](x))
    m = np.array([[1.0, 2.0], [3.0, 5.0]])
    np.testing.assert_allclose(activations.softmax(m, axis=0),
                               REFERENCES["softmax"](m.T).T)
    with pytest.raises(TypeError, match="alpha"):
        activations.tanh(x, alpha=1.0)


def test_softmax_is_over_the_last_axis_and_stable():
    x = np.random.default_rng(0).standard_normal((2, 3, 4)) * 500
    y = activations.softmax(x)
    assert np.isfinite(y).all()
    np.testing.assert_allclose(y.sum(-1), 1.0)
    np.testing.assert_allclose(activations.softmax(np.array([1.0, 2.0, 3.0])),
                               [0.09003057, 0.24472847, 0.66524096], rtol=1e-7)


def test_integer_input_is_cast_to_float():
    assert activations.sigmoid(np.array([0, 1])).dtype == np.float32


def test_get_resolves_names_and_rejects_unknown_ones():
    assert activations.get(None) is activations.linear
    assert activations.get("silu") is activations.swish
    assert activations.get(activations.relu) is activations.relu
    assert activations.get(activations.serialize(activations.gelu)) is activations.gelu
    with pytest.raises(ValueError, match="Unknown activation 'relu7'"):
        activations.get("relu7")
    assert activations.is_builtin(activations.relu) and not activations.is_builtin(None)
    custom = lambda x: x  # noqa: E731 - a custom function is kept as is (Keras)
    assert activations.get(custom) is custom
    with pytest.raises(ValueError, match="Could not interpret"):
        activations.get(1.5)
