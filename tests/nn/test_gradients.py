"""Gradient checks of losses, regularizers and graph shapes, in float64
against central differences (skdeep.nn.testing).

The layers' gradient checks run from the table in ``layer_cases.py``
(``test_layer_cases.py``).
"""
import numpy as np
import pytest

from skdeep.nn import Input, Model, Sequential, backend, losses, regularizers
from skdeep.nn.context import CallContext
from skdeep.nn.layers import (Activation, Add, Average, BatchNormalization, Concatenate, Dense,
                              Dropout, Flatten, Multiply, Subtract)
from skdeep.nn.testing import check_layer_gradients, check_model_gradients

from .layer_cases import randn


def test_dropout_training_backward_uses_the_forward_mask():
    x = np.random.default_rng(0).standard_normal((50, 8))
    layer = Dropout(0.25, seed=7)
    y, backward = layer.forward(x, CallContext(training=True))
    kept = y != 0
    assert 0.5 < kept.mean() < 0.95
    np.testing.assert_allclose(y[kept], x[kept] / 0.75)
    dy = np.random.default_rng(1).standard_normal(x.shape)
    np.testing.assert_allclose(backward(dy), np.where(kept, dy / 0.75, 0.0))
    # inference is the identity, gradient included
    y2, backward2 = layer.forward(x, CallContext(training=False))
    assert y2 is x and backward2(dy) is dy


def test_check_layer_gradients_can_fail():
    """The checker must catch a wrong backward, or the table proves nothing."""

    class WrongDense(Dense):
        def forward(self, inputs, ctx):
            y, backward = super().forward(inputs, ctx)
            return y, lambda dy: backward(dy) * 1.01

    with backend.floatx_scope("float64"):
        with pytest.raises(AssertionError, match="input"):
            check_layer_gradients(WrongDense(2), randn(3, 4)())


# ------------------------------------------------------------------- losses
def mlp(out_units, out_activation, input_dim=3, tail=()):
    """A tiny model whose last layer is ``Dense(out_units, out_activation)``
    (then ``tail`` layers, which switch off the fused loss path)."""
    def make():
        return Sequential([Dense(4, activation="tanh", input_shape=(input_dim,)),
                           Dense(out_units, activation=out_activation), *tail])
    return make


def regression(n=6, k=2, positive=False, seed=1):
    rng = np.random.default_rng(seed)
    y = rng.uniform(0.5, 2.0, (n, k)) if positive else rng.standard_normal((n, k))
    return rng.standard_normal((n, 3)), y


def binary(n=6, k=2, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 3)), rng.integers(0, 2, (n, k)).astype(float)


def onehot(n=6, k=3, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 3)), np.eye(k)[rng.integers(0, k, n)]


def sparse(n=6, k=3, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 3)), rng.integers(0, k, n)


SW = np.array([0.5, 1.0, 2.0, 0.0, 1.5, 0.25])

