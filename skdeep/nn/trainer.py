"""The Trainer: compile / fit / evaluate / predict (fit → epoch → step).

:class:`Trainer` is a mixin of :class:`skdeep.nn.Model`, as Keras 3's
``Trainer``: the model keeps the graph and the weights, the trainer keeps
the loop and the callbacks. What runs per step is in
:mod:`skdeep.nn.compile_utils` (heads) and :mod:`skdeep.nn.execution`
(the plan); batching is in :mod:`skdeep.nn.epoch_iterator`.
"""
from __future__ import annotations

import math
import numbers
import time
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._typing import LossSpec, MetricsSpec, OptimizerSpec, Verbose
from . import backend, data, losses as losses_module, metrics as metrics_module, optimizers, \
    threads
from ._callback_base import CallbackList, History
from .compile_utils import (KERAS_ONLY_COMPILE_ARGS, evaluate_batches, flat_metric_specs,
                            metrics_names, train_state)
from .epoch_iterator import (array_batches, array_steps, prepare_validation, prepare_xy,
                             stream_batches)
from .execution import all_layers, infer, predict_contexts
from .inference import try_predict
from .progbar import ProgbarLogger, print_one_step


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _resolve_verbose(verbose):
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2, True, False):
        raise ValueError(f"verbose must be 'auto', 0, 1 or 2, got {verbose!r}")
    return int(verbose)


def _logs_result(logs, return_dict):
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def _callback_list(model, callbacks, params):
    """A CallbackList for evaluate/predict (None without callbacks: no hook cost)."""
    return CallbackList(callbacks, model, params) if callbacks else None


def _with_progbar(callbacks, verbose):
    """The user's callbacks plus Keras' progress bar when ``verbose`` (1 or 2)."""
    cbs = list(callbacks or [])
    if verbose:
        cbs.append(ProgbarLogger(verbose))
    return cbs


def _largest_dense_product(model, batch_size):
    from .layers.core import Dense

    return max((batch_size * layer.kernel.value.size for layer in all_layers(model)
                if isinstance(layer, Dense) and layer.built), default=0)


