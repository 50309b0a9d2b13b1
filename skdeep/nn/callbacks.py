"""Training callbacks with the Keras hooks.

Every callback resets its state in ``on_train_begin``, so one object can be
reused across several ``fit`` calls.
"""
import csv
import inspect
import io
import math
import os
import warnings

import numpy as np

from ._callback_base import Callback, CallbackList, History
from ._io import atomic_write
from .progbar import ProgbarLogger

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger", "EarlyStopping",
           "ModelCheckpoint", "ReduceLROnPlateau", "LearningRateScheduler", "TerminateOnNaN",
           "CSVLogger", "LambdaCallback", "BackupAndRestore", "RemoteMonitor", "TensorBoard"]




# ---------------------------------------------------------------------------- monitoring
_MAX_NAMES = ("acc", "auc", "precision", "recall", "f1", "fbeta", "fmeasure", "iou", "r2")
_MIN_NAMES = ("error", "mse", "mae", "mape", "msle", "crossentropy", "hinge", "divergence",
              "poisson", "cosh")


def _check_mode(owner, mode):
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{owner}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    return mode


def _check_count(owner, name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{owner}: {name} must be an integer >= 0, got {value!r}")
    return int(value)


def _direction(owner, monitor, mode, strict=True):
    """'min' or 'max'. ``mode='auto'`` reads the monitored name as Keras does:
    losses and errors go down, accuracy-like scores ('acc', 'auc', ...) go up."""
    if not isinstance(monitor, str):
        raise TypeError(f"{owner}: monitor must be a metric name such as 'val_loss', got "
                        f"{monitor!r}")
    if mode != "auto":
        return mode
    name = monitor[4:] if monitor.startswith("val_") else monitor
    if name == "loss" or name.endswith("_loss"):
        return "min"
    if any(part in name for part in _MAX_NAMES):
        return "max"
    if any(part in name for part in _MIN_NAMES) or not strict:
        return "min"
    raise ValueError(f"{owner} received monitor={monitor!r} but cannot tell whether it should "
                     "be minimized or maximized; pass mode='min' or mode='max'")


def _worst(direction):
    return math.inf if direction == "min" else -math.inf


def _missing_monitor(owner, monitor, logs):
    warnings.warn(f"{owner} is conditioned on metric '{monitor}' which is not available. "
                  f"Available metrics are: {','.join(logs)}", stacklevel=3)


class EarlyStopping(Callback):
    """Stop training when a monitored quantity has stopped improving.

    Parameters
    ----------
    monitor : str, default 'val_loss'
        Name of the logged quantity to watch ('loss', 'val_accuracy', ...).
    min_delta : float, default 0
        A change smaller than this (in absolute value) is no improvement.
    patience : int, default 0
        Epochs without improvement after which training stops.
    verbose : int, default 0
        1 prints a message when stopping and when restoring weights.
    mode : {'auto', 'min', 'max'}, default 'auto'
        Whether the quantity should decrease or increase; 'auto' infers it
        from the name ('acc', 'accuracy', 'auc' increase; losses decrease).
    baseline : float, optional
        Training stops unless the quantity improves on this value within
        ``patience`` epochs.
    restore_best_weights : bool, default False
        At the end of training, restore the weights of the best epoch. As in
        Keras 3 this happens whenever training ends (stopped early or not),
        once at least one epoch was monitored.
    start_from_epoch : int, default 0
        Epochs of warm-up during which nothing is monitored.

    Attributes
    ----------
    stopped_epoch : int
        The epoch at which training was stopped (0 if it was not).
    best_epoch : int
        The epoch with the best monitored value.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn import Sequential, callbacks
    >>> from skdeep.nn.layers import Dense
    >>> model = Sequential([Dense(1, input_shape=(20,), kernel_initializer="zeros")])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> stop = callbacks.EarlyStopping(monitor="loss", min_delta=1.0, patience=2)
    >>> history = model.fit(np.linspace(0, 1, 100).reshape(5, 20), np.zeros(5), epochs=10,
    ...                     batch_size=1, callbacks=[stop], verbose=0)
    >>> len(history.history["loss"]), stop.stopped_epoch
    (3, 2)
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor = monitor
        self.min_delta = abs(float(min_delta))
        self.patience = _check_count("EarlyStopping", "patience", patience)
        self.verbose = verbose
        self.mode = _check_mode("EarlyStopping", mode)
        self.baseline = baseline
        self.restore_best_weights = bool(restore_best_weights)
        self.start_from_epoch = _check_count("EarlyStopping", "start_from_epoch",
                                             start_from_epoch)
        _direction("EarlyStopping", monitor, self.mode)
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        self._dir = _direction("EarlyStopping", self.monitor, self.mode)
        self.best = _worst(self._dir)
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights = None
        self.best_epoch = 0

    def _is_improvement(self, value, reference):
        if self._dir == "min":
            return value + self.min_delta < reference
        return value - self.min_delta > reference

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        current = logs.get(self.monitor)
        if current is None:
            _missing_monitor("EarlyStopping", self.monitor, logs)
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # until something improves, the first monitored weights are the best
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(Callback):
    """Save the model (or its weights) during training.

    Parameters
    ----------
    filepath : str or os.PathLike
        Where to save; may contain ``str.format`` fields filled from ``epoch``
        (1-based), ``batch`` and the logs, e.g. ``'w.{epoch:02d}.keras'`` or
        ``'best-{val_loss:.2f}.keras'``. Any extension works (the file is the
        zip format of :func:`skdeep.nn.saving.save_model`). Missing parent
        directories are created; each write is atomic.
    monitor : str, default 'val_loss'
    verbose : int, default 0
    save_best_only : bool, default False
        Only save when the monitored quantity improved on the best so far.
    save_weights_only : bool, default False
        Save with ``model.save_weights`` instead of ``model.save``.
    mode : {'auto', 'min', 'max'}, default 'auto'
    save_freq : 'epoch' or int, default 'epoch'
        Save after every epoch, or after every ``save_freq`` training batches.
    initial_value_threshold : float, optional
        Initial "best" value: with ``save_best_only`` nothing is saved until
        the quantity beats it.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__()
        try:
            self.filepath = os.fspath(filepath)
        except TypeError:
            raise TypeError(f"ModelCheckpoint: filepath must be a str or path, got "
                            f"{type(filepath).__name__}") from None
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(
                save_freq, (int, np.integer)) or save_freq < 1):
            raise ValueError(f"ModelCheckpoint: save_freq must be 'epoch' or a positive "
                             f"integer number of batches, got {save_freq!r}")
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        self.mode = _check_mode("ModelCheckpoint", mode)
        self.save_freq = save_freq
        self.initial_value_threshold = initial_value_threshold
        if self.save_best_only:
            _direction("ModelCheckpoint", monitor, self.mode)
        self.on_train_begin()

    def _wants_batch_hook(self, hook):
        return self.save_freq != "epoch"

    def on_train_begin(self, logs=None):
        self._dir = (_direction("ModelCheckpoint", self.monitor, self.mode)
                     if self.save_best_only else "min")
        self.best = (_worst(self._dir) if self.initial_value_threshold is None
                     else self.initial_value_threshold)
        self._batches_since_save = 0
        self._current_epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(self._current_epoch, batch, logs or {})

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs or {})

    def _file_path(self, epoch, batch, logs):
        fields = dict(logs, epoch=epoch + 1)
        if batch is not None and "batch" not in logs:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**fields)
        except (KeyError, IndexError) as err:
            raise ValueError(f"ModelCheckpoint cannot fill filepath {self.filepath!r}: no value "
                             f"for {err}. Available fields: {sorted(fields)}") from None

    def _improved(self, epoch, logs, path):
        if not self.save_best_only:
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"ModelCheckpoint can save the best model only with {self.monitor} "
                          f"available; saving anyway. Available: {','.join(logs)}",
                          stacklevel=3)
            return True
        better = (current < self.best) if self._dir == "min" else (current > self.best)
        if self.verbose > 0:
            if better:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                      f"{current:.5f}, saving model to {path}")
            else:
                print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from "
                      f"{self.best:.5f}")
        if better:
            self.best = current
        return better

    def _save(self, epoch, batch, logs):
        path = self._file_path(epoch, batch, logs)
        if not self._improved(epoch, logs, path):
            return
        if os.path.isdir(path):
            raise IsADirectoryError(f"ModelCheckpoint filepath {path!r} is an existing "
                                    "directory; give a file path such as 'ckpt/model.keras'")
        if self.verbose > 0 and not self.save_best_only:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)


