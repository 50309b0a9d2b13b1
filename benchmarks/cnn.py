"""cnn: training throughput of a small convolutional network on 28x28x1 images.

Conv2D(32, 3, relu) -> MaxPooling2D(2) -> Conv2D(64, 3, relu) -> MaxPooling2D(2)
-> Flatten -> Dense(10, softmax), Adam(1e-3), batch 64, on 10,000 seeded
images (class templates plus noise, so accuracy means something). One
warm-up epoch, then the median of ``epochs`` timed epochs. PyTorch runs NCHW
(its native layout) with logits into CrossEntropyLoss.

``cnn_1thread`` is the same at one thread each, whatever the machine:
skdeep inside ``skdeep.nn.threads.thread_limits(1)`` (Numba's threads and
BLAS through threadpoolctl), PyTorch with ``torch.set_num_threads(1)``.

Also runnable on its own: ``python -m benchmarks.cnn [--profile] [--no-torch]
[--one-thread]`` runs skdeep and PyTorch in this process and prints both
figures (``--profile`` adds where skdeep's time goes, per layer and pass).
"""
import sys

import numpy as np

from benchmarks import common

WORKLOADS = {"cnn": dict(batch_size=64, epochs=1),
             "cnn_1thread": dict(batch_size=64, epochs=1, threads=1)}
FIGURES = {
    "samples_per_s": ("training samples/s (median epoch)", "higher"),
    "train_accuracy": ("training accuracy after the last epoch", None),
}
N_IMAGES, SIDE, N_CLASSES = 10_000, 28, 10


@common.register_dataset("cnn")
def _cnn_data():
    """10,000 float32 images (n, 28, 28, 1) in [0, 1]: a blurred random template
    per class, randomly shifted by up to 2 pixels, plus noise; int64 labels."""
    rng = np.random.default_rng(common.SEED + 5)
    templates = rng.random((N_CLASSES, SIDE + 4, SIDE + 4)).astype(np.float32)
    for _ in range(3):  # cheap blur so that templates have spatial structure
        templates = (templates + np.roll(templates, 1, 1) + np.roll(templates, 1, 2)) / 3
    templates -= templates.mean(axis=(1, 2), keepdims=True)
    templates /= templates.std(axis=(1, 2), keepdims=True)
    y = rng.integers(0, N_CLASSES, N_IMAGES)
    dy, dx = rng.integers(0, 5, N_IMAGES), rng.integers(0, 5, N_IMAGES)
    rows = dy[:, None] + np.arange(SIDE)[None, :]
    cols = dx[:, None] + np.arange(SIDE)[None, :]
    X = templates[y[:, None, None], rows[:, :, None], cols[:, None, :]]
    X = X + rng.standard_normal(X.shape, dtype=np.float32)
    X = (X - X.min()) / (X.max() - X.min())
    return X[..., None].astype(np.float32), y.astype(np.int64)


def skdeep_cnn():
    from skdeep.nn import Sequential
    from skdeep.nn.layers import Conv2D, Dense, Flatten, MaxPooling2D

    return Sequential([Conv2D(32, 3, activation="relu", input_shape=(SIDE, SIDE, 1)),
                       MaxPooling2D(2), Conv2D(64, 3, activation="relu"), MaxPooling2D(2),
                       Flatten(), Dense(N_CLASSES, activation="softmax")])


def run_skdeep(workload, batch_size, epochs, threads=None, profile=False):
    from skdeep.nn import threads as skdeep_threads

    with skdeep_threads.thread_limits(threads):  # None: the library's own setting
        return _run_skdeep(batch_size, epochs, profile)


def _run_skdeep(batch_size, epochs, profile):
    from skdeep.nn import backend, callbacks, optimizers

    X, y = common.dataset("cnn")
    backend.set_random_seed(0)
    model = skdeep_cnn()
    model.compile(optimizer=optimizers.Adam(learning_rate=1e-3),
                  loss="sparse_categorical_crossentropy")
    timer = common.clock_callback(callbacks.Callback)
    model.fit(X, y, batch_size=batch_size, epochs=1 + epochs, verbose=0, callbacks=[timer])
    pred = model.predict(X, batch_size=1000, verbose=0).argmax(axis=1)
    out = {"samples_per_s": common.samples_per_s(len(X), timer.clock.times),
           "train_accuracy": common.accuracy(y, pred)}
    if profile:
        out["profile"] = _profile_skdeep(model, X, y, batch_size)
    return out


