"""Graph construction: Sequential, functional API, shared layers, sub-models."""
import numpy as np
import pytest

from skdeep.nn import Input, Model, Sequential
from skdeep.nn.layers import (Activation, Add, BatchNormalization, Concatenate, Dense, Dropout,
                              Flatten, Reshape)
from skdeep.nn.utils import set_random_seed


def small_sequential(**kw):
    return Sequential([Dense(8, activation="relu", input_shape=(4,), name="hidden"),
                       Dense(3, activation="softmax", name="out")], **kw)


def test_sequential_list_add_and_input_dim_are_equivalent(rng):
    set_random_seed(1)
    a = small_sequential()
    set_random_seed(1)
    b = Sequential()
    b.add(Dense(8, activation="relu", input_dim=4, name="hidden"))
    b.add(Dense(3, activation="softmax", name="out"))
    x = rng.standard_normal((5, 4))
    np.testing.assert_array_equal(a.predict(x, verbose=0), b.predict(x, verbose=0))
    assert a.output_shape == (None, 3)
    assert [l.name for l in a.layers] == ["hidden", "out"]


def test_sequential_with_input_tensor_first():
    model = Sequential([Input(shape=(6,)), Dense(2)])
    assert model.input_shape == (None, 6)
    assert len(model.layers) == 1


def test_deferred_sequential_builds_on_first_data(rng):
    model = Sequential([Dense(5), Dense(1)])
    with pytest.raises(ValueError, match="not been built"):
        model.summary()
    model.compile("sgd", "mse")
    model.fit(rng.standard_normal((10, 7)), rng.standard_normal(10), epochs=1, verbose=0)
    assert model.layers[0].kernel.shape == (7, 5)
    assert model.input_shape == (None, 7)


def test_get_layer_by_name_and_index():
    model = small_sequential()
    assert model.get_layer("out") is model.layers[1]
    assert model.get_layer(index=0).name == "hidden"
    with pytest.raises(ValueError, match="No such layer"):
        model.get_layer("nope")


def test_intermediate_activations_submodel(rng):
    model = small_sequential()
    feat = Model(model.input, model.layers[0].output)
    x = rng.standard_normal((3, 4)).astype("float32")
    k, b = model.layers[0].get_weights()
    np.testing.assert_allclose(feat.predict(x, verbose=0), np.maximum(x @ k + b, 0), rtol=1e-5,
                               atol=1e-6)


def test_encoder_from_autoencoder_layers_shares_weights(rng):
    auto = Sequential([Dense(2, activation="tanh", input_shape=(6,)), Dense(6)])
    auto.compile("adam", "mse")
    x = rng.standard_normal((32, 6))
    auto.fit(x, x, epochs=2, verbose=0)
    encoder = Sequential()
    encoder.add(auto.layers[0])
    codes = encoder.predict(x, verbose=0)
    k, b = auto.layers[0].get_weights()
    np.testing.assert_allclose(codes, np.tanh(x.astype("float32") @ k + b), rtol=1e-5, atol=1e-6)
    # training the autoencoder further moves the shared encoder too
    auto.fit(x, x, epochs=1, verbose=0)
    k2, b2 = auto.layers[0].get_weights()
    np.testing.assert_allclose(encoder.predict(x, verbose=0),
                               np.tanh(x.astype("float32") @ k2 + b2), rtol=1e-5, atol=1e-6)


def test_functional_multi_input_multi_output_and_names(rng):
    a = Input(shape=(3,), name="a")
    b = Input(shape=(2,), name="b")
    h = Concatenate()([Dense(4, activation="relu")(a), b])
    out1 = Dense(1, name="price")(h)
    out2 = Dense(2, activation="softmax", name="kind")(h)
    model = Model(inputs=[a, b], outputs=[out1, out2])
    assert model.output_names == ["price", "kind"]
    model.compile("adam", loss={"price": "mse", "kind": "sparse_categorical_crossentropy"},
                  loss_weights={"price": 0.5, "kind": 1.0}, metrics={"kind": ["accuracy"]})
    xa, xb = rng.standard_normal((16, 3)), rng.standard_normal((16, 2))
    y1, y2 = rng.standard_normal(16), rng.integers(0, 2, 16)
    hist = model.fit({"a": xa, "b": xb}, {"price": y1, "kind": y2}, epochs=2, verbose=0)
    assert set(hist.history) == {"loss", "price_loss", "kind_loss", "kind_accuracy"}
    logs = model.evaluate([xa, xb], [y1, y2], verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["loss"], 0.5 * logs["price_loss"] + logs["kind_loss"],
                               rtol=1e-6)
    p1, p2 = model.predict([xa, xb], verbose=0)
    assert p1.shape == (16, 1) and p2.shape == (16, 2)


