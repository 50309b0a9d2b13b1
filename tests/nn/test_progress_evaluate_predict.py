"""Keras' progress output of evaluate and predict: the bar at verbose=1 (one
line off a terminal), the one-line summary at verbose=2, silence at 0."""
import io
import re
import sys

import numpy as np
import pytest

import skdeep.nn as keras
from skdeep.nn import layers, progbar

_BAR = r"━{20} \d+s \d+(?:us|ms|s)/step"
_NUM = r"[\d.e+-]+"


def _model():
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2, name="out")])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return model


def _data(n=100):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 3)).astype("float32"), rng.normal(size=(n, 2)).astype("float32")


def test_evaluate_default_verbose_prints_one_bar_line_with_the_returned_values(capsys):
    x, y = _data()
    loss, mae = _model().evaluate(x, y)  # verbose='auto' is 1, as in Keras
    out = capsys.readouterr().out
    assert "\r" not in out and out.count("\n") == 1
    match = re.match(rf"^4/4 {_BAR} - loss: ({_NUM}) - mae: ({_NUM})\n$", out)
    assert match, out
    assert float(match.group(1)) == pytest.approx(loss, abs=1e-4)
    assert float(match.group(2)) == pytest.approx(mae, abs=1e-4)


def test_evaluate_verbose_2_is_keras_one_line_summary_and_0_is_silent(capsys):
    x, y = _data()
    model = _model()
    model.evaluate(x, y, verbose=2)
    out = capsys.readouterr().out
    assert re.match(rf"^4/4 - \d+s - \d+(us|ms|s)/step - loss: {_NUM} - mae: {_NUM}\n$",
                    out), out
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""


def test_evaluate_of_a_generator_counts_its_steps(capsys):
    x, y = _data(30)
    _model().evaluate(((x[i:i + 10], y[i:i + 10]) for i in range(0, 30, 10)), steps=3)
    out = capsys.readouterr().out
    assert re.match(rf"^3/3 {_BAR} - loss: ", out), out


def test_predict_bar_at_verbose_1_and_summary_at_2(capsys):
    x, _ = _data()
    model = _model()
    model.predict(x)
    out = capsys.readouterr().out
    assert re.match(rf"^4/4 {_BAR}\n$", out), out
    model.predict(x, verbose=2)
    assert re.match(r"^4/4 - \d+s - \d+(us|ms|s)/step\n$", capsys.readouterr().out)
    model.predict((x[i:i + 10] for i in range(0, 100, 10)), verbose=1)
    assert re.match(rf"^10/10 {_BAR}\n$", capsys.readouterr().out)


def test_one_batch_predict_prints_only_when_verbose_is_explicit(capsys):
    x, _ = _data(5)
    model = _model()
    model.predict(x)  # 'auto': a one-batch predict stays silent (latency)
    assert capsys.readouterr().out == ""
    model.predict(x, verbose=1)
    assert re.match(rf"^1/1 {_BAR}\n$", capsys.readouterr().out)
    model.predict(x, verbose=2)
    assert re.match(r"^1/1 - \d+s - \d+(us|ms|s)/step\n$", capsys.readouterr().out)


def test_progress_bar_runs_alongside_user_callbacks(capsys):
    seen = []

    class Count(keras.callbacks.Callback):
        def on_predict_batch_end(self, batch, logs=None):
            seen.append(logs["outputs"].shape[0])

    x, _ = _data(40)
    out_arr = _model().predict(x, callbacks=[Count()])
    assert seen == [32, 8] and out_arr.shape == (40, 2)
    assert re.match(rf"^2/2 {_BAR}\n$", capsys.readouterr().out)


def test_interactive_logging_switch_silences_evaluate_and_predict(capsys):
    x, y = _data()
    model = _model()
    keras.config.disable_interactive_logging()
    try:
        model.evaluate(x, y, verbose=1)
        model.predict(x, verbose=2)
        model.predict(x[:1], verbose=1)
    finally:
        keras.config.enable_interactive_logging()
    assert capsys.readouterr().out == ""


def test_bad_verbose_is_refused():
    x, y = _data(4)
    with pytest.raises(ValueError, match="verbose"):
        _model().predict(x, verbose=3)
    with pytest.raises(ValueError, match="verbose"):
        _model().evaluate(x, y, verbose="loud")


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_on_a_terminal_the_bar_is_redrawn_per_batch(monkeypatch):
    x, y = _data()
    model = _model()
    screen = _Terminal()
    monkeypatch.setattr(sys, "stdout", screen)
    monkeypatch.setattr(progbar.time, "perf_counter", iter(range(0, 10 ** 6, 1)).__next__)
    model.evaluate(x, y, batch_size=10)
    model.predict(x, batch_size=10)
    monkeypatch.undo()
    frames = screen.getvalue().split("\n")
    assert len(frames) == 3 and frames[-1] == ""
    for text, metrics in zip(frames[:2], (True, False)):
        steps = [f.split()[0] for f in text.split("\r") if f.strip()]
        assert steps[0] == "1/10" and steps[-1] == "10/10" and len(steps) >= 3
        assert ("loss:" in text.split("\r")[-1]) == metrics


def test_off_a_terminal_the_batch_hooks_are_skipped():
    logger = progbar.ProgbarLogger(1)
    logger.set_params({"steps": 4})
    assert not logger._wants_batch_hook("on_test_batch_end")  # pytest captures stdout
    logger.set_params({"steps": None})  # unknown steps: counted batch by batch
    assert logger._wants_batch_hook("on_test_batch_end")
    logger = progbar.ProgbarLogger(1, file=_Terminal())
    logger.set_params({"steps": 4})
    assert logger._wants_batch_hook("on_predict_batch_end")
