"""Saving and loading: round trips, optimizer state, weights files, bad files,
atomic writes, pickling, and a config round trip for every exported layer."""
import copy
import io
import json
import os
import pickle
import pickletools
import zipfile

import numpy as np
import pytest

from skdeep.nn.layers import serialization as layer_serialization
from skdeep.nn import Input, Model, Sequential, layers as layers_module, load_model, losses, ops, \
    metrics, optimizers, saving
from skdeep.nn.layers import (Add, BatchNormalization, Concatenate, Dense, Dropout, Flatten,
                              Layer, Reshape)
from skdeep.nn.utils import set_random_seed


def assert_same_predictions(a, b, x):
    pa, pb = a.predict(x, verbose=0), b.predict(x, verbose=0)
    for p, q in zip(pa if isinstance(pa, list) else [pa], pb if isinstance(pb, list) else [pb]):
        np.testing.assert_array_equal(p, q)


def assert_same_weights(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    assert len(wa) == len(wb)
    for p, q in zip(wa, wb):
        np.testing.assert_array_equal(p, q)


def sequential(seed=0):
    set_random_seed(seed)
    return Sequential([Dense(8, activation="relu", input_shape=(4,)), BatchNormalization(),
                       Dropout(0.1), Dense(3, activation="softmax")])


def functional(seed=0):
    """Two inputs, two outputs, a shared layer and a nested Sequential."""
    set_random_seed(seed)
    a, b = Input(shape=(4,), name="a"), Input(shape=(2,), name="b")
    shared = Dense(5, activation="tanh", name="shared")
    block = Sequential([Dense(6, activation="relu", input_shape=(5,)), Dense(5)], name="block")
    ha, hb = shared(a), shared(Dense(4, name="lift")(b))
    merged = Concatenate(name="merge")([block(ha), hb])
    out1 = Dense(1, name="reg")(Add(name="sum")([ha, hb]))
    out2 = Dense(3, activation="softmax", name="cls")(merged)
    return Model([a, b], [out1, out2], name="two_in_two_out")


@pytest.fixture
def xy(rng):
    x = rng.standard_normal((24, 4)).astype("float32")
    return x, rng.integers(0, 3, 24)


@pytest.fixture
def multi(rng):
    xs = [rng.standard_normal((24, 4)).astype("float32"),
          rng.standard_normal((24, 2)).astype("float32")]
    ys = [rng.standard_normal((24, 1)).astype("float32"), rng.integers(0, 3, 24)]
    return xs, ys


# ---------------------------------------------------------------------------- round trips
def test_sequential_round_trip(tmp_path, xy):
    x, y = xy
    model = sequential()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras")
    assert type(loaded) is Sequential and loaded.name == model.name
    assert [l.name for l in loaded.layers] == [l.name for l in model.layers]
    assert [type(l) for l in loaded.layers] == [type(l) for l in model.layers]
    assert_same_weights(model, loaded)
    assert_same_predictions(model, loaded, x)
    assert loaded.compiled and isinstance(loaded.optimizer, optimizers.Adam)
    assert loaded.optimizer.iterations == model.optimizer.iterations == 6
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)


def test_functional_multi_io_shared_and_nested_round_trip(tmp_path, multi):
    xs, ys = multi
    model = functional()
    model.compile(optimizer="sgd", loss=["mse", "sparse_categorical_crossentropy"],
                  loss_weights=[0.5, 1.0], metrics=[["mae"], ["accuracy"]])
    model.fit(xs, ys, epochs=1, verbose=0)
    model.save(tmp_path / "f.anything")
    loaded = load_model(tmp_path / "f.anything")
    assert [l.name for l in loaded.layers] == [l.name for l in model.layers]
    assert type(loaded.get_layer("block")) is Sequential
    assert loaded.output_names == model.output_names
    assert_same_weights(model, loaded)
    assert_same_predictions(model, loaded, xs)
    assert loaded.evaluate(xs, ys, verbose=0, return_dict=True) == \
        model.evaluate(xs, ys, verbose=0, return_dict=True)