# (model maker, loss, data, sample_weight)
LOSS_CASES = [
    pytest.param(mlp(2, None), "mse", regression(), None, id="mse"),
    pytest.param(mlp(2, None), "mae", regression(), None, id="mae"),
    pytest.param(mlp(2, None), "mape", regression(), None, id="mape"),
    pytest.param(mlp(2, "softplus"), "msle", regression(positive=True), None, id="msle"),
    pytest.param(mlp(2, None), losses.Huber(delta=0.3), regression(), None,
                 id="huber-both-regimes"),
    pytest.param(mlp(2, None), "mse", regression(), SW, id="mse-sample-weight"),
    pytest.param(mlp(2, None), losses.MeanAbsoluteError(reduction="sum"), regression(), SW,
                 id="mae-sum-reduction"),
    pytest.param(mlp(2, None), losses.MeanSquaredError(reduction="mean_with_sample_weight"),
                 regression(), SW, id="mse-mean-with-sample-weight"),
    # binary cross-entropy: fused sigmoid, unfused probabilities, logits
    pytest.param(mlp(2, "sigmoid"), "binary_crossentropy", binary(), None, id="bce-fused"),
    pytest.param(mlp(2, "sigmoid", tail=[Flatten()]), "binary_crossentropy", binary(), None,
                 id="bce-unfused"),
    pytest.param(mlp(2, None), losses.BinaryCrossentropy(from_logits=True), binary(), None,
                 id="bce-from-logits"),
    pytest.param(mlp(2, "sigmoid"), losses.BinaryCrossentropy(label_smoothing=0.2), binary(),
                 SW, id="bce-fused-smoothing-sample-weight"),
    pytest.param(mlp(2, "sigmoid", tail=[Flatten()]),
                 losses.BinaryCrossentropy(label_smoothing=0.2), binary(), None,
                 id="bce-unfused-smoothing"),
    pytest.param(mlp(2, None), losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
                 binary(), SW, id="bce-from-logits-smoothing-sample-weight"),
    # categorical cross-entropy
    pytest.param(mlp(3, "softmax"), "categorical_crossentropy", onehot(), None, id="cce-fused"),
    pytest.param(mlp(3, "softmax", tail=[Flatten()]), "categorical_crossentropy", onehot(), None,
                 id="cce-unfused"),
    pytest.param(mlp(3, "sigmoid"), "categorical_crossentropy", onehot(), None,
                 id="cce-unnormalised-probabilities"),
    pytest.param(mlp(3, None), losses.CategoricalCrossentropy(from_logits=True), onehot(), SW,
                 id="cce-from-logits-sample-weight"),
    pytest.param(mlp(3, "softmax"), losses.CategoricalCrossentropy(label_smoothing=0.3),
                 onehot(), None, id="cce-fused-smoothing"),
    pytest.param(mlp(3, "softmax", tail=[Flatten()]),
                 losses.CategoricalCrossentropy(label_smoothing=0.3), onehot(), SW,
                 id="cce-unfused-smoothing-sample-weight"),
    pytest.param(mlp(3, None), losses.CategoricalCrossentropy(from_logits=True,
                                                              label_smoothing=0.3),
                 onehot(), None, id="cce-from-logits-smoothing"),
    # sparse categorical cross-entropy
    pytest.param(mlp(3, "softmax"), "sparse_categorical_crossentropy", sparse(), None,
                 id="scce-fused"),
    pytest.param(mlp(3, "softmax", tail=[Flatten()]), "sparse_categorical_crossentropy",
                 sparse(), SW, id="scce-unfused-sample-weight"),
    pytest.param(mlp(3, None), losses.SparseCategoricalCrossentropy(from_logits=True), sparse(),
                 None, id="scce-from-logits"),
    pytest.param(mlp(3, "softmax"), losses.SparseCategoricalCrossentropy(ignore_class=1),
                 sparse(), None, id="scce-fused-ignore-class"),
    pytest.param(mlp(3, None), losses.SparseCategoricalCrossentropy(from_logits=True,
                                                                    ignore_class=0),
                 sparse(), SW, id="scce-from-logits-ignore-class-sample-weight"),
    # Keras-style loss functions and classes passed to compile
    pytest.param(mlp(2, "sigmoid"), losses.binary_crossentropy, binary(), None,
                 id="bce-function"),
    pytest.param(mlp(2, None), losses.MeanSquaredError, regression(), None, id="mse-class"),
]


@pytest.mark.parametrize("make_model, loss, data, sample_weight", LOSS_CASES)
def test_loss_gradients(make_model, loss, data, sample_weight):
    with backend.floatx_scope("float64"):
        model = make_model()
        model.compile(optimizer="sgd", loss=loss)
        x, y = data
        check_model_gradients(model, x, y, sample_weight=sample_weight)


# ------------------------------------------------------------- regularizers
def regularized():
    return Sequential([
        Dense(4, activation="tanh", input_shape=(3,), kernel_regularizer=regularizers.L1L2(0.05, 0.1),
              bias_regularizer=regularizers.L2(0.2), bias_initializer="ones",
              activity_regularizer=regularizers.L1L2(0.03, 0.07)),
        BatchNormalization(gamma_regularizer="l2", beta_regularizer=regularizers.L1(0.1),
                           beta_initializer="ones"),
        Dense(2, kernel_regularizer="l1", activity_regularizer="l2"),
    ])


