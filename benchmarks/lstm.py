"""lstm: training throughput of Embedding(10000, 64) -> LSTM(64) -> Dense(1, sigmoid).

5,000 seeded sequences of 100 token ids (vocabulary 10,000), binary labels,
Adam(1e-3), batch 64. A short warm-up (a few batches: JIT, allocator), then
``epochs`` timed epochs; the figure is training samples/s of the median one.
``gru.py`` runs the same with a GRU(64) (Keras' default ``reset_after=True``,
PyTorch's only form). Also runnable alone: ``python -m benchmarks.lstm``.
"""
from benchmarks import common

SEQ_ROWS, SEQ_LEN, VOCAB, EMBED, UNITS = 5_000, 100, 10_000, 64, 64
WARMUP_ROWS = 640  # 10 batches
WORKLOADS = {"lstm": dict(batch_size=64, epochs=3)}
FIGURES = {
    "samples_per_s": ("training samples/s (median epoch)", "higher"),
    "train_accuracy": ("training accuracy after the last epoch", None),
}


@common.register_dataset("sequences")
def _sequence_data():
    """Token ids in [1, VOCAB); the label says whether the last 10 ids are mostly
    in the top half of the vocabulary (learnable from the end of the sequence)."""
    import numpy as np

    rng = np.random.default_rng(common.SEED)
    X = rng.integers(1, VOCAB, (SEQ_ROWS, SEQ_LEN)).astype(np.int32)
    y = ((X[:, -10:] >= VOCAB // 2).sum(axis=1) > 5).astype(np.float32)
    return X, y


# ------------------------------------------------------------------------ frameworks
def skdeep_run(cell, batch_size, epochs):
    """Shared by the lstm and gru workloads."""
    from skdeep.nn import Sequential, backend, callbacks, optimizers
    from skdeep.nn.layers import GRU, LSTM, Dense, Embedding

    X, y = common.dataset("sequences")
    backend.set_random_seed(0)
    rnn = LSTM(UNITS) if cell == "lstm" else GRU(UNITS)
    model = Sequential([Embedding(VOCAB, EMBED, input_shape=(SEQ_LEN,)), rnn,
                        Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizers.Adam(learning_rate=1e-3), loss="binary_crossentropy")
    model.fit(X[:WARMUP_ROWS], y[:WARMUP_ROWS], batch_size=batch_size, epochs=1, verbose=0)
    timer = common.clock_callback(callbacks.Callback)
    model.fit(X, y, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=[timer])
    pred = model.predict(X, batch_size=1024, verbose=0)[:, 0] > 0.5
    return {"samples_per_s": common.samples_per_s(len(X), timer.clock.times, warmup=0),
            "train_accuracy": common.accuracy(y, pred)}


def torch_run(cell, batch_size, epochs):
    """The same network as a PyTorch expert writes it: nn.LSTM/nn.GRU (ATen's fused
    CPU kernels), the last hidden state, BCEWithLogitsLoss, fused Adam."""
    torch = common.import_or_skip("torch")
    from benchmarks.mlp import torch_adam

    common.torch_threads(torch)
    X, y = common.dataset("sequences")
    torch.manual_seed(0)
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(VOCAB, EMBED)
            self.rnn = (nn.LSTM if cell == "lstm" else nn.GRU)(EMBED, UNITS, batch_first=True)
            self.out = nn.Linear(UNITS, 1)

        def forward(self, ids):
            _, state = self.rnn(self.embedding(ids))
            h = state[0] if cell == "lstm" else state
            return self.out(h[-1]).squeeze(-1)

    model = Net()
    opt = torch_adam(torch, model.parameters())
    loss_fn = nn.BCEWithLogitsLoss()
    Xt, yt = torch.from_numpy(X.astype("int64")), torch.from_numpy(y)
    gen = torch.Generator().manual_seed(0)
    model.train()

    def epoch(n):
        perm = torch.randperm(n, generator=gen)
        for start in range(0, n, batch_size):
            idx = perm[start:start + batch_size]
            opt.zero_grad(set_to_none=True)
            loss_fn(model(Xt.index_select(0, idx)), yt.index_select(0, idx)).backward()
            opt.step()

    epoch(WARMUP_ROWS)
    clock = common.EpochClock()
    for _ in range(epochs):
        clock.start()
        epoch(len(X))
        clock.stop()
    model.eval()
    with torch.inference_mode():
        pred = (model(Xt) > 0).numpy()
    return {"samples_per_s": common.samples_per_s(len(X), clock.times, warmup=0),
            "train_accuracy": common.accuracy(y, pred)}


def run_skdeep(workload, batch_size, epochs):
    return skdeep_run("lstm", batch_size, epochs)


def run_torch(workload, batch_size, epochs):
    return torch_run("lstm", batch_size, epochs)


def run(cell="lstm", frameworks=("skdeep", "torch")):
    """Standalone run in this process: ``{framework: figures}``."""
    params = dict(batch_size=64, epochs=3)
    out = {}
    for fw in frameworks:
        try:
            out[fw] = (skdeep_run if fw == "skdeep" else torch_run)(cell, **params)
        except common.Skip as exc:
            out[fw] = {"note": str(exc)}
    return out


if __name__ == "__main__":
    print(run())
