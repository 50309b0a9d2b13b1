"""Callbacks: Keras 3 semantics, driven both by hand (exact sequences) and by fit."""
import csv
import math
import os

import numpy as np
import pytest

from skdeep.nn import Sequential, load_model
from skdeep.nn.callbacks import (Callback, CallbackList, CSVLogger, EarlyStopping,
                                 LambdaCallback, LearningRateScheduler, ModelCheckpoint,
                                 ReduceLROnPlateau, TerminateOnNaN)
from skdeep.nn.layers import Dense
from skdeep.nn.optimizers import SGD
from skdeep.nn.utils import set_random_seed


class FakeModel:
    """Just what callbacks touch: weights (the epoch number), stop flag, optimizer."""

    def __init__(self, lr=0.1):
        self.weights = [np.zeros(1)]
        self.stop_training = False
        self.optimizer = SGD(learning_rate=lr)

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.array(w) for w in weights]


def drive(cb, values, monitor="val_loss", model=None):
    """Run the epoch hooks with ``values`` as the monitored quantity; weights
    are set to the epoch number so restored weights tell which epoch they are from."""
    model = model or FakeModel()
    cb.set_model(model)
    cb.on_train_begin({})
    seen = []
    for epoch, value in enumerate(values):
        cb.on_epoch_begin(epoch, {})
        model.weights[0][...] = epoch
        logs = {monitor: value}
        cb.on_epoch_end(epoch, logs)
        seen.append(logs)
        if model.stop_training:
            break
    cb.on_train_end({})
    return model, seen


def make_model(lr=0.05, seed=0):
    set_random_seed(seed)
    model = Sequential([Dense(6, activation="tanh", input_shape=(3,)), Dense(1)])
    model.compile(optimizer=SGD(learning_rate=lr), loss="mse")
    return model


@pytest.fixture
def data(rng):
    x = rng.standard_normal((32, 3)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5]))[:, None].astype("float32")
    return x, y


# ---------------------------------------------------------------------------- EarlyStopping
def test_early_stopping_patience_and_stopped_epoch():
    es = EarlyStopping(patience=2)
    model, seen = drive(es, [5, 4, 4.5, 4.2, 3.0])
    assert len(seen) == 4 and es.stopped_epoch == 3 and model.stop_training
    assert es.best == 4 and es.best_epoch == 1


def test_early_stopping_restores_best_weights_when_stopping():
    es = EarlyStopping(patience=1, restore_best_weights=True)
    model, _ = drive(es, [3.0, 1.0, 2.0, 2.5, 0.1])
    assert es.stopped_epoch == 2
    assert model.weights[0][0] == 1  # epoch 1 had the best value


def test_early_stopping_restores_at_train_end_without_stopping_like_keras3():
    es = EarlyStopping(patience=10, restore_best_weights=True)
    model, seen = drive(es, [3.0, 1.0, 2.0])
    assert len(seen) == 3 and es.stopped_epoch == 0
    assert model.weights[0][0] == 1


def test_early_stopping_min_delta_mode_baseline_start_from_epoch():
    es = EarlyStopping(monitor="val_accuracy", min_delta=0.1, patience=1)
    _, seen = drive(es, [0.5, 0.55, 0.58], monitor="val_accuracy")
    assert len(seen) == 2  # +0.05 is not an improvement of more than 0.1: max mode
    # not beating the baseline keeps the first epoch counted against patience
    _, seen = drive(EarlyStopping(baseline=1.0, patience=2), [3.0, 3.0, 3.0, 0.5])
    assert len(seen) == 2
    _, seen = drive(EarlyStopping(patience=2), [3.0, 3.0, 3.0, 0.5])
    assert len(seen) == 3
    es = EarlyStopping(patience=0, start_from_epoch=3)
    _, seen = drive(es, [1, 2, 3, 4, 5, 6])
    assert len(seen) == 5 and es.stopped_epoch == 4


def test_early_stopping_warns_when_monitor_missing():
    es = EarlyStopping(monitor="val_loss")
    es.set_model(FakeModel())
    es.on_train_begin()
    with pytest.warns(UserWarning, match="val_loss.*not available.*loss"):
        es.on_epoch_end(0, {"loss": 1.0})


@pytest.mark.parametrize("monitor, direction", [
    ("val_loss", "min"), ("loss", "min"), ("out_1_loss", "min"), ("val_accuracy", "max"),
    ("acc", "max"), ("val_auc", "max"), ("val_sparse_categorical_accuracy", "max"),
    ("mae", "min"), ("val_mean_squared_error", "min")])
