"""Model.to_json writes Keras 3's JSON (config.json of a .keras file) and
models.model_from_json reads it, JSON written by real Keras 3.15.1
(fixtures/make_keras_json.py), Keras 2's form and skdeep's older form."""
import json
import os
import subprocess
import warnings

import numpy as np
import pytest

import skdeep.nn as keras
from skdeep.nn import layers
from skdeep.nn.formats.config_export import keras_config
from skdeep.nn.models import model_from_json
from skdeep.nn.saving import model_to_config

with open(os.path.join(os.path.dirname(__file__), "fixtures", "keras_json.json")) as f:
    FIXTURE = json.load(f)
KERAS_PYTHON = os.environ.get("SKDEEP_KERAS_PYTHON")


def _models():
    rng = np.random.default_rng(1)
    seq = keras.Sequential([keras.Input((4,)), layers.Dense(5, activation="relu", name="h"),
                            layers.BatchNormalization(name="bn"),
                            layers.Dense(3, activation="softmax", name="out")], name="seq")
    seq.compile(optimizer=keras.optimizers.Adam(0.01), loss="categorical_crossentropy",
                metrics=["accuracy"])
    a, b = keras.Input((5, 3), name="seq_in"), keras.Input((2,), name="side")
    h = layers.Concatenate(name="cat")([layers.GRU(4, name="gru")(a), b])
    two = keras.Model([a, b], layers.Dense(1, name="out")(h), name="two_in")
    for model in (seq, two):
        model.set_weights([rng.normal(size=w.shape).astype("float32") if "variance" not in
                           w.path else rng.uniform(0.5, 1.5, w.shape).astype("float32")
                           for w in model.weights])
    return [(seq, rng.normal(size=(6, 4)).astype("float32")),
            (two, [rng.normal(size=(3, 5, 3)).astype("float32"),
                   rng.normal(size=(3, 2)).astype("float32")])]


@pytest.mark.parametrize("index", [0, 1])
def test_to_json_is_keras_config_and_round_trips(index):
    model, x = _models()[index]
    text = model.to_json()
    config = json.loads(text)
    compile_config = config.pop("compile_config", None)
    assert config == keras_config(model)  # what save('m.keras') writes in config.json
    keras_header = {json.loads(c["json"])["class_name"]: (json.loads(c["json"])["module"],
                                                          json.loads(c["json"])["registered_name"])
                    for c in FIXTURE["cases"]}  # what Keras writes for the same class
    assert (config["module"], config["registered_name"]) == keras_header[config["class_name"]]
    assert (compile_config is not None) == model.compiled
    back = model_from_json(text)
    assert back.name == model.name and back.compiled == model.compiled
    if model.compiled:
        assert type(back.optimizer).__name__ == "Adam"
        assert back.optimizer.learning_rate == pytest.approx(0.01)
    back.set_weights(model.get_weights())
    np.testing.assert_array_equal(back.predict(x, verbose=0), model.predict(x, verbose=0))
    assert json.loads(model.to_json(indent=2)) == json.loads(text)  # kwargs go to json.dumps


@pytest.mark.parametrize("case", FIXTURE["cases"], ids=lambda c: c["name"])
def test_reads_json_written_by_keras(case):
    model = model_from_json(case["json"])
    keras_model = json.loads(case["json"])
    assert model.name == keras_model["config"]["name"]
    assert model.compiled == bool(keras_model.get("compile_config"))
    model.set_weights([np.asarray(w, "float32") for w in case["weights"]])
    x = case["x"]
    x = [np.asarray(a, "float32") for a in x] if case["name"] == "functional" else \
        np.asarray(x, "float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), case["predictions"], rtol=1e-5,
                               atol=1e-6)
    again = json.loads(model.to_json())
    assert [entry["class_name"] for entry in again["config"]["layers"]] == \
        [entry["class_name"] for entry in keras_model["config"]["layers"]]


def test_reads_skdeep_older_form_and_keras_2_form():
    model, x = _models()[1]
    old = json.dumps(model_to_config(model))
    back = model_from_json(old)
    back.set_weights(model.get_weights())
    np.testing.assert_array_equal(back.predict(x, verbose=0), model.predict(x, verbose=0))
    seq = keras.Sequential([keras.Input((3,)), layers.Dense(2, name="d")], name="k2")
    keras2 = {"class_name": "Sequential", "keras_version": "2.15.0", "backend": "tensorflow",
              "config": {"name": "k2", "layers": [
                  {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 3],
                                                          "dtype": "float32", "name": "in"}},
                  {"class_name": "Dense", "config": {"name": "d", "units": 2,
                                                     "activation": "linear"}}]}}
    back = model_from_json(json.dumps(keras2))
    assert back.output_shape == seq.output_shape and back.get_layer("d").units == 2


def test_unbuilt_sequential_and_models_keras_cannot_express():
    unbuilt = keras.Sequential([layers.Dense(2, name="d")], name="u")
    config = json.loads(unbuilt.to_json())
    assert config["class_name"] == "Sequential" and "build_config" not in config
    assert model_from_json(unbuilt.to_json()).get_layer("d").units == 2

    class Twice(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.d = layers.Dense(2)

        def call(self, x):
            return self.d(x) * 2

    sub = Twice()
    sub(np.ones((1, 3), "float32"))
    with pytest.warns(UserWarning, match="skdeep's own JSON form"):
        text = sub.to_json()
    assert "module" not in json.loads(text)


def test_bad_json_is_refused():
    with pytest.raises(ValueError, match="not valid JSON"):
        model_from_json("{not json")
    with pytest.raises(ValueError, match="JSON text"):
        model_from_json(42)
    with pytest.raises(ValueError):
        model_from_json(json.dumps({"module": "keras", "class_name": "Nope", "config": {}}))


@pytest.mark.skipif(not KERAS_PYTHON or not os.path.exists(KERAS_PYTHON),
                    reason="set SKDEEP_KERAS_PYTHON to a Python with Keras 3")
def test_keras_reads_skdeep_json(tmp_path):
    model, x = _models()[1]
    (tmp_path / "model.json").write_text(model.to_json())
    np.savez(tmp_path / "data.npz", *model.get_weights(), x0=x[0], x1=x[1],
             y=model.predict(x, verbose=0))
    script = (
        "import sys, numpy as np, keras\n"
        "d = sys.argv[1]\n"
        "m = keras.models.model_from_json(open(d + '/model.json').read())\n"
        "z = np.load(d + '/data.npz')\n"
        "m.set_weights([z[f'arr_{i}'] for i in range(len(m.weights))])\n"
        "y = np.asarray(m.predict([z['x0'], z['x1']], verbose=0))\n"
        "print(float(np.abs(y - z['y']).max()))\n")
    env = dict(os.environ, KERAS_BACKEND="numpy")
    env.pop("PYTHONPATH", None)
    done = subprocess.run([KERAS_PYTHON, "-c", script, str(tmp_path)], env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert float(done.stdout.strip().splitlines()[-1]) <= 1e-5


def test_to_json_keeps_no_warning_for_exportable_models():
    model, _ = _models()[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.to_json()
