"""predict_latency: inference cost of the mlp network (784-256-128-10).

Figures: the median wall time of one single-row call over 1,000 calls, at the
model level (``model.predict`` for skdeep and Keras, ``model(x)`` under
``torch.inference_mode`` for PyTorch, ``MLPClassifier.predict_proba``), of
``predict_on_batch`` (skdeep, Keras: the no-batching fast path), and at
the estimator level (skdeep ``NeuralClassifier.predict``, scikit-learn
``MLPClassifier.predict``, skorch ``predict``), beside scikit-learn's own
input validation of one row (``check_array``: the floor of any estimator's
``predict``); and rows/s predicting 20,000 rows in one call.

Weights do not change the cost, so the networks are fitted on a few rows only
(or not at all) to be ready for inference.
"""
import time

import numpy as np

from benchmarks import common
from benchmarks.mlp import keras_mlp, skdeep_mlp, torch_mlp

WORKLOADS = {"predict_latency": dict(calls=1000, bulk_calls=5)}
FIGURES = {
    "model_1row_us": ("model predict, 1 row: µs per call", "lower"),
    "batch_1row_us": ("model predict_on_batch, 1 row: µs per call", "lower"),
    "estimator_1row_us": ("estimator predict, 1 row: µs per call", "lower"),
    "check_array_us": ("sklearn check_array, 1 row: µs (validation floor)", None),
    "rows_per_s": ("predict 20,000 rows: rows/s", "higher"),
}
_BULK_BATCH = 2048  # rows per internal batch where the API splits (skdeep, Keras)


def _bulk_rows_per_s(fn, n_rows, calls):
    fn()
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return n_rows / float(np.median(times))


def run_skdeep(workload, calls, bulk_calls):
    X, y = common.dataset("mlp")
    row = X[:1]
    model = skdeep_mlp()
    figures = {
        "model_1row_us": common.median_call_us(lambda: model.predict(row, verbose=0), calls),
        "batch_1row_us": common.median_call_us(lambda: model.predict_on_batch(row), calls),
        "rows_per_s": _bulk_rows_per_s(
            lambda: model.predict(X, batch_size=_BULK_BATCH, verbose=0), len(X), bulk_calls),
    }
    try:
        from skdeep import NeuralClassifier
        from skdeep.nn.layers import Dense
    except ImportError:
        figures["note"] = "skdeep.NeuralClassifier not importable yet: no estimator figure"
        return figures
    clf = NeuralClassifier(layers=[Dense(common.MLP_UNITS[0], activation="relu"),
                                   Dense(common.MLP_UNITS[1], activation="relu")],
                           epochs=1, batch_size=128, random_state=0, verbose=0)
    clf.fit(X[:512], y[:512])
    figures["estimator_1row_us"] = common.median_call_us(lambda: clf.predict(row), calls)
    return figures


def run_sklearn(workload, calls, bulk_calls):
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from sklearn.utils import check_array

    X, y = common.dataset("mlp")
    row = X[:1]
    clf = MLPClassifier(hidden_layer_sizes=common.MLP_UNITS, max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X[:512], y[:512])
    return {
        "model_1row_us": common.median_call_us(lambda: clf.predict_proba(row), calls),
        "estimator_1row_us": common.median_call_us(lambda: clf.predict(row), calls),
        "check_array_us": common.median_call_us(lambda: check_array(row), calls),
        "rows_per_s": _bulk_rows_per_s(lambda: clf.predict_proba(X), len(X), bulk_calls),
        "note": f"scikit-learn predicts in {clf.coefs_[0].dtype}",
    }


def run_torch(workload, calls, bulk_calls):
    torch = common.import_or_skip("torch")
    common.torch_threads(torch)
    X, _ = common.dataset("mlp")
    torch.manual_seed(0)
    model = torch_mlp(torch).eval()
    softmax = torch.nn.functional.softmax

    def predict(a):
        # what a served model does per request: numpy in, probabilities out
        with torch.inference_mode():
            return softmax(model(torch.from_numpy(a)), dim=1).numpy()

    return {"model_1row_us": common.median_call_us(lambda: predict(X[:1]), calls),
            "rows_per_s": _bulk_rows_per_s(lambda: predict(X), len(X), bulk_calls)}


def run_keras(workload, calls, bulk_calls):
    common.keras_backend_env()
    keras = common.import_or_skip("keras")
    X, _ = common.dataset("mlp")
    keras.utils.set_random_seed(0)
    model = keras_mlp(keras)
    row = X[:1]
    # model.predict builds a data pipeline per call (milliseconds), hence fewer calls
    predict_us = common.median_call_us(lambda: model.predict(row, verbose=0), min(calls, 100),
                                       warmup=5)
    batch_us = common.median_call_us(lambda: model.predict_on_batch(row), calls)
    return {"model_1row_us": predict_us,
            "batch_1row_us": batch_us,
            "rows_per_s": _bulk_rows_per_s(
                lambda: model.predict(X, batch_size=_BULK_BATCH, verbose=0), len(X), bulk_calls),
            "note": f"Keras {keras.__version__} ({keras.backend.backend()}): model.predict "
                    "on 1 row is the median of 100 calls"}


def run_skorch(workload, calls, bulk_calls):
    torch = common.import_or_skip("torch")
    skorch = common.import_or_skip("skorch")
    common.torch_threads(torch)
    X, y = common.dataset("mlp")
    torch.manual_seed(0)
    net = skorch.NeuralNetClassifier(torch_mlp(torch), criterion=torch.nn.CrossEntropyLoss,
                                     optimizer=torch.optim.Adam, max_epochs=1, batch_size=128,
                                     train_split=None, verbose=0)
    net.fit(X[:512], y[:512])
    row = X[:1]
    return {"estimator_1row_us": common.median_call_us(lambda: net.predict(row), calls),
            "rows_per_s": _bulk_rows_per_s(lambda: net.predict_proba(X), len(X), bulk_calls)}