class Trainer:
    """compile / fit / evaluate / predict and the ``*_on_batch`` methods."""

    if TYPE_CHECKING:  # given by Model, which this class is a mixin of
        trainable: bool
        history: History | None
        _output_is_list: bool

        def _ensure_graph(self, x: Any = None) -> None: ...

    def compile(self, optimizer: OptimizerSpec = "rmsprop", loss: LossSpec | None = None,
                metrics: MetricsSpec | None = None,
                loss_weights: Sequence[float] | Mapping[str, float] | None = None,
                weighted_metrics: MetricsSpec | None = None, **kwargs: Any) -> None:
        """Configure the model for training.

        Parameters
        ----------
        optimizer : str or Optimizer
            'adam', 'sgd', 'rmsprop', 'adagrad' or an instance.
        loss : str, Loss, list or dict
            One loss for every output, a list (one per output) or a dict by
            output name.
        metrics : list or dict, optional
            Metric names ('accuracy', 'mse', 'mae', ...) or Metric instances.
        loss_weights : list or dict, optional
            Scalar weights of the per-output losses in the total loss.
        """
        unknown = sorted(set(kwargs) - set(KERAS_ONLY_COMPILE_ARGS))
        if unknown:
            raise TypeError(f"compile() got unexpected keyword argument(s) {unknown}")
        self.optimizer = optimizers.get(optimizer)
        # loss=None is allowed, as in Keras: the model may minimise its add_loss terms
        # (checked at the first step: "No loss to compute")
        # resolve names early so that typos fail at compile time
        for item in (loss.values() if isinstance(loss, dict) else
                     loss if isinstance(loss, (list, tuple)) else [loss]):
            if item is not None:
                losses_module.get(item)
        for item in flat_metric_specs(metrics) + flat_metric_specs(weighted_metrics):
            metrics_module.resolve(item)
        self.loss = loss
        self._compile_spec = dict(loss=loss, metrics=metrics, loss_weights=loss_weights,
                                  weighted_metrics=weighted_metrics)
        self._trainable_at_compile = {id(layer): layer.trainable for layer in all_layers(self)}
        self._trainable_at_compile[id(self)] = self.trainable
        self.compiled = True
        self._train = None
        self.stop_training = False

    @property
    def metrics_names(self):
        """Names of what ``evaluate`` returns, in order (``['loss', 'accuracy']``)."""
        return metrics_names(self)

    # ------------------------------------------------------------------ fit
    def fit(self, x: Any = None, y: Any = None, batch_size: int | None = None, epochs: int = 1,
            verbose: Verbose = "auto", callbacks: Sequence[Any] | None = None,
            validation_split: float = 0.0, validation_data: Any = None, shuffle: bool = True,
            class_weight: Mapping[Any, float] | None = None, sample_weight: Any = None,
            initial_epoch: int = 0, steps_per_epoch: int | None = None,
            validation_steps: int | None = None, validation_batch_size: int | None = None,
            validation_freq: int = 1) -> History:
        """Train the model; returns a :class:`~skdeep.nn.callbacks.History`.

        ``x``/``y`` are arrays (lists or dicts of them for several inputs or
        outputs), or ``x`` is a generator / iterable yielding ``(x, y)`` or
        ``(x, y, sample_weight)`` batches, with ``steps_per_epoch`` batches per
        epoch. ``validation_split`` takes the *last* fraction of the samples,
        before shuffling, as Keras does. The validation pass calls the
        callbacks' ``on_test_begin``, ``on_test_batch_*`` and ``on_test_end``.
        """
        epochs = _check_int("epochs", epochs, 0)
        initial_epoch = _check_int("initial_epoch", initial_epoch, 0)
        verbose = _resolve_verbose(verbose)
        batch_size = 32 if batch_size is None else _check_int("batch_size", batch_size, 1)
        if isinstance(validation_split, bool) or not isinstance(validation_split, numbers.Real) \
                or not 0 <= validation_split < 1:
            raise ValueError(f"validation_split must be a float in [0, 1), got "
                             f"{validation_split!r}")
        if not self.compiled:
            raise RuntimeError(f"You must call compile() on model '{self.name}' before fit()")

        stream = data.is_batch_stream(x)
        if stream:
            ignored = [name for name, value in (("y", y), ("sample_weight", sample_weight),
                                                ("class_weight", class_weight),
                                                ("validation_split", validation_split or None))
                       if value is not None]
            if ignored:
                raise ValueError(f"When x is a generator or Sequence of batches, {ignored} "
                                 "cannot be given: yield (x, y, sample_weight) batches and pass "
                                 "validation_data instead")
            epoch_batches = stream_batches(self, x, steps_per_epoch)
            steps = steps_per_epoch
            if steps is None and hasattr(x, "__len__") and not hasattr(x, "__next__"):
                steps = len(x)
        else:
            xs, ys, sws, n = prepare_xy(self, x, y, sample_weight, class_weight)
            if validation_split and validation_data is None:
                split = int(n * (1.0 - validation_split))
                if split == 0 or split == n:
                    raise ValueError(f"validation_split={validation_split} leaves no training "
                                     f"or no validation samples out of {n}")
                validation_data = (data.take(xs, slice(split, None)),
                                   data.take(ys, slice(split, None)),
                                   data.take(sws, slice(split, None)))
                xs, ys, sws = (data.take(a, slice(0, split)) for a in (xs, ys, sws))
                n = split
            steps = math.ceil(n / batch_size)
            rng = backend.get_rng()
            if steps_per_epoch is not None:
                steps = _check_int("steps_per_epoch", steps_per_epoch, 1)
                epoch_batches = array_steps(xs, ys, sws, n, batch_size, shuffle, rng, steps)
            else:
                def epoch_batches():
                    return array_batches(xs, ys, sws, n, batch_size, shuffle, rng)
        state = train_state(self)
        val = None
        if validation_data is not None:
            if data.is_batch_stream(validation_data):
                val = stream_batches(self, validation_data, validation_steps,
                                     "validation_steps")
            else:
                vxs, vys, vsws = prepare_validation(self, validation_data)
                vn = data.n_samples(vxs + vys)
                vbs = validation_batch_size or batch_size

                def val():
                    return array_batches(vxs, vys, vsws, vn, vbs)

        history = History()
        cbs = _with_progbar(callbacks, verbose)
        cbs.append(history)
        cb_list = CallbackList(cbs, self, {"epochs": epochs, "steps": steps,
                                           "verbose": verbose})
        self.stop_training = False
        self.history = history
        cb_list.notify("on_train_begin", {})
        # a callback may move the start (BackupAndRestore resuming), as in Keras
        initial_epoch = getattr(self, "_initial_epoch", None) or initial_epoch
        self._initial_epoch = None
        small = 0 < _largest_dense_product(self, batch_size) < threads.SMALL_GEMM_MACS
        with threads.fit_policy(small) as state.tuner:
            logs = self._run_epochs(state, cb_list, epochs, initial_epoch, epoch_batches, val,
                                    validation_freq)
        if epochs > initial_epoch:  # EMA weights replace the trained ones, as Keras
            self.optimizer.finalize_variable_values(state.weights)
        cb_list.notify("on_train_end", logs)
        _warn_if_diverged(self, history)
        return history

    def _run_epochs(self, state, cb_list, epochs, initial_epoch, epoch_batches, val,
                    validation_freq):
        logs = {}
        want_batch_logs = cb_list.wants("on_train_batch_end")
        want_batch_begin = cb_list.wants("on_train_batch_begin")
        for epoch in range(initial_epoch, epochs):
            state.reset_metrics()
            cb_list.notify("on_epoch_begin", epoch, {})
            for step, (bx, by, bsw) in enumerate(epoch_batches()):
                if want_batch_begin:
                    cb_list.notify("on_train_batch_begin", step, {})
                if state.tuner is None:
                    state.train_step(bx, by, bsw)
                else:
                    with state.tuner:
                        state.train_step(bx, by, bsw)
                if want_batch_logs:
                    cb_list.notify("on_train_batch_end", step, state.logs())
                if self.stop_training:
                    break
            logs = state.logs()
            if val is not None and (epoch + 1 - initial_epoch) % validation_freq == 0:
                val_logs = evaluate_batches(state, val(), cb_list)
                logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cb_list.notify("on_epoch_end", epoch, logs)
            if self.stop_training:
                break
        return logs

    # ------------------------------------------------------------------ evaluate
    def evaluate(self, x: Any = None, y: Any = None, batch_size: int | None = None,
                 verbose: Verbose = "auto", sample_weight: Any = None, steps: int | None = None,
                 callbacks: Sequence[Any] | None = None,
                 return_dict: bool = False) -> float | list[float] | dict[str, float]:
        """Loss and metrics on data: a scalar (no metrics, one output), a list
        ``[loss, *metrics]`` or, with ``return_dict=True``, a dict.

        ``callbacks`` get ``on_test_begin``, ``on_test_batch_begin/end`` and
        ``on_test_end``, as in Keras. ``verbose`` ('auto' = 1) shows Keras'
        progress bar (one line off a terminal); 2 prints Keras' one-line
        summary ``4/4 - 0s - 181us/step - loss: ...``.
        """
        batch_size = 32 if batch_size is None else _check_int("batch_size", batch_size, 1)
        if data.is_batch_stream(x):
            if y is not None or sample_weight is not None:
                raise ValueError("When x is a generator or Sequence of batches, y and "
                                 "sample_weight cannot be given: yield (x, y, sample_weight) "
                                 "batches")
            batches = stream_batches(self, x, steps, what="steps")()
            n_steps = steps if steps is not None or not hasattr(x, "__len__") else len(x)
        else:
            xs, ys, sws, n = prepare_xy(self, x, y, sample_weight)
            batches = array_batches(xs, ys, sws, n, batch_size)
            n_steps = math.ceil(n / batch_size)
        verbose = _resolve_verbose(verbose)
        cb_list = _callback_list(self, _with_progbar(callbacks, verbose),
                                 {"verbose": verbose, "epochs": 1, "steps": n_steps})
        return _logs_result(evaluate_batches(train_state(self), batches, cb_list), return_dict)

    def test_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                      return_dict: bool = False) -> float | list[float] | dict[str, float]:
        """Loss and metrics on one batch (metrics are not accumulated across calls)."""
        xs, ys, sws, _ = prepare_xy(self, x, y, sample_weight)
        logs = evaluate_batches(train_state(self), [(xs, ys, sws)])
        return _logs_result(logs, return_dict)

    def train_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                       class_weight: Mapping[Any, float] | None = None,
                       return_dict: bool = False) -> float | list[float] | dict[str, float]:
        """One gradient step on one batch; returns the loss (and metrics) of that batch."""
        xs, ys, sws, _ = prepare_xy(self, x, y, sample_weight, class_weight)
        state = train_state(self)
        state.reset_metrics()
        state.train_step(xs, ys, sws)
        return _logs_result(state.logs(), return_dict)

    # ------------------------------------------------------------------ predict
    def predict(self, x: Any, batch_size: int | None = None, verbose: Verbose = "auto",
                steps: int | None = None,
                callbacks: Sequence[Any] | None = None) -> np.ndarray | list[np.ndarray]:
        """Model outputs for ``x``, computed in batches (inference mode).

        ``callbacks`` get ``on_predict_begin``, ``on_predict_batch_begin/end``
        (with ``{"outputs": ...}``) and ``on_predict_end``, as in Keras.
        ``verbose`` shows Keras' progress bar (1) or one-line summary (2); a
        predict of a single batch prints its ``1/1`` line only when
        ``verbose`` is given: the default 'auto' keeps a one-row predict free
        of output cost.
        """
        batch_size = 32 if batch_size is None else _check_int("batch_size", batch_size, 1)
        auto, verbose = verbose == "auto", _resolve_verbose(verbose)
        if not callbacks and (auto or not verbose):  # silent: the small-batch path may run
            out = try_predict(self, x, batch_size)
            if out is not None:
                return out
        if data.is_batch_stream(x):
            return self._predict_stream(x, batch_size, steps, verbose, callbacks)
        self._ensure_graph(x)
        xs = data.standardize_inputs(self, x)
        n = data.n_samples(xs, "the input arrays")
        ctxs = predict_contexts(self)
        if not callbacks and n <= batch_size:  # one batch: no callback machinery
            # 'auto' stays silent here: the 1/1 line would cost a one-row predict ~20 %
            shown = verbose and not auto
            start = time.perf_counter() if shown else 0.0
            whole = [o.copy() for o in infer(self, xs, ctxs)]
            if shown:
                print_one_step(verbose, time.perf_counter() - start)
            return whole if self._output_is_list else whole[0]
        cb_list = _callback_list(self, _with_progbar(callbacks, verbose), {
            "verbose": verbose, "epochs": 1, "steps": max(math.ceil(n / batch_size), 1)})
        if cb_list is not None:
            cb_list.notify("on_predict_begin", {})
        want_begin = cb_list is not None and cb_list.wants("on_predict_batch_begin")
        want_end = cb_list is not None and cb_list.wants("on_predict_batch_end")
        outs = None
        for step, start in enumerate(range(0, max(n, 1), batch_size)):
            if want_begin:
                cb_list.notify("on_predict_batch_begin", step, {})
            part = infer(self, data.take(xs, slice(start, start + batch_size)), ctxs)
            if outs is None:
                outs = [np.empty((n,) + o.shape[1:], o.dtype) for o in part]
            for o, p in zip(outs, part):
                o[start:start + p.shape[0]] = p
            if want_end:
                batch_out = [o[start:start + p.shape[0]] for o, p in zip(outs, part)]
                cb_list.notify("on_predict_batch_end", step, {
                    "outputs": batch_out if self._output_is_list else batch_out[0]})
        if cb_list is not None:
            cb_list.notify("on_predict_end", {})
        assert outs is not None  # the loop runs at least once (max(n, 1))
        return outs if self._output_is_list else outs[0]

    def _predict_stream(self, x, batch_size, steps, verbose, callbacks):
        if steps is None and hasattr(x, "__len__") and not hasattr(x, "__next__"):
            n_steps = len(x)
        else:
            n_steps = steps
        cb_list = _callback_list(self, _with_progbar(callbacks, verbose),
                                 {"verbose": verbose, "epochs": 1, "steps": n_steps})
        if cb_list is not None:
            cb_list.notify("on_predict_begin", {})
        chunks = []
        for i, batch in enumerate(x):
            if steps is not None and i >= steps:
                break
            if cb_list is not None:
                cb_list.notify("on_predict_batch_begin", i, {})
            bx = batch[0] if isinstance(batch, tuple) else batch
            chunks.append(self.predict(bx, batch_size=batch_size, verbose=0))
            if cb_list is not None:
                cb_list.notify("on_predict_batch_end", i, {"outputs": chunks[-1]})
        if not chunks:
            raise ValueError("predict got an empty generator")
        if cb_list is not None:
            cb_list.notify("on_predict_end", {})
        if isinstance(chunks[0], list):
            return [np.concatenate([c[i] for c in chunks]) for i in range(len(chunks[0]))]
        return np.concatenate(chunks)

    def predict_on_batch(self, x: Any) -> np.ndarray | list[np.ndarray]:
        """Outputs for one batch, without splitting it."""
        out = try_predict(self, x)
        if out is not None:
            return out
        self._ensure_graph(x)
        xs = data.standardize_inputs(self, x)
        data.n_samples(xs, "the input arrays")
        outs = [o.copy() for o in infer(self, xs, predict_contexts(self))]
        return outs if self._output_is_list else outs[0]


def _warn_if_diverged(model, history):
    """Keras returns a diverged model without a word; warn at least (the
    estimators raise instead)."""
    losses_seen = history.history.get("loss", [])
    bad = next((i for i, v in enumerate(losses_seen) if not math.isfinite(v)), None)
    weights_ok = all(np.isfinite(w.value).all() for w in model.weights)
    if bad is None and weights_ok:
        return
    what = (f"the training loss became {losses_seen[bad]} at epoch {history.epoch[bad] + 1}"
            if bad is not None else "the loss stayed finite")
    what += "" if weights_ok else " and the weights are no longer finite"
    warnings.warn(f"Model '{model.name}': training diverged: {what}. The learning rate may be "
                  "too high or the inputs unscaled; TerminateOnNaN() stops training at the "
                  "first non-finite batch loss.", RuntimeWarning, stacklevel=3)
