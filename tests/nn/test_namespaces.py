"""The Keras 3 namespaces `import skdeep.nn as keras` code touches, and what
each name does."""
import hashlib
import json
import os
import tarfile

import numpy as np
import pytest

import skdeep.nn as keras
from skdeep.nn import layers


def _mlp():
    inp = keras.Input(shape=(4,), name="features")
    hidden = layers.Dense(3, activation="relu", name="hidden")(inp)
    out = layers.Dense(2, name="out")(hidden)
    return keras.Model(inp, out, name="mlp")


def test_top_level_names_are_keras_names():
    for name in ("Input", "Model", "Sequential", "Layer", "Loss", "Metric", "Optimizer",
                 "Initializer", "Regularizer", "KerasTensor", "layers", "models", "saving",
                 "utils", "callbacks", "optimizers", "losses", "metrics", "initializers",
                 "regularizers", "constraints", "activations", "backend", "config",
                 "datasets", "preprocessing"):
        assert hasattr(keras, name), name
    assert keras.models.Model is keras.Model
    assert isinstance(keras.Input(shape=(2,)), keras.KerasTensor)
    assert keras.version() == __import__("skdeep").__version__


def test_to_json_and_model_from_json_rebuild_the_architecture():
    model = _mlp()
    text = model.to_json()
    assert json.loads(text)["class_name"] == "Functional"
    rebuilt = keras.models.model_from_json(text)
    assert [l.name for l in rebuilt.layers] == [l.name for l in model.layers]
    assert rebuilt.get_layer("out").units == 2
    assert rebuilt.output_shape == model.output_shape
    with pytest.raises(ValueError, match="to_json"):
        keras.models.model_from_json("not json")


def test_clone_model_has_new_weights_and_same_outputs_after_set_weights():
    model = _mlp()
    clone = keras.models.clone_model(model)
    assert clone.get_layer("hidden") is not model.get_layer("hidden")
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in model.get_weights()]
    assert not np.allclose(clone.get_weights()[0], model.get_weights()[0])
    clone.set_weights(model.get_weights())
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0))


def test_clone_model_clone_function_can_share_or_modify_layers():
    model = _mlp()
    shared = keras.models.clone_model(model, clone_function=lambda layer: layer)
    assert shared.get_layer("hidden") is model.get_layer("hidden")

    def no_relu(layer):
        config = layer.get_config()
        if "activation" in config:
            config["activation"] = "linear"
        return type(layer).from_config(config)

    linear = keras.models.clone_model(model, clone_function=no_relu)
    assert linear.get_layer("hidden").activation.__name__ == "linear"


def test_clone_model_sequential_and_input_tensors():
    seq = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2, name="a")])
    clone = keras.models.clone_model(seq)
    assert isinstance(clone, keras.Sequential) and clone.input_shape == (None, 3)
    new_input = keras.Input(shape=(4,))
    functional = keras.models.clone_model(_mlp(), input_tensors=new_input)
    assert functional.inputs[0] is new_input
    with pytest.raises(TypeError, match="Model"):
        keras.models.clone_model(layers.Dense(2))


def test_layers_serialize_deserialize_round_trip():
    layer = layers.Dense(7, activation="tanh", name="d7")
    config = layers.serialize(layer)
    assert config["class_name"] == "Dense"
    again = layers.deserialize(config)
    assert again.units == 7 and again.get_config() == layer.get_config()


def test_input_batch_shape_and_refused_arguments():
    t = keras.Input(batch_shape=(16, 10, 5))
    assert t.shape == (16, 10, 5)
    with pytest.raises(ValueError, match="not both"):
        keras.Input(shape=(3,), batch_shape=(None, 3))
    for kwargs in ({"sparse": True}, {"ragged": True}, {"optional": True}):
        with pytest.raises(NotImplementedError, match="not supported"):
            keras.Input(shape=(3,), **kwargs)
    assert keras.Input(shape=(3,), sparse=False).shape == (None, 3)


