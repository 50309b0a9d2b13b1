"""Embedding and Masking: lookups, id checks, masks and their effect downstream."""
import warnings

import numpy as np
import pytest

from skdeep.nn import Sequential, backend
from skdeep.nn.layers import GRU, LSTM, Dense, Embedding, Masking
from skdeep.nn.context import CallContext


def test_lookup_weights_and_defaults():
    layer = Embedding(6, 3)
    ids = np.array([[1, 5, 0], [5, 5, 2]])
    y = layer(ids)
    table = layer.get_weights()[0]
    assert table.shape == (6, 3) and y.shape == (2, 3, 3)
    np.testing.assert_array_equal(y, table[ids])
    # Keras default 'uniform' = RandomUniform(-0.05, 0.05)
    big = Embedding(2000, 8)
    big.build(None)
    values = big.embeddings.value
    assert values.min() >= -0.05 and values.max() <= 0.05 and values.std() > 0.025
    assert layer.compute_mask(ids, None) is None and not layer.supports_masking


def test_float_ids_are_accepted_when_integral():
    layer = Embedding(4, 2, weights=np.arange(8.0).reshape(4, 2))
    np.testing.assert_array_equal(layer(np.array([[3.0, 0.0]], np.float32)),
                                  [[[6.0, 7.0], [0.0, 1.0]]])


@pytest.mark.parametrize("ids, error, match", [
    (np.array([[1, 4]]), ValueError, r"id 4 outside \[0, 4\)"),
    (np.array([[-1, 2]]), ValueError, r"id -1 outside"),
    (np.array([[1.5, 2.0]]), ValueError, "integer ids, got the value 1.5"),
    (np.array([[np.nan, 2.0]]), ValueError, "integer ids"),
    (np.array([["a", "b"]]), TypeError, "dtype"),
])
def test_bad_ids_raise_clear_errors(ids, error, match):
    layer = Embedding(4, 2)
    layer.build(None)
    with pytest.raises(error, match=match):
        layer.forward(ids, CallContext())


def test_bad_arguments():
    with pytest.raises(ValueError, match="input_dim"):
        Embedding(0, 3)
    with pytest.raises(ValueError, match="output_dim"):
        Embedding(3, 2.0)
    with pytest.raises(ValueError, match="expects 1 weight"):
        Embedding(3, 2, weights=[np.ones((3, 2)), np.ones((3, 2))])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Embedding(3, 2, input_length=5)
    assert "input_length" in str(caught[0].message)


def test_gradient_accumulates_repeated_ids():
    with backend.floatx_scope("float64"):
        layer = Embedding(5, 2)
        layer.build(None)
        ids = np.array([[1, 1, 3], [4, 1, 0]])
        dy = np.random.default_rng(0).standard_normal((2, 3, 2))
        _, backward = layer.forward(ids, CallContext())
        assert backward(dy) is None  # ids get no gradient
        expected = np.zeros((5, 2))
        np.add.at(expected, ids.ravel(), dy.reshape(-1, 2))
        np.testing.assert_allclose(layer.embeddings.grad, expected)
        frozen = Embedding(5, 2, trainable=False)
        frozen.build(None)
        frozen.forward(ids, CallContext())[1](dy)
        assert not frozen.embeddings.grad.any()


def test_mask_zero_mask_and_its_effect_on_an_rnn():
    emb = Embedding(10, 4, mask_zero=True)
    ids = np.array([[0, 0, 3, 4, 5], [6, 7, 8, 9, 1]])
    np.testing.assert_array_equal(emb.compute_mask(ids, None), ids != 0)
    backend.set_random_seed(0)
    model = Sequential([emb, LSTM(3)])
    model.build((None, 5))
    short = Sequential([Embedding(10, 4), LSTM(3)])
    short.build((None, 3))
    short.set_weights(model.get_weights())
    # pre-padding with 0 is invisible to the LSTM after Embedding(mask_zero=True)
    np.testing.assert_allclose(model.predict(ids[:1], verbose=0),
                               short.predict(ids[:1, 2:], verbose=0), rtol=1e-5, atol=1e-6)


def test_masking_layer():
    x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]],
                  [[-1.0, -1.0], [5.0, 6.0], [-1.0, -1.0]]], np.float32)
    layer = Masking()
    np.testing.assert_array_equal(layer.compute_mask(x, None), [[True, False, True],
                                                                [True, True, True]])
    by_value = Masking(mask_value=-1.0)
    mask = by_value.compute_mask(x, None)
    np.testing.assert_array_equal(mask, [[True, True, True], [False, True, False]])
    y, backward = by_value.forward(x, CallContext())
    np.testing.assert_array_equal(y[1], [[0, 0], [5, 6], [0, 0]])  # masked steps are zeroed
    np.testing.assert_array_equal(backward(np.ones_like(x))[1], [[0, 0], [1, 1], [0, 0]])
    assert Masking.from_config(by_value.get_config()).mask_value == -1.0


def test_masking_then_gru_skips_the_masked_steps():
    rng = np.random.default_rng(1)
    seq = rng.standard_normal((1, 3, 2)).astype(np.float32)
    padded = np.concatenate([seq, np.full((1, 2, 2), -1.0, np.float32)], axis=1)
    backend.set_random_seed(1)
    model = Sequential([Masking(-1.0, input_shape=(5, 2)), GRU(3), Dense(1)])
    ref = Sequential([GRU(3, input_shape=(3, 2)), Dense(1)])
    ref.set_weights(model.get_weights())
    np.testing.assert_allclose(model.predict(padded, verbose=0), ref.predict(seq, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_float_input_model_and_training():
    """A Sequential fed float ids (its InputLayer is float) trains and predicts."""
    rng = np.random.default_rng(2)
    X = rng.integers(1, 20, (64, 5)).astype(np.float32)
    y = (X[:, 0] > 10).astype(np.float32)
    backend.set_random_seed(2)
    model = Sequential([Embedding(20, 4, input_shape=(5,)), LSTM(4),
                        Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    before = model.get_weights()[0].copy()
    model.fit(X, y, epochs=2, batch_size=16, verbose=0)
    assert not np.allclose(model.get_weights()[0], before)
    assert model.predict(X[:3], verbose=0).shape == (3, 1)
    with pytest.raises(ValueError, match="outside"):
        model.predict(np.full((1, 5), 25.0), verbose=0)
