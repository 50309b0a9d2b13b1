"""The fixed public contract of docs/api_contract.md: names, signatures, Keras
weight layouts and defaults, registries and their errors."""
import importlib
import importlib.util
import inspect

import numpy as np
import pytest

import skdeep.nn as nn
from skdeep.nn import Input, Model, Sequential, activations, backend, initializers, losses
from skdeep.nn import metrics, optimizers, regularizers
from skdeep.nn.layers import BatchNormalization, Dense
from skdeep.nn.context import CallContext

# ------------------------------------------------------------------- names
CORE_LAYERS = ["Dense", "Dropout", "BatchNormalization", "Flatten", "Reshape", "Activation",
               "Concatenate", "Add"]
# layers of the other families, with the module that brings them
FAMILY_LAYERS = {"Conv2D": "conv", "MaxPooling2D": "pooling", "AveragePooling2D": "pooling",
                 "GlobalAveragePooling2D": "pooling", "Embedding": "embedding",
                 "SimpleRNN": "recurrent", "LSTM": "recurrent", "GRU": "recurrent",
                 "Bidirectional": "recurrent", "Masking": "embedding"}


@pytest.mark.parametrize("name", CORE_LAYERS)
def test_core_layer_names(name):
    assert inspect.isclass(getattr(importlib.import_module("skdeep.nn.layers"), name))


@pytest.mark.parametrize("name, family", sorted(FAMILY_LAYERS.items()))
def test_family_layer_names(name, family):
    assert inspect.isclass(getattr(importlib.import_module("skdeep.nn.layers"), name))


@pytest.mark.parametrize("module, names", [
    ("skdeep.nn", ["Sequential", "Model", "Input", "optimizers", "losses", "metrics",
                   "callbacks", "regularizers", "initializers"]),
    ("skdeep.nn.optimizers", ["SGD", "Adam", "RMSprop", "Adagrad"]),
    ("skdeep.nn.callbacks", ["History", "EarlyStopping", "ModelCheckpoint"]),
    ("skdeep.nn.regularizers", ["L1", "L2", "L1L2"]),
    ("skdeep.nn.utils", ["to_categorical"]),
])
def test_module_names(module, names):
    mod = importlib.import_module(module)
    missing = [n for n in names if not hasattr(mod, n)]
    assert not missing, f"{module} lacks {missing}"


# --------------------------------------------------------------- layouts
def _weights_of(layer, input_shape, dtype=None):
    layer(Input(shape=input_shape, dtype=dtype))
    return [(w.name, w.shape) for w in layer.weights], [a.shape for a in layer.get_weights()]


def test_dense_layout_and_defaults():
    layer = Dense(3)
    names_shapes, arrays = _weights_of(layer, (5,))
    assert names_shapes == [("kernel", (5, 3)), ("bias", (3,))]
    assert arrays == [(5, 3), (3,)]
    assert isinstance(layer.kernel_initializer, initializers.GlorotUniform)
    assert isinstance(layer.bias_initializer, initializers.Zeros)
    kernel, bias = layer.get_weights()
    assert kernel.dtype == np.float32 and bias.dtype == np.float32
    assert np.abs(kernel).max() <= np.sqrt(6 / (5 + 3)) and (bias == 0).all()
    assert _weights_of(Dense(2, use_bias=False), (4,))[1] == [(4, 2)]
    signature = inspect.signature(Dense)
    assert signature.parameters["activation"].default is None
    assert signature.parameters["use_bias"].default is True


def test_dense_set_weights_round_trip_and_shape_errors():
    layer = Dense(2)
    _weights_of(layer, (3,))
    new = [np.arange(6.0).reshape(3, 2), np.array([1.0, -1.0])]
    layer.set_weights(new)
    np.testing.assert_array_equal(layer(np.eye(3)), new[0] + new[1])
    with pytest.raises(ValueError, match=r"shape \(2, 3\)"):
        layer.set_weights([np.zeros((2, 3)), np.zeros(2)])
    with pytest.raises(ValueError, match="expects 2 weight arrays"):
        layer.set_weights([np.zeros((3, 2))])


