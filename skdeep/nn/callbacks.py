"""Training callbacks with the Keras hooks.

Every callback resets its state in ``on_train_begin``, so one object can be
reused across several ``fit`` calls.
"""
import sys
import time

import numpy as np

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger"]


class Callback:
    """Base class; override any of the ``on_*`` hooks.

    ``self.model`` is the model being trained and ``self.params`` holds
    ``epochs``, ``steps`` and ``verbose``.
    """

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_train_batch_begin(self, batch, logs=None): pass
    def on_train_batch_end(self, batch, logs=None): pass
    def on_test_begin(self, logs=None): pass
    def on_test_end(self, logs=None): pass
    def on_test_batch_begin(self, batch, logs=None): pass
    def on_test_batch_end(self, batch, logs=None): pass
    def on_predict_begin(self, logs=None): pass
    def on_predict_end(self, logs=None): pass
    def on_predict_batch_begin(self, batch, logs=None): pass
    def on_predict_batch_end(self, batch, logs=None): pass


class CallbackList:
    """Dispatches each hook to a list of callbacks: ``notify(hook, *args)``."""

    def __init__(self, callbacks, model, params):
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            cb.set_model(model)
            cb.set_params(params)
        self._batch_hooks = {
            hook: [cb for cb in self.callbacks
                   if getattr(type(cb), hook, None) is not getattr(Callback, hook)]
            for hook in ("on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin",
                         "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end")}

    def notify(self, hook, *args):
        targets = self._batch_hooks.get(hook, self.callbacks)
        for cb in targets:
            getattr(cb, hook)(*args)

    def wants(self, hook):
        """Whether any callback overrides a per-batch hook (to skip building logs)."""
        return bool(self._batch_hooks.get(hook, self.callbacks))


class History(Callback):
    """Records the epoch logs: ``history.history['loss']`` etc. Returned by ``fit``."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        self.model.history = self


def _format_logs(logs):
    parts = []
    for k, v in logs.items():
        if isinstance(v, (float, np.floating)):
            parts.append(f"{k}: {v:.4f}" if abs(v) >= 1e-3 or v == 0 else f"{k}: {v:.4e}")
        else:
            parts.append(f"{k}: {v}")
    return " - ".join(parts)


def _format_time(seconds, steps):
    per_step = seconds / max(steps, 1)
    unit = f"{per_step * 1e3:.0f}ms/step" if per_step >= 1e-3 else f"{per_step * 1e6:.0f}us/step"
    return f"{seconds:.0f}s {unit}"


class ProgbarLogger(Callback):
    """Keras-like progress display: a bar per epoch (verbose=1, via tqdm) or one
    line per epoch (verbose=2)."""

    def __init__(self, verbose=1, file=None):
        super().__init__()
        self.verbose = verbose
        self.file = file
        self._bar = None

    def on_train_begin(self, logs=None):
        self._bar = None

    def on_epoch_begin(self, epoch, logs=None):
        out = self.file or sys.stdout
        print(f"Epoch {epoch + 1}/{self.params.get('epochs')}", file=out, flush=True)
        self._start = time.perf_counter()
        self._seen = 0
        if self.verbose == 1:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=self.params.get("steps"), file=out, leave=True,
                             bar_format="{n_fmt}/{total_fmt} {bar:20} {elapsed} {postfix}",
                             ascii=" ━", dynamic_ncols=False, mininterval=0.1)

    def on_train_batch_end(self, batch, logs=None):
        self._seen = batch + 1
        if self._bar is not None:
            self._bar.update(1)
            if logs and (batch % 10 == 0 or batch + 1 == self.params.get("steps")):
                self._bar.set_postfix_str(_format_logs(logs), refresh=False)

    def on_epoch_end(self, epoch, logs=None):
        elapsed = time.perf_counter() - self._start
        text = _format_logs(logs or {})
        if self._bar is not None:
            self._bar.set_postfix_str(f"{_format_time(elapsed, self._seen)} - {text}",
                                      refresh=True)
            self._bar.close()
            self._bar = None
        elif self.verbose == 2:
            steps = self.params.get("steps") or self._seen
            print(f"{steps}/{steps} - {_format_time(elapsed, steps)} - {text}",
                  file=self.file or sys.stdout, flush=True)