def test_clear_session_restarts_default_names():
    keras.backend.clear_session()
    assert layers.Dense(1).name == "dense"
    assert layers.Dense(1).name == "dense_1"
    keras.utils.clear_session()
    assert layers.Dense(1).name == "dense"


def test_backend_and_config_values():
    assert keras.backend.epsilon() == 1e-7 == keras.config.epsilon()
    assert keras.backend.image_data_format() == "channels_last"
    with pytest.raises(NotImplementedError, match="channels_last"):
        keras.config.set_image_data_format("channels_first")
    assert keras.backend.is_keras_tensor(keras.Input(shape=(1,)))
    assert not keras.utils.is_keras_tensor(np.zeros(1))
    with pytest.raises(NotImplementedError, match="never deserializes code"):
        keras.config.enable_unsafe_deserialization()


# ---------------------------------------------------------------------------- utils
def test_normalize_matches_the_formula():
    x = np.random.default_rng(1).normal(size=(4, 3))
    np.testing.assert_allclose(keras.utils.normalize(x), x / np.linalg.norm(x, axis=-1,
                                                                           keepdims=True))
    np.testing.assert_allclose(keras.utils.normalize(x, axis=0, order=1),
                               x / np.abs(x).sum(axis=0, keepdims=True))
    zero = keras.utils.normalize(np.zeros((2, 2)))
    assert np.all(zero == 0)


def test_split_dataset_sizes_as_keras():
    x, y = np.arange(20).reshape(10, 2), np.arange(10)
    (xl, yl), (_, yr) = keras.utils.split_dataset((x, y), left_size=0.8)
    assert len(xl) == 8 and len(yr) == 2 and yl.tolist() == list(range(8))
    left, right = keras.utils.split_dataset(np.arange(10), left_size=3, right_size=0.5)
    assert len(left) == 3 and len(right) == 5
    left, right = keras.utils.split_dataset(np.arange(10))
    assert len(left) == 5 and len(right) == 5
    a, b = keras.utils.split_dataset(np.arange(10), left_size=0.5, shuffle=True, seed=3)
    c, _ = keras.utils.split_dataset(np.arange(10), left_size=0.5, shuffle=True, seed=3)
    assert a.tolist() == c.tolist() and sorted(a.tolist() + b.tolist()) == list(range(10))
    parts = keras.utils.split_dataset({"a": np.arange(4), "b": np.arange(4) * 2}, left_size=1)
    assert parts[0]["b"].tolist() == [0] and parts[1]["a"].tolist() == [1, 2, 3]
    with pytest.raises(ValueError, match="left_size"):
        keras.utils.split_dataset(np.arange(10), left_size=1.5)
    with pytest.raises(ValueError, match="greater than 1"):
        keras.utils.split_dataset(np.arange(10), left_size=0.7, right_size=0.6)
    with pytest.raises(TypeError):
        keras.utils.split_dataset(np.arange(10), left_size="half")


def test_pad_sequences_and_preprocessing_aliases():
    from skdeep.nn.preprocessing.image import ImageDataGenerator
    from skdeep.nn.preprocessing.sequence import pad_sequences
    from skdeep.nn.preprocessing.text import Tokenizer
    from skdeep.text import Tokenizer as TextTokenizer

    assert pad_sequences([[1, 2], [3]], maxlen=3).tolist() == [[0, 1, 2], [0, 0, 3]]
    assert keras.utils.pad_sequences is pad_sequences
    assert Tokenizer is TextTokenizer
    assert ImageDataGenerator is keras.preprocessing.ImageDataGenerator


def test_pack_unpack():
    assert keras.utils.unpack_x_y_sample_weight((1,)) == (1, None, None)
    assert keras.utils.unpack_x_y_sample_weight([1, 2, 3]) == (1, 2, 3)
    assert keras.utils.pack_x_y_sample_weight(1, 2, 3) == (1, 2, 3)
    assert keras.utils.pack_x_y_sample_weight(1) == (1,)


