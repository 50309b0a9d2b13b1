"""gru: training throughput of Embedding(10000, 64) -> GRU(64) -> Dense(1, sigmoid).

The lstm workload (see ``lstm.py``: data, warm-up, timing) with a GRU(64)
(``reset_after=True``, Keras' default and PyTorch's only form).
Also runnable alone: ``python -m benchmarks.gru``.
"""
from benchmarks.lstm import FIGURES, run as _run, skdeep_run, torch_run  # noqa: F401

WORKLOADS = {"gru": dict(batch_size=64, epochs=3)}


def run_skdeep(workload, batch_size, epochs):
    return skdeep_run("gru", batch_size, epochs)


def run_torch(workload, batch_size, epochs):
    return torch_run("gru", batch_size, epochs)


def run(frameworks=("skdeep", "torch")):
    """Standalone run in this process: ``{framework: figures}``."""
    return _run("gru", frameworks)


if __name__ == "__main__":
    print(run())
