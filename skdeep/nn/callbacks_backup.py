"""``BackupAndRestore`` (resume an interrupted ``fit``) and ``RemoteMonitor``.

Imported by :mod:`skdeep.nn.callbacks`, where both are public.
"""
import json
import numbers
import os
import shutil

from ._io import atomic_write
from ._callback_base import Callback

__all__ = ["BackupAndRestore", "RemoteMonitor"]


class BackupAndRestore(Callback):
    """Back up the training state so that an interrupted ``fit`` resumes.

    As ``keras.callbacks.BackupAndRestore``: the weights go to
    ``<backup_dir>/latest.weights.h5`` and the number of finished epochs to
    ``training_metadata.json`` (every epoch, or every ``save_freq``
    batches). A later ``fit`` with a callback on the same folder loads them
    in ``on_train_begin`` and starts at the saved epoch; a ``fit`` that ends
    normally deletes the folder (``delete_checkpoint=True``). skdeep's
    weights file also holds the optimizer state, so the resumed run goes on
    with the same Adam moments.

    Parameters
    ----------
    backup_dir : str or path
        Folder of the backup (created when needed). Use one per training job.
    save_freq : 'epoch' or int, default='epoch'
        Back up at the end of every epoch, or every ``save_freq`` batches.
    double_checkpoint : bool, default=False
        Keep the previous backup too (``*.bkp``), used when the latest one
        cannot be read.
    delete_checkpoint : bool, default=True
        Delete the folder when training ends without an exception.

    Examples
    --------
    >>> import numpy as np, tempfile
    >>> from skdeep.nn import Sequential, Input
    >>> from skdeep.nn.layers import Dense
    >>> model = Sequential([Input(shape=(2,)), Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> backup = BackupAndRestore(tempfile.mkdtemp() + "/backup")
    >>> history = model.fit(np.ones((4, 2)), np.ones(4), epochs=2, verbose=0,
    ...                     callbacks=[backup])
    >>> history.epoch
    [0, 1]
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore needs a backup_dir (a folder path)")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or
                                     not isinstance(save_freq, numbers.Integral) or save_freq < 1):
            raise ValueError(f"BackupAndRestore: save_freq must be 'epoch' or an integer >= 1, "
                             f"got {save_freq!r}")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = bool(double_checkpoint)
        self.delete_checkpoint = bool(delete_checkpoint)
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._current_epoch = 0
        self._last_batch = 0
        self._since_save = 0

    def _wants_batch_hook(self, hook):
        return self.save_freq != "epoch" or hook != "on_train_batch_end"

    def on_train_begin(self, logs=None):
        self._current_epoch = self._last_batch = self._since_save = 0
        try:
            self._restore(self._weights_path, self._metadata_path)
        except (OSError, ValueError):
            previous = self._weights_path + ".bkp"
            if not os.path.exists(previous):
                raise
            self._restore(previous, self._metadata_path + ".bkp")

    def _restore(self, weights_path, metadata_path):
        if not os.path.exists(weights_path):
            return
        if not self.model.built or not getattr(self.model, "_graph_ready", True):
            raise ValueError("BackupAndRestore needs a built model before fit(): give the "
                             "first layer an input_shape or start with an Input")
        self.model.load_weights(weights_path)
        if os.path.exists(metadata_path):
            with open(metadata_path, encoding="utf-8") as f:
                try:
                    epoch = json.load(f)["epoch"]
                except (ValueError, KeyError, TypeError) as err:
                    raise ValueError(f"BackupAndRestore: {metadata_path} is corrupted "
                                     f"({err})") from None
            if isinstance(epoch, bool) or not isinstance(epoch, numbers.Integral) or epoch < 0:
                raise ValueError(f"BackupAndRestore: {metadata_path} holds an invalid epoch "
                                 f"{epoch!r}")
            self.model._initial_epoch = epoch
            self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._since_save += batch + 1 if batch <= self._last_batch else batch - self._last_batch
        self._last_batch = batch
        if self._since_save >= self.save_freq:
            self._since_save = 0
            self._save()

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch = 0
        if self.save_freq == "epoch":
            self._save()

    def _save(self):
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:
            for path in (self._weights_path, self._metadata_path):
                if os.path.exists(path):
                    shutil.copyfile(path, path + ".bkp")
        self.model.save_weights(self._weights_path, overwrite=True)
        text = json.dumps({"epoch": self._current_epoch, "batch": self._last_batch})
        atomic_write(self._metadata_path, lambda f: f.write(text.encode("utf-8")))

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.isdir(self.backup_dir):
            shutil.rmtree(self.backup_dir)


class RemoteMonitor(Callback):
    """Not available: Keras' ``RemoteMonitor`` posts each epoch's logs to an HTTP
    server, and skdeep never opens network connections.

    Use :class:`~skdeep.nn.callbacks.CSVLogger` (a file another process can
    follow) or a :class:`~skdeep.nn.callbacks.LambdaCallback` that sends the
    logs with the HTTP client of your choice.
    """

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data",
                 headers=None, send_as_json=False):
        raise NotImplementedError(
            f"RemoteMonitor(root={root!r}) is not available: skdeep never opens network "
            "connections. Log to a file with CSVLogger, or send the logs yourself from a "
            "LambdaCallback(on_epoch_end=lambda epoch, logs: ...)")
