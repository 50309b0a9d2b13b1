"""Keras' own files: fixtures written by Keras 3.15 (tests/fixtures/keras, made by
make_fixtures.py) load with Keras' predictions; skdeep writes Keras' layouts;
the reader is chosen from the content; bad and hostile files fail clearly."""
import io
import json
import os
import shutil
import warnings
import zipfile

import h5py
import numpy as np
import pytest

from skdeep.nn import Input, Model, Sequential, load_model, optimizers
from skdeep.nn.formats import _h5
from skdeep.nn.formats.config_export import KerasExportError, keras_layers, keras_spec
from skdeep.nn.formats.config_translate import KerasFormatError
from skdeep.nn.formats.weights_h5 import keras_weight_groups
from skdeep.nn.layers import Add, Dense
from skdeep.nn.object_registry import LambdaRefusedError

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "keras")
NAMES = ["dense_bn_dropout", "conv_pool", "recurrent", "multi_io"]


def reference(name):
    data = np.load(os.path.join(FIXTURES, name + ".npz"))
    xs = [data[k] for k in sorted(k for k in data.files if k.startswith("x"))]
    ys = [data[k] for k in sorted(k for k in data.files if k.startswith("y"))]
    return xs, ys


def predictions(model, xs):
    out = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    return out if isinstance(out, list) else [out]


def assert_close(model, name):
    xs, ys = reference(name)
    for p, y in zip(predictions(model, xs), ys):
        np.testing.assert_allclose(p, y, atol=1e-5, rtol=0)


def fixture(name):
    return os.path.join(FIXTURES, name)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_keras_written_models_load_with_keras_predictions(name, ext):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = load_model(fixture(name + ext))
    assert_close(model, name)
    assert model.compiled


@pytest.mark.parametrize("name", ["dense_bn_dropout", "recurrent", "multi_io"])
def test_tf_keras_2_layout_loads(name):
    # converted from Keras 3's legacy files to tf.keras 2.15's layout by
    # make_tf_keras_fixtures.py (list inbound nodes, batch_input_shape, ':0' names)
    model = load_model(fixture(name + "_tf2.h5"))
    assert_close(model, name)
    fresh = load_model(fixture(name + ".keras"), compile=False)
    for w in fresh.weights:
        w.assign(np.zeros(w.shape))
    fresh.load_weights(fixture(name + "_tf2.h5"))
    assert_close(fresh, name)


@pytest.mark.parametrize("name", NAMES)
def test_keras_written_weights_files_load_into_the_same_architecture(name):
    model = load_model(fixture(name + ".keras"), compile=False)
    for w in model.weights:
        w.assign(np.zeros(w.shape))
    model.load_weights(fixture(name + ".weights.h5"))
    assert_close(model, name)
    for w in model.weights:
        w.assign(np.zeros(w.shape))
    model.load_weights(fixture(name + "_weights.h5"))  # legacy save_weights('w.h5')
    assert_close(model, name)
    model.load_weights(fixture(name + ".keras"))  # Keras' load_weights takes archives too
    assert_close(model, name)


def test_compile_config_and_optimizer_state_come_from_keras():
    model = load_model(fixture("dense_bn_dropout.keras"))
    assert isinstance(model.optimizer, optimizers.Adam)
    assert model.optimizer.iterations == 12  # 3 epochs of 4 batches in Keras
    assert model.metrics_names[:1] == ["loss"]
    cnn = load_model(fixture("conv_pool.keras"))
    assert isinstance(cnn.optimizer, optimizers.SGD)
    assert cnn.optimizer.momentum == pytest.approx(0.9)
    assert cnn.optimizer.learning_rate == pytest.approx(0.05)
    multi = load_model(fixture("multi_io.h5"))
    assert multi.output_names == ["reg", "cls"]
    assert [l.name for l in multi.layers if l.name in ("block", "sub")] == ["block", "sub"]


def test_reader_is_chosen_from_content_not_name(tmp_path):
    shutil.copy(fixture("recurrent.keras"), tmp_path / "model.bin")
    shutil.copy(fixture("recurrent.h5"), tmp_path / "model.keras")
    assert_close(load_model(tmp_path / "model.bin"), "recurrent")
    assert_close(load_model(tmp_path / "model.keras"), "recurrent")
    with open(fixture("conv_pool.keras"), "rb") as f:
        assert_close(load_model(io.BytesIO(f.read())), "conv_pool")


