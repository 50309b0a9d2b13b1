"""cold_start: whole-process wall seconds of ``import; fit 1 epoch on 200 rows; predict``.

Each figure times a fresh ``python -c <script>`` from spawn to exit, so the
interpreter start, every import and first-call initialisation count, as they
do for a user running a script or a serverless function. The network is one
hidden layer of 100 relu units (scikit-learn's default) on 200 x 20 float32
rows, two classes.

For skdeep the Numba cache matters: "warm" runs after one untimed run that
filled the usual cache; "empty cache" points ``NUMBA_CACHE_DIR`` at a fresh
directory, so every kernel the script uses is compiled in that process.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

from benchmarks import common

WORKLOADS = {"cold_start": dict(warm_runs=1)}
FIGURES = {
    "warm_s": ("import + fit 1 epoch + predict: process wall s (warm cache)", "lower"),
    "empty_cache_s": ("the same with an empty Numba cache: wall s", "lower"),
}

_DATA = """
import numpy as np
rng = np.random.default_rng(0)
X = rng.standard_normal((200, 20)).astype(np.float32)
y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(np.int64)
"""

SCRIPTS = {
    "skdeep": _DATA + """
from skdeep import NeuralClassifier
from skdeep.nn.layers import Dense
clf = NeuralClassifier(layers=[Dense(100, activation="relu")], epochs=1, batch_size=32,
                       random_state=0, verbose=0).fit(X, y)
clf.predict(X)
""",
    "skdeep_nn": _DATA + """
from skdeep.nn import Sequential
from skdeep.nn.layers import Dense
model = Sequential([Dense(100, activation="relu", input_shape=(20,)),
                    Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(X, y, batch_size=32, epochs=1, verbose=0)
model.predict(X, verbose=0)
""",
    "sklearn": _DATA + """
import warnings
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
warnings.simplefilter("ignore", ConvergenceWarning)
clf = MLPClassifier(hidden_layer_sizes=(100,), max_iter=1, batch_size=32, random_state=0)
clf.fit(X, y).predict(X)
""",
    "torch": _DATA + """
import os
import torch
torch.set_num_threads(int(os.environ.get("BENCH_THREADS") or len(os.sched_getaffinity(0))))
torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Linear(20, 100), torch.nn.ReLU(), torch.nn.Linear(100, 1))
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
loss_fn = torch.nn.BCEWithLogitsLoss()
Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.float32))
perm = torch.randperm(len(X))
for start in range(0, len(X), 32):
    idx = perm[start:start + 32]
    opt.zero_grad(set_to_none=True)
    loss_fn(net(Xt[idx]).squeeze(1), yt[idx]).backward()
    opt.step()
with torch.inference_mode():
    (net(Xt) > 0).numpy()
""",
    "keras": _DATA + """
import os
os.environ.setdefault("KERAS_BACKEND", "jax")
import keras
keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(100, activation="relu"),
                          keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(X, y, batch_size=32, epochs=1, verbose=0)
model.predict(X, verbose=0)
""",
    "skorch": _DATA + """
import torch
from skorch import NeuralNetBinaryClassifier
class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.body = torch.nn.Sequential(torch.nn.Linear(20, 100), torch.nn.ReLU(),
                                        torch.nn.Linear(100, 1))
    def forward(self, x):
        return self.body(x).squeeze(-1)
net = NeuralNetBinaryClassifier(Net, optimizer=torch.optim.Adam, lr=1e-3, max_epochs=1,
                                batch_size=32, train_split=None, verbose=0)
net.fit(X, y.astype(np.float32)).predict(X)
""",
}


def _wall(script, env=None):
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"cold-start script failed: {tail}")
    return elapsed


def _warm(script, warm_runs):
    _wall(script)  # fills caches (Numba, JAX, the OS page cache) for the timed runs
    return statistics.median(_wall(script) for _ in range(warm_runs))


def _importable(module, name=None):
    """Whether the import works in a fresh process (with this process' environment)."""
    code = f"import {module}" if name is None else f"from {module} import {name}"
    env = dict(os.environ)
    env.setdefault("KERAS_BACKEND", "jax")  # Keras 3 defaults to TensorFlow otherwise
    probe = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env)
    return probe.returncode == 0


def run_skdeep(workload, warm_runs):
    figures = {}
    if _importable("skdeep", "NeuralClassifier"):
        script = SCRIPTS["skdeep"]
    else:
        script = SCRIPTS["skdeep_nn"]
        figures["note"] = ("skdeep.NeuralClassifier not importable yet: the script uses "
                           "skdeep.nn.Sequential")
    figures["warm_s"] = _warm(script, warm_runs)
    with tempfile.TemporaryDirectory(prefix="numba-cold-") as cache:
        figures["empty_cache_s"] = _wall(script, dict(os.environ, NUMBA_CACHE_DIR=cache))
    return figures


def _peer(name, module, warm_runs):
    if not _importable(module):
        raise common.Skip(f"{module} is not installed")
    return {"warm_s": _warm(SCRIPTS[name], warm_runs)}


def run_sklearn(workload, warm_runs):
    return _peer("sklearn", "sklearn", warm_runs)


def run_torch(workload, warm_runs):
    return _peer("torch", "torch", warm_runs)


def run_keras(workload, warm_runs):
    return _peer("keras", "keras", warm_runs)


def run_skorch(workload, warm_runs):
    return _peer("skorch", "skorch", warm_runs)
