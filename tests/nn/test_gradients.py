"""The gradient-check table: every layer, activation, loss, regularizer and
graph shape, in float64 against central differences (skdeep.nn.testing).

To add a layer, append one row to LAYER_CASES (in the marked section for your
family): ``pytest.param(make_layer, make_inputs, options, id=...)`` where
``make_layer()`` returns a fresh layer (it is called inside
``floatx_scope('float64')``), ``make_inputs()`` returns an array or a list of
arrays, and ``options`` are keyword arguments of ``check_layer_gradients``
(e.g. ``{"training": False}``).
"""
import numpy as np
import pytest

from skdeep.nn import Input, Model, Sequential, activations, backend, losses, regularizers
from skdeep.nn.layers import (Activation, Add, Average, BatchNormalization, Concatenate, Dense,
                              Dropout, Flatten, GaussianNoise, Maximum, Minimum, Multiply, Reshape, Subtract)
from skdeep.nn.testing import check_layer_gradients, check_model_gradients
from skdeep.nn.context import CallContext

ACTIVATIONS = sorted(activations.ALL)


def randn(*shape, scale=1.0, seed=0):
    """An input maker: fixed standard-normal draws of ``shape``."""
    return lambda: np.random.default_rng(seed).standard_normal(shape) * scale


def several(*shapes, seed=0):
    """An input maker for merge layers: one array per shape."""
    return lambda: [np.random.default_rng(seed + i).standard_normal(s)
                    for i, s in enumerate(shapes)]


class FixedMaskDropout(Dropout):
    """Dropout drawing its mask from the same seed at every call, so that the
    finite differences of the check all see one mask."""

    def forward(self, inputs, ctx):
        with backend.seeded(1234):
            return super().forward(inputs, ctx)


class FixedNoise(GaussianNoise):
    """GaussianNoise drawing the same noise at every call (see FixedMaskDropout)."""

    def forward(self, inputs, ctx):
        with backend.seeded(1234):
            return super().forward(inputs, ctx)


def batchnorm(input_dim=5, **kwargs):
    """A built BatchNormalization with non-trivial weights and moving statistics."""
    def make():
        layer = BatchNormalization(**kwargs)
        layer.build((None, input_dim))
        rng = np.random.default_rng(3)
        for w in layer.weights:
            if w.name == "moving_variance":
                w.assign(rng.uniform(0.5, 2.0, w.shape))
            else:
                w.assign(rng.standard_normal(w.shape))
        return layer
    return make


# Activation inputs are scaled so that the saturating pieces (hard_sigmoid,
# relu6) see both their linear and their flat parts.
LAYER_CASES = [
    pytest.param(lambda a=a: Dense(3, activation=a), randn(4, 5, scale=2.0), {},
                 id=f"dense-{a}") for a in ACTIVATIONS
] + [
    pytest.param(lambda a=a: Activation(a), randn(4, 5, scale=3.0), {}, id=f"activation-{a}")
    for a in ACTIVATIONS
] + [
    pytest.param(lambda: Dense(3, use_bias=False), randn(4, 5), {}, id="dense-no-bias"),
    pytest.param(lambda: Dense(3, activation="tanh"), randn(2, 3, 4), {}, id="dense-rank3"),
    pytest.param(lambda: Dense(2, activation="softmax", use_bias=False), randn(2, 3, 4), {},
                 id="dense-rank3-softmax-no-bias"),
    pytest.param(lambda: Activation("softmax"), randn(2, 3, 4), {}, id="activation-rank3"),
    pytest.param(lambda: Dropout(0.5), randn(4, 5), {"training": False},
                 id="dropout-inference"),
    pytest.param(lambda: FixedMaskDropout(0.4), randn(6, 5), {}, id="dropout-training"),
    pytest.param(lambda: FixedMaskDropout(0.5, noise_shape=(None, 1, 4)), randn(3, 2, 4), {},
                 id="dropout-training-noise-shape"),
    pytest.param(lambda: FixedNoise(0.3), randn(4, 5), {}, id="gaussian-noise-training"),
    pytest.param(batchnorm(), randn(6, 5), {}, id="batchnorm-training"),
    pytest.param(batchnorm(), randn(6, 5), {"training": False}, id="batchnorm-inference"),
    pytest.param(batchnorm(center=False), randn(6, 5), {}, id="batchnorm-no-center"),
    pytest.param(batchnorm(scale=False), randn(6, 5), {}, id="batchnorm-no-scale"),
    pytest.param(batchnorm(center=False, scale=False), randn(6, 5), {"training": False},
                 id="batchnorm-inference-no-center-no-scale"),
    pytest.param(batchnorm(input_dim=4), randn(3, 2, 4), {}, id="batchnorm-rank3"),
    pytest.param(lambda: Flatten(), randn(2, 3, 4), {}, id="flatten"),
    pytest.param(lambda: Reshape((4, 3)), randn(2, 3, 4), {}, id="reshape"),
    pytest.param(lambda: Reshape((-1, 2)), randn(2, 3, 4), {}, id="reshape-minus-one"),
    pytest.param(lambda: Concatenate(), several((2, 3), (2, 4)), {}, id="concatenate"),
    pytest.param(lambda: Concatenate(axis=1), several((2, 3, 4), (2, 1, 4), (2, 2, 4)), {},
                 id="concatenate-axis1-three"),
    pytest.param(lambda: Add(), several((3, 4), (3, 4), (3, 4)), {}, id="add"),
    pytest.param(lambda: Subtract(), several((3, 4), (3, 4)), {}, id="subtract"),
    pytest.param(lambda: Multiply(), several((3, 4), (3, 4), (3, 4)), {}, id="multiply"),
    pytest.param(lambda: Average(), several((3, 4), (3, 4)), {}, id="average"),
    pytest.param(lambda: Maximum(), several((3, 4), (3, 4), (3, 4)), {}, id="maximum"),
    pytest.param(lambda: Minimum(), several((3, 4), (3, 4)), {}, id="minimum"),
]