def test_batchnormalization_layout_and_defaults():
    layer = BatchNormalization()
    assert layer.momentum == 0.99 and layer.epsilon == 1e-3
    assert inspect.signature(BatchNormalization).parameters["momentum"].default == 0.99
    assert inspect.signature(BatchNormalization).parameters["epsilon"].default == 1e-3
    names_shapes, _ = _weights_of(layer, (4,))
    assert names_shapes == [("gamma", (4,)), ("beta", (4,)), ("moving_mean", (4,)),
                            ("moving_variance", (4,))]
    gamma, beta, mean, var = layer.get_weights()
    assert (gamma == 1).all() and (beta == 0).all() and (mean == 0).all() and (var == 1).all()
    assert [w.name for w in layer.trainable_weights] == ["gamma", "beta"]
    assert [w.name for w in layer.non_trainable_weights] == ["moving_mean", "moving_variance"]
    assert [n for n, _ in _weights_of(BatchNormalization(center=False), (4,))[0]] == \
        ["gamma", "moving_mean", "moving_variance"]


def test_batchnormalization_moving_statistics_like_keras():
    x = np.random.default_rng(0).standard_normal((16, 3)) * [1.0, 2.0, 3.0] + [0.5, -1.0, 2.0]
    with backend.floatx_scope("float64"):
        layer = BatchNormalization()
        layer.build((None, 3))
        y, _ = layer.forward(x, CallContext(training=True))
        # training: batch statistics (biased variance) normalize the batch ...
        np.testing.assert_allclose(y, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3))
        # ... and the moving statistics move by (1 - momentum)
        np.testing.assert_allclose(layer.moving_mean.value, 0.01 * x.mean(0))
        np.testing.assert_allclose(layer.moving_variance.value, 0.99 + 0.01 * x.var(0))
        mean, var = layer.moving_mean.numpy(), layer.moving_variance.numpy()
        y, _ = layer.forward(x, CallContext(training=False))
        np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3))
        # a frozen layer runs in inference mode and keeps its statistics (Keras 3)
        layer.trainable = False
        y, _ = layer.forward(x, CallContext(training=True))
        np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3))
        np.testing.assert_array_equal(layer.moving_mean.value, mean)


FAMILY_LAYOUTS = [
    ("conv", "Conv2D", {"filters": 4, "kernel_size": (3, 2)}, (6, 5, 3), None,
     [(3, 2, 3, 4), (4,)]),
    ("embedding", "Embedding", {"input_dim": 10, "output_dim": 4}, (7,), "int32", [(10, 4)]),
    ("recurrent", "SimpleRNN", {"units": 5}, (7, 3), None, [(3, 5), (5, 5), (5,)]),
    ("recurrent", "LSTM", {"units": 5}, (7, 3), None, [(3, 20), (5, 20), (20,)]),
    ("recurrent", "GRU", {"units": 5}, (7, 3), None, [(3, 15), (5, 15), (2, 15)]),
]


@pytest.mark.parametrize("family, name, kwargs, input_shape, dtype, shapes", FAMILY_LAYOUTS,
                         ids=[row[1] for row in FAMILY_LAYOUTS])
def test_family_layouts(family, name, kwargs, input_shape, dtype, shapes):
    layer = getattr(importlib.import_module("skdeep.nn.layers"), name)(**kwargs)
    assert _weights_of(layer, input_shape, dtype)[1] == shapes


def test_recurrent_defaults_and_bidirectional_layout():
    from skdeep.nn.layers import GRU, LSTM, Bidirectional

    for cls in (LSTM, GRU):
        params = inspect.signature(cls).parameters
        assert params["activation"].default == "tanh"
        assert params["recurrent_activation"].default == "sigmoid"
    assert inspect.signature(GRU).parameters["reset_after"].default is True
    shapes = _weights_of(Bidirectional(LSTM(5)), (7, 3))[1]
    assert shapes == [(3, 20), (5, 20), (20,)] * 2


# ------------------------------------------------------------- optimizers
@pytest.mark.parametrize("cls, defaults", [
    (optimizers.Adam, {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999,
                       "epsilon": 1e-7, "amsgrad": False}),
    (optimizers.SGD, {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False}),
    (optimizers.RMSprop, {"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0,
                          "epsilon": 1e-7, "centered": False}),
    (optimizers.Adagrad, {"learning_rate": 0.001, "initial_accumulator_value": 0.1,
                          "epsilon": 1e-7}),
])
def test_optimizer_defaults(cls, defaults):
    params = inspect.signature(cls).parameters
    opt = cls()
    for name, value in defaults.items():
        assert params[name].default == value, name
        assert getattr(opt, name) == value, name
    config = opt.get_config()
    assert {k: config[k] for k in defaults} == defaults
    for clip in ("clipnorm", "clipvalue", "global_clipnorm", "weight_decay"):
        assert config[clip] is None


