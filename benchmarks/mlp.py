"""mlp and mlp_small_batch: training throughput of a 784-256-128-10 MLP.

20,000 x 784 float32 rows, 10 classes, relu/relu/softmax, Adam(1e-3), one
warm-up epoch then ``epochs`` timed epochs; the figure is training samples/s
of the median timed epoch. Every framework shuffles each epoch.

The network builders here are reused by ``predict_latency``.
"""
from benchmarks import common

WORKLOADS = {
    "mlp": dict(batch_size=128, epochs=3),
    "mlp_small_batch": dict(batch_size=32, epochs=3),
}
FIGURES = {
    "samples_per_s": ("training samples/s (median epoch)", "higher"),
    "train_accuracy": ("training accuracy after the last epoch", None),
}
_H1, _H2 = common.MLP_UNITS
_D, _C = common.MLP_FEATURES, common.MLP_CLASSES


# ------------------------------------------------------------------------ builders
def skdeep_mlp():
    from skdeep.nn import Sequential
    from skdeep.nn.layers import Dense

    return Sequential([Dense(_H1, activation="relu", input_shape=(_D,)),
                       Dense(_H2, activation="relu"),
                       Dense(_C, activation="softmax")])


def torch_mlp(torch):
    """Logits out: the softmax lives in CrossEntropyLoss (fused log-softmax)."""
    nn = torch.nn
    return nn.Sequential(nn.Linear(_D, _H1), nn.ReLU(), nn.Linear(_H1, _H2), nn.ReLU(),
                         nn.Linear(_H2, _C))


def torch_adam(torch, params):
    """Adam with Keras' epsilon; the fused CPU kernel (one call for all tensors)."""
    try:
        return torch.optim.Adam(params, lr=1e-3, eps=1e-7, fused=True)
    except (RuntimeError, TypeError):  # builds without the fused CPU kernel
        return torch.optim.Adam(params, lr=1e-3, eps=1e-7, foreach=True)


def keras_mlp(keras):
    layers = keras.layers
    return keras.Sequential([keras.Input((_D,)), layers.Dense(_H1, activation="relu"),
                             layers.Dense(_H2, activation="relu"),
                             layers.Dense(_C, activation="softmax")])


# ------------------------------------------------------------------------ frameworks
def run_skdeep(workload, batch_size, epochs):
    from skdeep.nn import backend, callbacks, optimizers

    X, y = common.dataset("mlp")
    backend.set_random_seed(0)
    model = skdeep_mlp()
    model.compile(optimizer=optimizers.Adam(learning_rate=1e-3),
                  loss="sparse_categorical_crossentropy")
    timer = common.clock_callback(callbacks.Callback)
    model.fit(X, y, batch_size=batch_size, epochs=1 + epochs, verbose=0, callbacks=[timer])
    pred = model.predict(X, batch_size=4096, verbose=0).argmax(axis=1)
    return {"samples_per_s": common.samples_per_s(len(X), timer.clock.times),
            "train_accuracy": common.accuracy(y, pred)}


def run_torch(workload, batch_size, epochs):
    torch = common.import_or_skip("torch")
    common.torch_threads(torch)
    X, y = common.dataset("mlp")
    torch.manual_seed(0)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    model = torch_mlp(torch)
    opt = torch_adam(torch, model.parameters())
    loss_fn = torch.nn.CrossEntropyLoss()
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
        pred = model(Xt).argmax(dim=1).numpy()
    return {"samples_per_s": common.samples_per_s(n, clock.times),
            "train_accuracy": common.accuracy(y, pred)}


def run_sklearn(workload, batch_size, epochs):
    """MLPClassifier's own Adam; ``partial_fit`` is exactly one shuffled epoch."""
    from sklearn.neural_network import MLPClassifier

    X, y = common.dataset("mlp")
    clf = MLPClassifier(hidden_layer_sizes=(_H1, _H2), activation="relu", solver="adam",
                        learning_rate_init=1e-3, epsilon=1e-7, batch_size=batch_size,
                        shuffle=True, random_state=0)
    classes = list(range(_C))
    clock = common.EpochClock()
    for _ in range(1 + epochs):
        clock.start()
        clf.partial_fit(X, y, classes=classes)
        clock.stop()
    dtype = clf.coefs_[0].dtype
    return {"samples_per_s": common.samples_per_s(len(X), clock.times),
            "train_accuracy": common.accuracy(y, clf.predict(X)),
            "note": f"scikit-learn computes in {dtype} with its own Adam"}


def run_keras(workload, batch_size, epochs):
    common.keras_backend_env()
    keras = common.import_or_skip("keras")

    X, y = common.dataset("mlp")
    keras.utils.set_random_seed(0)
    model = keras_mlp(keras)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  loss="sparse_categorical_crossentropy")
    timer = common.clock_callback(keras.callbacks.Callback)
    model.fit(X, y, batch_size=batch_size, epochs=1 + epochs, verbose=0, callbacks=[timer])
    pred = model.predict(X, batch_size=4096, verbose=0).argmax(axis=1)
    return {"samples_per_s": common.samples_per_s(len(X), timer.clock.times),
            "train_accuracy": common.accuracy(y, pred),
            "note": f"Keras {keras.__version__} on the {keras.backend.backend()} backend"}


def run_skorch(workload, batch_size, epochs):
    torch = common.import_or_skip("torch")
    skorch = common.import_or_skip("skorch")
    common.torch_threads(torch)
    X, y = common.dataset("mlp")
    torch.manual_seed(0)
    net = skorch.NeuralNetClassifier(
        torch_mlp(torch), criterion=torch.nn.CrossEntropyLoss, optimizer=torch.optim.Adam,
        lr=1e-3, optimizer__eps=1e-7, batch_size=batch_size, max_epochs=1 + epochs,
        train_split=None, iterator_train__shuffle=True, verbose=0, device="cpu")
    net.fit(X, y)
    return {"samples_per_s": common.samples_per_s(len(X), list(net.history[:, "dur"])),
            "train_accuracy": common.accuracy(y, net.predict(X))}
