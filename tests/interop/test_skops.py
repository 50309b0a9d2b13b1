"""skops.io: fitted estimators and Pipelines round-trip; only public skdeep types to trust."""
import numpy as np
import pytest

sio = pytest.importorskip("skops.io")

from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skdeep import Autoencoder, NeuralClassifier, NeuralRegressor  # noqa: E402
from skdeep.nn.layers import Dense, Dropout  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.normal(size=(50, 4))
Y_CLASS = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")


def _public(type_name):
    parts = type_name.split(".")
    return parts[0] != "skdeep" or not any(p.startswith("_") for p in parts)


@pytest.mark.parametrize("est,y,method", [
    (NeuralClassifier(layers=[Dense(8, activation="relu"), Dropout(0.1)], epochs=3,
                      random_state=0), Y_CLASS, "predict_proba"),
    (NeuralRegressor(layers=[Dense(8)], epochs=3, random_state=0), X[:, 0], "predict"),
    (Autoencoder(n_components=2, epochs=3, random_state=0), None, "transform"),
])
def test_estimator_round_trip(est, y, method, tmp_path):
    est.fit(X, y)
    path = tmp_path / "est.skops"
    sio.dump(est, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert all(t.startswith(("skdeep.", "numpy.")) for t in untrusted), untrusted
    assert all(_public(t) for t in untrusted), f"private types to trust: {untrusted}"
    assert f"skdeep.estimators.{type(est).__module__.rsplit('.', 1)[1]}." \
           f"{type(est).__name__}" in untrusted
    loaded = sio.load(path, trusted=untrusted)
    np.testing.assert_array_equal(getattr(loaded, method)(X), getattr(est, method)(X))
    # refusing the types refuses the file: nothing runs from an untrusted file
    with pytest.raises(Exception, match="[Uu]ntrusted"):
        sio.load(path)


def test_pipeline_round_trip_and_refit():
    pipe = make_pipeline(StandardScaler(),
                         NeuralClassifier(layers=[Dense(8, activation="relu")], epochs=3,
                                          random_state=0)).fit(X, Y_CLASS)
    data = sio.dumps(pipe)
    untrusted = sio.get_untrusted_types(data=data)
    assert all(_public(t) for t in untrusted), untrusted
    loaded = sio.loads(data, trusted=untrusted)
    np.testing.assert_array_equal(loaded.predict(X), pipe.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))
    loaded.set_params(neuralclassifier__epochs=1).fit(X, Y_CLASS)  # still a working estimator
    assert loaded[-1].predict(X[:3]).shape == (3,)