def test_auto_mode_infers_direction_from_name(monitor, direction):
    es = EarlyStopping(monitor=monitor)
    es.on_train_begin()
    assert es._dir == direction
    assert es.best == (math.inf if direction == "min" else -math.inf)


def test_bad_callback_arguments_fail_early():
    with pytest.raises(ValueError, match="mode='min' or mode='max'"):
        EarlyStopping(monitor="my_score")
    EarlyStopping(monitor="my_score", mode="max")
    with pytest.raises(ValueError, match="mode must be"):
        EarlyStopping(mode="bigger")
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=-1)
    with pytest.raises(ValueError, match="factor"):
        ReduceLROnPlateau(factor=1.5)
    with pytest.raises(ValueError, match="save_freq"):
        ModelCheckpoint("m.keras", save_freq="batch")
    with pytest.raises(TypeError, match="schedule"):
        LearningRateScheduler(0.1)
    with pytest.raises(TypeError, match="not a callback hook"):
        LambdaCallback(on_epoch_finish=print)


def test_early_stopping_in_fit_restores_best_weights(data):
    x, y = data
    model = make_model(lr=0.05)
    snapshots = []
    keep = LambdaCallback(on_epoch_end=lambda epoch, logs: snapshots.append(model.get_weights()))
    es = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    # validation targets are the negated training targets: learning y makes val_loss worse
    hist = model.fit(x, y, validation_data=(x, -y), epochs=20, batch_size=8, shuffle=False,
                     callbacks=[keep, es], verbose=0)
    val = hist.history["val_loss"]
    assert es.stopped_epoch > 0 and len(val) < 20
    assert es.best_epoch == int(np.argmin(val))
    for got, want in zip(model.get_weights(), snapshots[es.best_epoch]):
        np.testing.assert_array_equal(got, want)
    assert not all(np.array_equal(a, b) for a, b in zip(model.get_weights(), snapshots[-1]))


# ---------------------------------------------------------------------------- ModelCheckpoint
def test_checkpoint_save_best_only_saves_only_improvements(tmp_path, data):
    x, y = data
    model = make_model()
    model.fit(x, y, epochs=1, verbose=0)
    path = str(tmp_path / "w.{epoch:02d}.keras")
    ckpt = ModelCheckpoint(path, monitor="val_loss", save_best_only=True)
    drive(ckpt, [3.0, 2.0, 2.5, 1.0, 1.0], model=_RealModelProxy(model))
    assert sorted(os.listdir(tmp_path)) == ["w.01.keras", "w.02.keras", "w.04.keras"]
    assert ckpt.best == 1.0


class _RealModelProxy:
    """A real model whose first bias is set to the epoch number by ``drive``."""

    def __init__(self, model):
        self.model = model
        self.weights = [model.layers[-1].bias.value]

    def __getattr__(self, name):
        return getattr(self.model, name)


def test_checkpoint_single_file_keeps_the_best_model(tmp_path, data):
    x, y = data
    model = make_model()
    model.fit(x, y, epochs=1, verbose=0)
    path = tmp_path / "best.keras"
    ckpt = ModelCheckpoint(path, monitor="val_accuracy", save_best_only=True)
    drive(ckpt, [0.2, 0.6, 0.5, 0.4], monitor="val_accuracy", model=_RealModelProxy(model))
    assert load_model(path).layers[-1].get_weights()[1][0] == 1  # saved at epoch index 1
    assert os.listdir(tmp_path) == ["best.keras"]  # no temporary files left


def test_checkpoint_in_fit_with_log_template_and_weights_only(tmp_path, data):
    x, y = data
    model = make_model()
    template = str(tmp_path / "ckpt" / "m-{epoch:02d}-{loss:.3f}.keras")
    hist = model.fit(x, y, epochs=2, verbose=0, callbacks=[ModelCheckpoint(template)])
    names = sorted(os.listdir(tmp_path / "ckpt"))
    assert names == [f"m-{e + 1:02d}-{loss:.3f}.keras"
                     for e, loss in enumerate(hist.history["loss"])]
    np.testing.assert_array_equal(load_model(tmp_path / "ckpt" / names[-1]).predict(x, verbose=0),
                                  model.predict(x, verbose=0))
    wpath = tmp_path / "w.weights"
    model.fit(x, y, epochs=1, verbose=0,
              callbacks=[ModelCheckpoint(wpath, save_weights_only=True)])
    fresh = make_model(seed=1)
    fresh.load_weights(wpath)
    np.testing.assert_array_equal(fresh.predict(x, verbose=0), model.predict(x, verbose=0))
    with pytest.raises(ValueError, match="val_acc"):
        model.fit(x, y, epochs=1, verbose=0,
                  callbacks=[ModelCheckpoint(str(tmp_path / "{val_acc}.keras"))])


