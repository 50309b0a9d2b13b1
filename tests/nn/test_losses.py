"""Losses and regularizers against hand values and the examples published in
the Keras 3 docstrings (keras/src/losses/losses.py, regularizers.py)."""
import math

import numpy as np
import pytest

from skdeep.nn import Sequential, backend, losses, regularizers
from skdeep.nn.layers import Dense
from skdeep.nn.losses import (BinaryCrossentropy, CategoricalCrossentropy, Huber,
                              MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError,
                              MeanSquaredLogarithmicError, SparseCategoricalCrossentropy)

Y_TRUE = np.array([[0.0, 1.0], [0.0, 0.0]])
Y_PROB = np.array([[0.6, 0.4], [0.4, 0.6]])
LOGITS = np.array([[-18.6, 0.51], [2.94, -12.8]])
CCE_TRUE = np.array([[0, 1, 0], [0, 0, 1]])
CCE_PRED = np.array([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])


# ------------------------------------------------------ Keras docstring examples
def test_binary_crossentropy_keras_examples():
    np.testing.assert_allclose(losses.binary_crossentropy(Y_TRUE, Y_PROB), [0.916, 0.714],
                               atol=1e-3)
    bce = BinaryCrossentropy(from_logits=True)
    assert bce([0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8]) == pytest.approx(0.8654, abs=1e-4)
    assert bce(Y_TRUE, LOGITS) == pytest.approx(0.8654, abs=1e-4)
    assert bce(Y_TRUE, LOGITS, sample_weight=[0.8, 0.2]) == pytest.approx(0.243, abs=1e-3)
    assert BinaryCrossentropy(from_logits=True, reduction="sum")(Y_TRUE, LOGITS) == \
        pytest.approx(1.730, abs=1e-3)
    np.testing.assert_allclose(BinaryCrossentropy(from_logits=True, reduction=None)(
        Y_TRUE, LOGITS), [0.235, 1.496], atol=1e-3)


def test_categorical_crossentropy_keras_examples():
    cce = CategoricalCrossentropy()
    assert cce(CCE_TRUE, CCE_PRED) == pytest.approx(1.177, abs=1e-3)
    # the divisor stays the batch size with sample weights (0.3 * 0.0513 + 0.7 * 2.303) / 2
    assert cce(CCE_TRUE, CCE_PRED, sample_weight=np.array([0.3, 0.7])) == \
        pytest.approx(0.814, abs=1e-3)
    assert CategoricalCrossentropy(reduction="sum")(CCE_TRUE, CCE_PRED) == \
        pytest.approx(2.354, abs=1e-3)
    np.testing.assert_allclose(CategoricalCrossentropy(reduction=None)(CCE_TRUE, CCE_PRED),
                               [0.0513, 2.303], atol=1e-3)


def test_sparse_categorical_crossentropy_keras_examples():
    scce = SparseCategoricalCrossentropy()
    assert scce([1, 2], CCE_PRED) == pytest.approx(1.177, abs=1e-3)
    assert scce([1, 2], CCE_PRED, sample_weight=np.array([0.3, 0.7])) == \
        pytest.approx(0.814, abs=1e-3)
    assert scce([[1], [2]], CCE_PRED) == pytest.approx(1.177, abs=1e-3)
    np.testing.assert_allclose(losses.sparse_categorical_crossentropy([1, 2], CCE_PRED),
                               [0.0513, 2.303], atol=1e-3)


def test_huber_keras_example():
    assert np.mean(losses.huber([[0, 1], [0, 0]], Y_PROB)) == pytest.approx(0.155)


# ---------------------------------------------------------------- hand values
def test_regression_losses_by_hand():
    t = np.array([[1.0, 2.0], [3.0, -4.0]])
    p = np.array([[1.5, 1.0], [2.0, -1.0]])
    # errors: 0.5, -1, -1, 3
    assert MeanSquaredError()(t, p) == pytest.approx((0.25 + 1 + 1 + 9) / 4)
    assert MeanAbsoluteError()(t, p) == pytest.approx((0.5 + 1 + 1 + 3) / 4)
    assert MeanAbsolutePercentageError()(t, p) == pytest.approx(
        100 * (0.5 / 1 + 1 / 2 + 1 / 3 + 3 / 4) / 4)
    # Huber(delta=1): 0.5 e^2 inside, |e| - 0.5 outside
    assert Huber()(t, p) == pytest.approx((0.125 + 0.5 + 0.5 + 2.5) / 4)
    assert Huber(delta=2.0)(t, p) == pytest.approx((0.125 + 0.5 + 0.5 + (6 - 2)) / 4)