def test_shared_layer_called_twice_uses_one_set_of_weights(rng):
    shared = Dense(3, name="shared")
    a, b = Input(shape=(4,)), Input(shape=(4,))
    model = Model([a, b], Add()([shared(a), shared(b)]))
    assert len(model.weights) == 2
    x1, x2 = rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    k, bias = shared.get_weights()
    expected = (x1 + x2).astype("float32") @ k + 2 * bias
    np.testing.assert_allclose(model.predict([x1, x2], verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_nested_sequential_as_layer(rng):
    inner = Sequential([Dense(4, activation="relu", input_shape=(3,)), Dense(2)])
    inp = Input(shape=(3,))
    outer = Model(inp, Dense(1)(inner(inp)))
    outer.compile("adam", "mse")
    x = rng.standard_normal((8, 3))
    before = inner.get_weights()
    outer.fit(x, rng.standard_normal(8), epochs=1, verbose=0)
    assert any(not np.array_equal(b, a) for b, a in zip(before, inner.get_weights()))
    assert len(outer.weights) == 6


def test_graph_disconnected_error():
    a, b = Input(shape=(2,)), Input(shape=(2,))
    out = Add()([a, b])
    with pytest.raises(ValueError, match="Graph disconnected"):
        Model(a, out)


def test_trainable_false_takes_effect_at_next_compile(rng):
    model = small_sequential()
    model.compile("sgd", "sparse_categorical_crossentropy")
    x, y = rng.standard_normal((16, 4)), rng.integers(0, 3, 16)
    model.layers[0].trainable = False
    frozen_before = model.layers[0].get_weights()
    model.fit(x, y, epochs=1, verbose=0)  # compiled while trainable: still updated
    assert not np.array_equal(frozen_before[0], model.layers[0].get_weights()[0])
    model.compile("sgd", "sparse_categorical_crossentropy")
    frozen = model.layers[0].get_weights()
    head = model.layers[1].get_weights()
    model.fit(x, y, epochs=2, verbose=0)
    np.testing.assert_array_equal(frozen[0], model.layers[0].get_weights()[0])
    assert not np.array_equal(head[0], model.layers[1].get_weights()[0])
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2


def test_summary_lists_layers_and_param_counts(capsys):
    model = Sequential([Dense(64, activation="relu", input_shape=(10,), name="d1"),
                        BatchNormalization(name="bn"), Dense(1, name="d2")])
    model.summary()
    text = capsys.readouterr().out
    assert 'Model: "' in text
    for piece in ("d1 (Dense)", "(None, 64)", "704", "bn (BatchNormalization)", "256",
                  "Total params: 1,025", "Trainable params: 897", "Non-trainable params: 128"):
        assert piece in text


def test_set_weights_restores_predictions_exactly(rng):
    model = small_sequential()
    model.compile("adam", "sparse_categorical_crossentropy")
    x = rng.standard_normal((10, 4))
    saved = model.get_weights()
    before = model.predict(x, verbose=0)
    model.fit(x, rng.integers(0, 3, 10), epochs=3, verbose=0)
    assert not np.array_equal(before, model.predict(x, verbose=0))
    model.set_weights(saved)
    np.testing.assert_array_equal(before, model.predict(x, verbose=0))
    with pytest.raises(ValueError, match="expects 4 weight arrays"):
        model.set_weights(saved[:2])
    with pytest.raises(ValueError, match="shape"):
        model.layers[0].set_weights([np.zeros((5, 8)), np.zeros(8)])


def test_same_seed_same_weights_and_predictions(rng):
    x, y = rng.standard_normal((40, 4)), rng.integers(0, 3, 40)

    def run():
        set_random_seed(123)
        model = Sequential([Dense(8, activation="relu", input_shape=(4,)), Dropout(0.3),
                            Dense(3, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy")
        model.fit(x, y, epochs=3, batch_size=8, verbose=0)
        return model.get_weights(), model.predict(x, verbose=0)

    w1, p1 = run()
    w2, p2 = run()
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(p1, p2)


def test_batch_invariance_of_predict(rng):
    model = Sequential([Dense(16, activation="tanh", input_shape=(5,)), BatchNormalization(),
                        Dense(2, activation="softmax")])
    x = rng.standard_normal((37, 5))
    whole = model.predict(x, batch_size=64, verbose=0)
    rows = np.concatenate([model.predict(x[i:i + 1], verbose=0) for i in range(len(x))])
    np.testing.assert_allclose(whole, rows, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(whole, model.predict(x, batch_size=5, verbose=0), rtol=1e-6,
                               atol=1e-7)


def test_eager_layer_and_model_calls(rng):
    x = rng.standard_normal((2, 3))
    assert Dense(4)(x).shape == (2, 4)
    assert Flatten()(np.zeros((2, 3, 4))).shape == (2, 12)
    assert Reshape((2, -1))(np.zeros((2, 6))).shape == (2, 2, 3)
    assert Activation("softmax")(x).sum(axis=1) == pytest.approx([1, 1])
    model = small_sequential()
    assert model(x.astype("float32")[:, :3].repeat(2, axis=1)[:, :4]).shape == (2, 3)


def test_layer_input_output_attributes():
    model = small_sequential()
    layer = model.layers[1]
    assert layer.input.shape == (None, 8)
    assert layer.output.shape == (None, 3)
    assert layer.input_shape == (None, 8) and layer.output_shape == (None, 3)
    with pytest.raises(AttributeError, match="never been called"):
        Dense(3).output