def test_checkpoint_save_freq_counts_batches_across_epochs(tmp_path, data):
    x, y = data
    model = make_model()
    ckpt = ModelCheckpoint(str(tmp_path / "e{epoch}-b{batch}.keras"), save_freq=3)
    model.fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[ckpt])  # 2 batches/epoch
    assert sorted(os.listdir(tmp_path)) == ["e2-b1.keras"]
    quiet = CallbackList([ModelCheckpoint(str(tmp_path / "m.keras"))], model, {})
    assert not quiet.wants("on_train_batch_end")


def test_checkpoint_initial_value_threshold(tmp_path, data):
    model = make_model()
    ckpt = ModelCheckpoint(tmp_path / "m.keras", save_best_only=True, initial_value_threshold=1.5)
    drive(ckpt, [3.0, 2.0], model=_RealModelProxy(model))
    assert not os.listdir(tmp_path)
    drive(ckpt, [3.0, 1.0], model=_RealModelProxy(model))
    assert os.listdir(tmp_path) == ["m.keras"]


# ---------------------------------------------------------------------------- learning rate
def test_reduce_lr_on_plateau_sequence_cooldown_and_min_lr():
    cb = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, cooldown=2, min_lr=0.03)
    model, seen = drive(cb, [1.0, 1.0, 1.0, 1.0, 1.0, 1.0], monitor="loss")
    # logged before any reduction in that epoch; the cooldown counter is
    # decremented before it is checked, as in Keras
    assert [logs["learning_rate"] for logs in seen] == pytest.approx(
        [0.1, 0.1, 0.05, 0.05, 0.03, 0.03])
    assert model.optimizer.learning_rate == pytest.approx(0.03)


def test_reduce_lr_in_fit_changes_optimizer_and_logs_it(data):
    x, y = data
    model = make_model(lr=0.05)
    cb = ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=0, min_delta=1e9)
    hist = model.fit(x, y, validation_data=(x, y), epochs=3, verbose=0, callbacks=[cb])
    # the first epoch always improves on +inf; then no epoch beats min_delta
    assert hist.history["learning_rate"] == pytest.approx([0.05, 0.05, 0.025])
    assert model.optimizer.learning_rate == pytest.approx(0.0125)


def test_learning_rate_scheduler(data):
    x, y = data
    model = make_model(lr=0.1)
    hist = model.fit(x, y, epochs=3, verbose=0, callbacks=[
        LearningRateScheduler(lambda epoch, lr: lr if epoch == 0 else lr * 0.5)])
    assert hist.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.025])
    hist = model.fit(x, y, epochs=2, verbose=0,
                     callbacks=[LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))])
    assert hist.history["learning_rate"] == pytest.approx([0.01, 0.02])
    with pytest.raises(ValueError, match="schedule function should be a finite float"):
        model.fit(x, y, epochs=1, verbose=0,
                  callbacks=[LearningRateScheduler(lambda epoch, lr: "fast")])


# ---------------------------------------------------------------------------- others
def test_terminate_on_nan():
    model = FakeModel()
    cb = TerminateOnNaN()
    cb.set_model(model)
    cb.on_train_batch_end(0, {"loss": 1.0})
    assert not model.stop_training
    cb.on_train_batch_end(1, {"loss": float("inf")})
    assert model.stop_training
    cb = TerminateOnNaN(raise_error=True)
    cb.set_model(FakeModel())
    with pytest.raises(RuntimeError, match="NaN or Inf loss"):
        cb.on_train_batch_end(2, {"loss": float("nan")})


def test_terminate_on_nan_stops_diverging_fit(data):
    x, y = data
    model = make_model(lr=1e4)
    with np.errstate(all="ignore"):
        hist = model.fit(x * 100, y, epochs=50, batch_size=4, verbose=0,
                         callbacks=[TerminateOnNaN()])
    assert len(hist.history["loss"]) < 50 and not np.isfinite(hist.history["loss"][-1])


