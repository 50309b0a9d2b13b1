"""Learning-rate schedules: values against real Keras 3 (fixture made by
fixtures/make_keras_schedules.py), Keras' serialized form, use by every optimizer
(evaluated per step) and round trips through configs."""
import json
import os

import numpy as np
import pytest

from skdeep.nn import Sequential, backend, optimizers
from skdeep.nn.layers import Dense
from skdeep.nn.layers.base import Weight
from skdeep.nn.optimizers import schedules

with open(os.path.join(os.path.dirname(__file__), "fixtures", "keras_schedules.json")) as fh:
    FIXTURE = json.load(fh)


def _case_id(case):
    return f"{case['class_name']}-{'-'.join(map(str, case['kwargs'].values()))}"


@pytest.mark.parametrize("case", FIXTURE["cases"], ids=_case_id)
def test_values_and_config_match_keras(case):
    schedule = getattr(schedules, case["class_name"])(**case["kwargs"])
    values = [float(schedule(s)) for s in FIXTURE["steps"]]
    # Keras evaluates in float32
    np.testing.assert_allclose(values, case["values"], rtol=2e-6, atol=1e-9)
    serialized = schedules.serialize(schedule)
    assert serialized["module"] == case["config"]["module"]
    assert serialized["class_name"] == case["config"]["class_name"]
    assert serialized["config"] == case["config"]["config"]
    clone = schedules.deserialize(case["config"])
    assert float(clone(7)) == pytest.approx(float(schedule(7)))


@pytest.mark.parametrize("cls", [optimizers.SGD, optimizers.Adam, optimizers.AdamW,
                                 optimizers.RMSprop, optimizers.Adagrad, optimizers.Nadam,
                                 optimizers.Adamax, optimizers.Adadelta, optimizers.Lion,
                                 optimizers.Ftrl])
def test_every_optimizer_evaluates_the_schedule_each_step(cls):
    """Two optimizers, one with a schedule and one whose rate is set by hand to the
    schedule's value before each step, take identical steps."""
    schedule = schedules.ExponentialDecay(0.05, decay_steps=1, decay_rate=0.5)
    scheduled = cls(learning_rate=schedule)
    manual = cls(learning_rate=0.05)
    w1, w2 = Weight._wrap("kernel", np.array([1.0, -2.0, 0.5])), Weight._wrap("kernel", np.array(
        [1.0, -2.0, 0.5]))
    rng = np.random.default_rng(0)
    for step in range(4):
        assert scheduled.learning_rate == pytest.approx(0.05 * 0.5 ** step)
        g = rng.normal(size=3)
        manual.learning_rate = float(schedule(step))
        scheduled.apply_gradients([(g, w1)])
        manual.apply_gradients([(g, w2)])
        np.testing.assert_allclose(w1.value, w2.value, rtol=1e-12)
    config = scheduled.get_config()
    assert config["learning_rate"]["class_name"] == "ExponentialDecay"
    clone = optimizers.get(optimizers.serialize(scheduled))
    assert isinstance(clone._learning_rate, schedules.ExponentialDecay)
    assert clone.get_config() == config


def test_schedule_in_fit_and_learning_rate_not_settable():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 2)).astype("float32")
    y = rng.standard_normal((8, 1)).astype("float32")
    with backend.seeded(0):
        model = Sequential([Dense(1, input_shape=(2,))])
    lr = schedules.PiecewiseConstantDecay([1], [0.1, 0.0])  # only the first two steps move
    model.compile(optimizer=optimizers.SGD(learning_rate=lr), loss="mse")
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    w = model.get_weights()
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    for a, b in zip(w, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match="not settable"):
        model.optimizer.learning_rate = 0.5


def test_custom_schedule_and_callable_learning_rate():
    class Halving(schedules.LearningRateSchedule):
        def __init__(self, initial_learning_rate):
            self.initial_learning_rate = initial_learning_rate

        def __call__(self, step):
            return self.initial_learning_rate / (step + 1)

        def get_config(self):
            return {"initial_learning_rate": self.initial_learning_rate}

    opt = optimizers.SGD(learning_rate=Halving(0.1))
    w = Weight._wrap("w", np.zeros(1))
    opt.apply_gradients([(np.ones(1), w)])
    opt.apply_gradients([(np.ones(1), w)])
    np.testing.assert_allclose(w.value, [-0.1 - 0.05])
    clone = schedules.deserialize(schedules.serialize(Halving(0.2)),
                                  custom_objects={"Halving": Halving})
    assert clone(1) == pytest.approx(0.1)
    opt = optimizers.Adam(learning_rate=lambda: 0.25)
    assert opt.learning_rate == 0.25


def test_bad_schedule_arguments():
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.CosineDecay(0.1, decay_steps=0)
    with pytest.raises(ValueError, match="1 less than"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1])
    with pytest.raises(ValueError, match="first_decay_steps"):
        schedules.CosineDecayRestarts(0.1, first_decay_steps=0)
    with pytest.raises(NotImplementedError, match="__call__"):
        schedules.LearningRateSchedule()(1)
    with pytest.raises(ValueError, match="Unknown learning rate schedule"):
        schedules.deserialize({"class_name": "Nope", "config": {}})
