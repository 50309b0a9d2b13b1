"""Nadam, Adamax, Adadelta, Lion, Ftrl, AdamW and the base options (weight decay and
its exclusions, clipping, EMA, gradient accumulation, schedules): worked steps by
hand from the Keras 3 formulas, and four steps against real Keras 3 (fixture made
by fixtures/make_keras_optimizers.py)."""
import json
import math
import os

import numpy as np
import pytest

from skdeep.nn import Sequential, backend, optimizers
from skdeep.nn.layers import Dense
from skdeep.nn.layers.base import Weight
from skdeep.nn.optimizers import schedules

with open(os.path.join(os.path.dirname(__file__), "fixtures", "keras_optimizers.json")) as fh:
    FIXTURE = json.load(fh)


def _case_id(case):
    return f"{case['class_name']}-{json.dumps(case['kwargs'], sort_keys=True)[:60]}"


def _make(case):
    kwargs = dict(case["kwargs"])
    exclude = kwargs.pop("exclude", None)
    if isinstance(kwargs.get("learning_rate"), dict):
        kwargs["learning_rate"] = schedules.deserialize(kwargs["learning_rate"])
    opt = getattr(optimizers, case["class_name"])(**kwargs)
    if exclude:
        opt.exclude_from_weight_decay(var_names=exclude)
    return opt


@pytest.mark.parametrize("case", FIXTURE["cases"], ids=_case_id)
def test_four_steps_match_keras(case):
    opt = _make(case)
    weights = [Weight._wrap("kernel", np.array(FIXTURE["kernel"])),
               Weight._wrap("bias", np.array(FIXTURE["bias"]))]
    for grads, expected in zip(FIXTURE["grads"], case["steps"]):
        opt.apply_gradients(zip([np.array(g) for g in grads], weights))
        for w, e in zip(weights, expected):
            # Keras keeps the learning rate in a float32 variable: relative 1e-7
            np.testing.assert_allclose(w.value, e, rtol=2e-6, atol=1e-9)
    opt.finalize_variable_values(weights)
    for w, e in zip(weights, case["final"]):
        np.testing.assert_allclose(w.value, e, rtol=2e-6, atol=1e-9)
    assert opt.iterations == case["iterations"]


def _one_step(opt, w, g):
    w = np.array(w, dtype=np.float64)
    opt.build(w.size, w.dtype, [0, w.size])
    opt.apply(w, np.array(g, dtype=np.float64))
    return w


W0, G0 = [0.5, -1.0, 2.0], [0.1, -0.4, 0.3]


def test_nadam_first_step_by_hand():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-7
    g, w = np.array(G0), np.array(W0)
    u1, u2 = b1 * (1 - 0.5 * 0.96), b1 * (1 - 0.5 * 0.96 ** 2)
    m, v = (1 - b1) * g, (1 - b2) * g * g
    m_hat = u2 * m / (1 - u1 * u2) + (1 - u1) * g / (1 - u1)
    expected = w - lr * m_hat / (np.sqrt(v / (1 - b2)) + eps)
    np.testing.assert_allclose(_one_step(optimizers.Nadam(lr), W0, G0), expected, rtol=1e-12)


def test_adamax_first_step_by_hand():
    lr, b1, eps = 0.01, 0.9, 1e-7
    g, w = np.array(G0), np.array(W0)
    expected = w - lr * ((1 - b1) * g) / ((1 - b1) * (np.abs(g) + eps))
    np.testing.assert_allclose(_one_step(optimizers.Adamax(lr), W0, G0), expected, rtol=1e-12)


def test_adadelta_first_step_by_hand():
    lr, rho, eps = 1.0, 0.95, 1e-7
    g, w = np.array(G0), np.array(W0)
    acc_g = (1 - rho) * g * g
    delta = -np.sqrt(0 + eps) * g / np.sqrt(acc_g + eps)
    np.testing.assert_allclose(_one_step(optimizers.Adadelta(lr), W0, G0), w + lr * delta,
                               rtol=1e-12)


def test_lion_two_steps_by_hand():
    lr, b1, b2 = 0.1, 0.9, 0.99
    opt = optimizers.Lion(lr)
    w = np.array(W0)
    opt.build(3, w.dtype, [0, 3])
    g1, g2 = np.array(G0), np.array([-0.2, 0.05, 0.3])
    opt.apply(w, g1.copy())
    m = (1 - b2) * g1
    expected = np.array(W0) - lr * np.sign((1 - b1) * g1)
    np.testing.assert_allclose(w, expected, rtol=1e-12)
    opt.apply(w, g2.copy())
    expected -= lr * np.sign(b1 * m + (1 - b1) * g2)
    np.testing.assert_allclose(w, expected, rtol=1e-12)


