"""Progress output of fit (Keras' format, one line per epoch off a terminal),
the first-compilation note, and summary()'s Keras arguments."""
import io
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import skdeep.nn as keras
from skdeep.nn import _jit_note, layers
from skdeep.nn.progbar import Progbar


def _model():
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(1, name="out")])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return model


def test_fit_off_a_terminal_prints_one_line_per_epoch(capsys):
    x, y = np.ones((64, 3), "float32"), np.ones(64, "float32")
    _model().fit(x, y, epochs=2, batch_size=16, verbose=1, validation_split=0.25)
    out = capsys.readouterr().out
    assert "\r" not in out and "00:00" not in out and "it/s" not in out
    lines = out.strip().splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and len(lines) == 4
    pattern = r"^3/3 ━{20} \d+s \d+(us|ms|s)/step - loss: [\d.e+-]+ - mae: [\d.e+-]+ - " \
              r"val_loss: [\d.e+-]+ - val_mae: [\d.e+-]+$"
    assert re.match(pattern, lines[1]), lines[1]


def test_verbose_2_line_and_single_epoch_has_no_epoch_header(capsys):
    x, y = np.ones((32, 3), "float32"), np.ones(32, "float32")
    model = _model()
    model.fit(x, y, epochs=1, verbose=2)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and re.match(r"^1/1 - \d+s - \d+(us|ms|s)/step - loss: ", out[0])
    model.fit(x, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""


def test_interactive_logging_switch_silences_fit(capsys):
    keras.config.disable_interactive_logging()
    try:
        assert not keras.config.is_interactive_logging_enabled()
        _model().fit(np.ones((8, 3)), np.ones(8), epochs=2, verbose=1)
    finally:
        keras.config.enable_interactive_logging()
    assert capsys.readouterr().out == ""


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progbar_on_a_terminal_redraws_in_place():
    out = _Terminal()
    bar = Progbar(3, file=out, interval=0.0)
    bar.update(1, [("loss", 1.0)])
    bar.update(2, [("loss", 3.0)])
    bar.update(3, [("loss", 2.0)])
    text = out.getvalue()
    assert text.count("\r") == 3 and text.endswith("\n") and text.count("\n") == 1
    # values are averaged over steps unless stateful, as keras.utils.Progbar
    assert "loss: 2.0000" in text.splitlines()[-1].split("\r")[-1]
    stateful = io.StringIO()
    bar = Progbar(2, file=stateful, stateful_metrics=["acc"])
    bar.update(1, [("acc", 0.2)])
    bar.update(2, [("acc", 0.9)])
    assert "acc: 0.9000" in stateful.getvalue()


def test_compilation_note_printed_once_when_the_cache_is_cold(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(_jit_note, "_NOTED", [False])
    monkeypatch.setattr(_jit_note, "cache_is_cold", lambda: True)
    _jit_note.note_first_compilation(out)
    _jit_note.note_first_compilation(out)
    assert out.getvalue().count("Compiling kernels") == 1
    monkeypatch.setattr(_jit_note, "_NOTED", [False])
    monkeypatch.setattr(_jit_note, "cache_is_cold", lambda: False)
    quiet = io.StringIO()
    _jit_note.note_first_compilation(quiet)
    assert quiet.getvalue() == ""


def test_cache_is_cold_detects_an_empty_numba_cache(tmp_path):
    # a warm cache: any fit writes the kernels it compiled
    _model().fit(np.ones((4, 3)), np.ones(4), epochs=1, verbose=0)
    assert not _jit_note.cache_is_cold()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    code = "from skdeep.nn._jit_note import cache_is_cold; print(cache_is_cold())"
    result = subprocess.run([sys.executable, "-c", code], cwd=root, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "True", result.stderr


# ---------------------------------------------------------------------------- summary
def _nested():
    inner = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3, name="a"),
                              layers.Dense(2, name="b")], name="inner")
    inner.get_layer("a").trainable = False
    inp = keras.Input(shape=(4,), name="x")
    return keras.Model(inp, layers.Dense(1, name="head")(inner(inp)), name="outer")


def _summary(model, **kwargs):
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    assert len(lines) == 1  # print_fn gets the whole text once, as in Keras 3
    return lines[0]


def test_summary_show_trainable_and_expand_nested():
    text = _summary(_nested(), show_trainable=True, expand_nested=True)
    assert "Trainable" in text.splitlines()[2]
    rows = {line.split("│")[1].strip(): line.split("│")[-2].strip()
            for line in text.splitlines() if line.startswith("│")}
    assert rows["└ a (Dense)"] == "N" and rows["└ b (Dense)"] == "Y"
    assert rows["x (InputLayer)"] == "-" and rows["head (Dense)"] == "Y"
    plain = _summary(_nested())
    assert "└ a" not in plain and "Trainable" not in plain.splitlines()[2]


def test_summary_layer_range_and_positions():
    text = _summary(_nested(), layer_range=("inner", "head"))
    assert "inner (Sequential)" in text and "x (InputLayer)" not in text
    text = _summary(_nested(), layer_range=("he.*", "inn.*"))  # reversed order is accepted
    assert "head (Dense)" in text and "inner (Sequential)" in text
    with pytest.raises(ValueError, match="does not match"):
        _summary(_nested(), layer_range=("nope", "head"))
    with pytest.raises(ValueError, match="2 layer names"):
        _summary(_nested(), layer_range=("head",))
    seq = _model()
    text = _summary(seq, line_length=60, positions=[0.5, 0.8, 1.0])
    border = text.splitlines()[1]
    assert len(border) == 60 + 4  # columns of 30, 18 and 12 characters plus 4 rules
    cells = border[1:-1].split("┳")
    assert [len(c) for c in cells] == [30, 18, 12]
    with pytest.raises(ValueError, match="positions"):
        _summary(seq, positions=[0.5, 1.0])
