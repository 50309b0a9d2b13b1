"""The estimators inside scikit-learn's tools: pipelines, column transformers,
searches and cross-validation (also in loky worker processes)."""
import json
import os

import numba
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification
from sklearn.model_selection import (GridSearchCV, KFold, RandomizedSearchCV, cross_val_score,
                                     cross_validate)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_info

from skdeep import Autoencoder, NeuralClassifier, NeuralRegressor
from skdeep.nn import callbacks
from skdeep.nn.layers import Dense, Dropout


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=120, n_features=6, n_informative=4, random_state=0)
    return X, y


def small(**kw):
    params = dict(layers=[Dense(8, activation="relu")], epochs=5, learning_rate=0.02,
                  random_state=0)
    params.update(kw)
    return NeuralClassifier(**params)


def test_clone_keeps_routed_params_and_fits_independently(data):
    X, y = data
    spec = Dense(8, activation="relu")
    est = small(layers=[spec, Dropout(0.1)], layers__0__units=6, optimizer__beta_1=0.8,
                fit__shuffle=False)
    twin = clone(est)
    assert twin.get_params(deep=False).keys() == est.get_params(deep=False).keys()
    assert twin.get_params()["layers__0__units"] == 6 and twin.layers[0] is not spec
    est.fit(X, y)
    assert not hasattr(twin, "model_")
    assert clone(est).get_params(deep=False)["optimizer__beta_1"] == 0.8
    assert "model__activation" in repr(NeuralClassifier(model__activation="tanh"))


def test_pipeline_and_column_transformer_with_dataframe(data):
    X, y = data
    df = pd.DataFrame(X, columns=[f"x{i}" for i in range(6)])
    df["colour"] = np.array(["red", "green", "blue"])[np.arange(len(df)) % 3]
    pre = ColumnTransformer([("num", StandardScaler(), [f"x{i}" for i in range(6)]),
                             ("cat", OneHotEncoder(), ["colour"])])
    pipe = make_pipeline(pre, small(epochs=20)).fit(df, y)
    assert pipe.score(df, y) > 0.8
    assert pipe[-1].n_features_in_ == 9
    ae_pipe = make_pipeline(StandardScaler(), Autoencoder(epochs=2, random_state=0),
                            small(epochs=3)).fit(X, y)
    assert ae_pipe.predict(X).shape == (120,)
    direct = small().fit(df.iloc[:, :6], y)
    np.testing.assert_array_equal(direct.feature_names_in_, df.columns[:6])


def test_grid_search_over_layer_and_optimizer_params(data):
    X, y = data
    grid = GridSearchCV(small(layers=[Dense(4, activation="relu"), Dropout(0.0)]),
                        {"layers__0__units": [2, 8], "layers__1__rate": [0.0, 0.2],
                         "optimizer__beta_1": [0.9]}, cv=2)
    grid.fit(X, y)
    assert grid.best_estimator_.model_.layers[0].units == grid.best_params_["layers__0__units"]
    assert len(grid.cv_results_["params"]) == 4
    whole = GridSearchCV(small(), {"layers": [[Dense(2)], [Dense(4), Dense(4)]]}, cv=2).fit(X, y)
    assert len(whole.best_estimator_.model_.layers) in (2, 3)


def test_pipeline_search_routes_nested_params(data):
    X, y = data
    pipe = make_pipeline(StandardScaler(), small())
    search = RandomizedSearchCV(pipe, {"neuralclassifier__layers__0__units": [3, 5],
                                       "neuralclassifier__batch_size": [16, 32]},
                                n_iter=2, cv=KFold(2), random_state=0).fit(X, y)
    best = search.best_estimator_[-1]
    assert best.model_.layers[0].units == search.best_params_[
        "neuralclassifier__layers__0__units"]


def test_cross_validate_regressor_and_autoencoder(data):
    X, y = data
    scores = cross_validate(NeuralRegressor(layers=[Dense(4)], epochs=2, random_state=0),
                            X, y.astype(float), cv=2, return_estimator=True)
    assert len(scores["test_score"]) == 2 and len(scores["estimator"]) == 2
    ae_scores = cross_val_score(Autoencoder(epochs=2, random_state=0), X, cv=2)
    assert np.all(ae_scores < 0)


