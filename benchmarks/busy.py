"""busy: mlp training at batch 32 while another process keeps one core busy.

The 784-256-128-10 MLP of ``mlp`` trains on the first ``rows`` rows, once on
the machine as it is ("quiet") and once while a competing process spins on
one core ("busy"). The figure is the busy run's samples/s as a percentage of
the quiet run's. skdeep runs twice: unseeded, where ``threads.StepTuner``
picks BLAS's threads or one thread from step timings, and seeded
(``set_random_seed``), which keeps one fixed thread setting so that the same
seed gives the same weights.
"""
import contextlib
import subprocess
import sys
import time

from benchmarks import common, mlp

WORKLOADS = {"busy": {"rows": 4000, "batch_size": 32}}
FIGURES = {
    "quiet_samples_per_s": ("quiet machine: training samples/s", "higher"),
    "busy_samples_per_s": ("one core busy: training samples/s", "higher"),
    "busy_pct": ("busy as % of quiet", "higher"),
    "seeded_busy_pct": ("skdeep seeded (fixed threads): busy as % of quiet", "higher"),
}


@contextlib.contextmanager
def _spinner():
    """A competing process that keeps one core busy, bounded to 10 minutes."""
    spin = "import time\nend = time.time() + 600\nwhile time.time() < end: pass"
    proc = subprocess.Popen([sys.executable, "-c", spin])
    try:
        time.sleep(0.3)
        yield
    finally:
        proc.kill()
        proc.wait()


def _skdeep_rate(X, y, batch_size, seed):
    from skdeep.nn import backend, optimizers

    if seed is not None:
        backend.set_random_seed(seed)
    model = mlp.skdeep_mlp()
    model.compile(optimizer=optimizers.Adam(learning_rate=1e-3),
                  loss="sparse_categorical_crossentropy")
    model.fit(X[:256], y[:256], batch_size=batch_size, epochs=1, verbose=0)
    t0 = time.perf_counter()
    model.fit(X, y, batch_size=batch_size, epochs=1, verbose=0)
    return len(X) / (time.perf_counter() - t0)


def _pair(rate):
    quiet = rate()
    with _spinner():
        busy = rate()
    return quiet, busy


def run_skdeep(workload, rows, batch_size):
    X, y = common.dataset("mlp")
    X, y = X[:rows], y[:rows]
    quiet, busy = _pair(lambda: _skdeep_rate(X, y, batch_size, None))
    s_quiet, s_busy = _pair(lambda: _skdeep_rate(X, y, batch_size, 0))
    return {"quiet_samples_per_s": quiet, "busy_samples_per_s": busy,
            "busy_pct": 100.0 * busy / quiet, "seeded_busy_pct": 100.0 * s_busy / s_quiet}


def run_torch(workload, rows, batch_size):
    torch = common.import_or_skip("torch")
    common.torch_threads(torch)
    X, y = common.dataset("mlp")
    Xt, yt = torch.from_numpy(X[:rows]), torch.from_numpy(y[:rows])

    def rate():
        torch.manual_seed(0)
        model = mlp.torch_mlp(torch)
        opt = mlp.torch_adam(torch, model.parameters())
        loss_fn = torch.nn.CrossEntropyLoss()
        t0 = time.perf_counter()
        for start in range(0, rows, batch_size):
            opt.zero_grad(set_to_none=True)
            loss_fn(model(Xt[start:start + batch_size]), yt[start:start + batch_size]).backward()
            opt.step()
        return rows / (time.perf_counter() - t0)

    quiet, busy = _pair(rate)
    return {"quiet_samples_per_s": quiet, "busy_samples_per_s": busy,
            "busy_pct": 100.0 * busy / quiet}
