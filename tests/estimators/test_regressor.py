"""NeuralRegressor: outputs, multi-output targets, routing and incremental training."""
import numpy as np
import pytest
from sklearn.datasets import make_regression

from skdeep import NeuralRegressor
from skdeep.nn import losses
from skdeep.nn.layers import Dense


@pytest.fixture(scope="module")
def data():
    X, y = make_regression(n_samples=100, n_features=5, n_targets=2, noise=0.5,
                           random_state=0)
    return X, y / y.std(0)


def small(**kw):
    params = dict(layers=[Dense(16, activation="relu")], epochs=30, learning_rate=0.02,
                  random_state=0)
    params.update(kw)
    return NeuralRegressor(**params)


def test_single_and_multi_output(data):
    X, Y = data
    one = small().fit(X, Y[:, 0])
    pred = one.predict(X)
    assert pred.shape == (100,) and pred.dtype == np.float64
    assert one.score(X, Y[:, 0]) > 0.9
    assert one.model_.layers[-1].units == 1 and one.n_outputs_ == 1
    two = small().fit(X, Y)
    assert two.predict(X).shape == (100, 2) and two.n_outputs_ == 2
    assert two.score(X, Y) > 0.9
    column = small().fit(X, Y[:, :1])
    assert column.predict(X).shape == (100, 1)
    assert small().fit(X.astype(np.float32), Y).predict(X.astype(np.float32)).dtype == np.float32


def test_int_targets_and_loss_routing(data):
    X, Y = data
    y_int = np.round(Y[:, 0] * 3).astype(np.int64)
    a = small(epochs=3).fit(X, y_int)
    b = small(epochs=3).fit(X, y_int.astype(np.float64))
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    huber = small(epochs=2, loss="huber", loss__delta=0.5).fit(X, Y)
    assert isinstance(huber.model_._compile_spec["loss"], losses.Huber)
    assert huber.model_._compile_spec["loss"].delta == 0.5
    with pytest.raises(ValueError, match="Unknown loss"):
        small(loss="nope").fit(X, Y)


def test_optimizer_routing_and_instances_not_shared(data):
    X, Y = data
    from skdeep.nn.optimizers import RMSprop

    opt = RMSprop(learning_rate=0.005)
    reg = small(optimizer=opt, learning_rate=None, optimizer__rho=0.8, epochs=2).fit(X, Y)
    used = reg.model_.optimizer
    assert used is not opt and used.rho == 0.8 and used.learning_rate == pytest.approx(0.005)
    assert opt.iterations == 0 and opt.rho == 0.9
    sgd = small(optimizer="sgd", epochs=1).fit(X, Y)
    assert sgd.model_.optimizer.learning_rate == pytest.approx(0.02)
    default = NeuralRegressor(optimizer="sgd", epochs=1).fit(X, Y)
    assert default.model_.optimizer.learning_rate == pytest.approx(0.01)  # Keras' default


def test_partial_fit_streams(data):
    X, Y = data
    reg = small()
    losses_seen = []
    for _ in range(8):
        for start in range(0, 100, 25):
            reg.partial_fit(X[start:start + 25], Y[start:start + 25])
        losses_seen.append(reg.history_["loss"][-1])
    assert reg.n_iter_ == 32
    assert reg.score(X, Y) > 0.8
    with pytest.raises(ValueError, match="target column"):
        reg.partial_fit(X, Y[:, 0])


def test_regression_with_nd_input_and_model_callable():
    from skdeep.nn import Sequential
    from skdeep.nn.layers import Flatten

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3, 2))
    y = X.sum(axis=(1, 2))
    reg = NeuralRegressor(layers=[Flatten(), Dense(8)], epochs=2, random_state=0).fit(X, y)
    assert reg.predict(X).shape == (40,)

    def build(units=4):
        return Sequential([Dense(units, activation="relu"), Dense(1)])

    reg = NeuralRegressor(model=build, model__units=3, epochs=2, random_state=0)
    assert reg.fit(X[:, :, 0], y).model_.layers[0].units == 3
