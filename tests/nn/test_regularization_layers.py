"""Dropout-family layers: Keras 3 formulas in training, identity at inference,
reproducible under a seed; ActivityRegularization adds its penalty."""
import numpy as np
import pytest

from skdeep.nn import Sequential, backend
from skdeep.nn.layers import (
    ActivityRegularization,
    AlphaDropout,
    Dense,
    GaussianDropout,
    SpatialDropout1D,
    SpatialDropout2D,
    UpSampling2D,
)

X = np.random.default_rng(0).standard_normal((400, 6, 8)).astype("float32")


@pytest.mark.parametrize("layer", [SpatialDropout1D(0.3), GaussianDropout(0.3),
                                   AlphaDropout(0.3)], ids=lambda layer: type(layer).__name__)
def test_inference_is_the_identity(layer):
    assert layer(X) is X or np.array_equal(layer(X), X)


def test_spatial_dropout_drops_whole_channels():
    y = SpatialDropout1D(0.4, seed=1)(X, training=True)
    dropped = (y == 0).all(axis=1)                  # (batch, channels) entirely zero
    assert 0.3 < dropped.mean() < 0.5
    kept = ~dropped[:, None, :].repeat(6, axis=1)
    np.testing.assert_allclose(y[kept], X[kept] / 0.6, rtol=1e-6)
    images = np.ones((50, 3, 3, 4), "float32")
    for fmt, axes in (("channels_last", (1, 2)), ("channels_first", (2, 3))):
        y2 = SpatialDropout2D(0.5, data_format=fmt, seed=2)(images, training=True)
        assert np.ptp(y2, axis=axes).max() == 0     # one draw per feature map


def test_gaussian_dropout_noise_has_keras_moments():
    ones = np.ones((200, 500), "float32")
    y = GaussianDropout(0.2, seed=3)(ones, training=True)
    assert abs(y.mean() - 1.0) < 0.01
    assert abs(y.std() - np.sqrt(0.2 / 0.8)) < 0.01


def test_alpha_dropout_keras_affine_formula():
    rate = 0.25
    y = AlphaDropout(rate, seed=4)(X, training=True)
    alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
    a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * rate
    dropped = np.isclose(y, a * alpha_p + b)
    assert 0.2 < dropped.mean() < 0.3
    np.testing.assert_allclose(y[~dropped], a * X[~dropped] + b, rtol=1e-5)
    # on standard-normal inputs SELU's fixed point is kept: mean ~0, variance ~1
    z = AlphaDropout(rate, seed=5)(np.random.default_rng(1).standard_normal((500, 400)),
                                   training=True)
    assert abs(z.mean()) < 0.02 and abs(z.var() - 1) < 0.03


def test_seeded_layers_repeat_and_engine_seed_repeats():
    a = GaussianDropout(0.3, seed=7)(X, training=True)
    b = GaussianDropout(0.3, seed=7)(X, training=True)
    np.testing.assert_array_equal(a, b)
    with backend.seeded(11):
        c = AlphaDropout(0.3)(X, training=True)
    with backend.seeded(11):
        d = AlphaDropout(0.3)(X, training=True)
    np.testing.assert_array_equal(c, d)


def test_activity_regularization_adds_its_penalty_to_the_loss():
    x = np.ones((4, 3), "float32")
    y = np.zeros((4, 2), "float32")
    with backend.seeded(0):
        plain = Sequential([Dense(2, input_shape=(3,), kernel_initializer="ones")])
        regular = Sequential([Dense(2, input_shape=(3,), kernel_initializer="ones"),
                              ActivityRegularization(l1=0.1, l2=0.01)])
    for model in (plain, regular):
        model.compile("sgd", "mse")
    # outputs are all 3: mse 9; penalty per sample 0.1 * 6 + 0.01 * 18 = 0.78 (batch mean)
    assert plain.evaluate(x, y, verbose=0) == pytest.approx(9.0)
    assert regular.train_on_batch(x, y) == pytest.approx(9.78, rel=1e-5)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="rate"):
        GaussianDropout(1.0)
    with pytest.raises(ValueError, match="rate"):
        SpatialDropout1D(-0.1)
    with pytest.raises(NotImplementedError, match="bicubic"):
        UpSampling2D(interpolation="bicubic")
    with pytest.raises(ValueError, match="rank 3"):
        SpatialDropout1D(0.2)(np.ones((2, 3)), training=True)