def test_functional_nested_inside_sequential_round_trip(xy):
    x, _ = xy
    set_random_seed(3)
    inp = Input(shape=(4,))
    inner = Model(inp, Dense(3, activation="relu")(Dense(5)(inp)), name="inner")
    model = Sequential([inner, Reshape((3, 1)), Flatten(), Dense(2)])
    loaded = saving.model_from_bytes(saving.model_to_bytes(model))
    assert type(loaded.layers[0]) is Model and loaded.layers[0].name == "inner"
    assert_same_predictions(model, loaded, x)


def test_model_whose_input_is_an_intermediate_tensor(xy):
    x, _ = xy
    model = sequential()
    head = Model(model.layers[0].output, model.layers[-1].output)
    loaded = saving.model_from_bytes(saving.model_to_bytes(head))
    h = model.layers[0](x)
    assert_same_predictions(head, loaded, h)


def test_unbuilt_sequential_round_trip():
    model = Sequential([Dense(3), Dense(1)], name="lazy")
    loaded = saving.model_from_bytes(saving.model_to_bytes(model))
    assert not loaded.weights and [l.units for l in loaded.layers] == [3, 1]


def test_get_config_from_config_and_json_structure():
    model = functional()
    config = model.get_config()
    json.dumps(config)
    entry = {e["name"]: e for e in config["layers"]}["shared"]
    assert [n["args"] for n in entry["inbound_nodes"]] == [[["a", 0, 0]], [["lift", 0, 0]]]
    assert config["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    assert config["output_layers"] == [["reg", 0, 0], ["cls", 0, 0]]
    clone = Model.from_config(config)
    assert [l.name for l in clone.layers] == [l.name for l in model.layers]
    assert clone.count_params() == model.count_params()
    seq = sequential()
    assert type(Sequential.from_config(seq.get_config())) is Sequential


# ---------------------------------------------------------------------------- training state
@pytest.mark.parametrize("optimizer", [
    lambda: optimizers.Adam(learning_rate=0.01),
    lambda: optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
    lambda: optimizers.RMSprop(centered=True, momentum=0.5),
    lambda: optimizers.Adagrad(learning_rate=0.1)])
def test_continuing_training_after_load_matches_uninterrupted(optimizer, xy):
    x, y = xy
    model = sequential()
    model.compile(optimizer=optimizer(), loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    data = saving.model_to_bytes(model)
    loaded = saving.model_from_bytes(data)
    fresh_state = saving.model_from_bytes(saving.model_to_bytes(model, include_optimizer=False))
    for m in (model, loaded, fresh_state):
        set_random_seed(7)  # same shuffles and dropout masks for the three
        m.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert_same_weights(model, loaded)
    # without the optimizer state the continuation differs: the test can fail
    assert not all(np.array_equal(a, b)
                   for a, b in zip(model.get_weights(), fresh_state.get_weights()))


def test_set_weights_restores_predictions_exactly(xy):
    x, y = xy
    model = sequential()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    before = model.predict(x, verbose=0)
    saved = model.get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    assert not np.array_equal(model.predict(x, verbose=0), before)
    model.set_weights(saved)
    np.testing.assert_array_equal(model.predict(x, verbose=0), before)


def test_compile_objects_round_trip():
    model = sequential()
    model.compile(optimizer=optimizers.RMSprop(learning_rate=0.02, rho=0.8),
                  loss=losses.CategoricalCrossentropy(label_smoothing=0.1),
                  metrics=[metrics.CategoricalAccuracy(name="acc"), "mse",
                           metrics.categorical_accuracy])
    loaded = saving.model_from_bytes(saving.model_to_bytes(model))
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert loaded._compile_spec["loss"].get_config() == model._compile_spec["loss"].get_config()
    got = loaded._compile_spec["metrics"]
    assert isinstance(got[0], metrics.CategoricalAccuracy) and got[0].name == "acc"
    assert got[1] == "mse" and got[2] is metrics.categorical_accuracy


def test_unsaveable_compile_arguments_warn_and_load_uncompiled(xy):
    model = sequential()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=[lambda y_true, y_pred: np.zeros(len(y_true))])
    with pytest.warns(UserWarning, match="without its compile arguments"):
        data = saving.model_to_bytes(model)
    loaded = saving.model_from_bytes(data)
    assert not loaded.compiled
    assert_same_predictions(model, loaded, xy[0])


# ---------------------------------------------------------------------------- weights files
def test_save_and_load_weights_into_a_separately_built_model(tmp_path, xy):
    x, y = xy
    model = sequential(seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, verbose=0)
    model.save_weights(tmp_path / "w.weights")
    other = sequential(seed=1)  # other layer names: matched by position
    assert {l.name for l in other.layers}.isdisjoint(l.name for l in model.layers)
    other.load_weights(tmp_path / "w.weights")
    assert_same_predictions(model, other, x)
    again = sequential(seed=2)
    again.load_weights(tmp_path / "w.weights")  # no optimizer state when not compiled
    assert_same_weights(model, again)
    with pytest.raises(ValueError, match="holds only weights"):
        load_model(tmp_path / "w.weights")


def test_load_weights_restores_optimizer_state_when_compiled(tmp_path, xy):
    x, y = xy
    model = sequential()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, verbose=0)
    model.save_weights(tmp_path / "w")
    other = sequential(seed=5)
    other.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    other.load_weights(tmp_path / "w")
    for m in (model, other):
        set_random_seed(3)
        m.fit(x, y, epochs=1, verbose=0)
    assert_same_weights(model, other)


