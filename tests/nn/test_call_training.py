"""``training=`` given at a symbolic call is recorded in the node and honoured."""
import numpy as np

from skdeep.nn import Input, Model, Sequential, saving
from skdeep.nn.layers import BatchNormalization, Dense, Dropout


def _frozen_base_model():
    base = Sequential([Dense(6, input_shape=(4,)), BatchNormalization(), Dropout(0.9)],
                      name="base")
    x = Input(shape=(4,))
    out = Dense(1)(base(x, training=False))
    model = Model(x, out)
    model.compile(optimizer="sgd", loss="mse")
    return base, model


def test_base_called_with_training_false_keeps_inference_mode_during_fit():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((64, 4)) + 0.5, rng.standard_normal(64)
    base, model = _frozen_base_model()
    bn = base.layers[1]
    before = [w.numpy() for w in (bn.moving_mean, bn.moving_variance)]
    model.fit(X, y, epochs=2, batch_size=16, verbose=0)
    # BatchNormalization ran on its moving statistics: they did not move ...
    np.testing.assert_array_equal(bn.moving_mean.value, before[0])
    np.testing.assert_array_equal(bn.moving_variance.value, before[1])
    # ... and Dropout(0.9) was off: a training step sees evaluate's loss
    expected = model.evaluate(X, y, batch_size=64, verbose=0)
    assert np.isclose(model.train_on_batch(X, y), expected, rtol=1e-5)
    # the weights of the base still train (training=False is not trainable=False)
    kernel = base.layers[0].kernel.numpy()
    model.fit(X, y, epochs=1, verbose=0)
    assert not np.array_equal(base.layers[0].kernel.value, kernel)


def test_without_training_argument_the_base_follows_fit():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((32, 4)) + 0.5, rng.standard_normal(32)
    base = Sequential([Dense(6, input_shape=(4,)), BatchNormalization()])
    x = Input(shape=(4,))
    model = Model(x, Dense(1)(base(x)))
    model.compile(optimizer="sgd", loss="mse")
    before = base.layers[1].moving_mean.numpy()
    model.fit(X, y, epochs=1, verbose=0)
    assert not np.array_equal(base.layers[1].moving_mean.value, before)


def test_training_true_at_call_keeps_dropout_on_in_predict():
    x = Input(shape=(50,))
    model = Model(x, Dropout(0.5, seed=0)(x, training=True))
    out = model.predict(np.ones((4, 50)), verbose=0)
    assert (out == 0).any() and np.allclose(out[out != 0], 2.0)


def test_recorded_training_survives_saving():
    _, model = _frozen_base_model()
    again = saving.model_from_bytes(saving.model_to_bytes(model))
    node = [n for n in again._nodes if n.layer.name == "base"][0]
    assert node.training is False
