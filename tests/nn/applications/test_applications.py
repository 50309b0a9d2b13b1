"""skdeep.nn.applications against Keras 3.15: the layer listing (names,
classes, output shapes, parameter counts, inbound layers, weight shapes, in
``model.layers`` order) that ``tests/fixtures/applications/make_listing.py``
wrote from Keras; preprocessing and decoding; weight loading arguments."""
import json
import os

import numpy as np
import pytest

from skdeep.nn import Model, applications
from skdeep.nn.applications import imagenet_utils
from skdeep.nn.layers import Dense

LISTING = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "applications",
                       "keras_listing.json")


@pytest.fixture(scope="module")
def listing():
    with open(LISTING) as f:
        return json.load(f)


def _rows(model):
    rows = []
    for layer in model.layers:
        name = "<input>" if type(layer).__name__ == "InputLayer" else layer.name
        inbound = []
        for node in layer._inbound_nodes[:1]:
            for t in node.inputs:
                src = t.node.layer
                inbound.append("<input>" if type(src).__name__ == "InputLayer" else src.name)
        rows.append([name, type(layer).__name__, list(layer.output_shape[1:]),
                     layer.count_params(), inbound, [list(w.shape) for w in layer.weights]])
    return rows


@pytest.mark.parametrize("name, build", [
    ("ResNet50", lambda: applications.ResNet50(weights=None)),
    ("MobileNetV2", lambda: applications.MobileNetV2(weights=None)),
])
def test_architecture_equals_keras(listing, name, build):
    from skdeep.nn import backend

    backend.clear_session()  # default names (global_average_pooling2d) as in a fresh Keras
    model = build()
    ref = listing[name]
    assert model.name == ref["name"]
    assert model.count_params() == ref["params"]
    assert _rows(model) == ref["layers"]


def test_resnet50_parameter_count():
    assert applications.ResNet50(weights=None).count_params() == 25_636_712


@pytest.mark.parametrize("name, base_layers", [("VGG16", 19), ("VGG19", 22)])
def test_vgg_equals_keras(listing, name, base_layers):
    # the 224x224 top (fc1 alone is 102.8M weights) is checked on a 32x32 input
    ref = listing[name]
    build = getattr(applications, name)
    base = build(weights=None, include_top=False)
    assert base.name == ref["name"]
    assert _rows(base) == ref["layers"][:base_layers]
    top = build(weights=None, input_shape=(32, 32, 3))
    rows = _rows(top)
    assert [row[:2] + row[4:5] for row in rows] == [row[:2] + row[4:5] for row in
                                                   ref["layers"]]
    assert rows[base_layers + 1:] == [["fc1", "Dense", [4096], 512 * 4096 + 4096, ["flatten"],
                                       [[512, 4096], [4096]]]] + ref["layers"][base_layers + 2:]
    assert top.count_params() + (7 * 7 - 1) * 512 * 4096 == ref["params"]
    small = build(weights=None, input_shape=(32, 32, 3), classes=7)
    assert small.output_shape == (None, 7)
    assert small.get_layer("fc1").kernel.shape == (512, 4096)


@pytest.mark.parametrize("pooling, shape", [(None, (None, 1, 1, 2048)), ("avg", (None, 2048)),
                                            ("max", (None, 2048))])
def test_resnet50_without_top_and_pooling(pooling, shape):
    base = applications.ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3),
                                 pooling=pooling)
    assert base.output_shape == shape


def test_mobilenet_v2_alpha_and_name():
    model = applications.MobileNetV2(weights=None, alpha=0.5, input_shape=(96, 96, 3),
                                     include_top=False)
    assert model.name == "mobilenetv2_0.50_96"
    assert model.get_layer("Conv1").filters == 16
    assert model.output_shape == (None, 3, 3, 1280)


def test_fine_tuning_a_frozen_base_keeps_batchnorm_statistics():
    base = applications.MobileNetV2(weights=None, include_top=False, input_shape=(32, 32, 3),
                                    pooling="avg")
    base.trainable = False
    from skdeep.nn import Input

    inputs = Input(shape=(32, 32, 3))
    outputs = Dense(2, activation="softmax")(base(inputs, training=False))
    model = Model(inputs, outputs)
    model.compile("adam", "sparse_categorical_crossentropy")
    before = [w.copy() for w in base.get_weights()]
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (8, 32, 32, 3)).astype("float32")
    model.fit(applications.mobilenet_v2.preprocess_input(x), rng.integers(0, 2, 8), epochs=1,
              batch_size=4, verbose=0)
    after = base.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(before, after))


