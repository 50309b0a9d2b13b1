"""The endpoint-layer pattern of Keras' training guide: a custom layer whose
``call(self, targets, logits, sample_weights=None)`` takes several tensors and
adds its loss with ``add_loss``; the model has two Inputs, is compiled without
a loss and fit on a dict without y. The loss must be trained (its gradient is
checked against central differences through the trainer)."""
import os
import subprocess

import numpy as np
import pytest

from skdeep.nn import Input, Model, backend, load_model, losses, ops, optimizers, saving
from skdeep.nn.layers import Dense, Dropout, Layer
from skdeep.nn.testing import check_model_gradients
from skdeep.nn.utils import set_random_seed


@saving.register_keras_serializable(package="EndpointTests")
class LogisticEndpoint(Layer):
    def __init__(self, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.loss_fn = losses.BinaryCrossentropy(from_logits=True)

    def call(self, targets, logits, sample_weights=None):
        loss = self.loss_fn(targets, logits, sample_weights)
        self.add_loss(loss)
        return ops.softmax(logits)


def _bce_from_logits(z, t, w=None):
    per = np.mean(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z))), axis=-1)
    return per.mean() if w is None else (per * w.reshape(-1)).sum() / per.size


def _model(with_weights=False):
    inputs = Input(shape=(3,), name="inputs")
    targets = Input(shape=(10,), name="targets")
    logits = Dense(10, name="logits")(inputs)
    extra = []
    if with_weights:
        weights = Input(shape=(1,), name="weights")
        predictions = LogisticEndpoint(name="predictions")(targets, logits, weights)
        extra = [weights]
    else:
        predictions = LogisticEndpoint(name="predictions")(targets, logits)
    model = Model(inputs=[inputs, targets] + extra, outputs=predictions)
    model.compile(optimizer="adam")  # no loss
    return model


def _data(n=8, seed=0, with_weights=False):
    rng = np.random.default_rng(seed)
    data = {"inputs": rng.random((n, 3)), "targets": (rng.random((n, 10)) > 0.5) * 1.0}
    if with_weights:
        data["weights"] = rng.uniform(0.2, 2.0, (n, 1))
    return data


@pytest.mark.parametrize("with_weights", [False, True])
def test_the_add_loss_gradient_matches_central_differences(with_weights):
    set_random_seed(0)
    with backend.floatx_scope("float64"):
        model = _model(with_weights)
    data = _data(with_weights=with_weights)
    check_model_gradients(model, data, None)  # the trainer's loss: add_loss only
    kernel, bias = model.get_layer("logits").get_weights()
    z = data["inputs"] @ kernel + bias
    expected = _bce_from_logits(z, data["targets"], data.get("weights"))
    assert model.evaluate(data, verbose=0) == pytest.approx(expected, rel=1e-10)
    assert expected > 0.1  # the checked objective is not a constant


def test_fit_on_a_dict_without_y_trains_the_added_loss():
    set_random_seed(0)
    model = _model()
    model.compile(optimizer=optimizers.Adam(0.05))
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 3))
    data = {"inputs": x, "targets": (x @ rng.standard_normal((3, 10)) > 0) * 1.0}
    history = model.fit(data, epochs=20, batch_size=16, verbose=0)
    loss = history.history["loss"]
    assert loss[-1] < 0.6 * loss[0]
    kernel, bias = model.get_layer("logits").get_weights()
    z = data["inputs"] @ kernel + bias
    assert model.evaluate(data, verbose=0) == pytest.approx(
        _bce_from_logits(z, data["targets"]), rel=1e-5)
    np.testing.assert_allclose(model.predict(data, verbose=0),
                               np.exp(z) / np.exp(z).sum(-1, keepdims=True), rtol=1e-5)


def test_the_call_gets_each_tensor_by_its_parameter():
    seen = {}

    class Probe(Layer):
        def build(self, targets_shape, logits_shape, scale_shape):
            seen["build"] = (targets_shape, logits_shape, scale_shape)

        def call(self, targets, logits, scale=None, training=None):
            seen["call"] = (tuple(targets.shape), tuple(logits.shape), tuple(scale.shape),
                            training)
            return logits * scale + targets

    a, b, c = Input((2,)), Input((2,)), Input((1,))
    out = Probe()(a, b, scale=c)
    assert out.shape == (None, 2)
    assert seen["build"] == ((None, 2), (None, 2), (None, 1))
    model = Model([a, b, c], out)
    x = [np.ones((3, 2)), np.full((3, 2), 2.0), np.full((3, 1), 3.0)]
    np.testing.assert_allclose(model.predict(x, verbose=0), 7.0)
    assert seen["call"] == ((3, 2), (3, 2), (3, 1), False)


