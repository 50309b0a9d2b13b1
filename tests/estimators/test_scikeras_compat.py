"""scikeras conventions on NeuralClassifier / NeuralRegressor: un-prefixed
model-function arguments, Model instances, ``model`` first, ``_keras_build_fn``,
``__`` parameters in a subclass signature, ``initialize``, and the
``target_encoder`` / ``feature_encoder`` hooks."""
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import FunctionTransformer

import skdeep.nn as keras
from skdeep import NeuralClassifier, NeuralRegressor
from skdeep.wrappers import KerasClassifier, KerasRegressor

X, Y = make_classification(120, 6, n_informative=4, random_state=0)
XR, YR = make_regression(120, 6, random_state=0)


def get_clf(meta, hidden_layer_sizes, dropout=0.0):
    model = keras.Sequential([keras.Input(shape=(meta["n_features_in_"],))])
    for units in hidden_layer_sizes:
        model.add(keras.layers.Dense(units, activation="relu"))
        model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    return model


def get_reg(meta):
    return keras.Sequential([keras.Input(shape=(meta["n_features_in_"],)),
                             keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])


def test_wrappers_are_the_estimators():
    assert KerasClassifier is NeuralClassifier and KerasRegressor is NeuralRegressor


def test_unprefixed_model_arguments_are_routed_and_searchable():
    clf = NeuralClassifier(model=get_clf, loss="binary_crossentropy", hidden_layer_sizes=(7,),
                           dropout=0.1, epochs=2, random_state=0).fit(X, Y)
    dense = [layer for layer in clf.model_.layers if isinstance(layer, keras.layers.Dense)]
    assert dense[0].units == 7
    params = clf.get_params()
    assert params["hidden_layer_sizes"] == (7,) and params["dropout"] == 0.1
    clf.set_params(hidden_layer_sizes=(3, 2))
    again = clone(clf)
    assert again.get_params()["hidden_layer_sizes"] == (3, 2)
    dense = [layer for layer in again.fit(X, Y).model_.layers
             if isinstance(layer, keras.layers.Dense)]
    assert [d.units for d in dense] == [3, 2, 1]
    # the prefixed form wins, as in scikeras
    both = NeuralClassifier(model=get_clf, hidden_layer_sizes=(9,),
                            model__hidden_layer_sizes=(4,), epochs=1).fit(X, Y)
    assert both.model_.layers[0].units == 4
    search = GridSearchCV(NeuralClassifier(model=get_clf, hidden_layer_sizes=(4,), epochs=2,
                                           random_state=0),
                          {"hidden_layer_sizes": [(2,), (5,)]}, cv=2).fit(X, Y)
    assert search.best_params_["hidden_layer_sizes"] in [(2,), (5,)]


def test_unprefixed_arguments_are_checked_against_the_function():
    with pytest.raises(ValueError, match=r"\['hidden_layer_size'\] do not match"):
        NeuralClassifier(model=get_clf, hidden_layer_size=(3,), epochs=1).fit(X, Y)
    with pytest.raises(ValueError, match="unknown parameter 'hidden'"):
        NeuralClassifier(hidden=3, epochs=1).fit(X, Y)


def test_model_instance_is_copied_not_trained_and_can_be_first_positional():
    model = get_reg({"n_features_in_": 6})
    model.compile(optimizer="adam", loss="mse")
    before = [w.copy() for w in model.get_weights()]
    reg = NeuralRegressor(model, epochs=2, random_state=0).fit(XR, YR)
    assert reg.model is model and reg.model_ is not model
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(before, reg.model_.get_weights()))
    with pytest.raises(ValueError, match="Model instance"):
        NeuralRegressor(model, model__units=3, epochs=1).fit(XR, YR)


