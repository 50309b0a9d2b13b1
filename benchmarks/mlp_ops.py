"""mlp_ops: the 784-256-128-10 MLP of ``mlp`` written as custom Keras 3 layers.

Each layer is a ``Layer`` subclass whose ``call()`` is ``inputs @ kernel + bias``
and the activation, written with ``skdeep.nn.ops``: it trains through the
ops tape instead of the built-in fused Numba kernels. Compare its skdeep
figure with the built-in path (workload ``mlp``, same data, batch and
optimizer) and with PyTorch eager:

    python -m benchmarks.run --workloads mlp,mlp_ops --frameworks skdeep,torch
"""
from benchmarks import common, mlp

WORKLOADS = {"mlp_ops": {"batch_size": 128, "epochs": 3}}
FIGURES = mlp.FIGURES


def ops_mlp():
    from skdeep.nn import Sequential, layers, ops

    class OpsDense(layers.Layer):
        def __init__(self, units, activation=None, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.activation = activation

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                          initializer="glorot_uniform", name="kernel")
            self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

        def call(self, inputs):
            y = ops.matmul(inputs, self.kernel) + self.bias
            if self.activation == "relu":
                return ops.relu(y)
            if self.activation == "softmax":
                return ops.softmax(y)
            return y

    h1, h2 = common.MLP_UNITS
    return Sequential([layers.Input((common.MLP_FEATURES,)), OpsDense(h1, "relu"),
                       OpsDense(h2, "relu"), OpsDense(common.MLP_CLASSES, "softmax")])


def run_skdeep(workload, batch_size, epochs):
    from skdeep.nn import backend, callbacks, optimizers

    X, y = common.dataset("mlp")
    backend.set_random_seed(0)
    model = ops_mlp()
    model.compile(optimizer=optimizers.Adam(learning_rate=1e-3),
                  loss="sparse_categorical_crossentropy")
    timer = common.clock_callback(callbacks.Callback)
    model.fit(X, y, batch_size=batch_size, epochs=1 + epochs, verbose=0, callbacks=[timer])
    pred = model.predict(X, batch_size=4096, verbose=0).argmax(axis=1)
    return {"samples_per_s": common.samples_per_s(len(X), timer.clock.times),
            "train_accuracy": common.accuracy(y, pred),
            "note": "custom call() layers through the ops tape"}


def run_torch(workload, batch_size, epochs):
    return mlp.run_torch("mlp", batch_size, epochs)
