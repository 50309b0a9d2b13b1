"""plot_model / model_to_dot (pydot + Graphviz), plot_history (matplotlib), the
TensorBoard callback (tensorboardX, read back with TensorBoard's own reader),
and the image utilities (Pillow). Each part is skipped when its extra is missing."""
import os
import pickle
import shutil

import numpy as np
import pytest
from sklearn.base import clone

from skdeep import NeuralClassifier
from skdeep.nn import Input, Model, Sequential
from skdeep.nn.callbacks import TensorBoard
from skdeep.nn.layers import Concatenate, Dense, Flatten
from skdeep.nn.utils import (
    array_to_img,
    image_dataset_from_directory,
    img_to_array,
    load_img,
    model_to_dot,
    plot_history,
    plot_model,
    save_img,
)


def _two_branch():
    a, b = Input((4,), name="a"), Input((3,), name="b")
    block = Sequential([Input((5,)), Dense(6, activation="relu"), Dense(5)], name="block")
    h = Dense(5, activation="tanh", name="shared")(a)
    return Model([a, b], Dense(1, name="out")(Concatenate(name="cat")([block(h), b])))


# ---------------------------------------------------------------------------- plot_model
@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_plot_model_writes_a_png(tmp_path):
    pytest.importorskip("pydot")
    path = tmp_path / "model.png"
    plot_model(_two_branch(), to_file=str(path), show_shapes=True, show_dtype=True,
               show_layer_activations=True, show_trainable=True, expand_nested=True, dpi=60)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    plot_model(_two_branch(), to_file=str(tmp_path / "m.svg"), rankdir="LR")
    assert b"<svg" in (tmp_path / "m.svg").read_bytes()


def test_model_to_dot_has_layers_edges_and_nested_clusters():
    pytest.importorskip("pydot")
    model = _two_branch()
    flat = model_to_dot(model, show_shapes=True)
    labels = " ".join(n.get_label() or "" for n in flat.get_nodes())
    assert "shared (Dense)" in labels and "block (Sequential)" in labels
    assert "(None, 8)" in labels  # the Concatenate output
    assert len(flat.get_edges()) == 5
    nested = model_to_dot(model, expand_nested=True)
    assert [g.get_name() for g in nested.get_subgraphs()] == ["cluster_block"]
    with pytest.raises(ValueError, match="rankdir"):
        model_to_dot(model, rankdir="BT")


