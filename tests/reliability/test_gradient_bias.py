"""Swish/SiLU/GELU gradients with a non-zero bias, and a gradient-check
harness that never runs on zero-initialised parameters."""
import numpy as np
import pytest

from skdeep.nn import Sequential, backend
from skdeep.nn.layers import BatchNormalization, Conv1D, Dense
from skdeep.nn.testing import (
    check_layer_gradients,
    check_model_gradients,
    randomize_weights,
)


@pytest.mark.parametrize("activation", ["swish", "silu", "gelu"])
@pytest.mark.parametrize("make", [lambda a: Dense(3, activation=a, bias_initializer="ones"),
                                  lambda a: Conv1D(2, 2, activation=a, bias_initializer="ones")],
                         ids=["dense", "conv1d"])
def test_preactivation_gradient_includes_the_bias(activation, make):
    x = np.random.default_rng(0).standard_normal((3, 4, 2))
    with backend.floatx_scope("float64"):
        # randomize=False: the layer's own (all-ones) bias is what is checked
        check_layer_gradients(make(activation), x, randomize=False)


def test_training_step_with_swish_uses_the_biased_derivative():
    """From the second step on the bias is non-zero: the model gradient must
    still match finite differences there."""
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((8, 3)), rng.standard_normal((8, 1))
    with backend.floatx_scope("float64"):
        model = Sequential([Dense(4, activation="gelu", input_shape=(3,)), Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        model.fit(x, y, epochs=2, batch_size=4, verbose=0)
        assert np.abs(model.layers[0].bias.value).min() > 0
        check_model_gradients(model, x, y, randomize=False)


def test_harness_redraws_biases_and_moving_statistics():
    with backend.floatx_scope("float64"):
        bn = BatchNormalization()
        check_layer_gradients(bn, np.random.default_rng(0).standard_normal((5, 3)),
                              training=False)
        values = {w.name: w.value for w in bn.weights}
        for name in ("gamma", "beta", "moving_mean", "moving_variance"):
            assert (values[name] != 0).all() and (values[name] != 1).all(), name
        assert (values["moving_variance"] > 0).all()
        dense = Dense(2)
        dense.build((None, 3))
        randomize_weights(dense, seed=3)
        assert (dense.bias.value != 0).all()


def test_model_harness_redraws_weights():
    with backend.floatx_scope("float64"):
        model = Sequential([Dense(2, activation="swish", input_shape=(3,)), Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        x, y = np.ones((2, 3)), np.ones((2, 1))
        check_model_gradients(model, x, y)
        assert all((layer.bias.value != 0).all() for layer in model.layers)