class _Batches(keras.utils.PyDataset):
    def __init__(self, n, batch_size, **kwargs):
        super().__init__(**kwargs)
        rng = np.random.default_rng(0)
        self.x = rng.normal(size=(n, 3)).astype("float32")
        self.y = self.x.sum(axis=1, keepdims=True)
        self.batch_size = batch_size
        self.epoch_ends = 0

    def __len__(self):
        return int(np.ceil(len(self.x) / self.batch_size))

    def __getitem__(self, idx):
        s = slice(idx * self.batch_size, (idx + 1) * self.batch_size)
        return self.x[s], self.y[s]

    def on_epoch_end(self):
        self.epoch_ends += 1


def test_pydataset_feeds_fit_and_records_worker_arguments():
    data = _Batches(20, 8, workers=4, use_multiprocessing=True, max_queue_size=3)
    assert (data.workers, data.use_multiprocessing, data.max_queue_size) == (4, True, 3)
    assert keras.utils.Sequence is keras.utils.PyDataset and data.num_batches == 3
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(data, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3 and data.epoch_ends == 3
    with pytest.raises(ValueError, match="workers"):
        _Batches(4, 2, workers=-1)


def test_pydataset_without_super_init_still_has_defaults():
    class Bare(keras.utils.Sequence):
        def __len__(self):
            return 1

        def __getitem__(self, i):
            return np.zeros((1, 1)), np.zeros((1, 1))

    assert Bare().workers == 1 and Bare().max_queue_size == 10
    with pytest.raises(NotImplementedError, match="__getitem__"):
        keras.utils.PyDataset()[0]


def test_get_file_uses_the_cache_and_never_downloads(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(keras.utils.OfflineError, match="does not download"):
        keras.utils.get_file(origin="https://example.com/data/table.csv")
    os.makedirs(tmp_path / "datasets")
    (tmp_path / "datasets" / "table.csv").write_text("a,b\n1,2\n")
    path = keras.utils.get_file(origin="https://example.com/data/table.csv")
    assert path == str(tmp_path / "datasets" / "table.csv")
    digest = hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    assert keras.utils.get_file("table.csv", "https://x/t.csv", file_hash=digest) == path
    with pytest.raises(ValueError, match="hash"):
        keras.utils.get_file("table.csv", "https://x/t.csv", file_hash="0" * 64)
    with pytest.raises(keras.utils.OfflineError, match="force_download"):
        keras.utils.get_file("table.csv", "https://x/t.csv", force_download=True)
    assert issubclass(keras.utils.OfflineError, ConnectionError)


def test_get_file_extracts_cached_archives_safely(tmp_path):
    folder = tmp_path / "datasets"
    os.makedirs(folder)
    inner = tmp_path / "hello.txt"
    inner.write_text("hi")
    with tarfile.open(folder / "bundle.tar.gz", "w:gz") as archive:
        archive.add(inner, arcname="hello.txt")
    out = keras.utils.get_file("bundle.tar.gz", "https://x/bundle.tar.gz", extract=True,
                               cache_dir=str(tmp_path))
    assert out.endswith("bundle_extracted")
    with open(os.path.join(out, "hello.txt")) as f:
        assert f.read() == "hi"
    with tarfile.open(folder / "evil.tar.gz", "w:gz") as archive:
        archive.add(inner, arcname="../escaped.txt")
    with pytest.raises(ValueError, match="outside"):
        keras.utils.get_file("evil.tar.gz", "https://x/evil.tar.gz", extract=True,
                             cache_dir=str(tmp_path))


def test_datasets_read_cached_npz_or_fail_clearly(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(keras.utils.OfflineError, match="mnist.npz"):
        keras.datasets.mnist.load_data()
    os.makedirs(tmp_path / "datasets")
    x = np.arange(30, dtype="float64").reshape(10, 3)
    y = np.arange(10, dtype="float64")
    np.savez(tmp_path / "datasets" / "boston_housing.npz", x=x, y=y)
    digest = hashlib.sha256((tmp_path / "datasets" / "boston_housing.npz").read_bytes()
                            ).hexdigest()
    from skdeep.nn.datasets import _common

    monkeypatch.setattr(_common, "get_file",
                        lambda fname, origin, file_hash, cache_dir:
                        keras.utils.get_file(fname, origin, file_hash=digest))
    (_, y_train), (x_test, _) = keras.datasets.boston_housing.load_data()
    index = np.arange(10)
    np.random.RandomState(113).shuffle(index)
    np.testing.assert_array_equal(y_train, y[index][:8])
    assert x_test.shape == (2, 3)
    for name in ("cifar10", "cifar100", "imdb", "reuters"):
        with pytest.raises(NotImplementedError, match="pickle"):
            getattr(keras.datasets, name).load_data()


def test_more_keras_names_are_the_same_objects():
    from skdeep.nn import object_registry

    for name in ("register_keras_serializable", "custom_object_scope", "get_custom_objects",
                 "serialize_keras_object", "deserialize_keras_object", "CustomObjectScope",
                 "get_registered_name", "get_registered_object"):
        assert getattr(keras.utils, name) is getattr(object_registry, name)
        assert getattr(keras.saving, name) is getattr(object_registry, name)
    assert keras.utils.disable_interactive_logging is keras.config.disable_interactive_logging
    assert keras.applications.VGG16 is __import__(
        "skdeep.nn.applications", fromlist=["VGG16"]).VGG16
    assert hasattr(keras.ops, "matmul") and hasattr(keras.random, "normal")


def test_get_source_inputs_and_dtype_helpers():
    a, b = keras.Input(shape=(2,)), keras.Input(shape=(2,))
    merged = layers.Add()([layers.Dense(2)(a), b])
    sources = keras.utils.get_source_inputs(layers.Dense(1)(merged))
    assert len(sources) == 2 and sources[0] is a and sources[1] is b
    assert keras.utils.get_source_inputs(a) == [a]
    with pytest.raises(TypeError, match="symbolic"):
        keras.utils.get_source_inputs(np.zeros(2))
    assert keras.backend.standardize_dtype("float") == "float32"
    assert keras.backend.standardize_dtype(np.int64) == "int64"
    assert keras.backend.standardize_dtype(int) == "int32"
    assert keras.backend.is_float_dtype("float64") and not keras.backend.is_float_dtype("int8")
    assert keras.backend.is_int_dtype("uint8") and not keras.backend.is_int_dtype(bool)
    keras.backend.clear_session()
    assert keras.backend.get_uid("t") == 1 and keras.backend.get_uid("t") == 2


def test_input_spec_is_checked_on_each_call_as_keras():
    class Seq(layers.Layer):
        def __init__(self):
            super().__init__()
            self.input_spec = keras.InputSpec(ndim=3, axes={-1: 5})

        def call(self, x):
            return x

    layer = Seq()
    assert layer(keras.Input(shape=(4, 5))).shape == (None, 4, 5)
    with pytest.raises(ValueError, match=r'Input 0 of layer "seq.*expected ndim=3, found '
                                         r"ndim=2"):
        layer(keras.Input(shape=(5,)))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 5"):
        layer(np.zeros((2, 4, 6), "float32"))
    spec = keras.layers.InputSpec(shape=(None, 3), dtype="float32")
    assert spec.ndim == 2 and keras.layers.InputSpec.from_config(spec.get_config()).shape == \
        (None, 3)
    dense = layers.Dense(1)
    dense.input_spec = [keras.InputSpec(min_ndim=2), keras.InputSpec(max_ndim=2)]
    with pytest.raises(ValueError, match="expects 2 input"):
        dense(keras.Input(shape=(3,)))
    strict = layers.Dense(1)
    strict.input_spec = keras.InputSpec(dtype="int32")
    with pytest.raises(ValueError, match="expected dtype=int32"):
        strict(np.zeros((1, 2), "float32"))


def test_model_from_config_takes_custom_objects():
    class Scale(layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    inp = keras.Input((3,))
    model = keras.Model(inp, Scale(3.0)(inp))
    with pytest.raises(ValueError, match="Scale"):
        keras.Model.from_config(model.get_config())
    again = keras.Model.from_config(model.get_config(), custom_objects={"Scale": Scale})
    np.testing.assert_allclose(again.predict(np.ones((1, 3)), verbose=0), 3.0)
