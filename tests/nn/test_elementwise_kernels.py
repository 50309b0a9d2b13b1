"""The one-pass kernels of ReLU(max_value) and inference-mode BatchNormalization
give the NumPy formulas' results bit for bit (float32), NaN included."""
import numpy as np

from skdeep.nn.context import CallContext
from skdeep.nn.layers import BatchNormalization, ReLU
from skdeep.nn.testing import randomize_weights


def test_relu6_matches_the_formula_and_its_gradient():
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((3, 7, 5, 4)) * 5).astype(np.float32)
    x[0, 0, 0, :2] = [np.nan, 6.0]
    y, backward = ReLU(6.0).forward(x, CallContext(training=True, workspace={}))
    expected = np.clip(np.where(x > 0, x, 0), 0, 6).astype(np.float32)
    np.testing.assert_array_equal(y, expected)
    assert y.dtype == np.float32 and y[0, 0, 0, 0] == 0.0
    dy = rng.standard_normal(x.shape).astype(np.float32)
    np.testing.assert_array_equal(backward(dy), np.where((x > 0) & (x < 6), dy, 0))


def test_batchnorm_inference_matches_the_formula_and_its_gradients():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 5, 6)).astype(np.float32)
    for center in (True, False):
        layer = BatchNormalization(center=center)
        layer(x)
        randomize_weights(layer, seed=2)
        y, backward = layer.forward(x, CallContext(training=False, workspace={}))
        inv = 1.0 / np.sqrt(layer.moving_variance.value + layer.epsilon)
        expected = (x - layer.moving_mean.value) * inv * layer.gamma.value
        if center:
            expected = expected + layer.beta.value
        np.testing.assert_array_equal(y, expected)
        dy = rng.standard_normal(x.shape).astype(np.float32)
        for w in layer.weights:
            w.grad[...] = 0
        np.testing.assert_array_equal(backward(dy), dy * layer.gamma.value * inv)
        xhat = (x - layer.moving_mean.value) * inv
        np.testing.assert_allclose(layer.gamma.grad, (dy * xhat).sum(axis=(0, 1)), rtol=1e-5)
        if center:
            np.testing.assert_allclose(layer.beta.grad, dy.sum(axis=(0, 1)), rtol=1e-5)


def test_relu6_on_float16_takes_the_numpy_path():
    """The kernel has float32/float64 forms only: float16 gives NumPy's result,
    not a Numba typing error."""
    x = np.array([[-1.0, 0.5, 3.0, 7.0]], np.float16)
    y, backward = ReLU(6.0).forward(x, CallContext(training=True, workspace={}))
    np.testing.assert_array_equal(y, np.array([[0.0, 0.5, 3.0, 6.0]], np.float16))
    np.testing.assert_array_equal(backward(np.ones_like(x)), [[0, 1, 1, 0]])


def test_batchnorm_on_integer_input_computes_in_float():
    """Integer inputs are cast to the layer dtype (Keras: float32 out), not
    normalized and then truncated back to integers."""
    x = np.arange(24).reshape(6, 4)
    layer = BatchNormalization()
    layer(x.astype(np.float32))  # build
    for training in (False, True):
        y, _ = layer.forward(x, CallContext(training=training, workspace={}))
        expected, _ = layer.forward(x.astype(np.float32),
                                    CallContext(training=training, workspace={}))
        assert y.dtype == np.float32
        np.testing.assert_allclose(y, expected, rtol=1e-6)