def test_msle_by_hand_and_clipping_at_epsilon():
    t = np.array([[0.0, 3.0]])
    p = np.array([[1.0, -2.0]])  # negative predictions count as epsilon
    eps = 1e-7
    expected = ((math.log(2) - math.log1p(eps)) ** 2 + (math.log1p(eps) - math.log(4)) ** 2) / 2
    assert MeanSquaredLogarithmicError()(t, p) == pytest.approx(expected)


def test_mape_with_zero_targets_divides_by_epsilon():
    assert MeanAbsolutePercentageError()([[0.0]], [[1e-7]]) == pytest.approx(100.0)


def test_binary_crossentropy_clips_probabilities_like_keras():
    eps = 1e-7
    # a confident wrong prediction costs -log(eps), not infinity
    assert BinaryCrossentropy()([[1.0]], [[0.0]]) == pytest.approx(-math.log(eps), rel=1e-6)
    assert BinaryCrossentropy()([[0.0]], [[1.0]]) == pytest.approx(-math.log(eps), rel=1e-3)


def test_categorical_crossentropy_renormalises_and_clips():
    # [2, 6] renormalises to [0.25, 0.75]
    assert CategoricalCrossentropy()([[0, 1]], [[2.0, 6.0]]) == pytest.approx(-math.log(0.75))
    assert CategoricalCrossentropy()([[1, 0]], [[0.0, 1.0]]) == pytest.approx(
        -math.log(1e-7), rel=1e-6)


def test_label_smoothing_by_hand():
    bce = BinaryCrossentropy(label_smoothing=0.2)
    # target 1 -> 0.9, target 0 -> 0.1
    p = 0.7
    expected = -(0.9 * math.log(p) + 0.1 * math.log(1 - p))
    assert bce([[1.0]], [[p]]) == pytest.approx(expected)
    cce = CategoricalCrossentropy(label_smoothing=0.3)
    # 3 classes: 0.7 + 0.1 on the target, 0.1 elsewhere
    probs = np.array([0.2, 0.5, 0.3])
    expected = -(0.1 * math.log(0.2) + 0.8 * math.log(0.5) + 0.1 * math.log(0.3))
    assert cce([[0, 1, 0]], [probs]) == pytest.approx(expected)


def test_from_logits_equals_probabilities_of_the_same_logits():
    z = np.array([[0.3, -1.2, 2.0], [1.0, 0.1, -0.4]])
    soft = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    sig = 1 / (1 + np.exp(-z))
    y = np.array([[0, 0, 1], [1, 0, 0]])
    assert CategoricalCrossentropy(from_logits=True)(y, z) == \
        pytest.approx(CategoricalCrossentropy()(y, soft))
    assert SparseCategoricalCrossentropy(from_logits=True)([2, 0], z) == \
        pytest.approx(CategoricalCrossentropy()(y, soft))
    assert BinaryCrossentropy(from_logits=True)(y, z) == pytest.approx(
        BinaryCrossentropy()(y, sig))


def test_fused_path_equals_the_loss_on_probabilities():
    """The engine's softmax/sigmoid + cross-entropy fusion gives the same value."""
    rng = np.random.default_rng(0)
    z = rng.standard_normal((5, 3))
    y = np.eye(3)[rng.integers(0, 3, 5)]
    sw = rng.uniform(0.5, 2.0, 5)
    for loss, act in [(CategoricalCrossentropy(label_smoothing=0.1), "softmax"),
                      (BinaryCrossentropy(label_smoothing=0.1), "sigmoid")]:
        value, grad, probs = loss.fused_value_and_grad(y, z, sw)
        from skdeep.nn import activations

        expected_probs = activations.get(act)(z)
        np.testing.assert_allclose(probs, expected_probs, rtol=1e-12)
        assert value == pytest.approx(loss(y, expected_probs, sample_weight=sw), rel=1e-9)
        assert grad.shape == z.shape