def read_csv(path, sep=","):
    with open(path, newline="") as f:
        return list(csv.reader(f, delimiter=sep))


def test_csv_logger_write_and_append(tmp_path, data):
    x, y = data
    path = tmp_path / "log.csv"
    model = make_model()
    hist = model.fit(x, y, validation_data=(x, y), epochs=3, verbose=0,
                     callbacks=[CSVLogger(path)])
    rows = read_csv(path)
    assert rows[0] == ["epoch", "loss", "val_loss"]
    assert [r[0] for r in rows[1:]] == ["0", "1", "2"]
    np.testing.assert_allclose([float(r[1]) for r in rows[1:]], hist.history["loss"])
    model.fit(x, y, validation_data=(x, y), epochs=2, verbose=0,
              callbacks=[CSVLogger(path, append=True)])
    rows = read_csv(path)
    assert len(rows) == 6 and rows.count(rows[0]) == 1
    model.fit(x, y, epochs=1, verbose=0, callbacks=[CSVLogger(path, separator=";")])
    assert read_csv(path, ";") == [["epoch", "loss"], ["0", read_csv(path, ";")[1][1]]]


def test_lambda_callback_and_old_batch_hook_names(data):
    x, y = data
    calls = {"begin": 0, "epochs": [], "batches": 0, "end": 0}

    def count_batch(batch, logs):
        calls["batches"] += 1

    class OldStyle(Callback):
        def __init__(self):
            super().__init__()
            self.n = 0

        def on_batch_end(self, batch, logs=None):
            self.n += 1
            assert "loss" in logs

    old = OldStyle()
    cb = LambdaCallback(on_train_begin=lambda logs: calls.__setitem__("begin", 1),
                        on_epoch_end=lambda epoch, logs: calls["epochs"].append(epoch),
                        on_train_batch_end=count_batch,
                        on_train_end=lambda logs: calls.__setitem__("end", 1))
    make_model().fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[cb, old])
    assert calls == {"begin": 1, "epochs": [0, 1], "batches": 8, "end": 1}
    assert old.n == 8


# ---------------------------------------------------------------------------- reuse
def _run_twice(make_cb, data, tmp_path, **fit_kw):
    x, y = data
    cb = make_cb(tmp_path)
    results = []
    for _ in range(2):
        for name in os.listdir(tmp_path):
            os.remove(tmp_path / name)
        model = make_model(lr=0.05)
        hist = model.fit(x, y, validation_data=(x, -y), epochs=6, batch_size=8, shuffle=False,
                         verbose=0, callbacks=[cb], **fit_kw)
        # layer names differ between the two models: compare what the files hold
        files = {name: ([w.tolist() for w in load_model(tmp_path / name).get_weights()]
                        if name.endswith(".keras") else (tmp_path / name).read_text())
                 for name in os.listdir(tmp_path)}
        results.append((hist.history, [w.copy() for w in model.get_weights()],
                        model.optimizer.learning_rate, files))
    return cb, results


@pytest.mark.parametrize("make_cb", [
    lambda p: EarlyStopping(patience=1, restore_best_weights=True),
    lambda p: EarlyStopping(monitor="loss", min_delta=0.1, patience=1),
    lambda p: ModelCheckpoint(str(p / "m.keras"), save_best_only=True),
    lambda p: ReduceLROnPlateau(monitor="val_loss", patience=1, factor=0.5),
    lambda p: LearningRateScheduler(lambda epoch, lr: lr * 0.9),
    lambda p: CSVLogger(p / "log.csv"),
    lambda p: TerminateOnNaN(),
], ids=["early_stopping", "early_stopping_min_delta", "checkpoint", "reduce_lr", "scheduler",
        "csv", "nan"])
def test_callback_reused_across_fits_behaves_the_same(make_cb, data, tmp_path):
    cb, (first, second) = _run_twice(make_cb, data, tmp_path)
    assert first[0] == second[0]
    for a, b in zip(first[1], second[1]):
        np.testing.assert_array_equal(a, b)
    assert first[2] == second[2]
    assert first[3] == second[3]  # the same files with the same content
    if isinstance(cb, EarlyStopping):
        assert len(first[0]["loss"]) < 6  # it did stop, both times
    if isinstance(cb, (CSVLogger, ModelCheckpoint)):
        assert len(second[3]) == 1
