"""Metrics: Keras 3 values, sample weighting, running means and the
resolution of 'accuracy' from the shapes."""
import numpy as np
import pytest

from skdeep.nn import Sequential, backend, losses, metrics
from skdeep.nn.layers import Dense
from skdeep.nn.metrics import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    MeanAbsoluteError,
    MeanSquaredError,
    SparseCategoricalAccuracy,
)


# the examples of the Keras metric docstrings, checked by hand in the comments
def test_binary_accuracy():
    y_true, y_pred = [[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]
    assert BinaryAccuracy()(y_true, y_pred) == pytest.approx(0.75)  # 0.6 > 0.5 is wrong
    assert BinaryAccuracy()(y_true, y_pred, sample_weight=[1, 0, 0, 1]) == pytest.approx(0.5)
    assert BinaryAccuracy(threshold=0.7)(y_true, y_pred) == pytest.approx(1.0)
    # a prediction equal to the threshold counts as 0, as in Keras (y_pred > threshold)
    assert BinaryAccuracy()([[0]], [[0.5]]) == 1.0


def test_binary_accuracy_averages_over_the_last_axis():
    values = metrics.binary_accuracy([[1, 0, 1], [0, 0, 0]], [[0.9, 0.2, 0.1], [0.1, 0.9, 0.8]])
    np.testing.assert_allclose(values, [2 / 3, 1 / 3])


def test_categorical_accuracy():
    y_true = [[0, 0, 1], [0, 1, 0]]
    y_pred = [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]
    assert CategoricalAccuracy()(y_true, y_pred) == pytest.approx(0.5)
    assert CategoricalAccuracy()(y_true, y_pred, sample_weight=[0.7, 0.3]) == pytest.approx(0.3)


def test_sparse_categorical_accuracy():
    y_pred = [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]
    assert SparseCategoricalAccuracy()([[2], [1]], y_pred) == pytest.approx(0.5)
    assert SparseCategoricalAccuracy()([2, 1], y_pred, sample_weight=[0.7, 0.3]) == \
        pytest.approx(0.3)
    # targets are compared as values: 1.5 is no class
    assert SparseCategoricalAccuracy()([1.5, 1.0], y_pred) == pytest.approx(0.5)


def test_accuracy_and_regression_metrics():
    assert Accuracy()([[1], [2], [3], [4]], [[0], [2], [3], [4]]) == pytest.approx(0.75)
    assert Accuracy()([[1], [2], [3], [4]], [[0], [2], [3], [4]],
                      sample_weight=[1, 1, 0, 0]) == pytest.approx(0.5)
    assert MeanSquaredError()([[0, 1], [0, 0]], [[1, 1], [0, 0]]) == pytest.approx(0.25)
    assert MeanAbsoluteError()([[0, 1], [0, 0]], [[1, 1], [0, 0]]) == pytest.approx(0.25)


def test_running_mean_over_batches_and_reset():
    m = CategoricalAccuracy()
    m.update_state([[1, 0]], [[0.9, 0.1]])                         # 1 right
    m.update_state([[1, 0], [0, 1]], [[0.2, 0.8], [0.3, 0.7]])     # 1 of 2
    assert m.result() == pytest.approx(2 / 3)
    m.update_state([[0, 1]], [[0.4, 0.6]], sample_weight=[3.0])   # right, weight 3
    assert m.result() == pytest.approx(5 / 6)
    m.reset_state()
    assert m.result() == 0.0
    mean = metrics.Mean()
    mean.update_state([1.0, 3.0], sample_weight=[1.0, 3.0])
    assert mean.result() == pytest.approx(2.5)


@pytest.mark.parametrize("y_shape, pred_shape, expected", [
    ((8,), (8, 1), BinaryAccuracy),             # binary, flat targets
    ((8, 1), (8, 1), BinaryAccuracy),
    ((8,), (8, 3), SparseCategoricalAccuracy),  # integer labels
    ((8, 1), (8, 3), SparseCategoricalAccuracy),
    ((8, 3), (8, 3), CategoricalAccuracy),      # one-hot -- and multi-label, as Keras 3
    ((8, 5), (8, 5, 3), SparseCategoricalAccuracy),
    ((8, 5, 3), (8, 5, 3), CategoricalAccuracy),
])
def test_accuracy_resolution_follows_keras_3_shape_rule(y_shape, pred_shape, expected):
    m = metrics.resolve("accuracy", y_true_shape=y_shape, y_pred_shape=pred_shape)
    assert type(m) is expected and m.name == "accuracy"
    assert metrics.resolve("acc", losses.MeanSquaredError(), y_shape, pred_shape).name == "acc"


def test_accuracy_resolution_without_shapes_uses_the_loss():
    assert type(metrics.resolve("accuracy", losses.SparseCategoricalCrossentropy())) is \
        SparseCategoricalAccuracy
    assert type(metrics.resolve("accuracy", losses.CategoricalCrossentropy())) is \
        CategoricalAccuracy
    assert type(metrics.resolve("accuracy", losses.BinaryCrossentropy())) is BinaryAccuracy


def test_accuracy_in_compile_resolves_from_the_data():
    """A multi-label sigmoid model: Keras 3 picks categorical accuracy for 'accuracy'."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((10, 3))
    y = (rng.uniform(size=(10, 3)) > 0.5).astype(float)
    with backend.seeded(0):
        model = Sequential([Dense(3, activation="sigmoid", input_shape=(3,))])
    model.compile(optimizer="sgd", loss="binary_crossentropy",
                  metrics=["accuracy", "binary_accuracy"])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    pred = model.predict(x, verbose=0)
    assert logs["accuracy"] == pytest.approx(np.mean(metrics.categorical_accuracy(y, pred)))
    assert logs["binary_accuracy"] == pytest.approx(np.mean(metrics.binary_accuracy(y, pred)))


@pytest.mark.parametrize("name", ["mse", "mae", "mape", "msle", "mean_squared_error",
                                  "binary_accuracy", "categorical_accuracy",
                                  "sparse_categorical_accuracy", "binary_crossentropy",
                                  "categorical_crossentropy", "sparse_categorical_crossentropy",
                                  "BinaryAccuracy", "MeanSquaredError"])
def test_registry_names(name):
    m = metrics.resolve(name)  # compile's resolution: the string is the log key
    assert isinstance(m, metrics.Metric)
    assert m.name == name
    assert type(metrics.get(name)) is type(m)


def test_metric_names_and_configs():
    assert MeanSquaredError().name == "mean_squared_error"
    assert BinaryAccuracy().name == "binary_accuracy"
    m = BinaryAccuracy(name="acc_07", threshold=0.7)
    clone = BinaryAccuracy.from_config(m.get_config())
    assert clone.name == "acc_07" and clone.kwargs == {"threshold": 0.7}
    with pytest.raises(ValueError, match="Unknown metric 'f1'"):
        metrics.get("f1")


def test_custom_function_metric():
    m = metrics.get(lambda y, p: np.abs(np.asarray(y) - np.asarray(p)).max(axis=-1))
    assert m([[1.0, 2.0]], [[1.5, 4.0]]) == pytest.approx(2.0)
