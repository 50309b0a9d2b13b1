"""Custom layers, models and losses through the ops tape, against the engine's
built-in (fused) paths; gradients by central differences."""
import pickle

import numpy as np
import pytest

import skdeep.nn as keras
from skdeep.nn import backend, layers, losses, ops, saving
from skdeep.nn.testing import check_layer_gradients


class OpsDense(keras.layers.Layer):
    """Dense written with ops (same layout and defaults as the built-in)."""

    def __init__(self, units, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = activation

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                      initializer="glorot_uniform", name="kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, inputs):
        y = inputs @ self.kernel + self.bias
        if self.activation == "relu":
            return ops.relu(y)
        if self.activation == "softmax":
            return ops.softmax(y)
        return y


def _mlp(dense, seed=0):
    backend.set_random_seed(seed)
    return keras.Sequential([keras.Input((6,)), dense(8, activation="relu"),
                             dense(3, activation="softmax")])


def _train(model, loss, steps=5):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 6)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 16)]
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss=loss)
    for _ in range(steps):
        model.train_on_batch(x, y)
    return model.get_weights()


def test_ops_dense_matches_builtin_dense_after_adam_steps():
    builtin = _mlp(layers.Dense)
    custom = _mlp(OpsDense)
    custom.set_weights(builtin.get_weights())
    for a, b in zip(_train(builtin, "categorical_crossentropy"),
                    _train(custom, "categorical_crossentropy")):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)


def _cce(y_true, y_pred):
    return ops.categorical_crossentropy(y_true, y_pred)


class CustomCCE(losses.Loss):
    def call(self, y_true, y_pred):
        return -ops.sum(y_true * ops.log(ops.clip(y_pred, 1e-7, 1 - 1e-7)), axis=-1)


@pytest.mark.parametrize("loss", [_cce, CustomCCE()], ids=["function", "subclass"])
def test_custom_loss_matches_builtin_loss_after_adam_steps(loss):
    builtin = _mlp(layers.Dense)
    custom = _mlp(layers.Dense)
    custom.set_weights(builtin.get_weights())
    for a, b in zip(_train(builtin, "categorical_crossentropy"), _train(custom, loss)):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)


class Mixed(keras.layers.Layer):
    """Custom ops, a built-in sublayer with its fused kernel, lists and dicts of
    sublayers, a non-trainable statistic and an add_loss term."""

    def __init__(self, stateful=True, **kwargs):
        super().__init__(**kwargs)
        self.stateful = stateful
        self.inner = [OpsDense(4, activation="relu")]
        self.heads = {"dense": layers.Dense(3, activation="tanh", bias_initializer="ones")}

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones")
        self.count = self.add_weight(shape=(), initializer="zeros", trainable=False)

    def call(self, inputs, training=None):
        if self.stateful:
            self.count.assign_add(1.0)
        h = self.inner[0](inputs * self.scale + self.count * 0.01)
        out = self.heads["dense"](h)
        if self.stateful:
            self.add_loss(0.1 * ops.mean(ops.square(out)))
        return ops.concatenate([out, ops.max(h, axis=-1, keepdims=True) ** 2], axis=-1)


def _nonzero(layer):
    rng = np.random.default_rng(1)
    for w in layer.weights:  # non-zero parameters and state everywhere
        w.assign(rng.normal(size=w.shape) * 0.5 + 1.0)


def test_gradients_of_mixed_custom_layer():
    with backend.floatx_scope("float64"):
        layer = Mixed(stateful=False)
        x = np.random.default_rng(0).normal(size=(5, 3))
        layer(x)
        _nonzero(layer)
        check_layer_gradients(layer, x, training=True)
    trainable = {id(w) for w in layer.trainable_weights}
    assert {id(layer.scale), id(layer.inner[0].kernel), id(layer.heads["dense"].kernel)} <= \
        trainable
    assert id(layer.count) not in trainable and len(layer.weights) == 6
    assert layer.count.shape == ()


