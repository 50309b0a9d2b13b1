"""NeuralClassifier: targets, weights, incremental training, routing and errors."""
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs, make_multilabel_classification
from sklearn.utils.class_weight import compute_sample_weight

from skdeep import NeuralClassifier
from skdeep.nn import Input, Sequential, callbacks
from skdeep.nn.layers import Dense, Dropout
from skdeep.nn.optimizers import SGD, Adam


def small(**kw):
    params = dict(layers=[Dense(16, activation="relu")], epochs=15, learning_rate=0.02,
                  random_state=0)
    params.update(kw)
    return NeuralClassifier(**params)


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=120, centers=3, n_features=4, random_state=0, cluster_std=1.0)
    return (X - X.mean(0)) / X.std(0), y


@pytest.mark.parametrize("kind", ["str", "int", "categorical", "float"])
def test_labels_of_any_type(blobs, kind):
    X, y = blobs
    names = np.array(["cat", "dog", "emu"])
    labels = {"str": names[y], "int": y * 10 - 7, "float": y * 2.0 + 1,
              "categorical": pd.Series(pd.Categorical(names[y]))}[kind]
    clf = small().fit(X, labels)
    expected = np.unique(np.asarray(labels))
    np.testing.assert_array_equal(clf.classes_, expected)
    pred = clf.predict(X)
    assert set(np.unique(pred)) <= set(expected)
    assert np.mean(pred == np.asarray(labels)) > 0.9
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-5)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(1)], pred)


def test_binary_uses_one_sigmoid_unit(blobs):
    X, y = blobs
    mask = y < 2
    clf = small().fit(X[mask], np.where(y[mask] == 1, "yes", "no"))
    assert clf.model_.output_shape == (None, 1)
    assert clf.model_.layers[-1].activation.__name__ == "sigmoid"
    proba = clf.predict_proba(X[mask])
    assert proba.shape == (mask.sum(), 2)
    assert clf.score(X[mask], np.where(y[mask] == 1, "yes", "no")) > 0.9


def test_binary_with_categorical_loss_uses_softmax(blobs):
    X, y = blobs
    mask = y < 2
    clf = small(loss="categorical_crossentropy").fit(X[mask], y[mask])
    assert clf.model_.output_shape == (None, 2)
    sparse = small(loss="sparse_categorical_crossentropy").fit(X, y)
    assert sparse.model_.output_shape == (None, 3)
    assert sparse.score(X, y) > 0.9


def test_multiclass_softmax_and_default_network(blobs):
    X, y = blobs
    clf = NeuralClassifier(epochs=3, random_state=0).fit(X, y)
    assert [layer.units for layer in clf.model_.layers] == [100, 3]
    assert clf.model_.layers[-1].activation.__name__ == "softmax"
    assert clf.n_iter_ == 3 and len(clf.history_["loss"]) == 3


def test_multilabel_indicator():
    X, Y = make_multilabel_classification(n_samples=80, n_features=5, n_classes=4,
                                          random_state=0)
    clf = small(epochs=30).fit(X, Y)
    assert clf.n_outputs_ == 4
    np.testing.assert_array_equal(clf.classes_, np.arange(4))
    pred = clf.predict(X)
    assert pred.shape == Y.shape and pred.dtype == Y.dtype
    proba = clf.predict_proba(X)
    assert proba.shape == (80, 4) and ((proba > 0) & (proba < 1)).all()
    assert np.mean(pred == Y) > 0.75


def test_same_random_state_same_weights_and_predictions(blobs):
    X, y = blobs
    layers = [Dense(8, activation="relu"), Dropout(0.3), Dense(8, activation="tanh")]
    a = small(layers=layers).fit(X, y)
    b = small(layers=layers).fit(X, y)
    for wa, wb in zip(a.model_.get_weights(), b.model_.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    c = small(layers=layers, random_state=1).fit(X, y)
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))


def test_layer_specs_untouched_by_fit(blobs):
    X, y = blobs
    specs = [Dense(8, activation="relu", name="hidden"), Dropout(0.1)]
    configs = [layer.get_config() for layer in specs]
    clf = small(layers=specs, layers__0__units=5).fit(X, y)
    assert [layer.get_config() for layer in specs] == configs
    assert not any(layer.built for layer in specs)
    assert all(a is not b for a, b in zip(clf.model_.layers, specs))
    assert clf.model_.get_layer("hidden").units == 5
    clf.fit(X, y)  # a second fit builds another fresh network from the same specs
    assert [layer.get_config() for layer in specs] == configs