def test_weights_only_file_given_to_load_model_says_so():
    with pytest.raises(ValueError, match="holds only weights"):
        load_model(fixture("conv_pool.weights.h5"))
    with pytest.raises(ValueError, match="holds only weights"):
        load_model(fixture("conv_pool_weights.h5"))


def test_skdeep_writes_keras_layouts(tmp_path, rng):
    inp = Input((3,))
    model = Model(inp, Dense(2, name="out")(Dense(4, name="hidden")(inp)))
    model.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5", "r") as f:
        assert f["layers/dense/vars"].attrs["name"] == "hidden"
        np.testing.assert_array_equal(f["layers/dense_1/vars/0"][()], model.layers[2].get_weights()[0])
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        assert sorted(zf.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        config = json.loads(zf.read("config.json"))
    assert config["class_name"] == "Functional"
    assert [l["class_name"] for l in config["config"]["layers"]] == ["InputLayer", "Dense", "Dense"]
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        assert "model_config" in f.attrs
        assert _h5.attr_strings(f["model_weights"], "layer_names", "m.h5") == [
            model.layers[0].name, "hidden", "out"]
    x = rng.standard_normal((4, 3)).astype("float32")
    for name in ("m.keras", "m.h5"):
        np.testing.assert_array_equal(load_model(tmp_path / name).predict(x, verbose=0),
                                      model.predict(x, verbose=0))


def test_keras_layer_order_follows_keras_for_branches():
    # Keras orders layers by depth from the outputs; weight groups are named in that order
    inp = Input((4,))
    short = Dense(3, name="shortcut")(inp)
    long = Dense(3, name="b2")(Dense(3, name="b1")(inp))
    model = Model(inp, Dense(1, name="head")(Add()([short, long])))
    names = [l.name for l in keras_layers(model)]
    assert names.index("b1") < names.index("shortcut") < names.index("b2")
    paths = {name: path for path, name, _ in keras_weight_groups(model)}
    assert paths["b1"] == "layers/dense" and paths["shortcut"] == "layers/dense_1"


def _rewrite_config(src, dst, edit, moves=()):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "config.json":
                config = json.loads(data)
                edit(config)
                data = json.dumps(config).encode()
            elif name == "model.weights.h5" and moves:
                buf = io.BytesIO(data)
                with h5py.File(buf, "a") as f:
                    for old, new in moves:
                        f.move(old, new)
                data = buf.getvalue()
            zout.writestr(name, data)


def test_unknown_layer_class_is_named(tmp_path):
    def edit(config):
        config["config"]["layers"][1]["class_name"] = "FancyAttention"
        config["config"]["layers"][1]["registered_name"] = "my_pkg>FancyAttention"
        config["config"]["layers"][1]["module"] = "my_pkg.layers"

    _rewrite_config(fixture("dense_bn_dropout.keras"), tmp_path / "m.keras", edit)
    with pytest.raises(KerasFormatError, match="FancyAttention.*custom_objects"):
        load_model(tmp_path / "m.keras")


def test_registered_custom_layer_is_found_by_registered_name(tmp_path):
    class Twice(Dense):
        pass

    def edit(config):
        entry = config["config"]["layers"][1]
        entry.update(class_name="Twice", module="my_pkg", registered_name="my_pkg>Twice")

    # Keras names weight groups by class: the first Dense is now 'twice'
    _rewrite_config(fixture("dense_bn_dropout.keras"), tmp_path / "m.keras", edit,
                    moves=[("layers/dense", "layers/twice"), ("layers/dense_1", "layers/dense")])
    model = load_model(tmp_path / "m.keras", custom_objects={"my_pkg>Twice": Twice})
    assert type(model.layers[0]) is Twice
    assert_close(model, "dense_bn_dropout")


def test_unsupported_argument_is_refused_not_ignored(tmp_path):
    def edit(config):
        config["config"]["layers"][1]["config"]["lora_rank"] = 4

    _rewrite_config(fixture("dense_bn_dropout.keras"), tmp_path / "m.keras", edit)
    with pytest.raises(KerasFormatError, match="lora_rank=4"):
        load_model(tmp_path / "m.keras")


def test_lambda_bytecode_needs_safe_mode_false(tmp_path):
    def edit(config):
        config["config"]["layers"].insert(1, {
            "module": "keras.layers", "class_name": "Lambda", "registered_name": None,
            "config": {"name": "lam", "function": {"class_name": "__lambda__",
                                                   "config": {"code": "AAAA"}}}})

    _rewrite_config(fixture("dense_bn_dropout.keras"), tmp_path / "m.keras", edit)
    with pytest.raises(LambdaRefusedError, match="safe_mode=False"):
        load_model(tmp_path / "m.keras")


def test_hdf5_links_and_oversized_arrays_are_refused(tmp_path, monkeypatch):
    model = load_model(fixture("dense_bn_dropout.keras"), compile=False)
    path = tmp_path / "linked.weights.h5"
    shutil.copy(fixture("dense_bn_dropout.weights.h5"), path)
    with h5py.File(path, "a") as f:
        del f["layers/dense/vars/0"]
        f["layers/dense/vars/0"] = h5py.ExternalLink("/etc/passwd", "/x")
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match="ExternalLink"):
        model.load_weights(path)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)  # nothing half-loaded
    monkeypatch.setenv("SKDEEP_MAX_ARRAY_BYTES", "64")
    with pytest.raises(ValueError, match="SKDEEP_MAX_ARRAY_BYTES"):
        model.load_weights(fixture("dense_bn_dropout.weights.h5"))


