"""Bad input gets one clear, early error that names the problem."""
import numpy as np
import pytest

from skdeep.nn import Input, Model, Sequential
from skdeep.nn.layers import BatchNormalization, Dense, Dropout


@pytest.fixture
def model():
    m = Sequential([Dense(4, activation="relu", input_shape=(3,)), Dense(1)])
    m.compile("adam", "mse")
    return m


def test_wrong_input_shape(model):
    with pytest.raises(ValueError, match=r"shape \(5, 4\).*expects \(None, 3\)"):
        model.fit(np.zeros((5, 4)), np.zeros(5), verbose=0)
    with pytest.raises(ValueError, match="expects"):
        model.predict(np.zeros((5, 2)), verbose=0)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_inf_in_x_or_y(model, bad):
    x, y = np.zeros((4, 3)), np.zeros(4)
    x[1, 2] = bad
    with pytest.raises(ValueError, match="Input x contains (NaN|infinite)"):
        model.fit(x, y, verbose=0)
    x[1, 2] = 0
    y[3] = bad
    with pytest.raises(ValueError, match="Target y contains (NaN|infinite)"):
        model.fit(x, y, verbose=0)


def test_mismatched_lengths(model):
    with pytest.raises(ValueError, match="different numbers of samples"):
        model.fit(np.zeros((5, 3)), np.zeros(4), verbose=0)


def test_empty_data(model):
    with pytest.raises(ValueError, match="Empty data"):
        model.fit(np.zeros((0, 3)), np.zeros(0), verbose=0)


def test_unknown_names():
    with pytest.raises(ValueError, match="Unknown activation 'rellu'"):
        Dense(3, activation="rellu")
    m = Sequential([Dense(1, input_shape=(2,))])
    with pytest.raises(ValueError, match="Unknown loss 'mse2'"):
        m.compile("adam", "mse2")
    with pytest.raises(ValueError, match="Unknown optimizer 'adamm'"):
        m.compile("adamm", "mse")
    with pytest.raises(ValueError, match="Unknown metric 'acuracy'"):
        m.compile("adam", "mse", metrics=["acuracy"])
        m.fit(np.zeros((2, 2)), np.zeros(2), verbose=0)
    with pytest.raises(ValueError, match="Unknown initializer"):
        Dense(2, kernel_initializer="glorot")


def test_fit_before_compile():
    m = Sequential([Dense(1, input_shape=(2,))])
    with pytest.raises(RuntimeError, match="compile"):
        m.fit(np.zeros((2, 2)), np.zeros(2), verbose=0)
    with pytest.raises(RuntimeError, match="compile"):
        m.evaluate(np.zeros((2, 2)), np.zeros(2), verbose=0)
    # predict works without compile, as in Keras
    assert m.predict(np.zeros((2, 2)), verbose=0).shape == (2, 1)


@pytest.mark.parametrize("kwargs, match", [
    (dict(epochs=-1), "epochs"), (dict(batch_size=0), "batch_size"),
    (dict(batch_size=2.5), "batch_size"), (dict(verbose=5), "verbose"),
    (dict(validation_split=-0.1), "validation_split"),
])
def test_bad_fit_arguments(model, kwargs, match):
    with pytest.raises(ValueError, match=match):
        model.fit(np.zeros((4, 3)), np.zeros(4), **kwargs)


@pytest.mark.parametrize("factory, match", [
    (lambda: Dense(0), "units"), (lambda: Dense(-3), "units"), (lambda: Dropout(1.0), "rate"),
    (lambda: BatchNormalization(momentum=2), "momentum"),
    (lambda: Dense(2, foo=1), "unexpected keyword"),
])
def test_bad_layer_hyperparameters(factory, match):
    with pytest.raises((ValueError, TypeError), match=match):
        factory()


def test_bad_optimizer_hyperparameters():
    from skdeep.nn.optimizers import SGD, Adam

    with pytest.raises(ValueError, match="learning_rate"):
        Adam(learning_rate=-1)
    with pytest.raises(ValueError, match="momentum"):
        SGD(momentum=1.5)


def test_sparse_and_string_input_rejected(model):
    sp = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match="sparse"):
        model.fit(sp.csr_matrix(np.zeros((4, 3))), np.zeros(4), verbose=0)
    with pytest.raises(ValueError, match="numeric"):
        model.fit(np.array([["a", "b", "c"]] * 4), np.zeros(4), verbose=0)


def test_wrong_number_of_inputs_and_targets():
    a, b = Input(shape=(2,)), Input(shape=(2,))
    m = Model([a, b], [Dense(1)(a), Dense(1)(b)])
    m.compile("sgd", "mse")
    with pytest.raises(ValueError, match="expects 2 input arrays"):
        m.fit([np.zeros((3, 2))] * 3, [np.zeros(3)] * 2, verbose=0)
    with pytest.raises(ValueError, match="2 outputs"):
        m.fit([np.zeros((3, 2))] * 2, [np.zeros(3)] * 3, verbose=0)
    with pytest.raises(ValueError, match="not output names"):
        m.compile("sgd", loss={"nope": "mse"})
        m.fit([np.zeros((3, 2))] * 2, [np.zeros(3)] * 2, verbose=0)


def test_sparse_categorical_labels_out_of_range():
    m = Sequential([Dense(3, activation="softmax", input_shape=(2,))])
    m.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"class ids must be in \[0, 3\)"):
        m.fit(np.zeros((2, 2)), np.array([0, 3]), verbose=0)


def test_categorical_crossentropy_with_integer_labels_explains_fix():
    m = Sequential([Dense(3, activation="softmax", input_shape=(2,))])
    m.compile("adam", "categorical_crossentropy")
    with pytest.raises(ValueError, match="to_categorical"):
        m.fit(np.zeros((2, 2)), np.array([0, 2]), verbose=0)