def test_initialize_predicts_with_a_loaded_model(tmp_path):
    reg = NeuralRegressor(model=get_reg, epochs=2, random_state=0).fit(XR, YR)
    path = tmp_path / "m.keras"
    reg.model_.save(path)
    restored = NeuralRegressor(keras.saving.load_model(path))
    assert restored.initialize(XR, YR) is restored
    np.testing.assert_allclose(restored.predict(XR), reg.predict(XR), rtol=1e-6)
    assert restored.history_ == {} and restored.n_iter_ == 0
    clf = NeuralClassifier(model=get_clf, hidden_layer_sizes=(3,)).initialize(X, Y)
    assert clf.predict(X[:3]).shape == (3,) and list(clf.classes_) == [0, 1]


class MLPClassifier(NeuralClassifier):
    def __init__(self, hidden_layer_sizes=(8,), optimizer="adam",
                 optimizer__learning_rate=0.001, epochs=3, verbose=0, **kwargs):
        super().__init__(**kwargs)
        self.hidden_layer_sizes = hidden_layer_sizes
        self.optimizer = optimizer
        self.epochs = epochs
        self.verbose = verbose

    def _keras_build_fn(self, compile_kwargs):
        model = keras.Sequential([keras.Input(shape=(self.n_features_in_,))])
        for units in self.hidden_layer_sizes:
            model.add(keras.layers.Dense(units, activation="relu"))
        if self.target_type_ == "binary":
            model.add(keras.layers.Dense(1, activation="sigmoid"))
            loss = "binary_crossentropy"
        else:
            model.add(keras.layers.Dense(self.n_classes_, activation="softmax"))
            loss = "sparse_categorical_crossentropy"
        model.compile(loss=loss, optimizer=compile_kwargs["optimizer"])
        return model


def test_subclass_keras_build_fn_is_used():
    clf = MLPClassifier(hidden_layer_sizes=(5,)).fit(X, Y)
    assert [layer.units for layer in clf.model_.layers] == [5, 1]
    y3 = np.arange(len(X)) % 3
    multi = MLPClassifier().fit(X, y3)
    assert multi.model_.layers[-1].units == 3 and multi.predict_proba(X).shape == (120, 3)
    with pytest.raises(ValueError, match="_keras_build_fn"):
        MLPClassifier(model=get_clf).fit(X, Y)


def test_double_underscore_parameters_in_a_subclass_signature():
    clf = MLPClassifier()
    assert clf.get_params()["optimizer__learning_rate"] == 0.001
    assert clf.fit(X, Y).model_.optimizer.learning_rate == pytest.approx(0.001)
    clf.set_params(optimizer__learning_rate=0.01)
    assert clf.get_params()["optimizer__learning_rate"] == 0.01
    copy = clone(clf)
    assert copy.get_params()["optimizer__learning_rate"] == 0.01
    assert copy.fit(X, Y).model_.optimizer.learning_rate == pytest.approx(0.01)
    given = MLPClassifier(optimizer__learning_rate=0.05)
    assert clone(given).get_params()["optimizer__learning_rate"] == 0.05
    assert pickle.loads(pickle.dumps(given)).get_params()["optimizer__learning_rate"] == 0.05
    assert given.optimizer__learning_rate == 0.05  # readable as an attribute, as in scikeras


def test_meta_attributes_before_building():
    seen = {}

    def build(meta):
        seen.update(meta)
        return get_clf(meta, (2,))

    clf = NeuralClassifier(model=build, epochs=1).fit(X, Y)
    for key in ("n_features_in_", "target_type_", "n_classes_", "classes_", "n_outputs_",
                "X_shape_", "X_dtype_"):
        assert key in seen, key
    assert seen["target_type_"] == "binary" and clf.target_type_ == "binary"
    assert clf.target_encoder_ is clf._encoder and clf.X_shape_ == X.shape


def _half(a):
    return a / 2.0


class _Halve(FunctionTransformer):
    def __init__(self):
        super().__init__(func=_half)

    def get_metadata(self):
        return {"halved_": True}