# -------------------------------------------------------------------- graphs
def two_in_two_out():
    """Two inputs through one shared layer, two outputs with their own losses."""
    a, b = Input(shape=(3,), name="a"), Input(shape=(3,), name="b")
    shared = Dense(4, activation="tanh")
    ha, hb = shared(a), shared(b)
    cls = Dense(3, activation="softmax", name="cls")(Concatenate()([ha, hb]))
    reg = Dense(1, name="reg")(Multiply()([Add()([ha, hb]), Subtract()([ha, hb])]))
    return Model([a, b], [cls, reg])


def nested_sequential():
    """A Sequential (with an activity regularizer inside) used as a layer."""
    inner = Sequential([Dense(4, activation="relu", input_shape=(3,)),
                        Dense(3, activation="tanh",
                              activity_regularizer=regularizers.L2(0.1))])
    inp = Input(shape=(3,))
    return Model(inp, Dense(2, activation="sigmoid")(inner(inp)))


def shared_submodel():
    """One functional sub-model called on two inputs."""
    x = Input(shape=(3,))
    sub = Model(x, Dense(2, activation="elu")(Dense(4, activation="swish")(x)))
    a, b = Input(shape=(3,)), Input(shape=(3,))
    return Model([a, b], Dense(1)(Average()([sub(a), sub(b)])))


def batchnorm_stack():
    return Sequential([Dense(4, input_shape=(2, 3)), BatchNormalization(), Activation("gelu"),
                       Flatten(), Dense(2, activation="softmax")])


rng = np.random.default_rng(5)
XA, XB = rng.standard_normal((6, 3)), rng.standard_normal((6, 3))
Y_CLS, Y_REG = np.eye(3)[rng.integers(0, 3, 6)], rng.standard_normal((6, 1))

# (model maker, compile kwargs, x, y, sample_weight)
GRAPH_CASES = [
    pytest.param(regularized, {"loss": "mse"}, XA, rng.standard_normal((6, 2)), None,
                 id="kernel-bias-activity-regularizers"),
    pytest.param(two_in_two_out,
                 {"loss": {"cls": "categorical_crossentropy", "reg": "mse"},
                  "loss_weights": {"cls": 0.7, "reg": 0.3}},
                 [XA, XB], {"cls": Y_CLS, "reg": Y_REG}, None,
                 id="two-inputs-two-outputs-shared-layer-loss-weights"),
    pytest.param(two_in_two_out,
                 {"loss": ["categorical_crossentropy", "huber"], "loss_weights": [2.0, 0.5]},
                 [XA, XB], [Y_CLS, Y_REG], SW, id="two-outputs-list-losses-sample-weight"),
    pytest.param(nested_sequential, {"loss": "binary_crossentropy"}, XA,
                 rng.integers(0, 2, (6, 2)).astype(float), None, id="nested-sequential"),
    pytest.param(shared_submodel, {"loss": "mse"}, [XA, XB], Y_REG, None,
                 id="shared-functional-submodel"),
    pytest.param(batchnorm_stack, {"loss": "categorical_crossentropy"},
                 rng.standard_normal((6, 2, 3)), np.eye(2)[rng.integers(0, 2, 6)], None,
                 id="rank3-batchnorm-training"),
]


@pytest.mark.parametrize("make_model, compile_kwargs, x, y, sample_weight", GRAPH_CASES)
def test_graph_gradients(make_model, compile_kwargs, x, y, sample_weight):
    with backend.floatx_scope("float64"):
        model = make_model()
        model.compile(optimizer="sgd", **compile_kwargs)
        check_model_gradients(model, x, y, sample_weight=sample_weight)


def test_check_model_gradients_sees_the_activity_penalty_of_nested_models():
    """The objective checked must be the training loss, penalties included."""
    with backend.floatx_scope("float64"):
        model = nested_sequential()
        model.compile(optimizer="sgd", loss="binary_crossentropy")
        y = rng.integers(0, 2, (6, 2)).astype(float)
        inner = model.layers[1]
        penalty = 0.1 * float(np.sum(inner.predict(XA, verbose=0) ** 2)) / 6
        plain = losses.BinaryCrossentropy()(y, model.predict(XA, verbose=0))
        np.testing.assert_allclose(model.evaluate(XA, y, verbose=0), plain + penalty, rtol=1e-10)
