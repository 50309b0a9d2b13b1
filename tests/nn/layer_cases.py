"""The layer-case table: one row per layer configuration, run through every
layer check by ``tests/nn/test_layer_cases.py``.

Row format
----------
``pytest.param(make_layer, make_inputs, options, id="...")``

- ``make_layer()`` returns a fresh layer. It is called inside
  ``backend.floatx_scope("float64")``; it may build the layer and set weights
  (``nonzero``, ``batchnorm`` below), and the gradient check redraws every
  weight to non-zero values anyway.
- ``make_inputs()`` returns an array, or a list of arrays for a layer called
  on a list. The batch (first) axis must have at least 2 samples.
- ``options`` are keyword arguments of
  :func:`skdeep.nn.testing.check_layer_gradients`: ``training`` (default
  True), ``mask``, ``check_inputs``, ``rtol``, ``atol``, ``call_kwargs``.
  ``training`` and ``mask`` apply to the other checks too.

Each row runs four checks:

1. gradients: float64 central differences through a context with a
   workspace (the training path), after redrawing every weight;
2. batch invariance: in inference mode each sample computed alone equals its
   row of the batch;
3. config round trip: ``deserialize(json(serialize(layer)))`` with the same
   weights gives identical outputs;
4. workspace reuse: calls of different inputs and batch sizes through one
   reused context give the outputs and gradients of fresh eager calls.

A layer whose training-mode forward draws random numbers must draw the same
ones at every call in its rows (``FixedMaskDropout``, ``seeded_dropout``).
Add rows in the section of your layer's family, or in a new section at the end.
"""
import numpy as np
import pytest

from skdeep.nn import activations, backend
from skdeep.nn.layers import (ELU, GRU, LSTM, Activation, Add, Average, AveragePooling1D,
                              AveragePooling2D, BatchNormalization, Bidirectional, Concatenate,
                              Conv1D, Conv2D, Cropping1D, Cropping2D, Dense, DepthwiseConv1D,
                              DepthwiseConv2D, Dropout, Embedding, Flatten, GaussianNoise,
                              GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D,
                              GlobalMaxPooling2D, LeakyReLU, Maximum, MaxPooling1D, MaxPooling2D,
                              Minimum, Multiply, PReLU, ReLU, Reshape, SeparableConv1D,
                              SeparableConv2D, SimpleRNN, Softmax, Subtract, ZeroPadding1D,
                              ZeroPadding2D)

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

# --- conv and pooling ---

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

# --- recurrent and embedding ---


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


# --- normalization, transposed conv, upsampling, regularization, wrappers (issue 12) ---
from skdeep.nn.layers import (ActivityRegularization, AlphaDropout, Conv1DTranspose,
                              Conv2DTranspose, GaussianDropout, GroupNormalization, Identity,
                              LayerNormalization, Permute, RepeatVector, SpatialDropout1D,
                              SpatialDropout2D, TimeDistributed, UnitNormalization, UpSampling1D,
                              UpSampling2D)