def _profile_skdeep(model, X, y, batch_size, steps=60):
    """Milliseconds per training step spent in each layer's forward and backward."""
    import time

    from skdeep.nn.compile_utils import train_state as _train_state

    state = _train_state(model)
    totals = {}

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            res = fn(*args, **kwargs)
            totals[name] = totals.get(name, 0.0) + time.perf_counter() - t0
            return res
        return wrapper

    originals = {}
    for layer in model.layers:
        originals[layer] = layer.forward

        def forward(inputs, ctx, _layer=layer, **kw):
            y_, back = timed(f"{_layer.name} forward", originals[_layer])(inputs, ctx, **kw)
            return y_, timed(f"{_layer.name} backward", back)

        layer.forward = forward
    opt = model.optimizer
    opt_apply = opt.apply
    opt.apply = timed("optimizer", opt_apply)
    t0 = time.perf_counter()
    try:
        for i in range(steps):
            idx = slice((i * batch_size) % (len(X) - batch_size), None)
            state.train_step([X[idx][:batch_size]], [y[idx][:batch_size]], [None])
    finally:
        for layer, fn in originals.items():
            del layer.forward
        opt.apply = opt_apply
    total = (time.perf_counter() - t0) / steps * 1e3
    rows = {k: v / steps * 1e3 for k, v in totals.items()}
    rows["other (loss, metrics, executor)"] = total - sum(rows.values())
    rows["total per step"] = total
    return rows


def run_torch(workload, batch_size, epochs, threads=None):
    torch = common.import_or_skip("torch")
    common.torch_threads(torch)
    if threads is not None:
        torch.set_num_threads(threads)
    from benchmarks.mlp import torch_adam

    X, y = common.dataset("cnn")
    torch.manual_seed(0)
    nn = torch.nn
    Xt = torch.from_numpy(np.ascontiguousarray(X.transpose(0, 3, 1, 2)))  # NCHW, once
    yt = torch.from_numpy(y)
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(64 * 5 * 5, N_CLASSES))
    opt = torch_adam(torch, model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(0)
    clock = common.EpochClock()
    n = len(X)
    model.train()
    for _ in range(1 + epochs):
        clock.start()
        perm = torch.randperm(n, generator=gen)
        for start in range(0, n, batch_size):
            idx = perm[start:start + batch_size]
            xb, yb = Xt.index_select(0, idx), yt.index_select(0, idx)
            opt.zero_grad(set_to_none=True)
            loss_fn(model(xb), yb).backward()
            opt.step()
        clock.stop()
    model.eval()
    with torch.inference_mode():
        pred = torch.cat([model(Xt[i:i + 1000]) for i in range(0, n, 1000)]).argmax(1).numpy()
    return {"samples_per_s": common.samples_per_s(n, clock.times),
            "train_accuracy": common.accuracy(y, pred)}


def run(profile=False, torch=True, workload="cnn"):
    """Both frameworks in this process; a dict of figures (standalone use)."""
    params = WORKLOADS[workload]
    out = {"skdeep": run_skdeep(workload, profile=profile, **params)}
    try:
        out["torch"] = run_torch(workload, **params) if torch else {"skipped": "--no-torch"}
    except common.Skip as exc:
        out["torch"] = {"skipped": str(exc)}
    return out


if __name__ == "__main__":
    result = run(profile="--profile" in sys.argv[1:], torch="--no-torch" not in sys.argv[1:],
                 workload="cnn_1thread" if "--one-thread" in sys.argv[1:] else "cnn")
    for framework, figures in result.items():
        prof = figures.pop("profile", None)
        print(framework, figures)
        for name, ms in (prof or {}).items():
            print(f"    {name:40s} {ms:7.2f} ms")