class ThreadProbe(callbacks.Callback):
    """Writes the thread limits in force while training to ``path``."""

    def __init__(self, path=None):
        super().__init__()
        self.path = path

    def on_train_begin(self, logs=None):
        blas = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
        record = {"pid": os.getpid(), "numba": numba.get_num_threads(), "blas": blas}
        with open(os.path.join(self.path, f"{os.getpid()}-{id(self)}.json"), "w") as fh:
            json.dump(record, fh)


def _records(path):
    return [json.load(open(os.path.join(path, f))) for f in os.listdir(path)]


def test_n_jobs_limits_threads_in_process(data, tmp_path):
    X, y = data
    before = numba.get_num_threads()
    small(epochs=1, n_jobs=1, callbacks=[ThreadProbe(str(tmp_path))]).fit(X, y)
    (record,) = _records(tmp_path)
    assert record["numba"] == 1 and all(n == 1 for n in record["blas"])
    assert numba.get_num_threads() == before  # restored


def test_parallel_search_workers_use_their_share_of_cores(data, tmp_path):
    X, y = data
    est = small(epochs=2, callbacks=[ThreadProbe(str(tmp_path))])
    search = GridSearchCV(est, {"layers__0__units": [2, 4]}, cv=2, n_jobs=2).fit(X, y)
    assert search.best_score_ > 0.5
    workers = [r for r in _records(tmp_path) if r["pid"] != os.getpid()]
    assert len(workers) >= 2
    share = max(1, (os.cpu_count() or 1) // 2)
    for r in workers:
        assert r["numba"] <= share and all(n <= share for n in r["blas"]), r
    scores = cross_val_score(small(epochs=2), X, y, cv=2, n_jobs=2)
    np.testing.assert_array_equal(scores, cross_val_score(small(epochs=2), X, y, cv=2))


def test_text_pipeline_with_tokenizer_embedding_and_lstm():
    from skdeep.nn.layers import LSTM, Embedding
    from skdeep.text import Tokenizer

    pos = ["good great fine", "great movie loved it", "fine good fun", "loved the fun"]
    neg = ["bad awful boring", "awful movie hated it", "boring bad dull", "hated the dull"]
    texts = pos * 10 + neg * 10
    y = np.array(["pos"] * 40 + ["neg"] * 40)
    pipe = make_pipeline(Tokenizer(num_words=50, maxlen=5),
                         NeuralClassifier(layers=[Embedding(50, 8, mask_zero=True), LSTM(8)],
                                          epochs=10, learning_rate=0.02, random_state=0))
    pipe.fit(texts, y)
    assert pipe.score(texts, y) == 1.0
    assert list(pipe.predict(["good fun", "dull awful"])) == ["pos", "neg"]


def test_image_input_with_conv_layers():
    from skdeep.nn.layers import Conv2D, Flatten

    rng = np.random.default_rng(0)
    images = rng.normal(size=(60, 6, 6, 1))
    labels = (images[:, :3].mean(axis=(1, 2, 3)) > images[:, 3:].mean(axis=(1, 2, 3)))
    clf = NeuralClassifier(layers=[Conv2D(4, 3, activation="relu"), Flatten()], epochs=10,
                           learning_rate=0.01, random_state=0).fit(images, labels)
    assert clf.predict(images).shape == (60,) and clf.n_features_in_ == 6
    with pytest.raises(ValueError, match="6 features"):
        clf.predict(images[:, :5])
    with pytest.raises(ValueError, match="expects"):
        clf.predict(images[:, :, :5])


def test_concurrent_predict_from_threads(data):
    from concurrent.futures import ThreadPoolExecutor

    X, y = data
    clf = small().fit(X, y)
    expected = clf.predict_proba(X)
    with ThreadPoolExecutor(4) as pool:
        outputs = list(pool.map(lambda _: clf.predict_proba(X), range(12)))
    for out in outputs:
        np.testing.assert_array_equal(out, expected)
