"""Bad input gives a clear error naming the problem, not a misleading one;
numpy scalars are accepted wherever a number is."""
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from skdeep import NeuralClassifier, NeuralRegressor
from skdeep.nn import Input, Sequential, threads
from skdeep.nn.layers import Dense, MultiHeadAttention

RNG = np.random.default_rng(0)
X = RNG.standard_normal((10, 3))
Y = np.arange(10) % 2


def unbuilt():
    model = Sequential([Dense(2)])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    return model


@pytest.mark.parametrize("call", [lambda m, x: m.predict(x, verbose=0),
                                  lambda m, x: m.fit(x, Y, verbose=0)], ids=["predict", "fit"])
def test_sparse_input_to_an_unbuilt_sequential(call):
    with pytest.raises(TypeError, match=r"sparse matrix.*toarray"):
        call(unbuilt(), sp.csr_matrix(X))


def test_pd_na_in_a_nullable_integer_column():
    frame = pd.DataFrame({"a": pd.array([1, None, 3, 4, 5] * 2, dtype="Int64"),
                          "b": np.arange(10.0), "c": 1.0})
    with pytest.raises(ValueError, match="missing values"):
        unbuilt().fit(frame, Y, verbose=0)
    clean = frame.fillna(0)
    unbuilt().fit(clean, Y, verbose=0)  # nullable dtypes without NA are fine


@pytest.mark.parametrize("make", [lambda: unbuilt().fit,
                                  lambda: NeuralClassifier(layers=[], epochs=1).fit])
def test_finite_float64_beyond_float32(make):
    with pytest.raises(ValueError, match="beyond the float32 range"):
        make()(X * 1e39, Y)
    with pytest.raises(ValueError, match="infinit"):  # real infinities still say so
        make()(np.where(X > 0, np.inf, X), Y)


def test_float64_targets_beyond_float32():
    model = Sequential([Dense(1, input_shape=(3,))])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="Target y .*beyond the float32 range"):
        model.fit(X, X[:, 0] * 1e39, verbose=0)


@pytest.mark.parametrize("class_weight, message", [
    ({"0": 1.0, "1": 2.0}, "keys must be integer class indices"),
    ({"a": 1.0}, "keys must be integer class indices"),
    ({0: np.nan, 1: 1.0}, r"class_weight\[0\] must be finite and non-negative"),
    ({0: -1.0, 1: 1.0}, "must be finite and non-negative"),
    ({0: "x"}, "must be a number"),
])
def test_bad_class_weight_for_model_fit(class_weight, message):
    with pytest.raises(ValueError, match=message):
        unbuilt().fit(X, Y, class_weight=class_weight, verbose=0)


def test_class_weight_accepts_numpy_keys_and_values():
    unbuilt().fit(X, Y, class_weight={np.int64(0): np.float32(1.0), 1: 2}, verbose=0)


def test_nan_class_weight_for_the_classifier():
    with pytest.raises(ValueError, match="finite and non-negative"):
        NeuralClassifier(layers=[], epochs=1, class_weight={0: np.nan, 1: 1.0}).fit(X, Y)


@pytest.mark.parametrize("shape, message", [((-1,), "negative dimensions"),
                                            (("a",), "invalid entry 'a'"),
                                            ((2.5,), "invalid entry 2.5"),
                                            ((True,), "invalid entry True")])
def test_bad_input_shapes(shape, message):
    with pytest.raises(ValueError, match=message):
        Input(shape=shape)


def test_input_shapes_accept_numpy_integers():
    assert Input(shape=(np.int64(3), None)).shape == (None, 3, None)


def test_numpy_scalars_are_accepted_where_numbers_are():
    history = unbuilt().fit(X, Y, validation_split=np.float32(0.2), epochs=np.int64(2),
                            batch_size=np.int32(4), verbose=0)
    assert len(history.history["val_loss"]) == 2
    NeuralRegressor(layers=[], epochs=np.int64(1), validation_split=np.float32(0.2),
                    learning_rate=np.float32(0.01), batch_size=np.int16(4)).fit(X, X[:, 0])
    MultiHeadAttention(num_heads=np.int64(2), key_dim=np.int32(4), dropout=np.float32(0.1))


@pytest.mark.parametrize("est", [NeuralClassifier, NeuralRegressor])
def test_n_jobs_zero_is_rejected(est):
    with pytest.raises(ValueError, match="n_jobs"):
        est(layers=[], epochs=1, n_jobs=0).fit(X, Y)


def test_thread_limits_zero_is_rejected():
    with pytest.raises(ValueError, match="0 has no meaning"), threads.thread_limits(0):
        pass