# ------------------------------------------------------------- registries
OPTIMIZER_NAMES = {"adam": optimizers.Adam, "sgd": optimizers.SGD,
                   "rmsprop": optimizers.RMSprop, "adagrad": optimizers.Adagrad}
LOSS_NAMES = {"mse": losses.MeanSquaredError, "mae": losses.MeanAbsoluteError,
              "mape": losses.MeanAbsolutePercentageError,
              "msle": losses.MeanSquaredLogarithmicError, "huber": losses.Huber,
              "binary_crossentropy": losses.BinaryCrossentropy,
              "categorical_crossentropy": losses.CategoricalCrossentropy,
              "sparse_categorical_crossentropy": losses.SparseCategoricalCrossentropy}
ACTIVATION_NAMES = ["linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus",
                    "softsign", "swish", "silu", "gelu", "leaky_relu", "hard_sigmoid",
                    "exponential"]
INITIALIZER_NAMES = ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
                     "lecun_uniform", "lecun_normal", "orthogonal", "zeros", "ones",
                     "random_normal", "random_uniform", "constant"]
METRIC_NAMES = ["accuracy", "binary_accuracy", "categorical_accuracy",
                "sparse_categorical_accuracy", "mse", "mae"]


@pytest.mark.parametrize("name, cls", OPTIMIZER_NAMES.items())
def test_optimizer_names(name, cls):
    assert type(optimizers.get(name)) is cls


@pytest.mark.parametrize("name, cls", LOSS_NAMES.items())
def test_loss_names(name, cls):
    assert type(losses.get(name)) is cls


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_activation_names(name):
    assert callable(activations.get(name))
    assert Dense(2, activation=name).activation is activations.get(name)


@pytest.mark.parametrize("name", INITIALIZER_NAMES)
def test_initializer_names(name):
    init = initializers.get(name)
    assert init((3, 3)).shape == (3, 3)


@pytest.mark.parametrize("name", METRIC_NAMES)
def test_metric_names(name):
    assert isinstance(metrics.resolve(name, y_true_shape=(4,), y_pred_shape=(4, 1)),
                      metrics.Metric)


@pytest.mark.parametrize("name, l1, l2", [("l1", 0.01, 0.0), ("l2", 0.0, 0.01),
                                          ("l1_l2", 0.01, 0.01)])
def test_regularizer_names(name, l1, l2):
    reg = regularizers.get(name)
    assert (reg.l1, reg.l2) == (l1, l2)


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZER_NAMES))
@pytest.mark.parametrize("loss", sorted(LOSS_NAMES))
def test_compile_accepts_every_string(optimizer, loss):
    model = Sequential([Dense(2, activation="softmax", input_shape=(3,))])
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    assert isinstance(model.optimizer, OPTIMIZER_NAMES[optimizer])


@pytest.mark.parametrize("resolve, bad, message", [
    (optimizers.get, "adamx", "Unknown optimizer 'adamx'"),
    (losses.get, "mean_square_error", "Unknown loss 'mean_square_error'"),
    (activations.get, "relu_6", "Unknown activation 'relu_6'"),
    (initializers.get, "glorot", "Unknown initializer 'glorot'"),
    (regularizers.get, "l3", "Unknown regularizer 'l3'"),
    (metrics.get, "acuracy", "Unknown metric 'acuracy'"),
])
def test_unknown_names_give_one_clear_error(resolve, bad, message):
    with pytest.raises(ValueError, match=message):
        resolve(bad)


@pytest.mark.parametrize("kwargs, message", [
    ({"optimizer": "adamx", "loss": "mse"}, "adamx"),
    ({"optimizer": "adam", "loss": "mean_square_error"}, "mean_square_error"),
])
def test_compile_rejects_unknown_names(kwargs, message):
    model = Sequential([Dense(1, input_shape=(2,))])
    with pytest.raises(ValueError, match=message):
        model.compile(**kwargs)


def test_layers_reject_unknown_names():
    with pytest.raises(ValueError, match="Unknown activation 'rellu'"):
        Dense(2, activation="rellu")
    with pytest.raises(ValueError, match="Unknown initializer"):
        Dense(2, kernel_initializer="glorot")
    with pytest.raises(ValueError, match="Unknown regularizer"):
        Dense(2, kernel_regularizer="l3")


def test_float32_by_default():
    assert backend.floatx() == "float32"
    inp = Input(shape=(3,))
    model = Model(inp, Dense(2)(inp))
    assert model.predict(np.ones((2, 3)), verbose=0).dtype == np.float32
    assert all(w.dtype == np.float32 for w in model.weights)
    assert nn.Sequential is Sequential