def test_load_weights_mismatch_names_the_layer_and_changes_nothing(tmp_path):
    model = Sequential([Dense(4, input_shape=(3,), name="first"), Dense(2, name="second")])
    model.save_weights(tmp_path / "w")
    wider = Sequential([Dense(4, input_shape=(3,), name="a"), Dense(5, name="b")])
    before = wider.get_weights()
    with pytest.raises(ValueError, match=r"layer 'b' weight 'kernel' has shape \(4, 5\)"):
        wider.load_weights(tmp_path / "w")
    assert_same_weights_list(wider.get_weights(), before)
    deeper = Sequential([Dense(4, input_shape=(3,)), Dense(2), Dense(1)])
    with pytest.raises(ValueError, match="weights for 2 layers"):
        deeper.load_weights(tmp_path / "w")
    with pytest.raises(ValueError, match="build the model first"):
        Sequential([Dense(4), Dense(2)]).load_weights(tmp_path / "w")


def assert_same_weights_list(a, b):
    for p, q in zip(a, b):
        np.testing.assert_array_equal(p, q)


# ---------------------------------------------------------------------------- bad files
def test_bad_files_give_clear_errors(tmp_path):
    model = Sequential([Dense(2, input_shape=(3,))])
    good = saving.model_to_bytes(model)
    cases = {
        "text.keras": (b"not a model at all", "not a skdeep or Keras model or weights file"),
        "truncated.keras": (good[: len(good) // 2], "not a skdeep model or weights file"),
    }
    for name, (content, message) in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ValueError, match=message):
            load_model(tmp_path / name)
    with pytest.raises(FileNotFoundError, match="No such file"):
        load_model(tmp_path / "missing.keras")
    with pytest.raises(IsADirectoryError):
        load_model(tmp_path)


def rewrite(data, name, transform):
    """The archive ``data`` with entry ``name`` replaced by ``transform(old_bytes)``."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as dst:
        for entry in src.namelist():
            payload = src.read(entry)
            dst.writestr(entry, transform(payload) if entry == name else payload)
    return buf.getvalue()


def test_corrupted_entries_and_unknown_classes(tmp_path):
    good = saving.model_to_bytes(Sequential([Dense(2, input_shape=(3,))]))

    def set_class(payload):
        config = json.loads(payload)
        config["config"]["layers"][1]["class_name"] = "FancyLayer"
        return json.dumps(config).encode()

    def future(payload):
        return json.dumps(dict(json.loads(payload), format_version=99)).encode()

    bad = {
        "unknown class": (rewrite(good, "config.json", set_class), "Unknown layer class 'Fancy"),
        "newer format": (rewrite(good, "metadata.json", future), "format version 99"),
        "bad json": (rewrite(good, "config.json", lambda p: p[:-5]), "not valid JSON"),
        "bad npz": (rewrite(good, "weights.npz", lambda p: p[:40]), "cannot read 'weights.npz'"),
        "missing": (rewrite(good, "weights.json", lambda p: b"[]"),
                    "weights for 0 layers|manifest does not hold"),
    }
    for label, (data, message) in bad.items():
        with pytest.raises(ValueError, match=message):
            saving.model_from_bytes(data)
    # a flipped byte inside a stored entry fails its CRC check
    offset = good.index(b"NUMPY") + 60
    flipped = good[:offset] + bytes([good[offset] ^ 0xFF]) + good[offset + 1:]
    with pytest.raises(ValueError, match="not a skdeep model|corrupted"):
        saving.model_from_bytes(flipped)


def test_damaged_bytes_anywhere_give_value_error_or_a_valid_model():
    model = Sequential([Dense(2, input_shape=(3,))])
    model.compile(optimizer="adam", loss="mse")
    good = saving.model_to_bytes(model)
    rng = np.random.default_rng(0)
    failures = 0
    for position in rng.choice(len(good), size=60, replace=False):
        damaged = bytearray(good)
        damaged[position] ^= 0x5A
        try:
            saving.model_from_bytes(bytes(damaged))
        except ValueError:
            failures += 1
    assert failures > 30


def test_loading_never_unpickles(tmp_path):
    model = Sequential([Dense(2, input_shape=(3,))])
    arr = io.BytesIO()
    np.save(arr, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    npz = saving._zip_bytes([("w0.npy", arr.getvalue()), ("w1.npy", arr.getvalue())])
    data = rewrite(saving.model_to_bytes(model), "weights.npz", lambda p: npz)
    with pytest.raises(ValueError, match="cannot read 'weights.npz'"):
        saving.model_from_bytes(data)


# ---------------------------------------------------------------------------- atomic writes
def test_failed_save_leaves_the_old_file_intact(tmp_path, monkeypatch, xy):
    path = tmp_path / "m.keras"
    model = sequential()
    model.save(path)
    old = path.read_bytes()
    other = sequential(seed=9)

    def broken_fsync(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        other.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == old and os.listdir(tmp_path) == ["m.keras"]
    assert_same_predictions(model, load_model(path), xy[0])

    def write_half(f):
        f.write(b"partial")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        saving.atomic_write(path, write_half)
    assert path.read_bytes() == old and os.listdir(tmp_path) == ["m.keras"]
    with pytest.raises(FileExistsError, match="overwrite=True"):
        other.save(path, overwrite=False)
    with pytest.raises(IsADirectoryError):
        other.save(tmp_path)


def test_same_model_gives_same_bytes_and_file_objects_work():
    model = functional()
    assert saving.model_to_bytes(model) == saving.model_to_bytes(model)
    buf = io.BytesIO()
    saving.save_model(model, buf)
    buf.seek(0)
    assert [l.name for l in load_model(buf).layers] == [l.name for l in model.layers]


# ---------------------------------------------------------------------------- pickling
def test_pickle_and_deepcopy_hold_configs_and_arrays_only(xy):
    x, y = xy
    model = sequential()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, verbose=0)
    data = pickle.dumps(model)
    globals_used = {arg for op, arg, _ in pickletools.genops(data)
                    if op.name in ("GLOBAL", "STACK_GLOBAL", "SHORT_BINUNICODE", "BINUNICODE")
                    and isinstance(arg, str) and not arg.startswith("\x00")}
    assert globals_used <= {"skdeep.nn.saving", "model_from_bytes"}
    for clone in (pickle.loads(data), copy.deepcopy(model)):
        assert clone is not model and clone.optimizer.iterations == model.optimizer.iterations
        assert_same_predictions(model, clone, x)
        assert clone.layers[0].kernel is not model.layers[0].kernel


# ---------------------------------------------------------------------------- custom layers
class Scale(Layer):
    """A custom layer for the registry tests."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def forward(self, inputs, ctx):
        return inputs * self.factor, lambda dy: dy * self.factor

    def get_config(self):
        return dict(super().get_config(), factor=self.factor)


def test_custom_layers_need_custom_objects_or_registration(xy):
    inp = Input(shape=(4,))
    model = Model(inp, Scale(3.0)(Dense(2)(inp)))
    data = saving.model_to_bytes(model)
    with pytest.raises(ValueError, match="Unknown layer class 'Scale'.*custom_objects"):
        saving.model_from_bytes(data)
    loaded = saving.model_from_bytes(data, custom_objects={"Scale": Scale})
    assert_same_predictions(model, loaded, xy[0])
    monkey = dict(layer_serialization._REGISTERED)
    try:
        saving.register_serializable(Scale)
        assert_same_predictions(model, pickle.loads(pickle.dumps(model)), xy[0])
    finally:
        layer_serialization._REGISTERED.clear()
        layer_serialization._REGISTERED.update(monkey)


# ---------------------------------------------------------------------------- every layer
_SAMPLE_ARGS = {
    # required arguments of the exported layers (Keras names); others default-construct
    "Dense": (3,), "Activation": ("relu",), "Dropout": (0.25,), "Reshape": ((2, 2),),
    "InputLayer": ((3,),), "Conv1D": (2, 3), "Conv2D": (2, 3), "Convolution1D": (2, 3),
    "Convolution2D": (2, 3), "Embedding": (10, 4), "SimpleRNN": (3,), "LSTM": (3,),
    "GRU": (3,), "Masking": (), "RepeatVector": (2,), "Permute": ((2, 1),),
    "GaussianNoise": (0.1,), "DepthwiseConv1D": (3,), "DepthwiseConv2D": (3,),
    "SeparableConv1D": (2, 3), "SeparableConv2D": (2, 3), "SeparableConvolution1D": (2, 3),
    "SeparableConvolution2D": (2, 3), "Conv1DTranspose": (2, 3), "Conv2DTranspose": (2, 3),
    "Convolution1DTranspose": (2, 3), "Convolution2DTranspose": (2, 3),
    "SpatialDropout1D": (0.2,), "SpatialDropout2D": (0.2,), "GaussianDropout": (0.2,),
    "AlphaDropout": (0.2,), "EinsumDense": ("ab,bc->ac", 3), "MultiHeadAttention": (2, 3),
    "Lambda": (ops.square,),
    "CategoryEncoding": (4,), "CenterCrop": (2, 2), "Resizing": (2, 2), "Rescaling": (0.5,),
    "RandomContrast": (0.2,), "RandomCrop": (2, 2), "RandomRotation": (0.1,),
    "RandomTranslation": (0.1, 0.1), "RandomZoom": (0.1,),
}
_NOT_LAYERS = {"Layer", "Weight", "Input"}


def _sample_layer(name):
    cls = getattr(layers_module, name)
    if name in ("Bidirectional", "TimeDistributed"):
        inner = getattr(layers_module, "LSTM" if name == "Bidirectional" else "Dense")(3)
        return cls(inner)
    try:
        return cls(*_SAMPLE_ARGS.get(name, ()))
    except TypeError as err:
        pytest.fail(f"{name} has required arguments unknown to this test (add them to "
                    f"_SAMPLE_ARGS): {err}")


@pytest.mark.parametrize("name", sorted(n for n in set(layers_module.__all__) - _NOT_LAYERS
                                         if isinstance(getattr(layers_module, n), type)))
def test_every_exported_layer_config_round_trips(name):
    layer = _sample_layer(name)
    serialized = saving.serialize_layer(layer)
    text = json.dumps(serialized)
    clone = saving.deserialize_layer(json.loads(text))
    assert type(clone) is type(layer) and clone is not layer
    assert clone.get_config() == json.loads(json.dumps(layer.get_config()))