def test_preprocess_input_modes_match_keras_formulas():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (2, 4, 4, 3))
    np.testing.assert_allclose(applications.mobilenet_v2.preprocess_input(x), x / 127.5 - 1)
    caffe = x[..., ::-1] - np.array([103.939, 116.779, 123.68])
    np.testing.assert_allclose(applications.resnet50.preprocess_input(x), caffe)
    np.testing.assert_allclose(applications.vgg16.preprocess_input(x), caffe)
    np.testing.assert_allclose(applications.vgg19.preprocess_input(x), caffe)
    torch_mode = (x / 255 - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]
    np.testing.assert_allclose(imagenet_utils.preprocess_input(x, mode="torch"), torch_mode)
    first = imagenet_utils.preprocess_input(np.moveaxis(x, -1, 1), data_format="channels_first",
                                            mode="caffe")
    np.testing.assert_allclose(np.moveaxis(first, 1, -1), caffe)
    original = x.copy()
    applications.resnet50.preprocess_input(x)
    assert np.array_equal(x, original)  # the caller's array is left alone
    ints = applications.resnet50.preprocess_input(np.full((1, 2, 2, 3), 200, dtype=np.uint8))
    assert ints.dtype == np.float32
    with pytest.raises(ValueError, match="3 colour channels"):
        applications.resnet50.preprocess_input(np.zeros((1, 2, 2, 4)))
    with pytest.raises(ValueError, match="mode"):
        imagenet_utils.preprocess_input(x, mode="keras")


def test_decode_predictions_uses_keras_class_index():
    preds = np.zeros((2, 1000))
    preds[0, [0, 1, 2]] = [0.1, 0.7, 0.2]
    preds[1, 999] = 1.0
    top = applications.resnet50.decode_predictions(preds, top=3)
    assert [row[:2] for row in top[0]] == [("n01443537", "goldfish"),
                                           ("n01484850", "great_white_shark"),
                                           ("n01440764", "tench")]
    assert top[0][0][2] == pytest.approx(0.7)
    assert top[1][0][:2] == ("n15075141", "toilet_tissue")
    with pytest.raises(ValueError, match=r"\(samples, 1000\)"):
        imagenet_utils.decode_predictions(np.zeros((2, 10)))


def test_imagenet_weights_are_looked_up_never_downloaded(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="resnet50_weights_tf_dim_ordering_tf_kernels_notop"
                                                ".h5") as info:
        applications.ResNet50(include_top=False, input_shape=(32, 32, 3))
    assert str(tmp_path / "models") in str(info.value)
    for build, file in ((applications.VGG19, "vgg19_weights_tf_dim_ordering_tf_kernels.h5"),
                        (applications.VGG16, "vgg16_weights_tf_dim_ordering_tf_kernels.h5")):
        with pytest.raises(FileNotFoundError, match="downloads nothing") as info:
            build()
        assert file in str(info.value) and str(tmp_path / "models") in str(info.value)


def test_argument_errors():
    with pytest.raises(ValueError, match="classes should be 1000"):
        applications.ResNet50(classes=10)
    with pytest.raises(ValueError, match="input_shape should be"):
        applications.VGG16(input_shape=(64, 64, 3))
    with pytest.raises(ValueError, match="input_shape should be"):
        applications.VGG19(input_shape=(64, 64, 3))
    with pytest.raises(ValueError, match="classes should be 1000"):
        applications.VGG19(classes=10)
    with pytest.raises(ValueError, match="at least 32x32"):
        applications.ResNet50(weights=None, include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="weights"):
        applications.ResNet50(weights="/no/such/file.h5")
    with pytest.raises(ValueError, match="alpha must be one of"):
        applications.MobileNetV2(alpha=0.9)


def test_weights_from_a_file_written_by_skdeep(tmp_path):
    model = applications.MobileNetV2(weights=None, alpha=0.35, input_shape=(32, 32, 3),
                                     classes=3)
    path = str(tmp_path / "mnv2.weights.h5")
    model.save_weights(path)
    again = applications.MobileNetV2(weights=path, alpha=0.35, input_shape=(32, 32, 3),
                                     classes=3)
    x = np.random.default_rng(0).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