# ------------------------------------------------------------------ reductions
@pytest.mark.parametrize("reduction, expected", [
    ("sum_over_batch_size", (1.0 * 2 + 4.0 * 0 + 9.0 * 1) / 3),
    ("mean", (1.0 * 2 + 4.0 * 0 + 9.0 * 1) / 3),
    ("sum", 1.0 * 2 + 4.0 * 0 + 9.0 * 1),
    ("mean_with_sample_weight", (1.0 * 2 + 4.0 * 0 + 9.0 * 1) / 3.0),
])
def test_reductions_with_sample_weight(reduction, expected):
    t = np.zeros((3, 1))
    p = np.array([[1.0], [2.0], [3.0]])  # squared errors 1, 4, 9
    assert MeanSquaredError(reduction=reduction)(t, p, sample_weight=[2.0, 0.0, 1.0]) == \
        pytest.approx(expected)


def test_mean_with_sample_weight_divides_by_the_weight_sum():
    t, p = np.zeros((2, 1)), np.array([[1.0], [3.0]])
    loss = MeanAbsoluteError(reduction="mean_with_sample_weight")
    assert loss(t, p, sample_weight=[1.0, 3.0]) == pytest.approx((1 + 9) / 4)
    assert loss(t, p) == pytest.approx(2.0)
    assert loss(t, p, sample_weight=[0.0, 0.0]) == 0.0


def test_none_reduction_returns_weighted_per_sample_losses():
    out = MeanSquaredError(reduction="none")(np.zeros((2, 2)), [[1.0, 3.0], [2.0, 2.0]],
                                             sample_weight=[1.0, 0.5])
    np.testing.assert_allclose(out, [5.0, 2.0])


def test_rank3_predictions_reduce_over_every_position():
    t = np.zeros((2, 3, 1))
    p = np.arange(6, dtype=float).reshape(2, 3, 1)
    assert MeanSquaredError()(t, p) == pytest.approx(np.mean(p ** 2))
    # one weight per sample, broadcast over the time steps
    assert MeanSquaredError()(t, p, sample_weight=[1.0, 0.0]) == \
        pytest.approx(np.sum(p[0] ** 2) / 6)


def test_ignore_class_is_left_out_of_the_mean():
    scce = SparseCategoricalCrossentropy(ignore_class=-1)
    pred = np.array([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]])
    assert scce([1, 2, -1], pred) == pytest.approx(1.177, abs=1e-3)
    np.testing.assert_allclose(SparseCategoricalCrossentropy(ignore_class=-1, reduction=None)(
        [1, 2, -1], pred), [0.0513, 2.303, 0.0], atol=1e-3)
    assert SparseCategoricalCrossentropy(ignore_class=-1, reduction="sum")(
        [1, 2, -1], pred) == pytest.approx(2.354, abs=1e-3)
    assert scce([-1, -1, -1], pred) == 0.0


