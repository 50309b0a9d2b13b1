"""Keras' progress display: ``Progbar`` and the ``ProgbarLogger`` callback.

On a terminal (or in a Jupyter kernel) the bar is redrawn in place with
``\\r``, at most every ``interval`` seconds. Anywhere else (a log file, CI,
a pipe) nothing is printed until the end of the epoch, which gives one
clean line per epoch: ``32/32 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - loss: 0.52``.
"""
import os
import sys
import time

import numpy as np

from . import config
from ._callback_base import Callback

__all__ = ["Progbar", "ProgbarLogger", "print_one_step"]


def _dynamic(stream):
    isatty = getattr(stream, "isatty", None)
    try:
        tty = bool(isatty and isatty())
    except ValueError:  # a closed stream
        tty = False
    return tty or "ipykernel" in sys.modules or "PYCHARM_HOSTED" in os.environ


def _format_value(v):
    if isinstance(v, (float, np.floating, int, np.integer)) and not isinstance(v, bool):
        v = float(v)
        return f"{v:.4f}" if abs(v) > 1e-3 or v == 0 else f"{v:.4e}"
    return str(v)


def _format_time(per_step, unit):
    if per_step >= 1 or per_step == 0:
        return f"{per_step:.0f}s/{unit}"
    if per_step >= 1e-3:
        return f"{per_step * 1e3:.0f}ms/{unit}"
    return f"{per_step * 1e6:.0f}us/{unit}"


class Progbar:
    """A progress bar (``keras.utils.Progbar``).

    Parameters
    ----------
    target : int or None
        Total number of steps (None if unknown).
    width : int, default=20
        Width of the bar in characters.
    verbose : int, default=1
        1: the bar; 2: one line when the target is reached; 0: silent.
    interval : float, default=0.05
        Minimum seconds between redraws on a terminal.
    stateful_metrics : iterable of str, optional
        Names whose values are shown as given; others are averaged over
        the steps, as in Keras.
    unit_name : str, default='step'
    file : file object, optional
        Where to write (default: ``sys.stdout`` at each write).

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> bar = Progbar(2, file=out)
    >>> bar.update(1, [("loss", 0.5)])
    >>> bar.update(2, [("loss", 0.25)])
    >>> out.getvalue().count("\\n"), "2/2" in out.getvalue()
    (1, True)
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 unit_name="step", file=None):
        self.target, self.width, self.verbose = target, width, verbose
        self.interval, self.unit_name, self.file = interval, unit_name, file
        self.stateful_metrics = set(stateful_metrics) if isinstance(
            stateful_metrics, (list, tuple, set, frozenset)) else (stateful_metrics or set())
        self._values, self._order = {}, []
        self._seen = 0
        self._start = time.perf_counter()
        self._last_draw = 0.0
        self._drawn_width = 0

    @property
    def _out(self):
        return self.file or sys.stdout

    def update(self, current, values=None, finalize=None):
        """Move to step ``current`` with ``values``, a list of ``(name, value)``."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for k, v in values or []:
            if k not in self._order:
                self._order.append(k)
            if k in self.stateful_metrics or finalize and k not in self._values:
                self._values[k] = [v, 1]
            else:
                step = max(current - self._seen, 1)
                total, count = self._values.get(k, [0.0, 0])
                self._values[k] = [total + v * step, count + step]
        self._seen = current
        if not self.verbose or not config.is_interactive_logging_enabled():
            return
        now = time.perf_counter()
        if self.verbose == 2 or not _dynamic(self._out):
            if finalize:
                self._write(self._line(current, now, finalize, compact=self.verbose == 2) +
                            "\n")
            return
        if not finalize and now - self._last_draw < self.interval:
            return
        self._last_draw = now
        text = self._line(current, now, finalize)
        pad = " " * max(self._drawn_width - len(text), 0)
        self._drawn_width = len(text)
        self._write("\r" + text + pad + ("\n" if finalize else ""))

    def add(self, n, values=None):
        self.update(self._seen + n, values)

    def _write(self, text):
        out = self._out
        out.write(text)
        out.flush()

    def _line(self, current, now, finalize, compact=False):
        elapsed = now - self._start
        per_step = elapsed / current if current else 0.0
        known = self.target is not None and self.target > 0
        count = f"{current:{len(str(self.target))}d}/{self.target}" if known else \
            f"{current:7d}/Unknown"
        metrics = "".join(f" - {k}: {_format_value(self._average(k))}" for k in self._order)
        if compact:
            return f"{count} - {elapsed:.0f}s - {_format_time(per_step, self.unit_name)}{metrics}"
        bar = ""
        if known:
            filled = int(self.width * min(current / self.target, 1.0))
            bar = " " + "━" * filled + "─" * (self.width - filled)
        if known and not finalize:
            eta = per_step * (self.target - current)
            timing = f"{int(eta // 60)}:{int(eta % 60):02d}" if eta > 60 else f"{eta:.0f}s"
        else:
            timing = f"{elapsed:.0f}s"
        return f"{count}{bar} {timing} {_format_time(per_step, self.unit_name)}{metrics}"

    def _average(self, k):
        total, count = self._values[k]
        return total / max(count, 1)


