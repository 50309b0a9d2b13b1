"""Custom activation functions (Keras' ``Dense(..., activation=custom_fn)``):
run on the ops tape inside the fused layers, trained by fit, and saved and
loaded through ``custom_objects`` / ``register_keras_serializable`` as Keras
does. The float64 gradient checks are rows of tests/nn/layer_cases.py
(``dense-custom-activation``, ``Conv1D-custom-activation``...)."""
import os
import subprocess
import sys

import numpy as np
import pytest

from skdeep.nn import (Input, Model, Sequential, activations, load_model, ops, optimizers,
                       saving)
from skdeep.nn.layers import GRU, Activation, Conv2D, Dense, Flatten, SimpleRNN
from skdeep.nn.utils import set_random_seed


def custom_activation(x):
    return ops.tanh(x) ** 2


@saving.register_keras_serializable(package="activation_tests", name="custom_fn")
def custom_fn(x):
    return x ** 2


def _tanh_squared(z):
    return np.tanh(z) ** 2


def test_the_layer_keeps_the_function_and_computes_it():
    layer = Dense(3, activation=custom_activation)
    assert layer.activation is custom_activation  # as in Keras
    x = np.random.default_rng(0).standard_normal((4, 5)).astype("float32")
    y = layer(x)
    expected = _tanh_squared(x @ layer.kernel.numpy() + layer.bias.numpy())
    np.testing.assert_allclose(y, expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(Activation(custom_activation)(x), _tanh_squared(x), rtol=1e-6)


def test_conv_with_a_custom_activation_computes_it():
    set_random_seed(0)
    x = np.random.default_rng(1).standard_normal((2, 5, 5, 3)).astype("float32")
    custom = Conv2D(4, 3, activation=custom_activation)
    plain = Conv2D(4, 3)
    plain.build(x.shape)
    custom.build(x.shape)
    plain.set_weights(custom.get_weights())
    np.testing.assert_allclose(custom(x), _tanh_squared(plain(x)), rtol=1e-5, atol=1e-6)


def test_fit_trains_through_the_custom_activation():
    set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((128, 4)).astype("float32")
    y = (np.abs(x[:, :2]).sum(1, keepdims=True) > 1.2).astype("float32")
    model = Sequential([Input((4,)), Dense(16, activation=custom_activation), Flatten(),
                        Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizers.Adam(0.02), loss="binary_crossentropy")
    history = model.fit(x, y, epochs=20, batch_size=32, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.7 * losses[0]
    hidden = _tanh_squared(x @ model.layers[0].kernel.numpy() + model.layers[0].bias.numpy())
    logits = hidden @ model.layers[2].kernel.numpy() + model.layers[2].bias.numpy()
    np.testing.assert_allclose(model.predict(x, verbose=0), 1 / (1 + np.exp(-logits)),
                               rtol=1e-5, atol=1e-6)


def custom_tanh(x):
    return ops.tanh(x)


def test_fit_with_a_custom_function_matches_fit_with_the_builtin_it_equals():
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((64, 5)), rng.standard_normal((64, 2))
    trained = []
    for act in (custom_tanh, "tanh"):
        set_random_seed(0)
        model = Sequential([Input((5,)), Dense(6, activation=act), Dense(2, activation=act)])
        model.compile(optimizer="sgd", loss="mse")
        model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0)
        trained.append(model.get_weights())
    for a, b in zip(*trained):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def sigmoid(x):  # a custom function with a built-in's name: must not be fused as one
    return ops.sigmoid(2.0 * x)


def test_a_custom_function_named_like_a_builtin_is_not_fused_into_the_loss():
    set_random_seed(0)
    x = np.random.default_rng(0).standard_normal((16, 3))
    y = (x[:, :1] > 0).astype("float64")
    model = Sequential([Input((3,)), Dense(1, activation=sigmoid)])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    p = np.clip(model.predict(x, verbose=0), 1e-7, 1 - 1e-7)
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-2 * (x @ model.layers[0].kernel.numpy()
                                                        + model.layers[0].bias.numpy()))),
                               rtol=1e-5)
    bce = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert model.evaluate(x, y, verbose=0) == pytest.approx(bce, rel=1e-4)


def test_config_is_keras_custom_function_entry():
    assert Dense(2, activation=custom_activation).get_config()["activation"] == {
        "module": "builtins", "class_name": "function", "config": "custom_activation",
        "registered_name": "function"}
    assert Dense(2, activation=custom_fn).get_config()["activation"]["config"] == \
        "activation_tests>custom_fn"
    assert Dense(2, activation="relu").get_config()["activation"] == "relu"


