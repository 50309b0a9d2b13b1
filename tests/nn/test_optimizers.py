"""Optimizer steps against values worked out from the Keras 3 update formulas.

Each reference below follows keras/src/optimizers/<name>.py line by line
(per-variable Python loops), so a difference means our fused kernel differs
from Keras, not that both share a bug in vectorised code.
"""
import math

import numpy as np
import pytest

from skdeep.nn import Sequential, backend, optimizers, regularizers
from skdeep.nn.layers import Dense
from skdeep.nn.optimizers import SGD, Adagrad, Adam, RMSprop

P0 = [1.0, -2.0, 0.5]
GRADS = [[0.5, -1.0, 2.0], [0.1, 0.3, -0.4], [-0.2, 0.05, 1.0]]


def run(opt, grads=GRADS, p0=P0, offsets=None, dtype=np.float64):
    """Apply ``grads`` step by step; returns the parameters after each step."""
    p = np.array(p0, dtype=dtype)
    opt.build(p.size, p.dtype, [0, p.size] if offsets is None else offsets)
    out = []
    for g in grads:
        opt.apply(p, np.array(g, dtype=dtype))
        out.append(p.copy())
    return out


# --------------------------------------------------------------- references
def ref_sgd(lr, momentum=0.0, nesterov=False):
    p, m, out = list(P0), [0.0] * 3, []
    for g in GRADS:
        for i in range(3):
            if momentum:
                m[i] = m[i] * momentum - g[i] * lr
                p[i] += m[i] * momentum - g[i] * lr if nesterov else m[i]
            else:
                p[i] -= g[i] * lr
        out.append(list(p))
    return out


def ref_adam(lr, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False):
    p, m, v, vhat, out = list(P0), [0.0] * 3, [0.0] * 3, [0.0] * 3, []
    for step, g in enumerate(GRADS, start=1):
        alpha = lr * math.sqrt(1 - b2 ** step) / (1 - b1 ** step)
        for i in range(3):
            m[i] += (g[i] - m[i]) * (1 - b1)
            v[i] += (g[i] ** 2 - v[i]) * (1 - b2)
            vv = v[i]
            if amsgrad:
                vhat[i] = max(vhat[i], v[i])
                vv = vhat[i]
            p[i] -= m[i] * alpha / (math.sqrt(vv) + eps)
        out.append(list(p))
    return out


def ref_rmsprop(lr, rho=0.9, momentum=0.0, eps=1e-7, centered=False):
    p, vel, mom, avg, out = list(P0), [0.0] * 3, [0.0] * 3, [0.0] * 3, []
    for g in GRADS:
        for i in range(3):
            vel[i] = rho * vel[i] + (1 - rho) * g[i] ** 2
            if centered:
                avg[i] = rho * avg[i] + (1 - rho) * g[i]
                denominator = vel[i] - avg[i] ** 2 + eps
            else:
                denominator = vel[i] + eps
            increment = lr * g[i] / math.sqrt(denominator)
            if momentum > 0:
                mom[i] = momentum * mom[i] + increment
                p[i] -= mom[i]
            else:
                p[i] -= increment
        out.append(list(p))
    return out


def ref_adagrad(lr, initial=0.1, eps=1e-7):
    p, acc, out = list(P0), [initial] * 3, []
    for g in GRADS:
        for i in range(3):
            acc[i] += g[i] ** 2
            p[i] -= lr * g[i] / math.sqrt(acc[i] + eps)
        out.append(list(p))
    return out


CASES = [
    pytest.param(lambda: SGD(learning_rate=0.1), ref_sgd(0.1), id="sgd"),
    pytest.param(lambda: SGD(learning_rate=0.1, momentum=0.9), ref_sgd(0.1, 0.9),
                 id="sgd-momentum"),
    pytest.param(lambda: SGD(learning_rate=0.1, momentum=0.9, nesterov=True),
                 ref_sgd(0.1, 0.9, True), id="sgd-nesterov"),
    pytest.param(lambda: Adam(learning_rate=0.1), ref_adam(0.1), id="adam"),
    pytest.param(lambda: Adam(learning_rate=0.05, beta_1=0.5, beta_2=0.6, epsilon=1e-3),
                 ref_adam(0.05, 0.5, 0.6, 1e-3), id="adam-custom"),
    pytest.param(lambda: Adam(learning_rate=0.1, amsgrad=True), ref_adam(0.1, amsgrad=True),
                 id="adam-amsgrad"),
    pytest.param(lambda: RMSprop(learning_rate=0.1), ref_rmsprop(0.1), id="rmsprop"),
    pytest.param(lambda: RMSprop(learning_rate=0.1, momentum=0.8),
                 ref_rmsprop(0.1, momentum=0.8), id="rmsprop-momentum"),
    pytest.param(lambda: RMSprop(learning_rate=0.1, centered=True),
                 ref_rmsprop(0.1, centered=True), id="rmsprop-centered"),
    pytest.param(lambda: RMSprop(learning_rate=0.1, rho=0.5, momentum=0.5, centered=True),
                 ref_rmsprop(0.1, rho=0.5, momentum=0.5, centered=True),
                 id="rmsprop-centered-momentum"),
    pytest.param(lambda: Adagrad(learning_rate=0.1), ref_adagrad(0.1), id="adagrad"),
    pytest.param(lambda: Adagrad(learning_rate=0.1, initial_accumulator_value=0.0,
                                 epsilon=1e-3), ref_adagrad(0.1, 0.0, 1e-3),
                 id="adagrad-custom"),
]


