"""keras-io "Training & evaluation with the built-in methods" (Keras 3 version):
custom losses, metrics and Lambda layers, with only the imports changed."""
import pickle

import numpy as np
import pytest

import skdeep.nn as keras
from skdeep.nn import layers, ops, saving


def get_uncompiled_model():
    inputs = keras.Input(shape=(20,), name="digits")
    x = layers.Dense(16, activation="relu", name="dense_1")(inputs)
    x = layers.Dense(16, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x_train = rng.random((128, 20)).astype("float32")
    y_train = rng.integers(0, 10, 128)
    return x_train, y_train


def custom_mean_squared_error(y_true, y_pred):
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


class CustomMSE(keras.losses.Loss):
    def __init__(self, regularization_factor=0.1, name="custom_mse"):
        super().__init__(name=name)
        self.regularization_factor = regularization_factor

    def call(self, y_true, y_pred):
        mse = ops.mean(ops.square(y_true - y_pred), axis=-1)
        reg = ops.mean(ops.square(0.5 - y_pred), axis=-1)
        return mse + reg * self.regularization_factor


def test_custom_loss_function_and_class(data):
    x_train, y_train = data
    model = get_uncompiled_model()
    model.compile(optimizer=keras.optimizers.Adam(), loss=custom_mean_squared_error)
    # We need to one-hot encode the labels to use MSE
    y_train_one_hot = ops.one_hot(y_train, num_classes=10)
    history = model.fit(x_train, y_train_one_hot, batch_size=64, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()

    model = get_uncompiled_model()
    model.compile(optimizer=keras.optimizers.Adam(), loss=CustomMSE())
    history = model.fit(x_train, y_train_one_hot, batch_size=64, epochs=2, verbose=0)
    pred = model.predict(x_train, verbose=0)
    expected = np.mean(np.mean((y_train_one_hot - pred) ** 2, -1) +
                       0.1 * np.mean((0.5 - pred) ** 2, -1))
    np.testing.assert_allclose(model.evaluate(x_train, y_train_one_hot, verbose=0), expected,
                               rtol=1e-5)


class CategoricalTruePositives(keras.metrics.Metric):
    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(
            shape=(), name="ctp", initializer="zeros"
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
        values = ops.cast(y_true, "int32") == ops.cast(y_pred, "int32")
        values = ops.cast(values, "float32")
        if sample_weight is not None:
            sample_weight = ops.cast(sample_weight, "float32")
            values = ops.multiply(values, sample_weight)
        self.true_positives.assign_add(ops.sum(values))

    def result(self):
        return self.true_positives.value

    def reset_state(self):
        # The state of the metric will be reset at the start of each epoch.
        self.true_positives.assign(0.0)


def test_categorical_true_positives_metric(data):
    x_train, y_train = data
    model = get_uncompiled_model()
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[CategoricalTruePositives()],
    )
    history = model.fit(x_train, y_train.reshape(-1, 1), batch_size=64, epochs=2, verbose=0)
    counts = history.history["categorical_true_positives"]
    pred = model.predict(x_train, verbose=0)
    ctp = model.evaluate(x_train, y_train.reshape(-1, 1), verbose=0, return_dict=True)
    assert ctp["categorical_true_positives"] == np.sum(pred.argmax(1) == y_train)
    assert all(0 <= c <= 128 for c in counts)


def mean_abs_error_metric(y_true, y_pred):
    return ops.mean(ops.abs(y_true - y_pred), axis=-1)


def test_plain_metric_function_written_with_ops(data):
    x_train, y_train = data
    model = get_uncompiled_model()
    y = ops.one_hot(y_train, num_classes=10)
    model.compile("adam", "mse", metrics=[mean_abs_error_metric])
    logs = model.evaluate(x_train, y, verbose=0, return_dict=True)
    pred = model.predict(x_train, verbose=0)
    np.testing.assert_allclose(logs["mean_abs_error_metric"], np.mean(np.abs(y - pred)),
                               rtol=1e-5)


class ActivityRegularizationLayer(layers.Layer):
    def call(self, inputs):
        self.add_loss(ops.sum(inputs) * 0.1)
        return inputs  # Pass-through layer.


def test_activity_regularization_layer_in_functional_model(data):
    x_train, y_train = data
    inputs = keras.Input(shape=(20,), name="digits")
    x = layers.Dense(16, activation="relu", name="dense_1")(inputs)
    # Insert activity regularization as a layer
    x = ActivityRegularizationLayer()(x)
    x = layers.Dense(16, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    # The displayed loss will be much higher than before
    # due to the regularization component.
    plain = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(
        y_train, model.predict(x_train, verbose=0))
    hidden = keras.Model(inputs, model.get_layer("dense_1").output).predict(x_train, verbose=0)
    total = model.evaluate(x_train, y_train, batch_size=128, verbose=0)
    np.testing.assert_allclose(total, plain + 0.1 * hidden.sum(), rtol=1e-4)
    model.fit(x_train, y_train, batch_size=64, epochs=1, verbose=0)


def test_lambda_layer_trains_saves_and_needs_safe_mode_off(tmp_path):
    inp = keras.Input((3,))
    x = layers.Lambda(lambda x: ops.square(x))(inp)
    x = layers.Lambda(ops.tanh, name="named_fn")(x)
    out = layers.Dense(2)(x)
    model = keras.Model(inp, out)
    assert model.output_shape == (None, 2)
    model.compile("adam", "mse")
    rng = np.random.default_rng(0)
    model.fit(rng.random((16, 3)), rng.random((16, 2)), verbose=0)
    probe = rng.random((4, 3)).astype("float32")
    for name in ("lambda.keras", "lambda.skdeep"):
        path = str(tmp_path / name)
        model.save(path)
        with pytest.raises(ValueError, match="safe_mode=False"):
            saving.load_model(path)
        loaded = saving.load_model(path, safe_mode=False)
        np.testing.assert_allclose(loaded.predict(probe, verbose=0),
                                   model.predict(probe, verbose=0), rtol=1e-6)
    clone = pickle.loads(pickle.dumps(model))  # unpickling already trusts the source
    np.testing.assert_allclose(clone.predict(probe, verbose=0), model.predict(probe, verbose=0),
                               rtol=1e-6)


def test_lambda_arguments_output_shape_and_closure_error():
    layer = layers.Lambda(lambda x, k: x[:, :k] * 2, output_shape=(2,), arguments={"k": 2})
    out = layer(keras.Input((5,)))
    assert out.shape == (None, 2)
    np.testing.assert_allclose(layer(np.ones((1, 5))), [[2.0, 2.0]])
    scale = 3.0
    closure = layers.Lambda(lambda x: x * scale)
    with pytest.raises(NotImplementedError, match="closure"):
        closure.get_config()
    with pytest.raises(TypeError, match="callable"):
        layers.Lambda("square")