LAYER_CASES += [
    pytest.param(nonzero(LayerNormalization, (5,)), randn(3, 5), {}, id="LayerNormalization"),
    pytest.param(nonzero(lambda: LayerNormalization(axis=[1, 2]), (3, 4)), randn(2, 3, 4), {},
                 id="LayerNormalization-two-axes"),
    pytest.param(nonzero(lambda: LayerNormalization(axis=1, center=False), (3, 4)),
                 randn(2, 3, 4), {}, id="LayerNormalization-axis1-no-center"),
    pytest.param(nonzero(lambda: LayerNormalization(rms_scaling=True), (5,)), randn(3, 5), {},
                 id="LayerNormalization-rms-scaling"),
    pytest.param(nonzero(lambda: GroupNormalization(groups=2), (3, 3, 4)), randn(2, 3, 3, 4), {},
                 id="GroupNormalization"),
    pytest.param(nonzero(lambda: GroupNormalization(groups=-1, axis=1), (3, 4)), randn(2, 3, 4),
                 {}, id="GroupNormalization-instance-axis1"),
    pytest.param(lambda: UnitNormalization(), randn(3, 4), {}, id="UnitNormalization"),
    pytest.param(lambda: UnitNormalization(axis=[1, 2]), randn(2, 3, 4), {},
                 id="UnitNormalization-two-axes"),
    pytest.param(nonzero(lambda: Conv2DTranspose(2, 3, strides=2, padding="same",
                                                 activation="tanh"), (3, 4, 3)),
                 randn(2, 3, 4, 3), {}, id="Conv2DTranspose-same-stride2"),
    pytest.param(nonzero(lambda: Conv2DTranspose(2, 3, strides=2), (3, 3, 2)), randn(2, 3, 3, 2),
                 {}, id="Conv2DTranspose-valid-stride2"),
    pytest.param(nonzero(lambda: Conv2DTranspose(3, (2, 3), strides=2, padding="same",
                                                 output_padding=(1, 0)), (3, 3, 2)),
                 randn(2, 3, 3, 2), {}, id="Conv2DTranspose-output-padding"),
    pytest.param(nonzero(lambda: Conv2DTranspose(2, 3, dilation_rate=2, padding="same",
                                                 use_bias=False), (4, 4, 2)),
                 randn(2, 4, 4, 2), {}, id="Conv2DTranspose-dilated-no-bias"),
    pytest.param(nonzero(lambda: Conv1DTranspose(2, 3, strides=2), (4, 3)), randn(2, 4, 3), {},
                 id="Conv1DTranspose"),
    pytest.param(lambda: UpSampling2D((2, 3)), randn(2, 2, 3, 2), {}, id="UpSampling2D"),
    pytest.param(lambda: UpSampling2D(2, data_format="channels_first"), randn(2, 2, 3, 2), {},
                 id="UpSampling2D-channels-first"),
    pytest.param(lambda: UpSampling2D((2, 3), interpolation="bilinear"), randn(2, 3, 2, 2), {},
                 id="UpSampling2D-bilinear"),
    pytest.param(lambda: UpSampling1D(3), randn(2, 3, 2), {}, id="UpSampling1D"),
    pytest.param(lambda: RepeatVector(3), randn(2, 4), {}, id="RepeatVector"),
    pytest.param(lambda: Permute((3, 1, 2)), randn(2, 3, 4, 5), {}, id="Permute"),
    pytest.param(nonzero(lambda: TimeDistributed(Dense(3, activation="tanh")), (4, 5)),
                 randn(2, 4, 5), {}, id="TimeDistributed-Dense"),
    pytest.param(nonzero(lambda: TimeDistributed(Conv2D(2, 2)), (3, 4, 4, 2)),
                 randn(2, 3, 4, 4, 2), {}, id="TimeDistributed-Conv2D"),
    pytest.param(lambda: Identity(), randn(2, 3), {}, id="Identity"),
    pytest.param(lambda: ActivityRegularization(0.1, 0.2), randn(2, 3), {},
                 id="ActivityRegularization"),
    pytest.param(lambda: seeded_dropout(SpatialDropout1D(0.5)), randn(3, 4, 5), {},
                 id="SpatialDropout1D-training"),
    pytest.param(lambda: seeded_dropout(SpatialDropout2D(0.5)), randn(3, 2, 2, 5), {},
                 id="SpatialDropout2D-training"),
    pytest.param(lambda: seeded_dropout(GaussianDropout(0.3)), randn(3, 4), {},
                 id="GaussianDropout-training"),
    pytest.param(lambda: seeded_dropout(AlphaDropout(0.3)), randn(3, 4), {},
                 id="AlphaDropout-training"),
]


# --- attention layers (issue 12) ---
from skdeep.nn.layers import AdditiveAttention, Attention, EinsumDense, MultiHeadAttention

QV_MASKS = {"mask": [np.array([[1, 1, 0], [1, 0, 1]], bool),
                     np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]], bool)]}
