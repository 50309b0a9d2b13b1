"""keras.Variable (the class of every layer weight) and keras.name_scope,
against Keras 3.15.1's behaviour (values noted from its NumPy backend)."""
import numpy as np
import pytest

import skdeep.nn as keras
from skdeep.nn import layers


def test_dtype_follows_keras_rules():
    # Keras: float64 -> float32 (floatx), int64 -> int32, python int -> int32, others kept
    cases = [(np.ones(2, "float64"), "float32"), (np.ones(2, "float16"), "float16"),
             (np.ones(2, "uint8"), "uint8"), (np.ones(2, bool), "bool"), (1, "int32"),
             (True, "bool"), (np.ones(2, "int16"), "int16"), ([1, 2], "int32"),
             (3.0, "float32")]
    for value, dtype in cases:
        assert keras.Variable(value).dtype == dtype, value
    assert keras.Variable(np.ones(2), dtype="float64").dtype == "float64"
    assert keras.Variable(np.ones(2), dtype="int32").numpy().tolist() == [1, 1]


def test_from_an_initializer_needs_a_shape():
    assert keras.Variable("ones", shape=(2,)).numpy().tolist() == [1.0, 1.0]
    v = keras.Variable(lambda shape, dtype: np.full(shape, 7.0), shape=(2,))
    assert v.numpy().tolist() == [7.0, 7.0] and v.dtype == "float32"
    v = keras.Variable(keras.initializers.Ones(), shape=(2,), dtype="int32", trainable=False,
                       name="c")
    assert (v.name, v.trainable, v.dtype, v.numpy().tolist()) == ("c", False, "int32", [1, 1])
    with pytest.raises(ValueError, match="shape"):
        keras.Variable("zeros")
    with pytest.raises(ValueError, match="shape"):
        keras.Variable(np.ones(2), shape=(3,))


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="aggregation"):
        keras.Variable(np.ones(2), aggregation="bad")
    with pytest.raises(ValueError, match="synchronization"):
        keras.Variable(np.ones(2), synchronization="bad")
    with pytest.raises(ValueError, match="cannot contain character `/`"):
        keras.Variable(1.0, name="a/b")
    with pytest.raises(ValueError, match="numeric"):
        keras.Variable(["a", object()])


def test_default_names_count_up():
    a, b = keras.Variable(1.0), keras.Variable(1.0)
    assert a.name.startswith("variable") and b.name.startswith("variable_") and a.name != b.name
    assert keras.Variable(1.0, name="w").path == "w"


def test_assign_value_numpy_and_arithmetic():
    v = keras.Variable(np.ones(2), name="w")
    out = v.assign([3, 4])
    assert isinstance(out, np.ndarray) and v.numpy().tolist() == [3.0, 4.0]
    assert v.dtype == "float32"  # assigning ints keeps the variable's dtype, as Keras
    v.assign_add([1, 1])
    v.assign_sub(np.array([2.0, 2.0]))
    assert v.numpy().tolist() == [2.0, 3.0]
    copy = v.numpy()
    copy[0] = 99
    assert v.value[0] == 2.0  # numpy() is a copy; value is the array itself
    v.value[0] = 5.0
    assert v.numpy()[0] == 5.0
    with pytest.raises(ValueError, match="shape"):
        v.assign(np.ones(3))
    assert np.asarray(v * 2 + 1).tolist() == [11.0, 7.0]
    assert np.asarray(keras.ops.matmul(np.ones((1, 2)), v)).tolist() == [8.0]
    assert np.exp(keras.Variable(0.0)) == 1.0 and float(keras.Variable(2.5)) == 2.5
    assert (v.shape, v.ndim, v.trainable, v.aggregation) == ((2,), 1, True, "none")
    v.trainable = False
    assert not v.trainable


def test_layer_and_metric_variables_are_keras_variables():
    dense = layers.Dense(2)
    dense.build((None, 3))
    assert isinstance(dense.kernel, keras.Variable) and dense.kernel.path.endswith("/kernel")
    metric = keras.metrics.Mean()
    assert all(isinstance(v, keras.Variable) for v in metric.variables)


class _ViaVariable(keras.Layer):
    def build(self, shape):
        self.w = keras.Variable(np.linspace(-1, 1, shape[-1] * 2).reshape(shape[-1], 2),
                                name="w")

    def call(self, x):
        return keras.ops.matmul(x, self.w)


class _ViaAddWeight(keras.Layer):
    def build(self, shape):
        self.w = self.add_weight(shape=(shape[-1], 2), name="w",
                                 initializer=keras.initializers.Constant(0.0))
        self.w.assign(np.linspace(-1, 1, shape[-1] * 2).reshape(shape[-1], 2))

    def call(self, x):
        return keras.ops.matmul(x, self.w)


def test_a_variable_held_by_a_custom_layer_is_its_trained_weight():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 3)), rng.normal(size=(16, 2))
    trained = []
    for cls in (_ViaVariable, _ViaAddWeight):
        model = keras.Sequential([keras.Input((3,)), cls(name="custom")])
        model.compile(optimizer="sgd", loss="mse")
        assert [w.path for w in model.weights] == ["custom/w"]
        model.fit(x, y, epochs=2, batch_size=4, verbose=0, shuffle=False)
        layer = model.layers[0]
        assert layer.w is model.weights[0]
        trained.append(layer.w.numpy())
        layer.w.assign(np.zeros((3, 2)))  # in place: the flat buffer's view sees it
        assert not model.predict(x, verbose=0).any()
    np.testing.assert_allclose(trained[0], trained[1], rtol=1e-6)
    assert not np.allclose(trained[0], np.linspace(-1, 1, 6).reshape(3, 2))


def test_name_scope_prefixes_paths_as_keras():
    with keras.name_scope("outer"):
        with keras.name_scope("inner"):
            v = keras.Variable(1.0, name="x")
        dense = layers.Dense(2, name="d")
        dense.build((None, 3))
    assert (v.name, v.path) == ("x", "outer/inner/x")
    assert (dense.kernel.name, dense.kernel.path) == ("kernel", "outer/d/kernel")
    assert keras.Variable(1.0, name="y").path == "y"  # the scopes are closed again


def test_name_scope_deduplicate_override_parent_and_errors():
    from skdeep.nn.variables import current_path

    caller = object()
    with keras.name_scope("a", caller=caller):
        with keras.name_scope("a", caller=caller):
            assert current_path() == "a"
        with keras.name_scope("a"):
            assert current_path() == "a/a"
        with keras.name_scope("b", override_parent="x/y") as scope:
            assert isinstance(scope, keras.name_scope) and scope.name == "b"
            assert keras.Variable(1.0, name="v").path == "x/y/b/v"
    for bad in ("a/b", 3):
        with pytest.raises(ValueError, match="cannot contain character"):
            keras.name_scope(bad)
    with pytest.raises(RuntimeError):
        with keras.name_scope("boom"):
            raise RuntimeError
    assert current_path() == ""
