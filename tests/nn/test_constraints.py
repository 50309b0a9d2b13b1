"""Weight constraints (Keras 3 formulas), applied after each optimizer step."""
import numpy as np
import pytest

from skdeep.nn import Sequential, constraints
from skdeep.nn.layers import Dense


def test_max_norm_caps_column_norms():
    w = np.array([[3.0, 0.1], [4.0, 0.1]])
    out = constraints.MaxNorm(2.0)(w)
    np.testing.assert_allclose(np.linalg.norm(out, axis=0), [2.0, np.sqrt(0.02)], rtol=1e-6)


def test_non_neg_unit_norm_min_max_norm():
    w = np.array([[-1.0, 2.0], [3.0, -4.0]])
    np.testing.assert_array_equal(constraints.NonNeg()(w), [[0, 2], [3, 0]])
    np.testing.assert_allclose(np.linalg.norm(constraints.UnitNorm()(w), axis=0), 1, rtol=1e-6)
    out = constraints.MinMaxNorm(min_value=4.0, max_value=4.5)(w)
    np.testing.assert_allclose(np.linalg.norm(out, axis=0), [4.0, 4.4721360], rtol=1e-6)


def test_constraint_applied_after_each_step(rng):
    model = Sequential([Dense(4, input_shape=(3,), kernel_constraint=constraints.max_norm(0.5),
                              bias_constraint="non_neg")])
    model.compile("sgd", "mse")
    x = rng.standard_normal((32, 3))
    model.fit(x, 10 * rng.standard_normal((32, 4)), epochs=3, verbose=0)
    kernel, bias = model.layers[0].get_weights()
    assert np.linalg.norm(kernel, axis=0).max() <= 0.5 + 1e-6
    assert bias.min() >= 0


def test_constraint_config_round_trip_and_errors():
    layer = Dense(2, kernel_constraint="max_norm")
    clone = Dense.from_config(layer.get_config())
    assert isinstance(clone.kernel_constraint, constraints.MaxNorm)
    with pytest.raises(ValueError, match="Unknown constraint"):
        Dense(2, kernel_constraint="maxnorm")