def test_add_loss_gradient_and_persistent_statistic():
    from skdeep.nn.context import CallContext

    with backend.floatx_scope("float64"):
        layer = Mixed()
        x = np.random.default_rng(0).normal(size=(4, 3))
        layer(x)
        _nonzero(layer)
        r = np.random.default_rng(2).normal(size=(4, 4))

        def objective():
            count = layer.count.numpy()
            penalties = []
            y, _ = layer.forward(x, CallContext(training=True, penalties=penalties))
            layer.count.assign(count)  # central differences need the same state
            return float((y * r).sum() + sum(penalties))

        for w in layer.weights:
            w.grad[...] = 0
        count = layer.count.numpy()
        penalties = []
        _, backward = layer.forward(x, CallContext(training=True, penalties=penalties))
        assert len(penalties) == 1 and layer.count.numpy() == count + 1  # assign persisted
        backward(r)
        layer.count.assign(count)
        w = layer.heads["dense"].kernel
        i = (1, 2)
        old = w.value[i]
        w.value[i] = old + 1e-6
        hi = objective()
        w.value[i] = old - 1e-6
        lo = objective()
        w.value[i] = old
        np.testing.assert_allclose(w.grad[i], (hi - lo) / 2e-6, rtol=1e-5)


def test_frozen_sublayer_is_not_trained():
    model = keras.Sequential([keras.Input((3,)), Mixed(), layers.Dense(1)])
    mixed = model.layers[0]
    mixed.heads["dense"].trainable = False
    before = mixed.heads["dense"].get_weights()
    scale = mixed.scale.numpy()
    model.compile("adam", "mse")
    model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=2, verbose=0)
    for a, b in zip(before, mixed.heads["dense"].get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(scale, mixed.scale.numpy())
    assert len(mixed.trainable_weights) == 3  # scale + the OpsDense pair


def test_output_shape_inferred_without_side_effects():
    inp = keras.Input((3,))
    layer = Mixed()
    out = layer(inp)
    assert out.shape == (None, 4)
    assert float(layer.count.numpy()) == 0.0  # the shape probe left the statistic alone
    assert layer.losses == []


def test_ops_on_symbolic_tensors_build_graph_nodes():
    a, b = keras.Input((3,)), keras.Input((3,))
    c = ops.add(a, b)
    d = a * 2 + b
    e = ops.concatenate([c, d], axis=-1)
    f = ops.relu(layers.Dense(2)(e))[:, :1]
    model = keras.Model([a, b], [e, f])
    assert model.output_shape == [(None, 6), (None, 1)]
    xa, xb = np.ones((2, 3), "float32"), np.full((2, 3), 2.0, "float32")
    out_e, out_f = model.predict([xa, xb], verbose=0)
    np.testing.assert_allclose(out_e, np.concatenate([xa + xb, xa * 2 + xb], axis=-1))
    assert out_f.shape == (2, 1)
    model.compile("adam", ["mse", "mse"])
    model.fit([xa, xb], [np.zeros((2, 6)), np.zeros((2, 1))], verbose=0)


class SubclassedMLP(keras.Model):
    def __init__(self, hidden=8, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        self.dense1 = layers.Dense(hidden, activation="relu")
        self.dense2 = OpsDense(1)

    def call(self, inputs, training=False):
        return self.dense2(self.dense1(inputs))


def test_subclassed_model_build_fit_save_weights(tmp_path):
    model = SubclassedMLP(name="my_mlp")
    model.build((None, 4))
    assert model.built and len(model.weights) == 4
    model.compile("adam", "mse")
    x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    history = model.fit(x, x[:, :1], epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    path = str(tmp_path / "w.weights.h5")
    model.save_weights(path)
    fresh = SubclassedMLP()
    fresh(x[:2])  # built on first call
    fresh.load_weights(path)
    np.testing.assert_allclose(fresh.predict(x, verbose=0), model.predict(x, verbose=0))
    assert type(model(x[:2]).numpy()) is np.ndarray


@saving.register_keras_serializable(package="SkdeepTests")
class Scale(keras.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, inputs):
        return inputs * self.w * self.factor


class Unregistered(keras.layers.Layer):
    def call(self, inputs):
        return inputs + 1.0


def _model(layer):
    inp = keras.Input((3,))
    return keras.Model(inp, layers.Dense(2)(layer(inp)))


def test_registered_custom_layer_saves_and_loads(tmp_path):
    model = _model(Scale(3.0))
    model.layers[1].w.assign([1.0, 2.0, 3.0])
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = saving.load_model(path)
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.layers[1].factor == 3.0
    clone = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0))


def test_unregistered_custom_layer_needs_custom_objects(tmp_path):
    model = _model(Unregistered())
    path = str(tmp_path / "m.keras")
    model.save(path)
    with pytest.raises(ValueError, match="Unregistered"):
        saving.load_model(path)
    loaded = saving.load_model(path, custom_objects={"Unregistered": Unregistered})
    with saving.custom_object_scope({"Unregistered": Unregistered}):
        saving.load_model(path)
    x = np.ones((1, 3), "float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


class NoGetConfig(keras.layers.Layer):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def call(self, inputs):
        return self.fn(inputs)


def test_clear_errors():
    with pytest.raises(NotImplementedError, match="get_config"):
        NoGetConfig(ops.relu).get_config()

    class NoCall(keras.layers.Layer):
        pass

    with pytest.raises(NotImplementedError, match="call"):
        NoCall()(np.ones((1, 2)))

    class ReturnsNone(keras.layers.Layer):
        def call(self, inputs):
            return None

    with pytest.raises(ValueError, match="returned None"):
        ReturnsNone()(np.ones((1, 2)))
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    model.compile("adam")
    with pytest.raises(ValueError, match="No loss to compute"):
        model.fit(np.ones((2, 2)), np.ones((2, 1)), verbose=0)

    def numpy_loss(y_true, y_pred):
        return np.mean((np.asarray(y_true) - np.asarray(y_pred)) ** 2, axis=-1)

    model.compile("adam", loss=numpy_loss)
    with pytest.raises(ValueError, match="skdeep.nn.ops"):
        model.fit(np.ones((2, 2)), np.ones((2, 1)), verbose=0)


class LogisticEndpoint(keras.layers.Layer):
    """keras-io "training with built-in methods": a built-in loss called in call()."""

    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    def call(self, inputs):
        targets, logits = inputs
        loss = self.loss_fn(targets, logits)
        self.add_loss(loss)
        return ops.softmax(logits)


def test_builtin_loss_inside_call_is_differentiated():
    inputs = keras.Input(shape=(3,), name="inputs")
    targets = keras.Input(shape=(10,), name="targets")
    logits = keras.layers.Dense(10)(inputs)
    predictions = LogisticEndpoint(name="predictions")([targets, logits])
    model = keras.Model(inputs=[inputs, targets], outputs=predictions)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.05))  # No loss argument!
    rng = np.random.default_rng(0)
    data = [rng.random((16, 3)), (rng.random((16, 10)) > 0.5).astype("float32")]
    history = model.fit(data, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    from skdeep.nn.context import CallContext

    with backend.floatx_scope("float64"):
        layer = LogisticEndpoint()
        targets, logits = rng.random((3, 4)), rng.normal(size=(3, 4))
        r = rng.normal(size=(3, 4))

        def objective(z):
            penalties = []
            y, _ = layer.forward([targets, z], CallContext(training=True, penalties=penalties))
            return float((y * r).sum() + sum(penalties))

        penalties = []
        _, backward = layer.forward([targets, logits], CallContext(penalties=penalties))
        analytic = backward(r)[1]
        numeric = np.zeros_like(logits)
        for i in np.ndindex(logits.shape):
            hi, lo = logits.copy(), logits.copy()
            hi[i] += 1e-6
            lo[i] -= 1e-6
            numeric[i] = (objective(hi) - objective(lo)) / 2e-6
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


@saving.register_keras_serializable(package="SkdeepTests")
class RegisteredMLP(SubclassedMLP):
    pass


def test_subclassed_model_saves_in_skdeep_format_and_pickles(tmp_path):
    model = RegisteredMLP(hidden=5)
    x = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    model.compile("adam", "mse")
    model.fit(x, x[:, :1], verbose=0)
    path = str(tmp_path / "sub.skdeep")
    model.save(path)
    loaded = saving.load_model(path)
    assert type(loaded) is RegisteredMLP and loaded.hidden == 5
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    clone = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0))
    with pytest.raises(ValueError, match="subclassed model"):
        model.save(str(tmp_path / "sub.keras"))
    unregistered = SubclassedMLP()
    unregistered(x)
    unregistered.save(str(tmp_path / "plain.skdeep"))
    with pytest.raises(ValueError, match="register_keras_serializable"):
        saving.load_model(str(tmp_path / "plain.skdeep"))
    again = saving.load_model(str(tmp_path / "plain.skdeep"),
                              custom_objects={"SubclassedMLP": SubclassedMLP})
    np.testing.assert_allclose(again.predict(x, verbose=0), unregistered.predict(x, verbose=0))