def test_layer_routing_through_get_and_set_params(blobs):
    X, y = blobs
    clf = small(layers=[Dense(8, activation="relu"), Dropout(0.2)])
    params = clf.get_params()
    assert params["layers__0__units"] == 8 and params["layers__1__rate"] == 0.2
    clf.set_params(layers__0__units=4, layers__1__rate=0.5, layers__0__activation="tanh")
    assert clf.get_params()["layers__0__units"] == 4
    assert clf.get_params(deep=False)["layers__0__units"] == 4
    assert clf.layers[0].units == 8  # the spec is not changed
    clf.fit(X, y)
    hidden, dropout = clf.model_.layers[:2]
    assert (hidden.units, hidden.activation.__name__, dropout.rate) == (4, "tanh", 0.5)


def create_model(learning_rate=0.01, activation="relu"):
    """The seed walkthrough's build function, with skdeep imports."""
    opt = Adam(learning_rate=learning_rate)
    model = Sequential([
        Input(shape=(4,)),
        Dense(16, activation=activation),
        Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=opt, loss="binary_crossentropy", metrics=["accuracy"])
    return model


def test_model_callable_with_routed_params(blobs):
    X, y = blobs
    Xb, yb = X[y < 2], y[y < 2]
    clf = NeuralClassifier(model=create_model, model__activation="tanh",
                           model__learning_rate=0.05, epochs=5, batch_size=16,
                           verbose=0, random_state=0)
    clf.fit(Xb, yb)
    assert clf.model_.layers[0].activation.__name__ == "tanh"
    assert clf.model_.optimizer.learning_rate == pytest.approx(0.05)
    assert "accuracy" in clf.history_ and clf.score(Xb, yb) > 0.9
    best = {"model__activation": "relu", "batch_size": 32, "epochs": 3,
            "model__learning_rate": 0.01}
    again = NeuralClassifier(model=create_model, **best, verbose=0).fit(Xb, yb)
    assert again.model_.layers[0].activation.__name__ == "relu"
    with pytest.raises(ValueError, match="model__units"):
        NeuralClassifier(model=create_model, model__units=3, epochs=1).fit(Xb, yb)


def test_model_callable_uncompiled_gets_meta_and_estimator_compile(blobs):
    X, y = blobs
    seen = {}

    def build(meta, hidden=8):
        seen.update(meta)
        return Sequential([Dense(hidden, activation="relu"),
                           Dense(meta["output_units"], activation=meta["output_activation"])])

    clf = NeuralClassifier(model=build, model__hidden=6, optimizer=SGD, learning_rate=0.1,
                           optimizer__momentum=0.5, epochs=3, random_state=0).fit(X, y)
    assert seen["n_features_in_"] == 4 and seen["n_classes_"] == 3
    assert isinstance(clf.model_.optimizer, SGD) and clf.model_.optimizer.momentum == 0.5
    assert clf.model_.layers[0].units == 6
    with pytest.raises(ValueError, match="output has 2 units"):
        NeuralClassifier(model=lambda: Sequential([Dense(2)]), epochs=1).fit(X, y)
    with pytest.raises(TypeError, match="must return"):
        NeuralClassifier(model=lambda: "not a model", epochs=1).fit(X, y)


def test_sample_weight_and_class_weight(blobs):
    X, y = blobs
    base = small(epochs=10).fit(X, y)
    favour = small(epochs=10, class_weight={0: 50.0, 1: 0.01, 2: 0.01}).fit(X, y)
    assert np.mean(favour.predict(X) == 0) > np.mean(base.predict(X) == 0)
    weighted = small(epochs=10).fit(X, y, sample_weight=np.where(y == 0, 50.0, 0.01))
    np.testing.assert_array_equal(weighted.predict(X), favour.predict(X))
    # 'balanced' equals the explicit balanced sample weights
    idx = np.r_[np.where(y == 0)[0], np.where(y != 0)[0][:20]]
    bal = small(epochs=5, class_weight="balanced").fit(X[idx], y[idx])
    manual = small(epochs=5).fit(X[idx], y[idx],
                                 sample_weight=compute_sample_weight("balanced", y[idx]))
    np.testing.assert_array_equal(bal.predict_proba(X), manual.predict_proba(X))
    sw = np.ones(len(y))
    small(epochs=1).fit(X, y, sample_weight=sw)
    np.testing.assert_array_equal(sw, 1.0)  # not modified in place


def test_errors_on_degenerate_weights_and_classes(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="non-zero"):
        small().fit(X, y, sample_weight=np.zeros(len(y)))
    with pytest.raises(ValueError, match="1 class"):
        small().fit(X, y, sample_weight=(y == 1).astype(float))
    with pytest.raises(ValueError, match="1 class"):
        small().fit(X, np.ones(len(y)))
    with pytest.raises(ValueError, match="Unknown label type"):
        small().fit(X, np.linspace(0, 1, len(y)))


def test_partial_fit(blobs):
    X, y = blobs
    clf = small()
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:40], y[:40], classes=[0, 1, 2])
    first = clf.model_
    for start in (40, 80):
        clf.partial_fit(X[start:start + 40], y[start:start + 40])
    assert clf.model_ is first and clf.n_iter_ == 3 and len(clf.history_["loss"]) == 3
    one_class = small().partial_fit(X[y == 0], y[y == 0], classes=[0, 1, 2])
    assert one_class.predict_proba(X).shape == (len(X), 3)
    with pytest.raises(ValueError, match="unseen"):
        clf.partial_fit(X[:5], np.full(5, 7))
    with pytest.raises(ValueError, match="features"):
        clf.partial_fit(X[:5, :3], y[:5])