def test_a_one_argument_build_gets_the_first_shape_and_eager_calls_work():
    class Scaled(Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

        def call(self, x, y):
            return x * self.w + y

    layer = Scaled()
    out = layer(np.ones((2, 3)), np.full((2, 3), 2.0))
    assert layer.w.shape == (3,)
    np.testing.assert_allclose(out, 3.0)
    endpoint = LogisticEndpoint()
    t, z = np.array([[1.0, 0.0]]), np.array([[0.5, -1.0]])
    np.testing.assert_allclose(endpoint(t, z), np.exp(z) / np.exp(z).sum())
    assert float(endpoint.losses[0]) == pytest.approx(_bce_from_logits(z, t))


def test_positional_training_of_other_layers_still_works():
    x = np.ones((200, 10), "float32")
    assert (Dropout(0.5)(x, True) == 0).any()
    assert (Dropout(0.5)(x, False) == 1).all()

    class Noisy(Layer):
        def call(self, inputs, training=None):
            return inputs + (1.0 if training else 0.0)

    np.testing.assert_allclose(Noisy()(x, True), 2.0)


def test_bad_calls_fail_clearly():
    with pytest.raises(TypeError, match="4 positional arguments given; call.. takes 3"):
        LogisticEndpoint()(Input((2,)), Input((2,)), Input((1,)), Input((1,)))

    class Varargs(Layer):
        def call(self, x, *rest):
            return x

    with pytest.raises(TypeError, match="name the parameters"):
        Varargs()(Input((2,)), Input((2,)))


@pytest.mark.parametrize("ext", ["skdeep", "keras"])
def test_the_endpoint_model_saves_and_loads(tmp_path, ext):
    set_random_seed(0)
    model = _model(with_weights=True)
    data = _data(with_weights=True)
    model.fit(data, epochs=2, verbose=0)
    path = str(tmp_path / f"model.{ext}")
    model.save(path)
    loaded = load_model(path)
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0),
                               rtol=1e-6)
    assert loaded.evaluate(data, verbose=0) == pytest.approx(model.evaluate(data, verbose=0),
                                                             rel=1e-6)
    loaded.fit(data, epochs=1, verbose=0)  # trains on


KERAS_PYTHON = os.environ.get("SKDEEP_KERAS_PYTHON")
_KERAS_SIDE = """
import os, sys
os.environ.setdefault("KERAS_BACKEND", "numpy")
import keras, numpy as np
from keras import ops
@keras.saving.register_keras_serializable(package="EndpointTests")
class LogisticEndpoint(keras.layers.Layer):
    def __init__(self, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
    def call(self, targets, logits, sample_weights=None):
        self.add_loss(self.loss_fn(targets, logits, sample_weights))
        return ops.softmax(logits)
folder = sys.argv[1]
data = dict(np.load(os.path.join(folder, "data.npz")))
model = keras.saving.load_model(os.path.join(folder, "model.keras"))
print(float(np.max(np.abs(model.predict(data, verbose=0) - np.load(os.path.join(folder, "p.npy"))))))
print(float(model.evaluate(data, verbose=0)))
model.save(os.path.join(folder, "from_keras.keras"))
"""


@pytest.mark.skipif(not KERAS_PYTHON or not os.path.exists(KERAS_PYTHON),
                    reason="set SKDEEP_KERAS_PYTHON to a Python with Keras 3")
def test_keras_runs_the_saved_endpoint_model_and_skdeep_reads_its_file(tmp_path):
    set_random_seed(0)
    model = _model(with_weights=True)
    data = {k: v.astype("float32") for k, v in _data(with_weights=True).items()}
    np.savez(tmp_path / "data.npz", **data)
    p = model.predict(data, verbose=0)
    np.save(tmp_path / "p.npy", p)
    model.save(str(tmp_path / "model.keras"))
    out = subprocess.run([KERAS_PYTHON, "-c", _KERAS_SIDE, str(tmp_path)], capture_output=True,
                         text=True, timeout=300, env=dict(os.environ, KERAS_BACKEND="numpy"),
                         cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr[-3000:]
    diff, keras_loss = map(float, out.stdout.strip().splitlines()[-2:])
    assert diff < 1e-6
    assert keras_loss == pytest.approx(model.evaluate(data, verbose=0), rel=1e-5)
    back = load_model(str(tmp_path / "from_keras.keras"))
    np.testing.assert_allclose(back.predict(data, verbose=0), p, rtol=1e-6)
    assert isinstance(back.get_layer("predictions"), LogisticEndpoint)
