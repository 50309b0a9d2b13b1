"""The Keras 3 Metric base: add_variable state, reset, config, copies, and custom
Metric subclasses and metric functions inside compile/fit/evaluate."""
import copy

import numpy as np
import pytest

from skdeep.nn import Sequential, backend, metrics
from skdeep.nn.layers import Dense
from skdeep.nn.metrics import Metric, Variable


class CategoricalTruePositives(Metric):
    """keras-io "Training & evaluation with the built-in methods" custom metric."""

    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = np.reshape(np.argmax(y_pred, axis=1), (-1, 1))
        values = np.asarray(y_true).astype("int32") == y_pred.astype("int32")
        values = values.astype("float32")
        if sample_weight is not None:
            values = np.multiply(values, np.asarray(sample_weight, "float32"))
        self.true_positives.assign_add(np.sum(values))

    def result(self):
        return self.true_positives

    def reset_state(self):
        self.true_positives.assign(0.0)


class OffsetCount(Metric):
    """State with non-zero initializers and default reset_state."""

    def __init__(self, name="offset_count", dtype=None, start=3.0):
        super().__init__(name=name, dtype=dtype)
        self.start = start
        self.count = self.add_variable((2,), initializer=start, name="count")
        self.hits = self.add_weight(name="hits")  # Keras 2 spelling, zeros

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.count.assign_add([1.0, 2.0])
        self.hits.assign_sub(-np.sum(np.asarray(y_pred) > 0.5))

    def result(self):
        return self.count[0] + self.hits

    def get_config(self):
        return dict(super().get_config(), start=self.start)


def test_variable_assign_family_and_numpy_interop():
    v = Variable(np.zeros((2,), "float32"), name="v")
    v.assign([1, 2])
    v.assign_add(1.0)
    v.assign_sub([0.5, 0.5])
    np.testing.assert_allclose(v.numpy(), [1.5, 2.5])
    assert v.dtype == "float32" and v.shape == (2,)
    assert isinstance(v + 1, np.ndarray) and not isinstance(v + 1, Variable)
    np.testing.assert_allclose(np.sqrt(v) * 2, 2 * np.sqrt([1.5, 2.5]), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(v), [1.5, 2.5])
    with pytest.raises(ValueError, match="shape"):
        v.assign([1, 2, 3])
    with pytest.raises(ValueError, match="aggregation"):
        Variable(0.0, aggregation="max")
    assert float(Variable(np.float32(2.5))) == 2.5


def test_add_variable_initializers_reset_and_variables():
    m = OffsetCount()
    assert [v.name for v in m.variables] == ["count", "hits"]
    np.testing.assert_allclose(m.count.numpy(), [3.0, 3.0])
    assert m.dtype == backend.floatx() == m.count.dtype
    m.update_state(None, [0.2, 0.9, 0.7])
    assert float(m.result()) == pytest.approx(4.0 + 2.0)
    m.reset_state()  # default: back to the initializers, not to zeros
    np.testing.assert_allclose(m.count.numpy(), [3.0, 3.0])
    assert float(m.hits) == 0.0
    clone = OffsetCount.from_config(m.get_config())
    assert clone.get_config() == m.get_config()
    assert m.get_config() == {"name": "offset_count", "dtype": backend.floatx(), "start": 3.0}
    assert OffsetCount(dtype="float64").count.dtype == "float64"


def test_copy_owns_its_state():
    m = CategoricalTruePositives()
    m.update_state([[0], [1]], [[0.9, 0.1], [0.2, 0.8]])
    c = copy.copy(m)
    c.update_state([[0]], [[0.9, 0.1]])
    assert float(m.result()) == 2.0 and float(c.result()) == 3.0
    assert c.variables[0] is c.true_positives and c.true_positives is not m.true_positives


def test_base_methods_must_be_implemented():
    with pytest.raises(NotImplementedError, match="update_state"):
        Metric()(1, 2)
    assert Metric().name == "metric" and CategoricalTruePositives().name == \
        "categorical_true_positives"


def _model():
    with backend.seeded(0):
        model = Sequential([Dense(3, activation="softmax", input_shape=(4,))])
    return model


def test_custom_metric_in_fit_history_and_evaluate():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((20, 4)).astype("float32")
    y = rng.integers(0, 3, size=(20, 1))
    model = _model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                  metrics=[CategoricalTruePositives(), "accuracy"])
    history = model.fit(x, y, batch_size=5, epochs=2, verbose=0, validation_data=(x, y))
    assert set(history.history) >= {"categorical_true_positives",
                                    "val_categorical_true_positives", "accuracy"}
    # the metric counts; the count over the whole validation set per epoch (reset between
    # epochs): accuracy * n
    n = len(x)
    assert history.history["val_categorical_true_positives"][-1] == pytest.approx(
        history.history["val_accuracy"][-1] * n)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    pred = model.predict(x, verbose=0)
    assert logs["categorical_true_positives"] == np.sum(np.argmax(pred, 1) == y[:, 0])


