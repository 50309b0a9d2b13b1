"""gemm: the float32 matrix products of one mlp epoch alone, at the BLAS rate.

Per batch of ``b`` rows the 784-256-128-10 MLP needs eight products: three
forward (``x @ W``), three kernel gradients (``x.T @ dz``) and two input
gradients (``dz @ W.T``; the first layer needs none). Running exactly those,
into preallocated outputs, for every batch of a 20,000-row epoch gives the
time no implementation calling the same BLAS can beat: the lower bound on an
epoch. skdeep's column is NumPy's BLAS (the one skdeep calls); PyTorch's
column is the same products through ``torch.mm`` (its own BLAS).
"""
import time

import numpy as np

from benchmarks import common

WORKLOADS = {
    "gemm": dict(batch_size=128, epochs=5),
    "gemm_small_batch": dict(batch_size=32, epochs=5),
}
FIGURES = {
    "epoch_s": ("matrix products of one mlp epoch: s", "lower"),
    "samples_per_s": ("BLAS lower bound: samples/s", "higher"),
}


def _shapes():
    dims = (common.MLP_FEATURES,) + common.MLP_UNITS + (common.MLP_CLASSES,)
    return list(zip(dims[:-1], dims[1:]))


def _batches(batch_size):
    n = common.MLP_ROWS
    return [min(batch_size, n - s) for s in range(0, n, batch_size)]


def _epoch_plan(new, batch_size):
    """For each batch size in the epoch, the eight (a, b, out, transpose) products."""
    rng = np.random.default_rng(common.SEED)
    weights = [new(rng.standard_normal(s).astype(np.float32)) for s in _shapes()]
    plans = {}
    for b in set(_batches(batch_size)):
        acts = [new(rng.standard_normal((b, d_in)).astype(np.float32))
                for d_in, _ in _shapes()]
        dzs = [new(rng.standard_normal((b, d_out)).astype(np.float32))
               for _, d_out in _shapes()]
        steps = []
        for x, w in zip(acts, weights):                       # forward: z = x @ W
            steps.append((x, w, new(np.empty((b, w.shape[1]), np.float32)), "nn"))
        for x, dz, w in zip(acts, dzs, weights):              # kernel grads: x.T @ dz
            steps.append((x, dz, new(np.empty(w.shape, np.float32)), "tn"))
        for i in range(1, len(weights)):                      # input grads: dz @ W.T
            steps.append((dzs[i], weights[i], new(np.empty((b, weights[i].shape[0]),
                                                           np.float32)), "nt"))
        plans[b] = steps
    return [plans[b] for b in _batches(batch_size)]


def _time_epochs(run_epoch, epochs):
    run_epoch()  # warm-up: BLAS thread pool start, page faults
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        run_epoch()
        times.append(time.perf_counter() - t0)
    epoch = float(np.median(times))
    return {"epoch_s": epoch, "samples_per_s": common.MLP_ROWS / epoch}


def run_skdeep(workload, batch_size, epochs):
    plan = _epoch_plan(lambda a: a, batch_size)

    def run_epoch():
        for steps in plan:
            for a, b, out, mode in steps:
                if mode == "nn":
                    np.matmul(a, b, out=out)
                elif mode == "tn":
                    np.matmul(a.T, b, out=out)
                else:
                    np.matmul(a, b.T, out=out)

    figures = _time_epochs(run_epoch, epochs)
    figures["note"] = "NumPy's BLAS, as skdeep calls it: " + common.machine_info().split(
        "numpy BLAS: ")[-1]
    return figures


def run_torch(workload, batch_size, epochs):
    torch = common.import_or_skip("torch")
    common.torch_threads(torch)
    plan = _epoch_plan(torch.from_numpy, batch_size)

    def run_epoch():
        mm = torch.mm
        for steps in plan:
            for a, b, out, mode in steps:
                if mode == "nn":
                    mm(a, b, out=out)
                elif mode == "tn":
                    mm(a.t(), b, out=out)
                else:
                    mm(a, b.t(), out=out)

    with torch.inference_mode():
        return _time_epochs(run_epoch, epochs)
