"""Hyper-parameter search on a Dask cluster (joblib's 'dask' backend) equals the sequential one."""
import numpy as np
import pytest

pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")

from joblib import parallel_backend  # noqa: E402
from sklearn.model_selection import RandomizedSearchCV  # noqa: E402

from skdeep import NeuralClassifier  # noqa: E402
from skdeep.nn.layers import Dense  # noqa: E402


def _search():
    return RandomizedSearchCV(
        NeuralClassifier(layers=[Dense(8, activation="relu")], epochs=4, random_state=0),
        {"learning_rate": [1e-3, 1e-2, 5e-2], "batch_size": [8, 32], "layers__0__units": [4, 16]},
        n_iter=4, cv=2, random_state=0, n_jobs=2)


def test_randomized_search_on_dask_matches_sequential():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 5))
    y = (X[:, 0] - X[:, 2] > 0).astype(int)
    sequential = _search().set_params(n_jobs=1).fit(X, y)
    # an in-process cluster: no ports opened, workers are threads of this process
    with (distributed.Client(processes=False, n_workers=1, threads_per_worker=2,
                             dashboard_address=None) as client,
          distributed.get_task_stream(client) as tasks, parallel_backend("dask")):
        on_dask = _search().fit(X, y)
    assert tasks.data  # the fits ran as tasks on the cluster (joblib batches them)
    assert on_dask.best_params_ == sequential.best_params_
    np.testing.assert_allclose(on_dask.cv_results_["mean_test_score"],
                               sequential.cv_results_["mean_test_score"])
    np.testing.assert_array_equal(on_dask.predict(X), sequential.predict(X))
