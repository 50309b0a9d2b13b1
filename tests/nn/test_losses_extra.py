"""KLDivergence, Poisson, LogCosh, CosineSimilarity, the hinge family and the focal
cross-entropies: values and gradients against real Keras 3 (fixture made by
fixtures/make_keras_losses.py), float64 central differences, names and configs."""
import json
import os

import numpy as np
import pytest

from skdeep.nn import Sequential, backend, losses
from skdeep.nn.layers import Dense

with open(os.path.join(os.path.dirname(__file__), "fixtures", "keras_losses.json")) as fh:
    FIXTURE = json.load(fh)
CASES = FIXTURE["cases"]
WEIGHTS = np.array(FIXTURE["weights"])


def _case_id(case):
    return f"{case['class_name']}-{case['data']}-{'-'.join(map(str, case['kwargs'].values()))}"


def _inputs(case):
    t, p = FIXTURE["data"][case["data"]]
    return np.array(t), np.array(p)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
@pytest.mark.parametrize("weighted", [False, True])
def test_value_and_gradient_match_keras(case, weighted):
    loss = getattr(losses, case["class_name"])(**case["kwargs"])
    y_true, y_pred = _inputs(case)
    sw = WEIGHTS if weighted else None
    expected = case["weighted" if weighted else "plain"]
    value, grad = loss.value_and_grad(y_true, y_pred, sw)
    # Keras' ops.mean on the JAX backend rounds through float32, hence rel 1e-6
    assert value == pytest.approx(expected["value"], rel=1e-6, abs=1e-12)
    assert loss(y_true, y_pred, sample_weight=sw) == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(grad, expected["grad"], rtol=1e-5, atol=1e-9)


def _central_difference(loss, y_true, y_pred, sw, eps=1e-6):
    out = np.zeros_like(y_pred)
    for idx in np.ndindex(y_pred.shape):
        up, down = y_pred.copy(), y_pred.copy()
        up[idx] += eps
        down[idx] -= eps
        out[idx] = (loss(y_true, up, sw) - loss(y_true, down, sw)) / (2 * eps)
    return out


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_gradient_against_central_differences(case):
    loss = getattr(losses, case["class_name"])(**case["kwargs"])
    y_true, y_pred = _inputs(case)
    # away from the hinge's kinks and the clipping bounds, where the loss is smooth
    _, grad = loss.value_and_grad(y_true, y_pred, WEIGHTS)
    numeric = _central_difference(loss, y_true, y_pred, WEIGHTS)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)


def test_hinge_converts_only_all_binary_targets():
    # 0/1 targets become -1/1; anything else is used as given
    assert losses.Hinge()([[0.0, 1.0]], [[0.5, 0.5]]) == pytest.approx((1.5 + 0.5) / 2)
    assert losses.Hinge()([[-1.0, 2.0]], [[0.5, 0.25]]) == pytest.approx((1.5 + 0.5) / 2)


def test_cosine_similarity_of_a_zero_vector_is_zero_with_a_finite_gradient():
    loss = losses.CosineSimilarity()
    value, grad = loss.value_and_grad(np.array([[1.0, 0.0]]), np.zeros((1, 2)))
    assert value == 0.0 and np.all(np.isfinite(grad))


def test_focal_with_gamma_zero_is_the_cross_entropy():
    t = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    p = np.array([[0.2, 0.7, 0.9], [0.6, 0.3, 0.1]])
    assert losses.BinaryFocalCrossentropy(gamma=0.0)(t, p) == pytest.approx(
        losses.BinaryCrossentropy()(t, p))
    onehot = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    probs = p / p.sum(1, keepdims=True)
    assert losses.CategoricalFocalCrossentropy(gamma=0.0, alpha=1.0)(onehot, probs) == \
        pytest.approx(losses.CategoricalCrossentropy()(onehot, probs))


def test_keras_docstring_examples():
    y_true, y_pred = [[0, 1], [0, 0]], [[-18.6, 0.51], [2.94, -12.8]]
    assert losses.BinaryFocalCrossentropy(gamma=2, from_logits=True)(y_true, y_pred) == \
        pytest.approx(0.691, abs=5e-4)
    assert losses.BinaryFocalCrossentropy(apply_class_balancing=True, gamma=2,
                                          from_logits=True)(y_true, y_pred) == \
        pytest.approx(0.51, abs=5e-3)
    np.testing.assert_allclose(
        losses.BinaryFocalCrossentropy(apply_class_balancing=True, gamma=5, from_logits=True,
                                       reduction=None)(y_true, y_pred),
        [0.0004, 0.8670], atol=5e-4)
    y_true = [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    y_pred = [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]]
    assert losses.CategoricalFocalCrossentropy()(y_true, y_pred) == pytest.approx(0.23315276,
                                                                                rel=1e-6)
    np.testing.assert_allclose(
        losses.CategoricalFocalCrossentropy(reduction=None)(y_true, y_pred),
        [3.2058331e-05, 4.6627346e-01], rtol=1e-5)


@pytest.mark.parametrize("name, cls", [
    ("kl_divergence", losses.KLDivergence), ("kld", losses.KLDivergence),
    ("KLD", losses.KLDivergence), ("KLDivergence", losses.KLDivergence),
    ("poisson", losses.Poisson), ("log_cosh", losses.LogCosh), ("logcosh", losses.LogCosh),
    ("cosine_similarity", losses.CosineSimilarity), ("hinge", losses.Hinge),
    ("squared_hinge", losses.SquaredHinge), ("categorical_hinge", losses.CategoricalHinge),
    ("binary_focal_crossentropy", losses.BinaryFocalCrossentropy),
    ("categorical_focal_crossentropy", losses.CategoricalFocalCrossentropy),
])
def test_names_resolve(name, cls):
    assert type(losses.get(name)) is cls


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_config_round_trip_and_function_alias(case):
    loss = getattr(losses, case["class_name"])(**case["kwargs"])
    clone = losses.get(losses.serialize(loss))
    assert type(clone) is type(loss) and clone.get_config() == loss.get_config()
    fn = getattr(losses, loss.name)
    y_true, y_pred = _inputs(case)
    np.testing.assert_allclose(fn(y_true, y_pred, **case["kwargs"]).mean(),
                               loss(y_true, y_pred), rtol=1e-12)
    assert type(losses.get(fn)) is type(loss)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="gamma"):
        losses.BinaryFocalCrossentropy(gamma=-1.0)
    with pytest.raises(ValueError, match="alpha"):
        losses.CategoricalFocalCrossentropy(alpha="a")
    with pytest.raises(ValueError, match="one-hot"):
        losses.CategoricalFocalCrossentropy()([0, 1], [[0.5, 0.5], [0.1, 0.9]])
    with pytest.raises(ValueError, match="axis"):
        losses.CosineSimilarity(axis=0)


@pytest.mark.parametrize("loss", ["hinge", "binary_focal_crossentropy", "poisson"])
def test_new_losses_train_a_model(loss):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 4)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    with backend.seeded(0):
        model = Sequential([Dense(1, activation="sigmoid", input_shape=(4,))])
    model.compile(optimizer="adam", loss=loss)
    history = model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