def test_ftrl_first_step_by_hand():
    lr, power, l1, l2, shrink, beta, acc0 = 0.1, -0.5, 0.01, 0.1, 0.05, 0.2, 0.1
    g, w = np.array(G0), np.array(W0)
    new_acc = acc0 + g * g
    linear = (g + 2 * shrink * w) - (new_acc ** 0.5 - acc0 ** 0.5) / lr * w
    quadratic = new_acc ** 0.5 / lr + 2 * (l2 + beta / (2 * lr))
    expected = (np.clip(linear, -l1, l1) - linear) / quadratic
    opt = optimizers.Ftrl(lr, learning_rate_power=power, l1_regularization_strength=l1,
                          l2_regularization_strength=l2,
                          l2_shrinkage_regularization_strength=shrink, beta=beta)
    np.testing.assert_allclose(_one_step(opt, W0, G0), expected, rtol=1e-12)


def test_adamw_first_step_by_hand():
    lr, wd, eps = 0.01, 0.004, 1e-7
    g, w = np.array(G0), np.array(W0)
    w_decayed = w - w * wd * lr
    # Keras' Adam: alpha = lr * sqrt(1 - b2^t) / (1 - b1^t); w -= alpha * m / (sqrt(v) + eps)
    alpha = lr * np.sqrt(1 - 0.999) / (1 - 0.9)
    expected = w_decayed - alpha * (0.1 * g) / (np.sqrt(0.001 * g * g) + eps)
    np.testing.assert_allclose(_one_step(optimizers.AdamW(lr), W0, G0), expected, rtol=1e-9)
    with pytest.raises(ValueError, match="weight_decay"):
        optimizers.AdamW(weight_decay=None)


def test_exclude_from_weight_decay_by_list_and_name():
    kernel, bias = Weight._wrap("kernel", np.ones(2)), Weight._wrap("bias", np.ones(2))
    opt = optimizers.SGD(learning_rate=0.5, weight_decay=0.2)
    opt.exclude_from_weight_decay(var_list=[kernel])
    opt.apply_gradients([(np.zeros(2), kernel), (np.zeros(2), bias)])
    np.testing.assert_allclose(kernel.value, 1.0)
    np.testing.assert_allclose(bias.value, 1.0 - 0.2 * 0.5)
    opt = optimizers.SGD(learning_rate=0.5, weight_decay=0.2)
    opt.exclude_from_weight_decay(var_names=["bias"])
    kernel, bias = Weight._wrap("kernel", np.ones(2)), Weight._wrap("bias", np.ones(2))
    opt.apply_gradients([(np.zeros(2), kernel), (np.zeros(2), bias)])
    np.testing.assert_allclose(kernel.value, 0.9)
    np.testing.assert_allclose(bias.value, 1.0)
    with pytest.raises(ValueError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["kernel"])


def test_weight_decay_exclusion_inside_fit_leaves_biases_alone():
    x = np.zeros((4, 3), "float32")  # zero inputs: only weight decay moves the kernel
    y = np.zeros((4, 2), "float32")
    with backend.seeded(0):
        model = Sequential([Dense(2, input_shape=(3,), bias_initializer="ones")])
    opt = optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["kernel"])
    kernel0 = model.layers[0].kernel.numpy()
    model.compile(optimizer=opt, loss="mse")
    model.fit(x, y, epochs=1, batch_size=4, verbose=0, shuffle=False)
    np.testing.assert_allclose(model.layers[0].kernel.numpy(), kernel0)   # excluded
    bias = model.layers[0].bias.numpy()
    # bias: decayed by (1 - 0.05), then an Adam step of -lr * sign(gradient) (positive grad)
    np.testing.assert_allclose(bias, 1.0 * (1 - 0.05) - 0.1, rtol=1e-5)


def test_ema_replaces_the_weights_at_the_end_of_fit():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 3)).astype("float32")
    y = rng.standard_normal((16, 1)).astype("float32")
    results = {}
    for use_ema in (False, True):
        with backend.seeded(0):
            model = Sequential([Dense(1, input_shape=(3,))])
        opt = optimizers.SGD(learning_rate=0.1, use_ema=use_ema, ema_momentum=0.5)
        model.compile(optimizer=opt, loss="mse")
        model.fit(x, y, epochs=3, batch_size=4, verbose=0, shuffle=False)
        results[use_ema] = (model.get_weights(), opt)
    plain, (ema_weights, opt) = results[False][0], results[True]
    average = opt.get_slots()["average"]
    np.testing.assert_allclose(np.concatenate([w.ravel() for w in ema_weights]), average)
    assert not np.allclose(ema_weights[0], plain[0])