def _learning_rate(model, owner):
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "learning_rate"):
        raise ValueError(f"{owner} needs a compiled model whose optimizer has a learning_rate")
    return float(optimizer.learning_rate)


class ReduceLROnPlateau(Callback):
    """Reduce the learning rate when a monitored quantity stops improving.

    After ``patience`` epochs without an improvement of more than
    ``min_delta``, ``model.optimizer.learning_rate`` becomes
    ``max(lr * factor, min_lr)``, then nothing happens for ``cooldown``
    epochs. The current rate is logged as ``'learning_rate'`` each epoch.

    Parameters
    ----------
    monitor : str, default 'val_loss'
    factor : float, default 0.1
        In [0, 1).
    patience : int, default 10
    verbose : int, default 0
    mode : {'auto', 'min', 'max'}, default 'auto'
        'auto' maximizes accuracy-like names ('acc', 'auc', ...) and
        minimizes everything else, as Keras does.
    min_delta : float, default 1e-4
    cooldown : int, default 0
    min_lr : float, default 0.0
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0):
        super().__init__()
        if not isinstance(factor, (int, float, np.number)) or not 0 <= factor < 1:
            raise ValueError(f"ReduceLROnPlateau does not support a factor outside [0, 1). "
                             f"Received factor={factor!r}")
        self.monitor = monitor
        self.factor = float(factor)
        self.patience = _check_count("ReduceLROnPlateau", "patience", patience)
        self.verbose = verbose
        self.mode = _check_mode("ReduceLROnPlateau", mode)
        self.min_delta = float(min_delta)
        self.cooldown = _check_count("ReduceLROnPlateau", "cooldown", cooldown)
        self.min_lr = float(min_lr)
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        self._dir = _direction("ReduceLROnPlateau", self.monitor, self.mode, strict=False)
        self.best = _worst(self._dir)
        self.wait = 0
        self.cooldown_counter = 0

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def _better(self, current):
        if self._dir == "min":
            return current < self.best - self.min_delta
        return current > self.best + self.min_delta

    def on_epoch_end(self, epoch, logs=None):
        logs = {} if logs is None else logs
        logs["learning_rate"] = _learning_rate(self.model, "ReduceLROnPlateau")
        current = logs.get(self.monitor)
        if current is None:
            _missing_monitor("ReduceLROnPlateau", self.monitor, logs)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._better(current):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = logs["learning_rate"]
                if old_lr > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    self.model.optimizer.learning_rate = new_lr
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate "
                              f"to {new_lr}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


def _positional_arity(fn):
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 2
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return 2
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch from ``schedule``.

    Parameters
    ----------
    schedule : callable
        ``schedule(epoch, lr) -> new_lr`` with the 0-based epoch index and
        the current rate (a one-argument ``schedule(epoch)`` also works).
    verbose : int, default 0

    Examples
    --------
    >>> from skdeep.nn.callbacks import LearningRateScheduler
    >>> halve = LearningRateScheduler(lambda epoch, lr: lr if epoch < 2 else lr * 0.5)
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be a function "
                            f"schedule(epoch, lr), got {type(schedule).__name__}")
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        lr = _learning_rate(self.model, "LearningRateScheduler")
        new = (self.schedule(epoch, lr) if _positional_arity(self.schedule) >= 2
               else self.schedule(epoch))
        if isinstance(new, (bool, np.bool_)) or not isinstance(new, (int, float, np.number)) \
                or not np.isfinite(new) or new < 0:
            raise ValueError(f"The output of the schedule function should be a finite float "
                             f">= 0, got {new!r} at epoch {epoch}")
        self.model.optimizer.learning_rate = float(new)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                  f"{float(new)}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = _learning_rate(self.model, "LearningRateScheduler")


class TerminateOnNaN(Callback):
    """Stop training as soon as the loss becomes NaN or infinite.

    Parameters
    ----------
    raise_error : bool, default False
        Raise a RuntimeError at once instead of stopping gracefully (which
        still runs every callback's ``on_train_end``).
    """

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = bool(raise_error)

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(loss):
            if self.raise_error:
                raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: "
                                   f"{loss}. Terminating training immediately.")
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class CSVLogger(Callback):
    """Write the epoch logs to a CSV file: an ``epoch`` column (0-based) and
    one column per logged quantity, in sorted order.

    The file is rewritten atomically after each epoch, so it is always a
    complete CSV even if training is killed.

    Parameters
    ----------
    filename : str or os.PathLike
    separator : str, default ','
    append : bool, default False
        Append to an existing file (header written only if it is empty).
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(f"CSVLogger: separator must be one character, got {separator!r}")
        self.sep = separator
        self.append = bool(append)
        self.keys = None

    def on_train_begin(self, logs=None):
        self._prefix = ""
        if self.append and os.path.exists(self.filename):
            with open(self.filename, newline="") as f:
                self._prefix = f.read()
        self._append_header = not self._prefix.strip()
        self._rows = io.StringIO()
        self._writer = None
        self.keys = None

    @staticmethod
    def _cell(value):
        if isinstance(value, str) or (isinstance(value, np.ndarray) and value.ndim == 0):
            return value
        if isinstance(value, (list, tuple, np.ndarray)):
            return f'"[{", ".join(map(str, value))}]"'
        return value

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self._writer is None:
            self.keys = sorted(logs)
            self._writer = csv.DictWriter(self._rows, fieldnames=["epoch"] + self.keys,
                                          delimiter=self.sep, lineterminator="\n")
            if self._append_header:
                self._writer.writeheader()
        row = {"epoch": epoch}
        row.update((k, self._cell(logs.get(k, "NA"))) for k in self.keys)
        self._writer.writerow(row)
        text = self._prefix + self._rows.getvalue()
        atomic_write(self.filename, lambda f: f.write(text.encode("utf-8")))


class LambdaCallback(Callback):
    """A callback made of functions, e.g.
    ``LambdaCallback(on_epoch_end=lambda epoch, logs: print(logs['loss']))``.

    ``on_epoch_begin``/``on_epoch_end`` take ``(epoch, logs)``,
    ``on_train_begin``/``on_train_end`` take ``(logs)``, the batch hooks take
    ``(batch, logs)``; any other hook can be given by name as a keyword.
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end, **kwargs)
        for name, fn in hooks.items():
            if not (name.startswith("on_") and callable(getattr(Callback, name, None))):
                raise TypeError(f"LambdaCallback got {name!r}, which is not a callback hook "
                                f"(on_epoch_end, on_train_batch_end, ...)")
            if fn is not None:
                if not callable(fn):
                    raise TypeError(f"LambdaCallback: {name} must be callable, got {fn!r}")
                setattr(self, name, fn)


# defined in their own module (they subclass Callback, defined above)
from .callbacks_backup import BackupAndRestore, RemoteMonitor  # noqa: E402
from .callbacks_tensorboard import TensorBoard  # noqa: E402
