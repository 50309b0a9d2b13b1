"""search: RandomizedSearchCV scaling, n_jobs=2 against n_jobs=1.

8 candidates x 3 folds on the breast-cancer data (standardised), the same
parameter distribution for both frameworks: hidden layer width and learning
rate. Each figure is the wall time of one whole ``fit`` of the search, in a
fresh process (so n_jobs=2 pays for starting its loky workers, as a user's
first search does), and the speed-up is n_jobs=1 time / n_jobs=2 time.
The last two figures run the n_jobs=2 search under joblib's threading
backend (``joblib.parallel_backend("threading")``, the user's choice): two
threads in the search's process, no worker start-up.
"""
import time

WORKLOADS = {"search": {"n_iter": 8, "cv": 3, "epochs": 30}}
FIGURES = {
    "serial_s": ("n_jobs=1: search wall s", "lower"),
    "parallel_s": ("n_jobs=2: search wall s", "lower"),
    "speedup": ("n_jobs=2 speed-up over n_jobs=1", "higher"),
    "threads_s": ("n_jobs=2, threading backend: search wall s", "lower"),
    "threads_speedup": ("threading backend: speed-up over n_jobs=1", "higher"),
}

_PARAMS = {"units": [16, 32, 64, 128], "learning_rate": [1e-3, 3e-3, 1e-2]}


def _data():
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X).astype("float32"), y


def _time_search(make_search):
    timings = {}
    for n_jobs, key in ((1, "serial_s"), (2, "parallel_s")):
        search = make_search(n_jobs)
        X, y = _data()
        t0 = time.perf_counter()
        search.fit(X, y)
        timings[key] = time.perf_counter() - t0
    timings["speedup"] = timings["serial_s"] / timings["parallel_s"]
    import joblib

    search = make_search(2)
    X, y = _data()
    with joblib.parallel_backend("threading"):
        t0 = time.perf_counter()
        search.fit(X, y)
        timings["threads_s"] = time.perf_counter() - t0
    timings["threads_speedup"] = timings["serial_s"] / timings["threads_s"]
    return timings


def run_skdeep(workload, n_iter, cv, epochs):
    from sklearn.model_selection import RandomizedSearchCV

    from skdeep import NeuralClassifier
    from skdeep.nn.layers import Dense

    params = {"layers__0__units": _PARAMS["units"], "learning_rate": _PARAMS["learning_rate"]}

    def make(n_jobs):
        clf = NeuralClassifier(layers=[Dense(32, activation="relu")], epochs=epochs,
                               random_state=0, verbose=0)
        return RandomizedSearchCV(clf, params, n_iter=n_iter, cv=cv, n_jobs=n_jobs,
                                  random_state=0)

    return _time_search(make)


def run_sklearn(workload, n_iter, cv, epochs):
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import RandomizedSearchCV
    from sklearn.neural_network import MLPClassifier

    warnings.simplefilter("ignore", ConvergenceWarning)
    params = {"hidden_layer_sizes": [(u,) for u in _PARAMS["units"]],
              "learning_rate_init": _PARAMS["learning_rate"]}

    def make(n_jobs):
        clf = MLPClassifier(max_iter=epochs, random_state=0)
        return RandomizedSearchCV(clf, params, n_iter=n_iter, cv=cv, n_jobs=n_jobs,
                                  random_state=0)

    return _time_search(make)
