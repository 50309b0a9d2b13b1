"""first_fit: what a new user waits for, per layer family, with an empty Numba cache.

Each family's script (import, build, fit 2 epochs on small data, predict) runs
in a fresh process twice: once with ``NUMBA_CACHE_DIR`` pointed at an empty
folder, so every kernel it uses is compiled, and once more with that cache
now filled. The difference is the compile cost the family adds to a first
fit. Figures are the fit's CPU seconds inside the process (``process_time``,
less sensitive to other load on a shared machine than wall time) and the
whole process' wall seconds.

``import`` times ``import skdeep.nn`` against ``import numba`` (the floor: the
engine needs Numba) and ``import sklearn.base``, as whole processes.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

from benchmarks import common

WORKLOADS = {"first_fit": {}, "import": {"repeats": 3}}
FIGURES = {
    "dense_compile_s": ("Dense (NeuralClassifier, breast cancer, 5 epochs): compile CPU s", "lower"),
    "dense_empty_wall_s": ("the same first fit, empty cache: process wall s", "lower"),
    "dense_warm_wall_s": ("the same, warm cache: process wall s", "lower"),
    "conv_compile_s": ("Conv2D + MaxPooling2D + Dense: compile CPU s", "lower"),
    "lstm_compile_s": ("Embedding + LSTM: compile CPU s", "lower"),
    "gru_compile_s": ("Embedding + GRU: compile CPU s", "lower"),
    "import_skdeep_nn_s": ("import skdeep.nn: process wall s", "lower"),
    "import_numba_s": ("import numba: process wall s", "lower"),
    "import_sklearn_s": ("import sklearn.base: process wall s", "lower"),
}

_TIMER = """
import time as _t
_c0 = _t.process_time()
"""
_REPORT = """
print("FIT_CPU", _t.process_time() - _c0)
"""

SCRIPTS = {
    "dense": """
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler
X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X)
from skdeep import NeuralClassifier
from skdeep.nn.layers import Dense
""" + _TIMER + """
clf = NeuralClassifier(layers=[Dense(128, activation="relu"), Dense(256, activation="relu")],
                       epochs=5, random_state=0, verbose=0).fit(X, y)
clf.predict(X)
""" + _REPORT,
    "conv": """
import numpy as np
rng = np.random.default_rng(0)
X = rng.standard_normal((64, 12, 12, 1)).astype(np.float32)
y = rng.integers(0, 3, 64)
from skdeep.nn import Sequential
from skdeep.nn.layers import Conv2D, Dense, Flatten, MaxPooling2D
""" + _TIMER + """
model = Sequential([Conv2D(8, 3, activation="relu", input_shape=(12, 12, 1)),
                    MaxPooling2D(), Flatten(), Dense(3, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(X, y, epochs=2, batch_size=32, verbose=0)
model.predict(X, verbose=0)
""" + _REPORT,
}
for _cell in ("LSTM", "GRU"):
    SCRIPTS[_cell.lower()] = """
import numpy as np
rng = np.random.default_rng(0)
X = rng.integers(1, 50, (64, 12))
y = rng.integers(0, 2, 64)
from skdeep.nn import Sequential
from skdeep.nn.layers import Dense, Embedding, CELL
""".replace("CELL", _cell) + _TIMER + """
model = Sequential([Embedding(50, 8), CELL(8), Dense(1, activation="sigmoid")])
model.compile("adam", "binary_crossentropy")
model.fit(X, y, epochs=2, batch_size=32, verbose=0)
model.predict(X, verbose=0)
""".replace("CELL", _cell) + _REPORT


def _run(script, env=None):
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", script], check=False, env=env, capture_output=True,
                          text=True)
    wall = time.perf_counter() - t0
    if proc.returncode:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"first-fit script failed: {tail}")
    cpu = [float(line.split()[1]) for line in proc.stdout.splitlines()
           if line.startswith("FIT_CPU")]
    return wall, cpu[-1] if cpu else float("nan")


def _first_fit():
    figures = {}
    for family, script in SCRIPTS.items():
        with tempfile.TemporaryDirectory(prefix="numba-first-fit-") as cache:
            env = dict(os.environ, NUMBA_CACHE_DIR=cache)
            empty_wall, empty_cpu = _run(script, env)
            warm_wall, warm_cpu = _run(script, env)
        figures[f"{family}_compile_s"] = empty_cpu - warm_cpu
        if family == "dense":
            figures["dense_empty_wall_s"] = empty_wall
            figures["dense_warm_wall_s"] = warm_wall
    return figures


def _import_wall(module, repeats):
    _run(f"import {module}")  # page cache and Numba's index files
    return statistics.median(_run(f"import {module}")[0] for _ in range(repeats))


def run_skdeep(workload, repeats=3):
    if workload == "first_fit":
        return _first_fit()
    return {"import_skdeep_nn_s": _import_wall("skdeep.nn", repeats),
            "import_numba_s": _import_wall("numba", repeats),
            "import_sklearn_s": _import_wall("sklearn.base", repeats)}


def run_torch(workload, **kwargs):
    raise common.Skip("first_fit and import measure skdeep against its own floor")


run_sklearn = run_keras = run_skorch = run_torch
