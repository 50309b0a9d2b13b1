"""BackupAndRestore resumes an interrupted fit as Keras does; RemoteMonitor
refuses clearly; the Keras 3 hooks fire in fit in Keras' order."""
import json
import os

import numpy as np
import pytest

import skdeep.nn as keras
from skdeep.nn import callbacks, layers


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype("float32")
    return x, x @ np.array([1.0, -2.0, 0.5], dtype="float32")


def _model():
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(4, activation="tanh"),
                              layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


class _Crash(callbacks.Callback):
    def __init__(self, at_epoch):
        super().__init__()
        self.at_epoch = at_epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.at_epoch:
            raise RuntimeError("interrupted")


def test_interrupted_fit_resumes_from_the_backup(tmp_path):
    x, y = _data()
    backup = tmp_path / "backup"
    model = _model()
    with pytest.raises(RuntimeError, match="interrupted"):
        model.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0,
                  callbacks=[callbacks.BackupAndRestore(backup), _Crash(at_epoch=1)])
    with open(backup / "training_metadata.json") as f:
        assert json.load(f)["epoch"] == 2
    saved = [w.copy() for w in model.get_weights()]

    fresh = _model()  # a new process would rebuild the model like this
    history = fresh.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0,
                        callbacks=[callbacks.BackupAndRestore(backup)])
    assert history.epoch == [2, 3] and len(history.history["loss"]) == 2
    assert not os.path.exists(backup)  # deleted after a complete fit

    # the resumed run equals an uninterrupted one (weights and Adam state restored)
    reference = _model()
    reference.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(reference.get_weights(), saved):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    reference.fit(x, y, epochs=4, initial_epoch=2, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(reference.get_weights(), fresh.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5)


def test_batch_frequency_double_checkpoint_and_keep(tmp_path):
    x, y = _data()
    backup = tmp_path / "b"
    cb = callbacks.BackupAndRestore(backup, save_freq=3, double_checkpoint=True,
                                    delete_checkpoint=False)
    _model().fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[cb])
    names = sorted(os.listdir(backup))
    assert names == ["latest.weights.h5", "latest.weights.h5.bkp", "training_metadata.json",
                     "training_metadata.json.bkp"]
    with open(backup / "training_metadata.json") as f:
        meta = json.load(f)
    # 4 batches per epoch, a save every 3 batches: the last one after batch 1 of epoch 1
    assert meta == {"epoch": 1, "batch": 1}
    for bad in (0, "batch", 1.5):
        with pytest.raises(ValueError, match="save_freq"):
            callbacks.BackupAndRestore(backup, save_freq=bad)
    with pytest.raises(ValueError, match="backup_dir"):
        callbacks.BackupAndRestore("")


def test_corrupted_metadata_is_reported(tmp_path):
    x, y = _data()
    backup = tmp_path / "c"
    cb = callbacks.BackupAndRestore(backup, delete_checkpoint=False)
    _model().fit(x, y, epochs=1, verbose=0, callbacks=[cb])
    (backup / "training_metadata.json").write_text('{"epoch": "two"}')
    with pytest.raises(ValueError, match="invalid epoch"):
        _model().fit(x, y, epochs=2, verbose=0, callbacks=[cb])


def test_remote_monitor_refuses_clearly():
    with pytest.raises(NotImplementedError, match="network"):
        callbacks.RemoteMonitor(root="http://localhost:9000")


def test_fit_hooks_in_keras_order():
    events = []

    class Recorder(callbacks.Callback):
        def _log(self, name):
            events.append(name)

        def on_train_begin(self, logs=None): self._log("train_begin")
        def on_train_end(self, logs=None): self._log("train_end")
        def on_epoch_begin(self, epoch, logs=None): self._log(f"epoch_begin{epoch}")
        def on_epoch_end(self, epoch, logs=None): self._log(f"epoch_end{epoch}")
        def on_train_batch_begin(self, batch, logs=None): self._log(f"batch_begin{batch}")
        def on_train_batch_end(self, batch, logs=None): self._log(f"batch_end{batch}")

    x, y = _data()
    _model().fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[Recorder()])
    assert events == ["train_begin", "epoch_begin0", "batch_begin0", "batch_end0",
                      "batch_begin1", "batch_end1", "epoch_end0", "epoch_begin1",
                      "batch_begin0", "batch_end0", "batch_begin1", "batch_end1",
                      "epoch_end1", "train_end"]


def test_steps_per_epoch_on_arrays_continues_the_pass_as_keras():
    seen = []

    class Peek(callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(batch)

    x = np.arange(10, dtype="float32").reshape(10, 1)
    model = keras.Sequential([keras.Input(shape=(1,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    firsts = []

    class First(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            firsts.append(len(seen))

    history = model.fit(x, x, batch_size=4, steps_per_epoch=2, epochs=3, shuffle=False,
                        verbose=0, callbacks=[Peek(), First()])
    assert len(history.history["loss"]) == 3 and firsts == [2, 4, 6]
    # 3 batches per pass (4, 4, 2 samples): epoch 2 takes the last batch and a new pass
    from skdeep.nn.epoch_iterator import array_steps as _array_steps

    epoch = _array_steps([x], [x], [None], 10, 4, False, None, 2)
    taken = [[b[0][0].ravel().tolist() for b in epoch()] for _ in range(3)]
    assert taken == [[[0, 1, 2, 3], [4, 5, 6, 7]], [[8, 9], [0, 1, 2, 3]],
                     [[4, 5, 6, 7], [8, 9]]]
    with pytest.raises(ValueError, match="steps_per_epoch"):
        model.fit(x, x, steps_per_epoch=0, verbose=0)