def test_gradient_accumulation_in_fit_updates_every_k_batches():
    x = np.ones((8, 2), "float32")
    y = np.zeros((8, 1), "float32")
    with backend.seeded(0):
        model = Sequential([Dense(1, input_shape=(2,))])
    opt = optimizers.SGD(learning_rate=0.01, gradient_accumulation_steps=4)
    model.compile(optimizer=opt, loss="mse")
    w0 = model.get_weights()
    model.train_on_batch(x[:2], y[:2])
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), w0))
    for _ in range(3):
        model.train_on_batch(x[:2], y[:2])
    assert not np.array_equal(model.get_weights()[0], w0[0])
    # Keras counts weight updates in `iterations` (4 steps, 1 update)
    assert opt.iterations == 1 and opt.get_slots()["iterations"] == 4


def test_global_clipnorm_scales_all_gradients_together():
    a, b = Weight._wrap("a", np.zeros(2)), Weight._wrap("b", np.zeros(1))
    opt = optimizers.SGD(learning_rate=1.0, global_clipnorm=1.0)
    opt.apply_gradients([(np.array([3.0, 0.0]), a), (np.array([4.0]), b)])
    np.testing.assert_allclose(np.concatenate([a.value, b.value]), [-0.6, 0.0, -0.8])


@pytest.mark.parametrize("name, cls", [("adamw", optimizers.AdamW), ("nadam", optimizers.Nadam),
                                       ("adamax", optimizers.Adamax),
                                       ("adadelta", optimizers.Adadelta),
                                       ("lion", optimizers.Lion), ("ftrl", optimizers.Ftrl),
                                       ("Nadam", optimizers.Nadam)])
def test_names_and_config_round_trip(name, cls):
    opt = optimizers.get(name)
    assert type(opt) is cls
    clone = optimizers.get(optimizers.serialize(opt))
    assert clone.get_config() == opt.get_config()


def test_keras_default_names_and_arguments():
    assert optimizers.AdamW().name == "adam_w" and optimizers.Nadam().name == "nadam"
    assert optimizers.Adadelta().rho == 0.95 and optimizers.Lion().beta_2 == 0.99
    assert optimizers.Ftrl().initial_accumulator_value == 0.1
    config = optimizers.Adam(use_ema=True, gradient_accumulation_steps=3).get_config()
    assert config["use_ema"] and config["ema_momentum"] == 0.99
    assert config["gradient_accumulation_steps"] == 3


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        optimizers.Adam(gradient_accumulation_steps=1)
    with pytest.raises(ValueError, match="ema_momentum"):
        optimizers.Adam(use_ema=True, ema_momentum=1.5)
    with pytest.raises(ValueError, match="ema_overwrite_frequency"):
        optimizers.Adam(use_ema=True, ema_overwrite_frequency=0)
    with pytest.raises(ValueError, match="beta_1"):
        optimizers.Lion(beta_1=0.0)
    with pytest.raises(ValueError, match="learning_rate_power"):
        optimizers.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ValueError, match="not recognized"):
        optimizers.Nadam(momentum=0.9)


