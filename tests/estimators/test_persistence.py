"""pickle / joblib round trips: configs and weights only, bit-identical predictions."""
import io
import json
import pickle
import subprocess
import sys

import joblib
import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeep import Autoencoder, NeuralClassifier, NeuralRegressor
from skdeep.nn.layers import Dense, Dropout


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=80, n_features=5, random_state=0)


def _outputs(est, X):
    if isinstance(est, Autoencoder):
        return [est.transform(X), est.inverse_transform(est.transform(X)), est.score_samples(X)]
    if isinstance(est, NeuralClassifier):
        return [est.predict(X), est.predict_proba(X)]
    return [est.predict(X)]


ESTIMATORS = [
    lambda: NeuralClassifier(layers=[Dense(8, activation="relu"), Dropout(0.2)], epochs=3,
                             random_state=0),
    lambda: NeuralRegressor(layers=[Dense(8, activation="relu")], epochs=3, random_state=0),
    lambda: Autoencoder(encoder_layers=[Dense(8, activation="relu")], epochs=3, noise=0.1,
                        random_state=0),
]


@pytest.mark.parametrize("make", ESTIMATORS)
@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_round_trip_is_bit_identical(data, make, dump):
    X, y = data
    est = make().fit(X, y)
    if dump == "pickle":
        loaded = pickle.loads(pickle.dumps(est))
    else:
        buf = io.BytesIO()
        joblib.dump(est, buf)
        buf.seek(0)
        loaded = joblib.load(buf)
    for a, b in zip(_outputs(est, X), _outputs(loaded, X)):
        np.testing.assert_array_equal(a, b)
    assert loaded.history_ == est.history_ and loaded.n_iter_ == est.n_iter_
    unfitted = pickle.loads(pickle.dumps(make()))
    assert unfitted.get_params().keys() == make().get_params().keys()


def test_pickle_holds_configs_and_weights_only(data):
    X, y = data
    est = NeuralClassifier(layers=[Dense(256, activation="relu")], epochs=1,
                           random_state=0).fit(X, y)
    blob = pickle.dumps(est)
    weights = sum(w.nbytes for w in est.model_.get_weights())
    assert len(blob) < 1.1 * weights + 8192
    assert b"numba" not in blob and b"Dispatcher" not in blob
    # after partial_fit the optimizer state is kept, so training resumes exactly
    est.partial_fit(X, y)
    resumed = pickle.loads(pickle.dumps(est))
    est.partial_fit(X, y)
    resumed.partial_fit(X, y)
    np.testing.assert_array_equal(est.predict_proba(X), resumed.predict_proba(X))


def test_pipeline_with_routed_params_survives_pickle(data):
    X, y = data
    pipe = make_pipeline(StandardScaler(), NeuralClassifier(
        layers=[Dense(4, activation="relu")], layers__0__units=6, epochs=2, random_state=0))
    pipe.fit(X, y)
    loaded = pickle.loads(pickle.dumps(pipe))
    assert loaded[-1].get_params()["layers__0__units"] == 6
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))


_CHILD = r"""
import importlib, json, pkgutil, sys
import joblib, numpy as np
import skdeep.nn.kernels as kernels
est = joblib.load(sys.argv[1])
X = np.load(sys.argv[2])
np.save(sys.argv[3], est.predict_proba(X))
misses = {}
for info in pkgutil.iter_modules(kernels.__path__):
    module = importlib.import_module("skdeep.nn.kernels." + info.name)
    for name, obj in vars(module).items():
        stats = getattr(obj, "stats", None)
        if stats is not None and hasattr(stats, "cache_misses"):
            count = sum(stats.cache_misses.values())
            if count:
                misses[info.name + "." + name] = count
print(json.dumps(misses))
"""


def test_new_process_loads_identical_predictions_without_recompiling(data, tmp_path):
    X, y = data
    est = NeuralClassifier(layers=[Dense(8, activation="relu")], epochs=2,
                           random_state=0).fit(X, y)
    expected = est.predict_proba(X)  # also writes the Numba cache for these kernels
    joblib.dump(est, tmp_path / "est.joblib")
    np.save(tmp_path / "X.npy", X)
    result = subprocess.run([sys.executable, "-c", _CHILD, str(tmp_path / "est.joblib"),
                             str(tmp_path / "X.npy"), str(tmp_path / "out.npy")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), expected)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {}
