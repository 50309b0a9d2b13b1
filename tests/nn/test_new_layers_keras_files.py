"""The issue-12 layer families through real Keras files: skdeep writes
.keras, .h5, .weights.h5 and legacy weights files of models built from them,
Keras 3 opens each with the same predictions (tests/keras_side/check_in_keras.py)
and saves them again, and skdeep reads Keras' files back.

Needs SKDEEP_KERAS_PYTHON (a Python with Keras 3), as
tests/nn/test_keras_roundtrip.py; skipped otherwise.
"""
import json
import os
import subprocess

import numpy as np
import pytest

from skdeep.nn import Input, Model, Sequential, load_model
from skdeep.nn import layers as L
from skdeep.nn.utils import set_random_seed

KERAS_PYTHON = os.environ.get("SKDEEP_KERAS_PYTHON")
SCRIPT = os.path.join(os.path.dirname(__file__), "..", "keras_side", "check_in_keras.py")
pytestmark = pytest.mark.skipif(not KERAS_PYTHON or not os.path.exists(KERAS_PYTHON),
                                reason="set SKDEEP_KERAS_PYTHON to a Python with Keras 3")


def _randomize(model, rng):
    for layer in model.layers:
        for w in layer.weights:
            if w.name == "moving_variance" or w.name == "variance":
                w.assign(rng.uniform(0.5, 2.0, w.shape))
            elif w.name != "count":
                w.assign(rng.standard_normal(w.shape) * 0.3)


def _models(rng):
    set_random_seed(0)
    images = Sequential([
        Input((9, 9, 3)), L.Rescaling(1 / 2.0, offset=-0.5), L.ZeroPadding2D(((1, 0), (0, 1))),
        L.Conv2D(4, 3, use_bias=False), L.BatchNormalization(), L.ReLU(6.0),
        L.DepthwiseConv2D(3, depth_multiplier=2, padding="same"), L.PReLU(shared_axes=[1, 2]),
        L.SeparableConv2D(5, 3, strides=2, padding="same"), L.LeakyReLU(),
        L.Conv2DTranspose(3, 3, strides=2, padding="same"), L.ELU(),
        L.UpSampling2D(), L.Cropping2D(((1, 1), (2, 0))), L.GroupNormalization(groups=3),
        L.SpatialDropout2D(0.2), L.GlobalMaxPooling2D(), L.LayerNormalization(),
        L.Dense(3), L.Softmax()])
    yield "images", images, [rng.standard_normal((3, 9, 9, 3)).astype("float32")]

    set_random_seed(1)
    tokens = Input((6,), dtype="int32")
    x = L.Embedding(12, 8)(tokens)
    attended = L.MultiHeadAttention(num_heads=2, key_dim=3)(x, x)
    x = L.LayerNormalization(epsilon=1e-6)(L.Add()([x, attended]))
    x = L.Attention(use_scale=True)([x, x])
    x = L.AdditiveAttention()([x, x])
    x = L.TimeDistributed(L.Dense(4, activation="tanh"))(x)
    x = L.Conv1DTranspose(3, 2, strides=2)(L.ZeroPadding1D(1)(x))
    x = L.UpSampling1D(2)(L.Cropping1D((1, 2))(x))
    x = L.Permute((2, 1))(L.UnitNormalization()(x))
    x = L.GlobalAveragePooling1D()(L.DepthwiseConv1D(2)(x))
    out = L.Dense(2)(L.RepeatVector(2)(L.GaussianDropout(0.1)(L.AlphaDropout(0.1)(x))))
    seq = Model(tokens, out)
    yield "sequences", seq, [rng.integers(0, 12, (4, 6)).astype("int32")]


def test_keras_opens_files_of_the_new_layers(tmp_path):
    rng = np.random.default_rng(0)
    models = {}
    for name, model, xs in _models(rng):
        _randomize(model, rng)
        model.compile(optimizer="adam", loss="mse")
        base = str(tmp_path / name)
        model.save(base + ".keras")
        model.save(base + ".h5")
        model.save_weights(base + ".weights.h5")
        model.save_weights(base + "_weights.h5")
        ys = [model.predict(xs[0], verbose=0)]
        np.savez(base + ".npz", **{f"x{i}": x for i, x in enumerate(xs)},
                 **{f"y{i}": y for i, y in enumerate(ys)})
        models[name] = model, xs, ys
    env = dict(os.environ, KERAS_BACKEND="jax")
    env.pop("PYTHONPATH", None)
    done = subprocess.run([KERAS_PYTHON, SCRIPT, str(tmp_path)], env=env, capture_output=True,
                          check=False, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text())
    for name, (model, xs, ys) in models.items():
        entry = report[name]
        assert "error" not in entry, entry["error"]
        for key in ("keras", "h5", "weights_h5", "legacy_weights_h5"):
            assert entry[key] <= 2e-5, (name, key, entry[key])
        back = load_model(tmp_path / f"{name}.from_keras.keras")
        np.testing.assert_allclose(back.predict(xs[0], verbose=0), ys[0], atol=2e-5, rtol=0)