def test_metric_function_in_compile():
    def max_abs_error(y_true, y_pred):
        return np.max(np.abs(np.asarray(y_true) - y_pred), axis=-1)

    rng = np.random.default_rng(1)
    x = rng.standard_normal((12, 4)).astype("float32")
    y = rng.standard_normal((12, 3)).astype("float32")
    model = _model()
    model.compile(optimizer="sgd", loss="mse", metrics=[max_abs_error])
    logs = model.evaluate(x, y, verbose=0, return_dict=True, batch_size=5)
    pred = model.predict(x, verbose=0)
    assert logs["max_abs_error"] == pytest.approx(np.mean(max_abs_error(y, pred)), rel=1e-5)


def test_mean_and_sum_weighting_as_keras():
    m = metrics.Mean()
    m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert float(m.result()) == 2.0
    m = metrics.Mean()
    m.update_state([[1, 3], [5, 7]], sample_weight=[1, 0])  # rows averaged first
    assert float(m.result()) == 2.0
    s = metrics.Sum()
    s.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert float(s.result()) == 4.0
    s.reset_state()
    assert float(s.result()) == 0.0


def test_confusion_metrics_in_compile_by_name_and_per_class_arrays_in_logs():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((24, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    with backend.seeded(0):
        model = Sequential([Dense(1, activation="sigmoid", input_shape=(4,))])
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=["precision", "recall", "auc",
                           metrics.Precision(thresholds=[0.3, 0.7], name="p2"),
                           metrics.F1Score(threshold=0.5, name="f1")])
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0, validation_split=0.25)
    assert {"precision", "recall", "auc", "val_auc", "p2", "f1"} <= set(history.history)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    pred = model.predict(x, verbose=0)
    from sklearn.metrics import f1_score, precision_score, roc_auc_score
    assert logs["precision"] == pytest.approx(precision_score(y, pred[:, 0] > 0.5,
                                                              zero_division=0.0), rel=1e-5)
    assert logs["auc"] == pytest.approx(roc_auc_score(y, pred[:, 0]), abs=0.02)
    assert logs["p2"].shape == (2,) and logs["f1"].shape == (1,)
    assert logs["f1"][0] == pytest.approx(f1_score(y, pred[:, 0] > 0.5), abs=1e-5)


def test_compiled_metrics_survive_save_and_load(tmp_path):
    from skdeep.nn import load_model

    with backend.seeded(0):
        model = Sequential([Dense(3, activation="softmax", input_shape=(4,))])
    model.compile(optimizer="adam", loss="categorical_crossentropy",
                  metrics=[metrics.AUC(num_thresholds=50, curve="PR", name="pr"),
                           metrics.TopKCategoricalAccuracy(k=2), "f1_score",
                           metrics.TruePositives(thresholds=[0.2, 0.6])])
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = load_model(path)
    m = {type(x).__name__: x for x in loaded._compile_spec["metrics"] if not isinstance(x, str)}
    assert m["AUC"].get_config()["num_thresholds"] == 50 and m["AUC"].name == "pr"
    assert m["TopKCategoricalAccuracy"].get_config()["k"] == 2
    assert m["TruePositives"].thresholds == [0.2, 0.6]


def test_keras_io_metrics_written_with_ops():
    """The keras.io custom-metric patterns, written with skdeep.nn.ops on the variables."""
    from skdeep.nn import ops

    class BinaryTruePositives(Metric):
        def __init__(self, name="binary_true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_variable(shape=(), initializer="zeros", name="tp")

        def update_state(self, y_true, y_pred, sample_weight=None):
            y_true = ops.cast(y_true, "bool")
            y_pred = ops.cast(y_pred, "bool")
            values = ops.logical_and(ops.equal(y_true, True), ops.equal(y_pred, True))
            values = ops.cast(values, self.dtype)
            if sample_weight is not None:
                sample_weight = ops.cast(sample_weight, self.dtype)
                values = ops.multiply(values, ops.broadcast_to(sample_weight,
                                                               ops.shape(values)))
            self.true_positives.assign(self.true_positives + ops.sum(values))

        def result(self):
            return self.true_positives

    m = BinaryTruePositives()
    m.update_state([1, 0, 1], [1, 1, 1], sample_weight=[1, 2, 3])
    assert float(m.result()) == 4.0
    v = m.true_positives
    assert float(ops.add(v, 1.0)) == 5.0 and float(ops.sqrt(v)) == 2.0
    assert ops.convert_to_numpy(v).dtype == np.float32


def test_weighted_metrics_receive_sample_weights():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((12, 4)).astype("float32")
    y = (rng.uniform(size=12) > 0.5).astype("float32")
    sw = rng.uniform(0.1, 2.0, 12)
    with backend.seeded(0):
        model = Sequential([Dense(1, activation="sigmoid", input_shape=(4,))])
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["precision"],
                  weighted_metrics=["precision"])
    logs = model.evaluate(x, y, sample_weight=sw, verbose=0, return_dict=True)
    pred = model.predict(x, verbose=0)[:, 0] > 0.5
    from sklearn.metrics import precision_score
    assert logs["precision"] == pytest.approx(precision_score(y, pred, zero_division=0.0),
                                              rel=1e-5)
    assert logs["weighted_precision"] == pytest.approx(
        precision_score(y, pred, sample_weight=sw, zero_division=0.0), rel=1e-5)