def test_plot_model_without_graphviz_says_what_to_install(tmp_path, monkeypatch):
    pytest.importorskip("pydot")
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` program to be found
    with pytest.raises(ImportError, match="Graphviz"):
        plot_model(_two_branch(), to_file=str(tmp_path / "m.png"))


# ---------------------------------------------------------------------------- plot_history
def test_plot_history_from_fit_dict_and_estimator(rng):
    pytest.importorskip("matplotlib")
    x = rng.standard_normal((40, 3)).astype("float32")
    y = (x[:, 0] > 0).astype(int)
    model = Sequential([Input((3,)), Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, validation_split=0.25, verbose=0)
    fig = plot_history(history)
    assert [a.get_ylabel() for a in fig.axes] == ["loss", "accuracy"]
    assert [l.get_label() for l in fig.axes[0].get_lines()] == ["loss", "val_loss"]
    assert len(fig.axes[0].get_lines()[0].get_xdata()) == 3
    assert len(plot_history(history.history, metrics="loss").axes) == 1
    est = NeuralClassifier(layers=[Dense(4)], epochs=2, verbose=0, random_state=0).fit(x, y)
    assert plot_history(est).axes[0].get_ylabel() == "loss"
    with pytest.raises(ValueError, match="not in the history"):
        plot_history(history, metrics=["auc"])
    with pytest.raises(TypeError, match="History"):
        plot_history(42)


# ---------------------------------------------------------------------------- TensorBoard
def _read(run_dir):
    event_accumulator = pytest.importorskip(
        "tensorboard.backend.event_processing.event_accumulator")
    acc = event_accumulator.EventAccumulator(str(run_dir), size_guidance={"scalars": 0,
                                                                          "histograms": 0})
    acc.Reload()
    return acc


def test_tensorboard_scalars_histograms_and_graph_are_readable(tmp_path, rng):
    pytest.importorskip("tensorboardX")
    x = rng.standard_normal((32, 3)).astype("float32")
    model = Sequential([Input((3,)), Dense(4, activation="relu"), Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    history = model.fit(x, x[:, :1], epochs=3, batch_size=8, validation_split=0.25, verbose=0,
                        callbacks=[TensorBoard(tmp_path, histogram_freq=1, update_freq=2)])
    train, val = _read(tmp_path / "train"), _read(tmp_path / "validation")
    assert set(train.Tags()["scalars"]) == {"epoch_loss", "epoch_mae", "batch_loss",
                                            "batch_mae"}
    logged = [e.value for e in train.Scalars("epoch_loss")]
    np.testing.assert_allclose(logged, history.history["loss"], rtol=1e-6)
    np.testing.assert_allclose([e.value for e in val.Scalars("epoch_loss")],
                               history.history["val_loss"], rtol=1e-6)
    assert [e.step for e in train.Scalars("batch_loss")] == [2, 4, 6, 8]  # 9 batches
    assert len(train.Tags()["histograms"]) == 4 and train.Tags()["graph"]
    nodes = [n.op for n in train.Graph().node]
    assert nodes == ["InputLayer", "Dense", "Dense"]


def test_tensorboard_arguments_are_checked():
    with pytest.raises(ValueError, match="update_freq"):
        TensorBoard(update_freq="sometimes")
    with pytest.raises(NotImplementedError, match="profile_batch"):
        TensorBoard(profile_batch=(2, 4))
    with pytest.raises(NotImplementedError, match="write_images"):
        TensorBoard(write_images=True)
    TensorBoard(profile_batch=0, embeddings_freq=0)  # Keras' defaults are accepted


def test_estimator_with_tensorboard_pickles_and_clones(tmp_path, rng):
    pytest.importorskip("tensorboardX")
    x = rng.standard_normal((24, 3)).astype("float32")
    y = (x[:, 0] > 0).astype(int)
    est = NeuralClassifier(layers=[Dense(4)], epochs=2, verbose=0, random_state=0,
                           callbacks=[TensorBoard(str(tmp_path / "logs"))])
    est.fit(x, y)
    assert os.listdir(tmp_path / "logs" / "train")
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict_proba(x), est.predict_proba(x))
    fresh = clone(est)
    assert isinstance(fresh.callbacks[0], TensorBoard)
    assert fresh.callbacks[0].log_dir == str(tmp_path / "logs")
    fresh.fit(x, y)


# ---------------------------------------------------------------------------- images
def test_image_round_trip_and_resizing(tmp_path):
    pytest.importorskip("PIL")
    pixels = np.arange(4 * 6 * 3, dtype="float32").reshape(4, 6, 3) * 3
    save_img(tmp_path / "x.png", pixels, scale=False)
    np.testing.assert_array_equal(img_to_array(load_img(tmp_path / "x.png")), pixels)
    assert img_to_array(load_img(tmp_path / "x.png", color_mode="grayscale")).shape == (4, 6, 1)
    small = load_img(tmp_path / "x.png", target_size=(2, 3), interpolation="bilinear")
    assert small.size == (3, 2)
    square = load_img(tmp_path / "x.png", target_size=(2, 2), keep_aspect_ratio=True)
    assert square.size == (2, 2)
    scaled = img_to_array(array_to_img(np.linspace(0, 1, 12).reshape(2, 2, 3)))
    assert scaled.min() == 0 and scaled.max() == 255
    assert img_to_array(load_img(tmp_path / "x.png"), data_format="channels_first").shape == \
        (3, 4, 6)
    with pytest.raises(FileNotFoundError):
        load_img(tmp_path / "missing.png")
    (tmp_path / "bad.png").write_bytes(b"not an image")
    with pytest.raises(ValueError, match="Cannot read an image"):
        load_img(tmp_path / "bad.png")


def _folders(root, rng, per_class=5):
    for k, name in enumerate(["cat", "dog"]):
        os.makedirs(root / name)
        for i in range(per_class):
            img = rng.uniform(0, 60, (8, 8, 3)) + 150 * k
            save_img(root / name / f"{i}.png", img, scale=False)


def test_image_dataset_from_directory_arrays_sequence_and_fit(tmp_path, rng):
    pytest.importorskip("PIL")
    _folders(tmp_path, rng)
    x, y = image_dataset_from_directory(tmp_path, image_size=(6, 6), batch_size=None,
                                        shuffle=False, verbose=False)
    assert x.shape == (10, 6, 6, 3) and x.dtype == np.float32
    assert y.tolist() == [0] * 5 + [1] * 5
    train, val = image_dataset_from_directory(tmp_path, image_size=(6, 6), batch_size=4,
                                              validation_split=0.2, subset="both", seed=1,
                                              label_mode="categorical", verbose=False)
    assert train.class_names == ["cat", "dog"] and len(train) == 2 and len(val) == 1
    assert not set(train.file_paths) & set(val.file_paths)
    xb, yb = train[0]
    assert xb.shape == (4, 6, 6, 3) and yb.shape == (4, 2)
    model = Sequential([Input((6, 6, 3)), Flatten(), Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    history = model.fit(train, validation_data=val, epochs=2, verbose=0)
    assert len(history.history["val_loss"]) == 2
    with pytest.raises(ValueError, match="validation_split and subset"):
        image_dataset_from_directory(tmp_path, subset="training", verbose=False)
    with pytest.raises(FileNotFoundError):
        image_dataset_from_directory(tmp_path / "nope")