# --- conv/pooling cases are appended here ---
from skdeep.nn.layers import (AveragePooling1D, AveragePooling2D, Conv1D, Conv2D,  # noqa: E402
                              GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D,
                              GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D)

MASKED_STEPS = {"mask": np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [0, 1, 0, 1, 0]], bool)}
CONV_CASES = [  # (id, Conv2D kwargs): odd/even kernels, both paddings, strides 1/2, dilation
    ("3-valid", dict(kernel_size=3)), ("2-same", dict(kernel_size=2, padding="same")),
    ("3-same-stride2", dict(kernel_size=3, strides=2, padding="same")),
    ("2-valid-stride2", dict(kernel_size=2, strides=2)),
    ("3-dilation2", dict(kernel_size=3, dilation_rate=2, padding="same")),
    ("1x1-no-bias", dict(kernel_size=1, use_bias=False)),
]
LAYER_CASES += [
    pytest.param(lambda kw=kw: Conv2D(3, activation="relu", bias_initializer="random_normal",
                                      **kw), randn(2, 6, 5, 2), {}, id=f"conv2d-{name}")
    for name, kw in CONV_CASES
] + [
    pytest.param(lambda: Conv2D(2, 3, activation="softmax"), randn(2, 5, 5, 1), {},
                 id="conv2d-softmax-single-channel"),
    pytest.param(lambda: Conv1D(3, 3, padding="causal", dilation_rate=2, activation="tanh"),
                 randn(2, 7, 2), {}, id="conv1d-causal-dilated"),
    pytest.param(lambda: Conv1D(3, 2, strides=2, padding="same"), randn(2, 7, 2), {},
                 id="conv1d-same-stride2"),
] + [
    pytest.param(lambda c=c, kw=kw: c(**kw), randn(2, 7, 5, 3), {}, id=f"{c.__name__}-{name}")
    for c in (MaxPooling2D, AveragePooling2D) for name, kw in
    (("default", {}), ("3-same-stride2", dict(pool_size=3, strides=2, padding="same")))
] + [
    pytest.param(lambda c=c: c(padding="same"), randn(2, 7, 3), {}, id=f"{c.__name__}-same")
    for c in (MaxPooling1D, AveragePooling1D)
] + [
    pytest.param(lambda c=c: c(), randn(2, 4, 3, 2), {}, id=c.__name__)
    for c in (GlobalMaxPooling2D, GlobalAveragePooling2D)
] + [
    pytest.param(lambda c=c: c(), randn(2, 5, 3), {}, id=c.__name__)
    for c in (GlobalMaxPooling1D, GlobalAveragePooling1D)
] + [
    pytest.param(lambda: GlobalAveragePooling1D(), randn(3, 5, 2), MASKED_STEPS,
                 id="GlobalAveragePooling1D-masked")
]

# --- recurrent/embedding cases are appended here ---
from skdeep.nn.layers import GRU, LSTM, Bidirectional, Embedding, SimpleRNN  # noqa: E402


def seeded_dropout(layer, seed=1234):
    """Draw the layer's dropout masks from one seed at every call."""
    forward = layer.forward

    def fixed(*args, **kwargs):
        with backend.seeded(seed):
            return forward(*args, **kwargs)

    layer.forward = fixed
    return layer


MASKED = {"mask": np.array([[0, 0, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 1, 1, 0]], bool)}
RNNS = {"simple_rnn": SimpleRNN, "lstm": LSTM, "gru": GRU,
        "gru_reset_before": lambda units, **kw: GRU(units, reset_after=False, **kw)}