def test_zip_bomb_member_is_refused(tmp_path):
    path = tmp_path / "bomb.keras"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("config.json", b" " * (8 << 20))
        zf.writestr("metadata.json", b"{}")
        zf.writestr("model.weights.h5", b"")
    with pytest.raises(ValueError, match="decompression bomb"):
        load_model(path)


def test_weights_file_for_another_architecture_changes_nothing():
    model = Sequential([Input((6,)), Dense(8), Dense(4)])
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"shape \(8, 4\) in the model but \(8, 3\)"):
        model.load_weights(fixture("dense_bn_dropout.weights.h5"))
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_skdeep_only_features_fail_at_keras_save(tmp_path, monkeypatch):
    # every skdeep layer and argument exists in Keras 3.15 today, so the check is shown
    # on a spec without them (as for a feature skdeep adds before Keras has it)
    spec = keras_spec()
    monkeypatch.setitem(spec["layers"], "Dense",
                        [a for a in spec["layers"]["Dense"] if a != "use_bias"])
    model = Sequential([Input((3,)), Dense(2, use_bias=False)])
    with pytest.raises(KerasExportError, match="use_bias=False.*'.skdeep'"):
        model.save(tmp_path / "bad.keras")
    assert not (tmp_path / "bad.keras").exists()
    monkeypatch.delitem(spec["layers"], "Dense")
    with pytest.raises(KerasExportError, match="Dense, which Keras does not have"):
        model.save(tmp_path / "bad.h5")
    model.save(tmp_path / "ok.skdeep")  # skdeep's own format holds everything
    assert load_model(tmp_path / "ok.skdeep").layers[0].use_bias is False


def test_compile_args_without_keras_names_warn_at_keras_save(tmp_path, monkeypatch):
    monkeypatch.delitem(keras_spec()["optimizers"], "Adagrad")
    model = Sequential([Input((3,)), Dense(1)])
    model.compile(optimizer="adagrad", loss="mse")
    with pytest.warns(UserWarning, match="without its compile arguments"):
        model.save(tmp_path / "m.keras")
    assert not load_model(tmp_path / "m.keras").compiled


def test_sniff_signatures():
    assert _h5.sniff(b"PK\x03\x04rest") == "zip"
    assert _h5.sniff(b"\x89HDF\r\n\x1a\nrest") == "hdf5"
    assert _h5.sniff(b"garbage!") is None


def test_config_asking_for_huge_weights_is_refused_before_allocating(tmp_path):
    def edit(config):
        config["config"]["layers"][1]["config"]["units"] = 10 ** 9  # 6e9 floats: 24 GB

    _rewrite_config(fixture("dense_bn_dropout.keras"), tmp_path / "m.keras", edit)
    with pytest.raises(ValueError, match="does not hold"):
        load_model(tmp_path / "m.keras")