# ----------------------------------------------------------- errors and registry
def test_bad_targets_raise_clear_errors():
    with pytest.raises(ValueError, match="one-hot targets"):
        CategoricalCrossentropy()([0, 1], CCE_PRED)
    with pytest.raises(ValueError, match=r"class ids must be in \[0, 3\)"):
        SparseCategoricalCrossentropy()([1, 3], CCE_PRED)
    with pytest.raises(ValueError, match="integer class ids"):
        SparseCategoricalCrossentropy()([1.5, 2], CCE_PRED)
    with pytest.raises(ValueError, match="do not match"):
        MeanSquaredError()(np.zeros((3, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="reduction"):
        MeanSquaredError(reduction="average")
    with pytest.raises(ValueError, match="label_smoothing"):
        BinaryCrossentropy(label_smoothing=1.5)
    with pytest.raises(ValueError, match="axis=-1"):
        CategoricalCrossentropy(axis=0)
    with pytest.raises(ValueError, match="delta"):
        Huber(delta=0)


@pytest.mark.parametrize("name, cls", [
    ("mse", MeanSquaredError), ("MSE", MeanSquaredError), ("mean_squared_error", MeanSquaredError),
    ("mae", MeanAbsoluteError), ("mape", MeanAbsolutePercentageError),
    ("msle", MeanSquaredLogarithmicError), ("huber", Huber),
    ("binary_crossentropy", BinaryCrossentropy), ("bce", BinaryCrossentropy),
    ("categorical_crossentropy", CategoricalCrossentropy),
    ("sparse_categorical_crossentropy", SparseCategoricalCrossentropy),
    ("CategoricalCrossentropy", CategoricalCrossentropy),
])
def test_get_resolves_keras_names(name, cls):
    assert type(losses.get(name)) is cls


def test_get_round_trips_configs_and_rejects_unknown_names():
    loss = BinaryCrossentropy(from_logits=True, label_smoothing=0.1, reduction="sum")
    clone = losses.get(losses.serialize(loss))
    assert clone.get_config() == loss.get_config()
    assert losses.get(losses.huber).delta == 1.0
    with pytest.raises(ValueError, match="Unknown loss 'hinge_loss'"):
        losses.get("hinge_loss")
    # a custom function becomes a loss differentiated through skdeep.nn.ops
    assert isinstance(losses.get(lambda t, p: 0.0), losses.LossFunctionWrapper)
    with pytest.raises(ValueError, match="Could not interpret loss"):
        losses.get(3.5)


def test_loss_functions_take_keras_keyword_arguments():
    np.testing.assert_allclose(losses.binary_crossentropy(Y_TRUE, LOGITS, from_logits=True),
                               [0.235, 1.496], atol=1e-3)
    # errors 0.6, -0.6 | 0.4, 0.6 with delta 0.5: 0.5 * 0.6 - 0.125 = 0.175, 0.5 * 0.4 ** 2
    np.testing.assert_allclose(losses.huber(Y_TRUE, Y_PROB, delta=0.5),
                               [0.175, (0.08 + 0.175) / 2], atol=1e-12)


# ----------------------------------------------------------------- regularizers
def test_regularizer_values():
    x = np.array([[1.0, -2.0], [0.5, 0.0]])
    assert regularizers.L1(0.1)(x) == pytest.approx(0.35)
    assert regularizers.L2(0.1)(x) == pytest.approx(0.525)  # no 1/2 factor, as Keras
    assert regularizers.L1L2(l1=0.1, l2=0.1)(x) == pytest.approx(0.875)
    assert regularizers.L2(2.0)(np.ones((5, 5))) == pytest.approx(50.0)  # Keras' example
    np.testing.assert_allclose(regularizers.L1L2(0.1, 0.1).gradient(x),
                               0.1 * np.sign(x) + 0.2 * x)


def test_regularizer_defaults_and_names():
    assert regularizers.L1().l1 == 0.01 and regularizers.L2().l2 == 0.01
    assert regularizers.L1L2().get_config() == {"l1": 0.0, "l2": 0.0}
    assert regularizers.get("l1_l2").get_config() == {"l1": 0.01, "l2": 0.01}
    assert regularizers.L1(None).l1 == 0.01 and regularizers.L1L2(None, 0.2).l1 == 0.0
    assert regularizers.get(None) is None
    assert regularizers.l1_l2 is regularizers.L1L2
    for bad in (-0.1, float("inf"), "0.1"):
        with pytest.raises(ValueError, match="non-negative"):
            regularizers.L2(bad)
    with pytest.raises(ValueError, match="Unknown regularizer 'l3'"):
        regularizers.get("l3")


def test_weight_and_activity_penalties_enter_the_loss_like_keras():
    """Keras' regularizer docstring example: kernel L1(0.01) on ones(5, 5) is
    0.25; activity L2(0.01) on outputs of 10s, divided by the batch of 5, is 5."""
    with backend.floatx_scope("float64"):
        model = Sequential([Dense(5, input_shape=(5,), kernel_initializer="ones",
                                  kernel_regularizer=regularizers.L1(0.01),
                                  activity_regularizer=regularizers.L2(0.01))])
        model.compile(optimizer="sgd", loss="mse")
        x = np.ones((5, 5)) * 2.0
        y = np.full((5, 5), 10.0)  # the exact outputs: the data loss is 0
        assert model.evaluate(x, y, verbose=0) == pytest.approx(5.25)