def test_get_resolves_a_config_through_custom_objects_and_the_registry():
    config = activations.serialize(custom_activation)
    with pytest.raises(ValueError, match="custom_objects"):
        activations.get(config)
    with saving.custom_object_scope({"custom_activation": custom_activation}):
        assert activations.get(config) is custom_activation
    assert activations.get(activations.serialize(custom_fn)) is custom_fn
    # a name saved without its package (Keras <= 3.6) finds the registered function
    assert activations.get({"module": "builtins", "class_name": "function",
                            "config": "custom_fn", "registered_name": "function"}) is custom_fn
    assert activations.get({"module": "keras.activations", "class_name": "function",
                            "config": "tanh", "registered_name": "function"}) is activations.tanh


def _model():
    set_random_seed(0)
    inputs = Input((4,))
    hidden = Dense(5, activation=custom_activation)(inputs)
    model = Model(inputs, Dense(2, activation=custom_fn)(hidden))
    model.compile(optimizer="rmsprop", loss="mse")
    return model


@pytest.mark.parametrize("ext", ["keras", "h5", "skdeep"])
def test_save_and_load_need_the_unregistered_function_passed(tmp_path, ext):
    model = _model()
    x = np.random.default_rng(0).random((3, 4)).astype("float32")
    path = str(tmp_path / f"model.{ext}")
    model.save(path)
    with pytest.raises(ValueError, match="custom_activation"):
        load_model(path)
    loaded = load_model(path, custom_objects={"custom_activation": custom_activation})
    assert loaded.layers[1].activation is custom_activation
    assert loaded.layers[2].activation is custom_fn
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    with saving.custom_object_scope({"custom_activation": custom_activation}):
        scoped = load_model(path)
    np.testing.assert_allclose(scoped.predict(x, verbose=0), model.predict(x, verbose=0))


def test_a_lambda_activation_is_saved_as_code_and_needs_safe_mode_off(tmp_path):
    model = Sequential([Input((3,)), Dense(2, activation=lambda t: ops.tanh(t) * 0.5)])
    x = np.ones((2, 3), "float32")
    path = str(tmp_path / "model.skdeep")
    model.save(path)
    with pytest.raises(ValueError, match="safe_mode=False"):
        load_model(path)
    loaded = load_model(path, safe_mode=False)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_a_function_that_leaves_the_ops_fails_clearly():
    def through_numpy(x):
        return np.asarray(x).clip(0, 1)

    def reshaping(x):
        return ops.sum(x, axis=-1, keepdims=True)

    x = np.ones((2, 3), "float32")
    with pytest.raises(ValueError, match="through_numpy.*skdeep.nn.ops"):
        Dense(2, activation=through_numpy)(x)
    with pytest.raises(ValueError, match="reshaping.*shape"):
        Dense(2, activation=reshaping)(x)


@pytest.mark.parametrize("layer", [SimpleRNN, GRU])
def test_recurrent_layers_refuse_custom_functions_clearly(layer):
    with pytest.raises(ValueError, match="custom_activation.*built-in"):
        layer(3, activation=custom_activation)


def test_an_unusable_identifier_is_refused():
    with pytest.raises(ValueError, match="Could not interpret activation"):
        activations.get(3)
    with pytest.raises(ValueError, match="Unknown activation 'relu7'"):
        Dense(2, activation="relu7")


KERAS_PYTHON = os.environ.get("SKDEEP_KERAS_PYTHON")
_KERAS_SIDE = """
import os, sys
os.environ.setdefault("KERAS_BACKEND", "numpy")
import keras, numpy as np
@keras.saving.register_keras_serializable(package="activation_tests", name="custom_fn")
def custom_fn(x):
    return x ** 2
def custom_activation(x):
    return keras.ops.tanh(x) ** 2
folder = sys.argv[1]
x = np.load(os.path.join(folder, "x.npy"))
model = keras.saving.load_model(os.path.join(folder, "model.keras"),
                                custom_objects={"custom_activation": custom_activation})
print(float(np.max(np.abs(model.predict(x, verbose=0) - np.load(os.path.join(folder, "y.npy"))))))
model.save(os.path.join(folder, "from_keras.keras"))
"""


@pytest.mark.skipif(not KERAS_PYTHON or not os.path.exists(KERAS_PYTHON),
                    reason="set SKDEEP_KERAS_PYTHON to a Python with Keras 3")
def test_keras_loads_the_custom_activation_model_and_skdeep_reads_its_file(tmp_path):
    model = _model()
    x = np.random.default_rng(0).random((3, 4)).astype("float32")
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", model.predict(x, verbose=0))
    model.save(str(tmp_path / "model.keras"))
    out = subprocess.run([KERAS_PYTHON, "-c", _KERAS_SIDE, str(tmp_path)], capture_output=True,
                         text=True, timeout=300, env=dict(os.environ, KERAS_BACKEND="numpy"),
                         cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr[-3000:]
    assert float(out.stdout.strip().splitlines()[-1]) < 1e-5
    back = load_model(str(tmp_path / "from_keras.keras"),
                      custom_objects={"custom_activation": custom_activation})
    np.testing.assert_allclose(back.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
