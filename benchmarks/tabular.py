"""tabular: a small network on breast cancer through each library's sklearn-style API.

Standardized breast cancer (426 training rows, 30 features), 30-128-256-1
relu/relu/sigmoid, Adam(1e-3), batch 32, exactly 50 epochs (early stopping
off everywhere). Figures: wall seconds of the first ``fit`` in a fresh
process (what a user waits for: lazy initialisation, JIT cache loads and
compilation included), of a second identical fit (steady state), and
accuracy on the held-out 25 %.
"""
import time
import warnings

from benchmarks import common

WORKLOADS = {"tabular": dict(batch_size=32, epochs=50)}
FIGURES = {
    "fit_s": ("fit wall s (first fit in the process)", "lower"),
    "refit_s": ("fit wall s (second fit)", "lower"),
    "test_accuracy": ("test accuracy", None),
}
HIDDEN = (128, 256)


def _two_fits(make, fit, predict, X_train, X_test, y_train, y_test):
    """Arrays in the order of ``common.dataset('tabular')``."""
    times = []
    for _ in range(2):
        est = make()
        t0 = time.perf_counter()
        fit(est, X_train, y_train)
        times.append(time.perf_counter() - t0)
    return {"fit_s": times[0], "refit_s": times[1],
            "test_accuracy": common.accuracy(y_test, predict(est, X_test))}


def run_skdeep(workload, batch_size, epochs):
    from skdeep.nn.layers import Dense

    data = common.dataset("tabular")
    try:
        from skdeep import NeuralClassifier
    except ImportError:
        NeuralClassifier = None
    if NeuralClassifier is not None:
        def make():
            return NeuralClassifier(layers=[Dense(HIDDEN[0], activation="relu"),
                                            Dense(HIDDEN[1], activation="relu")],
                                    optimizer="adam", learning_rate=1e-3, epochs=epochs,
                                    batch_size=batch_size, random_state=0, verbose=0)

        return _two_fits(make, lambda est, X, y: est.fit(X, y),
                         lambda est, X: est.predict(X), *data)

    # NeuralClassifier not there yet: the same network through skdeep.nn
    from skdeep.nn import Sequential, backend

    def make():
        backend.set_random_seed(0)
        model = Sequential([Dense(HIDDEN[0], activation="relu", input_shape=(30,)),
                            Dense(HIDDEN[1], activation="relu"),
                            Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        return model

    figures = _two_fits(
        make, lambda m, X, y: m.fit(X, y, batch_size=batch_size, epochs=epochs, verbose=0),
        lambda m, X: (m.predict(X, verbose=0)[:, 0] > 0.5).astype(int), *data)
    figures["note"] = "skdeep.NeuralClassifier not importable yet: skdeep.nn.Sequential used"
    return figures


def run_sklearn(workload, batch_size, epochs):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    def make():
        # n_iter_no_change=epochs: never stop early, so every library runs 50 epochs
        return MLPClassifier(hidden_layer_sizes=HIDDEN, solver="adam", learning_rate_init=1e-3,
                             epsilon=1e-7, batch_size=batch_size, max_iter=epochs,
                             n_iter_no_change=epochs, random_state=0)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return _two_fits(make, lambda est, X, y: est.fit(X, y), lambda est, X: est.predict(X),
                         *common.dataset("tabular"))


def _torch_net(torch):
    nn = torch.nn
    return nn.Sequential(nn.Linear(30, HIDDEN[0]), nn.ReLU(), nn.Linear(HIDDEN[0], HIDDEN[1]),
                         nn.ReLU(), nn.Linear(HIDDEN[1], 1))


def run_torch(workload, batch_size, epochs):
    """A plain PyTorch loop: tensors made once, shuffled indices, fused Adam, logits + BCE."""
    torch = common.import_or_skip("torch")
    common.torch_threads(torch)
    from benchmarks.mlp import torch_adam

    def fit(model, X, y):
        Xt = torch.from_numpy(X)
        yt = torch.from_numpy(y.astype("float32"))
        opt = torch_adam(torch, model.parameters())
        loss_fn = torch.nn.BCEWithLogitsLoss()
        gen = torch.Generator().manual_seed(0)
        model.train()
        for _ in range(epochs):
            perm = torch.randperm(len(X), generator=gen)
            for start in range(0, len(X), batch_size):
                idx = perm[start:start + batch_size]
                opt.zero_grad(set_to_none=True)
                loss_fn(model(Xt.index_select(0, idx)).squeeze(1),
                        yt.index_select(0, idx)).backward()
                opt.step()

    def predict(model, X):
        model.eval()
        with torch.inference_mode():
            return (model(torch.from_numpy(X)).squeeze(1) > 0).numpy().astype(int)

    def make():
        torch.manual_seed(0)
        return _torch_net(torch)

    return _two_fits(make, fit, predict, *common.dataset("tabular"))


def run_keras(workload, batch_size, epochs):
    common.keras_backend_env()
    keras = common.import_or_skip("keras")
    layers = keras.layers

    def make():
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((30,)),
                                  layers.Dense(HIDDEN[0], activation="relu"),
                                  layers.Dense(HIDDEN[1], activation="relu"),
                                  layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                      loss="binary_crossentropy")
        return model

    figures = _two_fits(
        make, lambda m, X, y: m.fit(X, y, batch_size=batch_size, epochs=epochs, verbose=0),
        lambda m, X: (m.predict(X, verbose=0)[:, 0] > 0.5).astype(int),
        *common.dataset("tabular"))
    figures["note"] = f"Keras {keras.__version__} on the {keras.backend.backend()} backend"
    return figures


def run_skorch(workload, batch_size, epochs):
    torch = common.import_or_skip("torch")
    skorch = common.import_or_skip("skorch")
    common.torch_threads(torch)

    def make():
        torch.manual_seed(0)
        return skorch.NeuralNetBinaryClassifier(
            _Squeeze(_torch_net(torch), torch), optimizer=torch.optim.Adam, lr=1e-3,
            optimizer__eps=1e-7, batch_size=batch_size, max_epochs=epochs, train_split=None,
            iterator_train__shuffle=True, verbose=0)

    X_train, X_test, y_train, y_test = common.dataset("tabular")
    return _two_fits(make, lambda net, X, y: net.fit(X, y.astype("float32")),
                     lambda net, X: net.predict(X), X_train, X_test, y_train, y_test)


def _Squeeze(net, torch):
    """skorch's binary classifier wants one logit per row, shape (n,)."""
    class Squeeze(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = net

        def forward(self, x):
            return self.net(x).squeeze(-1)

    return Squeeze()