RNN_VARIANTS = [  # (id, layer kwargs, check options)
    ("last", {}, {}),
    ("sequences-softsign-no-bias", {"return_sequences": True, "activation": "softsign",
                                    "use_bias": False}, {}),
    ("masked-sequences-backwards", {"return_sequences": True, "go_backwards": True}, MASKED),
    ("masked-last-states", {"return_state": True}, MASKED),
    ("masked-zero-output", {"return_sequences": True, "zero_output_for_mask": True}, MASKED),
    ("dropout", {"return_sequences": True, "dropout": 0.3, "recurrent_dropout": 0.3}, {}),
]
LAYER_CASES += [
    pytest.param(lambda r=r, kw=kw: seeded_dropout(RNNS[r](3, **kw)), randn(3, 5, 4), opts,
                 id=f"{r}-{name}") for r in RNNS for name, kw, opts in RNN_VARIANTS
] + [
    pytest.param(lambda m=m: Bidirectional(GRU(2, return_sequences=True), merge_mode=m),
                 randn(3, 5, 4), MASKED, id=f"bidirectional-{m}") for m in
    ("concat", "sum", "mul", "ave", None)
] + [
    pytest.param(lambda: Bidirectional(LSTM(2, return_state=True, go_backwards=True)),
                 randn(3, 5, 4), MASKED, id="bidirectional-states-backwards"),
    pytest.param(lambda: Embedding(7, 3), lambda: np.array([[1, 6, 0], [6, 6, 2]]), {},
                 id="embedding"),
]


# --- activation, reshaping and depthwise/separable conv layers (issue 12) ---
from skdeep.nn.layers import (ELU, Cropping1D, Cropping2D, DepthwiseConv1D,  # noqa: E402
                              DepthwiseConv2D, LeakyReLU, PReLU, ReLU, SeparableConv1D,
                              SeparableConv2D, Softmax, ZeroPadding1D, ZeroPadding2D)


def nonzero(make, input_shape, seed=5):
    """A layer maker that builds the layer and draws every weight from N(0, 0.5)."""
    def made():
        layer = make()
        layer.build((None,) + tuple(input_shape))
        rng = np.random.default_rng(seed)
        for w in layer.weights:
            w.assign(rng.standard_normal(w.shape) * 0.5)
        return layer
    return made


LAYER_CASES += [
    pytest.param(lambda: ReLU(), randn(4, 5), {}, id="ReLU"),
    pytest.param(lambda: ReLU(max_value=1.0, negative_slope=0.2, threshold=0.3),
                 randn(4, 6, scale=2.0), {}, id="ReLU-max-slope-threshold"),
    pytest.param(lambda: ReLU(6.0), randn(4, 5, scale=5.0), {}, id="ReLU-6"),
    pytest.param(lambda: LeakyReLU(), randn(4, 5), {}, id="LeakyReLU"),
    pytest.param(nonzero(PReLU, (3, 4)), randn(2, 3, 4), {}, id="PReLU"),
    pytest.param(nonzero(lambda: PReLU(shared_axes=[1, 2]), (3, 2, 4)), randn(2, 3, 2, 4), {},
                 id="PReLU-shared-axes"),
    pytest.param(lambda: ELU(0.7), randn(4, 5), {}, id="ELU"),
    pytest.param(lambda: Softmax(), randn(2, 3, 4), {}, id="Softmax"),
    pytest.param(lambda: Softmax(axis=[1, 2]), randn(2, 3, 4), {}, id="Softmax-two-axes"),
    pytest.param(lambda: Softmax(axis=1), randn(2, 3, 4),
                 {"mask": np.array([[[1], [0], [1]], [[0], [1], [1]]], bool)},
                 id="Softmax-masked"),
    pytest.param(lambda: ZeroPadding2D(((1, 0), (2, 1))), randn(2, 3, 3, 2), {},
                 id="ZeroPadding2D"),
    pytest.param(lambda: ZeroPadding1D((2, 1)), randn(2, 3, 2), {}, id="ZeroPadding1D"),
    pytest.param(lambda: Cropping2D(((1, 0), (0, 2))), randn(2, 4, 5, 2), {}, id="Cropping2D"),
    pytest.param(lambda: Cropping1D((1, 2)), randn(2, 6, 2), {}, id="Cropping1D"),
    pytest.param(nonzero(lambda: DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2,
                                                 activation="tanh"), (6, 5, 3)),
                 randn(2, 6, 5, 3), {}, id="DepthwiseConv2D-same-stride2-multiplier2"),
    pytest.param(nonzero(lambda: DepthwiseConv2D(2, dilation_rate=2, use_bias=False), (5, 5, 2)),
                 randn(2, 5, 5, 2), {}, id="DepthwiseConv2D-dilated-no-bias"),
    pytest.param(nonzero(lambda: DepthwiseConv1D(3, padding="same", depth_multiplier=3), (6, 2)),
                 randn(2, 6, 2), {}, id="DepthwiseConv1D"),
    pytest.param(nonzero(lambda: SeparableConv2D(4, 3, padding="same", depth_multiplier=2,
                                                 activation="sigmoid"), (5, 5, 3)),
                 randn(2, 5, 5, 3), {}, id="SeparableConv2D"),
    pytest.param(nonzero(lambda: SeparableConv1D(3, 2, strides=2), (7, 2)), randn(2, 7, 2), {},
                 id="SeparableConv1D"),
]

@pytest.mark.parametrize("make_layer, make_inputs, options", LAYER_CASES)
def test_layer_gradients(make_layer, make_inputs, options):
    with backend.floatx_scope("float64"):
        layer = make_layer()
        check_layer_gradients(layer, make_inputs(), **options)


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