class HalvedRegressor(NeuralRegressor):
    @property
    def feature_encoder(self):
        return _Halve()


def test_feature_encoder_transforms_x_in_fit_and_predict():
    reg = HalvedRegressor(model=get_reg, epochs=2, random_state=0).fit(XR, YR)
    assert reg.halved_ and isinstance(reg.feature_encoder_, _Halve)
    np.testing.assert_allclose(reg.predict(XR),
                               reg.model_.predict(XR / 2.0, verbose=0).ravel(), rtol=1e-5)


class _Labels:
    """A minimal scikeras-style target encoder: 'yes'/'no' <-> one sigmoid unit."""

    def fit(self, y):
        self.classes_ = np.array(["no", "yes"])
        return self

    def transform(self, y):
        return (np.asarray(y) == "yes").astype("float32").reshape(-1, 1)

    def inverse_transform(self, raw, return_proba=False):
        p = np.asarray(raw).reshape(-1)
        if return_proba:
            return np.column_stack([1 - p, p])
        return np.where(p > 0.5, "yes", "no")

    def get_metadata(self):
        return {"n_classes_": 2, "target_type_": "binary", "n_outputs_": 1}


class YesNoClassifier(NeuralClassifier):
    @property
    def target_encoder(self):
        return _Labels()


def test_custom_target_encoder_is_used_both_ways():
    y = np.where(Y == 1, "yes", "no")
    clf = YesNoClassifier(model=get_clf, hidden_layer_sizes=(8,), loss="binary_crossentropy",
                          learning_rate=0.03, epochs=30, random_state=0).fit(X, y)
    assert isinstance(clf.target_encoder_, _Labels)
    assert set(clf.predict(X)) <= {"yes", "no"} and clf.score(X, y) > 0.7
    assert clf.predict_proba(X).shape == (120, 2)
    with pytest.raises(ValueError, match="custom target_encoder"):
        YesNoClassifier(epochs=1).fit(X, y)
    again = pickle.loads(pickle.dumps(clf))  # a custom encoder pickles as itself
    assert isinstance(again.target_encoder_, _Labels)
    np.testing.assert_array_equal(again.predict(X), clf.predict(X))


def test_builtin_target_encoder_alias_survives_pickling():
    clf = NeuralClassifier(model=get_clf, hidden_layer_sizes=(8,), epochs=2,
                           random_state=0).fit(X, Y)
    again = pickle.loads(pickle.dumps(clf))
    assert again.target_encoder_ is again._encoder
    np.testing.assert_array_equal(again.predict(X), clf.predict(X))


def test_metric_classes_survive_pickling():
    reg = NeuralRegressor(model=get_reg, metrics=[keras.metrics.R2Score], epochs=1,
                          random_state=0).fit(XR, YR)
    assert "r2_score" in reg.history_
    again = pickle.loads(pickle.dumps(reg))
    np.testing.assert_allclose(again.predict(XR), reg.predict(XR))


def test_pickles_keep_encoders_and_custom_ones():
    clf = NeuralClassifier(model=get_clf, hidden_layer_sizes=(3,), epochs=1).fit(X, Y)
    again = pickle.loads(pickle.dumps(clf))
    assert again.target_encoder_ is again._encoder
    np.testing.assert_array_equal(again.feature_encoder_.transform(X[:2]), X[:2])
    y = np.where(Y == 1, "yes", "no")
    custom = YesNoClassifier(model=get_clf, hidden_layer_sizes=(3,),
                             loss="binary_crossentropy", epochs=1).fit(X, y)
    restored = pickle.loads(pickle.dumps(custom))
    assert isinstance(restored.target_encoder_, _Labels)
    np.testing.assert_array_equal(restored.predict(X), custom.predict(X))
    halved = HalvedRegressor(model=get_reg, epochs=1).fit(XR, YR)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(halved)).predict(XR), halved.predict(XR))