def test_optimizer_state_and_schedule_survive_save_and_load(tmp_path):
    from skdeep.nn import load_model

    rng = np.random.default_rng(1)
    x = rng.standard_normal((8, 3)).astype("float32")
    y = rng.standard_normal((8, 1)).astype("float32")
    with backend.seeded(0):
        model = Sequential([Dense(1, input_shape=(3,))])
    lr = schedules.CosineDecay(0.05, decay_steps=10, warmup_target=0.1, warmup_steps=2)
    model.compile(optimizer=optimizers.Adamax(learning_rate=lr, beta_2=0.9), loss="mse")
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras")
    opt = loaded.optimizer
    assert type(opt) is optimizers.Adamax and isinstance(opt._learning_rate,
                                                         schedules.CosineDecay)
    assert opt._learning_rate.get_config() == lr.get_config() and opt.beta_2 == 0.9
    assert opt.iterations == 4 and opt.learning_rate == pytest.approx(float(lr(4)))
    # training continues identically from the restored state
    model.fit(x, y, epochs=1, batch_size=4, verbose=0, shuffle=False)
    loaded.fit(x, y, epochs=1, batch_size=4, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_nadam_state_round_trips_through_get_slots():
    w1 = Weight._wrap("kernel", np.array([0.3, -0.2]))
    opt = optimizers.Nadam(learning_rate=0.01, use_ema=True)
    for g in ([0.1, 0.2], [-0.3, 0.1]):
        opt.apply_gradients([(np.array(g), w1)])
    clone = optimizers.Nadam.from_config(opt.get_config())
    w2 = Weight._wrap("kernel", w1.value.copy())
    clone.apply_gradients([(np.zeros(2), w2)])  # builds; the state is then replaced
    w2.value[...] = w1.value
    clone.set_slots(opt.get_slots())
    assert math.isclose(clone._u_product, opt._u_product, rel_tol=1e-15)
    opt.apply_gradients([(np.array([0.05, 0.05]), w1)])
    clone.apply_gradients([(np.array([0.05, 0.05]), w2)])
    np.testing.assert_allclose(w1.value, w2.value, rtol=1e-12)


def test_keras_apply_form_and_loss_scale_factor():
    w = Weight._wrap("w", np.array([1.0, 1.0]))
    opt = optimizers.SGD(learning_rate=0.5, loss_scale_factor=4.0)
    assert opt.scale_loss(2.0) == 8.0
    opt.apply([np.array([4.0, -8.0])], [w])  # Keras' apply(grads, variables)
    np.testing.assert_allclose(w.value, [1.0 - 0.5, 1.0 + 1.0])
    # inside fit the gradients are exact: the factor changes nothing
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 2)).astype("float32")
    y = rng.standard_normal((8, 1)).astype("float32")
    weights = []
    for factor in (None, 128.0):
        with backend.seeded(0):
            model = Sequential([Dense(1, input_shape=(2,))])
        model.compile(optimizer=optimizers.SGD(0.1, loss_scale_factor=factor), loss="mse")
        model.fit(x, y, epochs=2, batch_size=4, verbose=0, shuffle=False)
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b)


@pytest.mark.parametrize("make", [
    lambda: optimizers.Nadam(schedules.ExponentialDecay(0.1, 2, 0.5)),
    lambda: optimizers.Adam(0.05, use_ema=True, ema_momentum=0.5),
    lambda: optimizers.SGD(0.1, gradient_accumulation_steps=3),
    lambda: optimizers.Adadelta(1.0), lambda: optimizers.Ftrl(0.1, beta=0.1)],
    ids=["nadam-schedule", "adam-ema", "sgd-accumulation", "adadelta", "ftrl"])
@pytest.mark.parametrize("suffix", ["skdeep", "keras"])
def test_full_state_survives_saving(tmp_path, make, suffix):
    """Both formats keep everything (in .keras in Keras' variable order: iteration,
    learning_rate unless scheduled, EMA averages, accumulators, slots, Nadam's u_product)."""
    import warnings

    from skdeep.nn import load_model

    rng = np.random.default_rng(0)
    x = rng.random((8, 3)).astype("float32")
    y = rng.random((8, 1)).astype("float32")
    with backend.seeded(0):
        model = Sequential([Dense(1, input_shape=(3,))])
    model.compile(optimizer=make(), loss="mse")
    model.fit(x, y, epochs=2, batch_size=3, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no state left behind
        model.save(tmp_path / f"m.{suffix}")
        loaded = load_model(tmp_path / f"m.{suffix}")
    model.fit(x, y, epochs=1, batch_size=3, verbose=0, shuffle=False)
    loaded.fit(x, y, epochs=1, batch_size=3, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", ["nadam_ema", "sgd_schedule_accumulation", "ftrl"])
def test_optimizer_state_of_files_keras_wrote(tmp_path, name):
    """Keras 3 trained and saved these (fixtures/make_keras_optimizer_files.py); skdeep
    reads the optimizer and its state, and writing it back gives Keras' variables."""
    import warnings
    import zipfile

    import h5py

    from skdeep.nn import load_model

    here = os.path.join(os.path.dirname(__file__), "fixtures")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = load_model(os.path.join(here, f"keras_opt_{name}.keras"))
        model.save(tmp_path / "again.keras")
    expected = np.load(os.path.join(here, f"keras_opt_{name}.npz"))
    with zipfile.ZipFile(tmp_path / "again.keras") as archive:
        archive.extract("model.weights.h5", tmp_path)
    with h5py.File(tmp_path / "model.weights.h5", "r") as f:
        group = f["optimizer"]["vars"]
        got = [np.asarray(group[str(i)]) for i in range(len(group))]
    assert len(got) == len(expected["names"])
    for i, path in enumerate(expected["names"]):
        np.testing.assert_allclose(got[i], expected[f"v{i}"], rtol=1e-6, err_msg=str(path))
    opt = model.optimizer
    assert opt.iterations == int(expected["v0"]) // (opt.gradient_accumulation_steps or 1)