@pytest.mark.parametrize("make, expected", CASES)
def test_first_steps_match_keras_formulas(make, expected):
    steps = run(make())
    np.testing.assert_allclose(steps, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("make, expected", CASES)
def test_float32_steps_match_keras_formulas(make, expected):
    steps = run(make(), dtype=np.float32)
    assert steps[0].dtype == np.float32
    np.testing.assert_allclose(steps, expected, rtol=2e-5, atol=1e-6)


def test_first_steps_by_hand():
    # SGD: 1 - 0.1 * 0.5
    assert run(SGD(learning_rate=0.1))[0][0] == pytest.approx(0.95)
    # momentum: v1 = -0.05; v2 = 0.9 * -0.05 - 0.1 * 0.1 = -0.055 -> 1 - 0.05 - 0.055
    assert run(SGD(learning_rate=0.1, momentum=0.9))[1][0] == pytest.approx(0.895)
    # nesterov: p1 = 1 + 0.9 * -0.05 - 0.05
    assert run(SGD(learning_rate=0.1, momentum=0.9, nesterov=True))[0][0] == \
        pytest.approx(0.905)
    # Adam's first step is lr * g / (|g| + eps / sqrt(1 - beta_2)), about lr * sign(g)
    first = 1.0 - 0.1 * 0.5 / (0.5 + 1e-7 / math.sqrt(0.001))
    assert run(Adam(learning_rate=0.1))[0][0] == pytest.approx(first, rel=1e-12)
    # Adagrad: 1 - 0.1 * 0.5 / sqrt(0.1 + 0.25 + 1e-7)
    assert run(Adagrad(learning_rate=0.1))[0][0] == pytest.approx(
        1 - 0.05 / math.sqrt(0.35 + 1e-7), rel=1e-12)


def test_rmsprop_keras_docstring_example():
    # keras.optimizers.RMSprop(learning_rate=0.1) minimising var ** 2 / 2 from
    # var = 10 (gradient = var) gives 9.683772 after one step.
    p = run(RMSprop(learning_rate=0.1), grads=[[10.0]], p0=[10.0])[0]
    assert p[0] == pytest.approx(9.683772, abs=1e-6)


# ----------------------------------------------------------------- clipping
def test_clipnorm_is_per_variable():
    # two variables: [3, 4] (norm 5) and [0.5] (norm 0.5)
    p = run(SGD(learning_rate=1.0, clipnorm=1.0), grads=[[3.0, 4.0, 0.5]], p0=[0, 0, 0],
            offsets=[0, 2, 3])[0]
    np.testing.assert_allclose(p, [-0.6, -0.8, -0.5])


def test_global_clipnorm_scales_all_gradients_together():
    p = run(SGD(learning_rate=1.0, global_clipnorm=2.6), grads=[[3.0, 4.0, 12.0]],
            p0=[0, 0, 0], offsets=[0, 2, 3])[0]
    np.testing.assert_allclose(p, [-0.6, -0.8, -2.4])  # norm 13 -> 2.6
    p = run(SGD(learning_rate=1.0, global_clipnorm=100.0), grads=[[3.0, 4.0, 12.0]],
            p0=[0, 0, 0])[0]
    np.testing.assert_allclose(p, [-3.0, -4.0, -12.0])


def test_global_clipnorm_of_a_non_finite_gradient_gives_nan_like_keras():
    p = run(SGD(learning_rate=1.0, global_clipnorm=1.0), grads=[[np.inf, 1.0, 0.0]])[0]
    assert np.isnan(p).all()


def test_clipvalue_clips_each_value():
    p = run(SGD(learning_rate=1.0, clipvalue=0.5), grads=[[3.0, -0.2, -4.0]], p0=[0, 0, 0])[0]
    np.testing.assert_allclose(p, [-0.5, 0.2, 0.5])


def test_clipping_applies_before_the_update_rule():
    clipped = run(Adam(learning_rate=0.1, clipvalue=0.3))
    plain = run(Adam(learning_rate=0.1), grads=np.clip(GRADS, -0.3, 0.3).tolist())
    np.testing.assert_allclose(clipped, plain)


@pytest.mark.parametrize("kwargs", [{"clipnorm": 1.0, "clipvalue": 1.0},
                                    {"clipnorm": 1.0, "global_clipnorm": 1.0},
                                    {"clipvalue": 1.0, "global_clipnorm": 1.0}])
def test_only_one_clipping_option(kwargs):
    with pytest.raises(ValueError, match="only one of clipnorm, clipvalue and global_clipnorm"):
        SGD(**kwargs)


def test_weight_decay_is_decoupled_and_before_the_update():
    # Keras: p -= p * wd * lr, then the optimizer's own step on the raw gradient
    p = run(SGD(learning_rate=0.1, weight_decay=0.5), grads=[[0.5, -1.0, 2.0]])[0]
    expected = np.array(P0) * (1 - 0.5 * 0.1) - 0.1 * np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(p, expected)
    p = run(Adam(learning_rate=0.1, weight_decay=0.1), grads=[[0.5, -1.0, 2.0]])[0]
    expected_adam = np.array(ref_adam(0.1)[0]) - np.array(P0) * 0.1 * 0.1
    np.testing.assert_allclose(p, expected_adam)


# ------------------------------------------------------------------- state
def test_iterations_and_slots_round_trip():
    opt = Adam(learning_rate=0.1, amsgrad=True)
    run(opt, grads=GRADS[:2])
    assert opt.iterations == 2
    state = opt.get_slots()
    assert set(state) == {"iterations", "m", "v", "vhat"}
    resumed = Adam(learning_rate=0.1, amsgrad=True)
    p = np.array(ref_adam(0.1, amsgrad=True)[1])
    resumed.build(3, p.dtype, [0, 3])
    resumed.set_slots(state)
    resumed.apply(p, np.array(GRADS[2]))
    np.testing.assert_allclose(p, ref_adam(0.1, amsgrad=True)[2], rtol=1e-12)


def test_train_on_batch_applies_loss_and_regularizer_gradients():
    """One SGD step through the whole engine, against the gradient by hand."""
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    with backend.floatx_scope("float64"):
        model = Sequential([Dense(2, input_shape=(3,), use_bias=False,
                                  kernel_regularizer=regularizers.L2(0.5))])
        model.compile(optimizer=SGD(learning_rate=0.1), loss="mse")
        w = model.get_weights()[0]
        model.train_on_batch(x, y)
    # mse over 4 x 2 values: d/dW = 2 / 8 * x.T (xW - y); L2(0.5): d/dW = 2 * 0.5 * W
    grad = 2.0 / 8 * x.T @ (x @ w - y) + w
    np.testing.assert_allclose(model.get_weights()[0], w - 0.1 * grad, rtol=1e-12)


# ----------------------------------------------------------------- validation
@pytest.mark.parametrize("make", [lambda: SGD(learning_rate=0), lambda: SGD(momentum=1.5),
                                  lambda: Adam(beta_1=1.0), lambda: RMSprop(rho=-0.1),
                                  lambda: Adagrad(initial_accumulator_value=-1),
                                  lambda: Adam(learning_rate=float("nan")),
                                  lambda: SGD(clipnorm=-1.0)])
def test_bad_hyperparameters_raise_clear_errors(make):
    with pytest.raises(ValueError):
        make()


def test_get_resolves_names_configs_and_instances():
    assert isinstance(optimizers.get("Adam"), Adam)
    opt = optimizers.get({"class_name": "RMSprop", "config": {"learning_rate": 0.5}})
    assert isinstance(opt, RMSprop) and opt.learning_rate == 0.5
    sgd = SGD(momentum=0.5, nesterov=True, clipnorm=2.0)
    clone = optimizers.get(optimizers.serialize(sgd))
    assert clone.get_config() == sgd.get_config()
    with pytest.raises(ValueError, match="Unknown optimizer 'adamx'"):
        optimizers.get("adamx")