_FULL_BAR = "━" * 20


def print_one_step(verbose, elapsed, file=None):
    """The final line of a one-step ``predict`` (``1/1 ━━━━ 0s 41us/step``),
    written without a :class:`Progbar` so that a one-row predict stays cheap.

    Off a terminal and on one, the line is the same (one step needs no redraw).
    It is not flushed: a terminal's line buffering shows it at once, and off a
    terminal a flush (a ``write`` system call) would cost a 30 µs predict
    about 40 %.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> print_one_step(2, 0.5, out)
    >>> out.getvalue()
    '1/1 - 0s - 500ms/step\\n'
    """
    if not verbose or not config._INTERACTIVE[0]:
        return
    per_step = _format_time(elapsed, "step")
    line = (f"1/1 - {elapsed:.0f}s - {per_step}\n" if verbose == 2 else
            f"1/1 {_FULL_BAR} {elapsed:.0f}s {per_step}\n")
    (file or sys.stdout).write(line)


class ProgbarLogger(Callback):
    """Prints ``Epoch i/n`` and a :class:`Progbar` per epoch (added by ``fit``
    when ``verbose`` is 1 or 2); ``evaluate`` and ``predict`` show a bar
    of their own steps.

    Parameters
    ----------
    verbose : int, default=1
        1: a bar (one line per epoch off a terminal); 2: one line per epoch.
    file : file object, optional
        Where to write (default: ``sys.stdout``).
    """

    def __init__(self, verbose=1, file=None):
        super().__init__()
        self.verbose = 1 if verbose == "auto" else verbose
        self.file = file
        self._bar = None
        self._in_fit = False

    def _wants_batch_hook(self, hook):
        # the per-batch hooks only redraw a terminal's bar (or count unknown steps):
        # off a terminal the loops skip them, and the batch logs they would build
        if self.params.get("steps") is None:
            return True
        return self.verbose == 1 and config.is_interactive_logging_enabled() and \
            _dynamic(self.file or sys.stdout)

    def _new_bar(self, target):
        self._bar = Progbar(target, verbose=self.verbose, file=self.file,
                            stateful_metrics=_Everything())

    def on_train_begin(self, logs=None):
        from ._jit_note import note_first_compilation

        self._in_fit = True
        self._bar = None
        if self.verbose:
            note_first_compilation(self.file)

    def on_train_end(self, logs=None):
        self._in_fit = False

    def on_epoch_begin(self, epoch, logs=None):
        epochs = self.params.get("epochs")
        if self.verbose and (epochs or 0) > 1 and config.is_interactive_logging_enabled():
            out = self.file or sys.stdout
            print(f"Epoch {epoch + 1}/{epochs}", file=out, flush=True)
        self._new_bar(self.params.get("steps"))
        self._seen = 0

    def on_train_batch_end(self, batch, logs=None):
        self._seen = batch + 1
        if self._bar is not None and self.verbose == 1:
            self._bar.update(self._seen, list((logs or {}).items()), finalize=False)

    def on_epoch_end(self, epoch, logs=None):
        if self._bar is None:
            return
        steps = self.params.get("steps") or self._seen
        self._bar.target = steps
        self._bar.update(steps, list((logs or {}).items()), finalize=True)
        self._bar = None

    # evaluate / predict outside fit (inside fit, validation stays quiet, as Keras)
    def on_test_begin(self, logs=None):
        if not self._in_fit:
            self._new_bar(self.params.get("steps"))
            self._seen = 0

    def on_test_batch_end(self, batch, logs=None):
        if not self._in_fit and self._bar is not None:
            self._seen = batch + 1
            self._bar.update(self._seen, list((logs or {}).items()), finalize=False)

    def on_test_end(self, logs=None):
        if not self._in_fit and self._bar is not None:
            self._bar.target = self._bar.target or self._seen
            self._bar.update(self._bar.target, list((logs or {}).items()), finalize=True)
            self._bar = None

    def on_predict_begin(self, logs=None):
        self._new_bar(self.params.get("steps"))
        self._seen = 0

    def on_predict_batch_end(self, batch, logs=None):
        if self._bar is not None:
            self._seen = batch + 1
            self._bar.update(self._seen, finalize=False)

    def on_predict_end(self, logs=None):
        if self._bar is not None:
            self._bar.target = self._bar.target or self._seen
            self._bar.update(self._bar.target, finalize=True)
            self._bar = None


class _Everything:
    """``stateful_metrics`` for the logger: the logs are already running means."""

    def __contains__(self, name):
        return True

    def __iter__(self):
        return iter(())
