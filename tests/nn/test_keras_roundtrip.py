"""Round trip through real Keras: skdeep writes .keras, .h5, .weights.h5 and legacy
weights files, Keras 3 opens them (tests/keras_side/check_in_keras.py) with the
same predictions and optimizer step count and saves the models again, and
skdeep reads Keras' files back, optimizer state included.

Needs a Python with Keras 3 (never skdeep's environment): set
SKDEEP_KERAS_PYTHON to it (``.ci/run`` does; locally
``SKDEEP_KERAS_PYTHON=.venv-keras/bin/python``). Skipped otherwise.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from skdeep.nn import Input, Model, Sequential, load_model
from skdeep.nn.layers import (
    GRU,
    LSTM,
    Add,
    BatchNormalization,
    Bidirectional,
    Concatenate,
    Conv2D,
    Dense,
    Dropout,
    Embedding,
    GlobalAveragePooling2D,
    MaxPooling2D,
)
from skdeep.nn.utils import set_random_seed

KERAS_PYTHON = os.environ.get("SKDEEP_KERAS_PYTHON")
SCRIPT = os.path.join(os.path.dirname(__file__), "..", "keras_side", "check_in_keras.py")
pytestmark = pytest.mark.skipif(not KERAS_PYTHON or not os.path.exists(KERAS_PYTHON),
                                reason="set SKDEEP_KERAS_PYTHON to a Python with Keras 3")


def _models(rng):
    set_random_seed(0)
    mlp = Sequential([Input((6,)), Dense(8, activation="relu"), BatchNormalization(),
                      Dropout(0.2), Dense(3, activation="softmax")])
    mlp.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = rng.standard_normal((32, 6)).astype("float32")
    mlp.fit(x, rng.integers(0, 3, 32), epochs=2, batch_size=8, verbose=0)
    yield "mlp", mlp, [x[:5]]

    inp = Input((7,), dtype="int32")
    h = LSTM(5, return_sequences=True)(Embedding(20, 4, mask_zero=True)(inp))
    rnn = Model(inp, Dense(1, activation="sigmoid")(Bidirectional(GRU(3))(h)))
    rnn.compile(optimizer="rmsprop", loss="binary_crossentropy")
    x = rng.integers(1, 20, (16, 7)).astype("int32")
    x[:, :2] = 0
    rnn.fit(x, rng.integers(0, 2, 16), epochs=1, verbose=0)
    yield "rnn", rnn, [x[:4]]

    cnn = Sequential([Input((10, 10, 3)), Conv2D(4, 3, activation="relu", padding="same"),
                      MaxPooling2D(), Conv2D(5, 3, strides=2), GlobalAveragePooling2D(),
                      Dense(2)])
    cnn.compile(optimizer="sgd", loss="mse")
    x = rng.standard_normal((8, 10, 10, 3)).astype("float32")
    cnn.fit(x, rng.standard_normal((8, 2)), epochs=1, verbose=0)
    yield "cnn", cnn, [x[:3]]

    a, b = Input((4,), name="a"), Input((3,), name="b")
    shared = Dense(5, activation="tanh", name="shared")
    block = Sequential([Input((5,)), Dense(6, activation="relu"), Dense(5)], name="block")
    sub_in = Input((5,))
    sub = Model(sub_in, Dense(5, activation="elu")(sub_in), name="sub")
    ha, hb = shared(a), shared(Dense(4, name="lift")(b))
    merged = Concatenate(name="merge")([block(ha), sub(hb)])
    multi = Model([a, b], [Dense(1, name="reg")(Add(name="sum")([ha, hb])),
                           Dense(3, activation="softmax", name="cls")(merged)])
    multi.compile(optimizer="adam", loss=["mse", "sparse_categorical_crossentropy"],
                  metrics=[["mae"], ["accuracy"]])
    xs = [rng.standard_normal((16, 4)).astype("float32"),
          rng.standard_normal((16, 3)).astype("float32")]
    multi.fit(xs, [rng.standard_normal((16, 1)), rng.integers(0, 3, 16)], epochs=1, verbose=0)
    yield "multi", multi, [x[:4] for x in xs]


def _predict(model, xs):
    out = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    return out if isinstance(out, list) else [out]


def test_keras_opens_skdeep_files_and_skdeep_opens_keras_files(tmp_path, rng):
    models = {}
    for name, model, xs in _models(rng):
        base = str(tmp_path / name)
        model.save(base + ".keras")
        model.save(base + ".h5")
        model.save_weights(base + ".weights.h5")
        model.save_weights(base + "_weights.h5")
        ys = _predict(model, xs)
        np.savez(base + ".npz", **{f"x{i}": x for i, x in enumerate(xs)},
                 **{f"y{i}": y for i, y in enumerate(ys)})
        models[name] = model, xs, ys
    env = dict(os.environ, KERAS_BACKEND="numpy")  # inference only: no XLA compile
    env.pop("PYTHONPATH", None)  # Keras' Python must not import this skdeep
    done = subprocess.run([KERAS_PYTHON, SCRIPT, str(tmp_path)], env=env, capture_output=True, check=False,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text())
    for name, (model, xs, ys) in models.items():
        entry = report[name]
        assert "error" not in entry, entry["error"]
        for key in ("keras", "h5", "weights_h5", "legacy_weights_h5"):
            assert entry[key] <= 1e-5, (name, key, entry[key])
        assert entry["iterations"] == model.optimizer.iterations
        back = load_model(tmp_path / f"{name}.from_keras.keras")
        keras_ys = np.load(tmp_path / f"{name}.from_keras.npz")
        for i, p in enumerate(_predict(back, xs)):
            np.testing.assert_allclose(p, keras_ys[f"y{i}"], atol=1e-5, rtol=0)
            np.testing.assert_allclose(p, ys[i], atol=1e-5, rtol=0)
        # the optimizer state went to Keras and came back slot for slot
        assert back.optimizer.iterations == model.optimizer.iterations
        set_random_seed(1)  # same dropout masks in both continued fits
        back.fit(xs if len(xs) > 1 else xs[0], _targets(name, xs), epochs=1, verbose=0,
                 shuffle=False)
        set_random_seed(1)
        model.fit(xs if len(xs) > 1 else xs[0], _targets(name, xs), epochs=1, verbose=0,
                  shuffle=False)
        for p, q in zip(back.get_weights(), model.get_weights()):
            np.testing.assert_allclose(p, q, atol=1e-5, rtol=1e-5)


def _targets(name, xs):
    n = len(xs[0])
    if name == "mlp":
        return np.arange(n) % 3
    if name == "rnn":
        return (np.arange(n) % 2).astype("float32")
    if name == "cnn":
        return np.ones((n, 2), "float32")
    return [np.ones((n, 1), "float32"), np.arange(n) % 3]


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