LAYER_CASES += [
    pytest.param(lambda: Attention(), several((2, 3, 4), (2, 5, 4)), QV_MASKS,
                 id="Attention-masked"),
    pytest.param(lambda: Attention(use_scale=True), several((2, 3, 4), (2, 5, 4), (2, 5, 4)),
                 {"call_kwargs": {"return_attention_scores": True}}, id="Attention-scale-key"),
    pytest.param(lambda: Attention(use_scale=True, score_mode="concat"),
                 several((2, 4, 3), (2, 4, 3)), {"call_kwargs": {"use_causal_mask": True}},
                 id="Attention-concat-causal"),
    pytest.param(lambda: AdditiveAttention(), several((2, 3, 4), (2, 5, 4), (2, 5, 4)), QV_MASKS,
                 id="AdditiveAttention"),
    pytest.param(lambda: EinsumDense("abc,cde->abde", (None, 2, 3), bias_axes="de",
                                     activation="tanh"), randn(2, 3, 4), {},
                 id="EinsumDense-projection"),
    pytest.param(lambda: EinsumDense("...b,bc->...c", 3, bias_axes="c"), randn(2, 3, 4), {},
                 id="EinsumDense-ellipsis"),
    pytest.param(lambda: MultiHeadAttention(2, 3), several((2, 3, 4), (2, 5, 4)), {},
                 id="MultiHeadAttention"),
    pytest.param(lambda: MultiHeadAttention(2, 3, value_dim=2, use_gate=True, output_shape=5),
                 several((2, 3, 4), (2, 5, 4), (2, 5, 6)),
                 {"call_kwargs": {"use_causal_mask": True, "return_attention_scores": True}},
                 id="MultiHeadAttention-key-gate-causal-scores"),
    pytest.param(lambda: MultiHeadAttention(2, 2, use_bias=False), several((2, 2, 2, 3),
                                                                           (2, 2, 2, 3)),
                 {"mask": [np.array([[[1, 1], [1, 0]], [[0, 1], [1, 1]]], bool), None]},
                 id="MultiHeadAttention-rank4-query-mask"),
]


# --- preprocessing and augmentation layers (issue 12) ---
from skdeep.nn.layers import (CategoryEncoding, CenterCrop, Discretization, IntegerLookup,
                              Normalization, RandomContrast, RandomCrop, RandomFlip,
                              RandomRotation, RandomTranslation, RandomZoom, Rescaling, Resizing,
                              StringLookup, TextVectorization)


def adapted(make, data):
    """A layer maker that adapts the layer to ``data`` first."""
    def made():
        layer = make()
        layer.adapt(data)
        return layer
    return made


def ints(*shape, high=4, seed=0):
    return lambda: np.random.default_rng(seed).integers(0, high, shape)


def strings(*texts):
    return lambda: np.array(texts, dtype=object)


LAYER_CASES += [
    pytest.param(lambda: Rescaling(0.5, offset=-1.0), randn(2, 3, 3, 2), {}, id="Rescaling"),
    pytest.param(lambda: Resizing(3, 5), randn(2, 4, 4, 2), {}, id="Resizing-bilinear"),
    pytest.param(lambda: Resizing(2, 3, interpolation="nearest", crop_to_aspect_ratio=True),
                 randn(2, 5, 4, 1), {}, id="Resizing-nearest-crop"),
    pytest.param(lambda: CenterCrop(2, 3), randn(2, 4, 5, 2), {}, id="CenterCrop"),
    pytest.param(lambda: Normalization(mean=[1.0, 2.0, 3.0], variance=[1.0, 4.0, 0.5]),
                 randn(3, 3), {}, id="Normalization-fixed"),
    pytest.param(adapted(lambda: Normalization(axis=(1, 2)),
                         np.random.default_rng(1).standard_normal((10, 2, 3))),
                 randn(3, 2, 3), {}, id="Normalization-adapted"),
    pytest.param(lambda: CategoryEncoding(4, output_mode="count"), ints(3, 5), {},
                 id="CategoryEncoding"),
    pytest.param(lambda: Discretization(bin_boundaries=[-0.5, 0.5], output_mode="one_hot"),
                 randn(4, 3), {}, id="Discretization"),
    pytest.param(adapted(lambda: IntegerLookup(output_mode="multi_hot"), np.arange(6) % 4),
                 ints(3, 4, high=6), {}, id="IntegerLookup"),
    pytest.param(lambda: StringLookup(vocabulary=["a", "b", "c"]),
                 lambda: np.array([["a", "zz"], ["c", "b"]], dtype=object), {},
                 id="StringLookup"),
    pytest.param(adapted(lambda: TextVectorization(output_sequence_length=5),
                         np.array(["a cat", "the cat sat", "a dog"])),
                 strings("the cat", "a dog sat on a cat"), {}, id="TextVectorization"),
    pytest.param(lambda: seeded_dropout(RandomFlip()), randn(3, 4, 4, 2), {},
                 id="RandomFlip-training"),
    pytest.param(lambda: seeded_dropout(RandomRotation(0.2, fill_mode="constant")),
                 randn(2, 5, 5, 1), {}, id="RandomRotation-training"),
    pytest.param(lambda: seeded_dropout(RandomZoom(0.3, fill_mode="nearest")), randn(2, 5, 4, 2),
                 {}, id="RandomZoom-training"),
    pytest.param(lambda: seeded_dropout(RandomTranslation(0.2, 0.3, fill_mode="wrap")),
                 randn(2, 4, 5, 1), {}, id="RandomTranslation-training"),
    pytest.param(lambda: seeded_dropout(RandomContrast(0.4, value_range=(-1.5, 1.5))),
                 randn(2, 3, 3, 2), {}, id="RandomContrast-training"),
    pytest.param(lambda: seeded_dropout(RandomCrop(3, 2)), randn(2, 5, 4, 1), {},
                 id="RandomCrop-training"),
]