def test_warm_start_continues_and_cold_fit_restarts(blobs):
    X, y = blobs
    clf = small(epochs=4, warm_start=True).fit(X, y)
    model = clf.model_
    clf.fit(X, y)
    assert clf.model_ is model and clf.n_iter_ == 8 and len(clf.history_["loss"]) == 8
    clf.set_params(warm_start=False).fit(X, y)
    assert clf.model_ is not model and clf.n_iter_ == 4


class Recorder(callbacks.Callback):
    def __init__(self, tag="x"):
        super().__init__()
        self.tag = tag
        self.epochs = []

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(epoch)


class StopAfter(callbacks.Callback):
    def __init__(self, n=1):
        super().__init__()
        self.n = n

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 >= self.n:
            self.model.stop_training = True


def test_callbacks_are_copied_and_routed(blobs):
    X, y = blobs
    rec = Recorder()
    clf = small(epochs=6, callbacks={"stop": StopAfter, "rec": rec}, callbacks__stop__n=2,
                callbacks__rec__tag="y").fit(X, y)
    assert clf.n_iter_ == 2
    assert rec.epochs == [] and rec.model is None and rec.tag == "x"  # user object untouched
    by_class = small(epochs=6, callbacks=[StopAfter()], callbacks__StopAfter__n=3).fit(X, y)
    assert by_class.n_iter_ == 3
    with pytest.raises(ValueError, match="match no callback"):
        small(callbacks=[StopAfter()], callbacks__nope__n=1).fit(X, y)
    # Keras' EarlyStopping: a huge min_delta means no epoch counts as an improvement
    stop = callbacks.EarlyStopping(monitor="loss", min_delta=100.0, patience=0)
    early = small(epochs=10, callbacks=[stop], callbacks__EarlyStopping__patience=2).fit(X, y)
    assert early.n_iter_ == 3 and stop.patience == 0


def test_fit_routing_and_validation_split(blobs):
    X, y = blobs
    clf = small(epochs=3, validation_split=0.25, metrics=["accuracy"],
                fit__shuffle=False).fit(X, y)
    assert set(clf.history_) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert small(fit__epochs=2).fit(X, y).n_iter_ == 2
    assert small().fit(X, y, epochs=1).n_iter_ == 1


def test_float32_input_keeps_float32_probabilities(blobs):
    X, y = blobs
    clf = small(epochs=2).fit(X.astype(np.float32), y)
    assert clf.predict_proba(X.astype(np.float32)).dtype == np.float32
    assert clf.predict_proba(X).dtype == np.float64


def test_clear_errors_for_bad_input(blobs):
    import scipy.sparse as sp

    X, y = blobs
    clf = small(epochs=1).fit(X, y)
    with pytest.raises(TypeError, match="[Ss]parse"):
        clf.predict(sp.csr_matrix(X))
    with pytest.raises(TypeError, match="[Ss]parse"):
        small().fit(sp.csr_matrix(X), y)
    bad = X.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        small().fit(bad, y)
    with pytest.raises(ValueError, match="NaN"):
        clf.predict(np.where(bad == np.inf, np.nan, bad))
    with pytest.raises(ValueError, match="4 features"):
        clf.predict(X[:, :3])
    with pytest.raises(ValueError, match="unknown parameter 'epoch'"):
        NeuralClassifier(epoch=3).fit(X, y)
    with pytest.raises(ValueError, match="not both"):
        NeuralClassifier(layers=[Dense(2)], model=create_model).fit(X, y)
    with pytest.raises(TypeError, match="layer instance"):
        NeuralClassifier(layers=["dense"]).fit(X, y)
    with pytest.raises(ValueError, match="layers__3__units"):
        NeuralClassifier(layers=[Dense(2)], layers__3__units=2).fit(X, y)
    with pytest.raises(ValueError, match="unitz"):
        NeuralClassifier(layers=[Dense(2)], layers__0__unitz=2).fit(X, y)
    with pytest.raises(ValueError, match="epochs"):
        NeuralClassifier(epochs=0).fit(X, y)