# --- custom call() layers through the ops tape, Lambda and symbolic op nodes (issue 11) ---
from skdeep.nn import ops, saving
from skdeep.nn.layers import Lambda, Layer
from skdeep.nn.layers._symbolic import OpLayer


@saving.register_keras_serializable(package="LayerCases")
class CaseOpsDense(Layer):
    """Dense written with ops: matmul, bias broadcast, activation."""

    def __init__(self, units, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = activation

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, inputs):
        y = inputs @ self.kernel + self.bias
        return ops.gelu(y) if self.activation == "gelu" else y

    def get_config(self):
        return dict(super().get_config(), units=self.units, activation=self.activation)


@saving.register_keras_serializable(package="LayerCases")
class CaseBlock(Layer):
    """A custom block owning a built-in (fused-kernel) layer and a custom one."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dense = Dense(units, activation="tanh")
        self.head = [CaseOpsDense(units, activation="gelu")]

    def call(self, inputs, training=None):
        h = self.dense(inputs)
        return ops.concatenate([self.head[0](h) * h, ops.mean(inputs, -1, keepdims=True)], -1)


LAYER_CASES += [
    pytest.param(nonzero(lambda: CaseOpsDense(3, activation="gelu"), (5,)), randn(4, 5), {},
                 id="custom-call-ops-dense"),
    pytest.param(nonzero(lambda: CaseOpsDense(2), (4,)), randn(2, 3, 4), {},
                 id="custom-call-ops-dense-rank3"),
    pytest.param(nonzero(lambda: CaseBlock(3), (4,)), randn(4, 4), {},
                 id="custom-call-block-with-builtin-sublayer"),
    pytest.param(lambda: Lambda(ops.softplus), randn(3, 4), {}, id="lambda-named-op"),
    pytest.param(lambda: OpLayer("multiply", constants={1: 2.5}), randn(3, 4), {},
                 id="op-node-multiply-constant"),
    pytest.param(lambda: OpLayer("matmul"), several((2, 3, 4), (2, 4, 2)), {},
                 id="op-node-matmul-two-inputs"),
]

# --- custom activation functions (Python functions run through the ops tape) ---


@saving.register_keras_serializable(package="LayerCases")
def squared_tanh(x):
    """The Keras guide's custom activation: ``tanh(x) ** 2``."""
    return ops.tanh(x) ** 2


@saving.register_keras_serializable(package="LayerCases")
def scaled_swish(x):
    """A custom activation mixing ops, a NumPy ufunc and Python operators."""
    return 1.5 * x * ops.sigmoid(x) + 0.1 * np.sin(x)


LAYER_CASES += [
    pytest.param(lambda: Dense(3, activation=squared_tanh), randn(4, 5), {},
                 id="dense-custom-activation"),
    pytest.param(lambda: Dense(3, activation=scaled_swish), randn(2, 3, 4), {},
                 id="dense-custom-activation-rank3"),
    pytest.param(lambda: Conv1D(2, 3, padding="same", activation=scaled_swish),
                 randn(2, 5, 3), {}, id="Conv1D-custom-activation"),
    pytest.param(lambda: Activation(squared_tanh), randn(3, 4), {},
                 id="Activation-custom-function"),
]
