"""compile / fit / evaluate / predict: the training loop (fit → epoch → step).

These functions become methods of :class:`skdeep.nn.Model`.
"""
import contextlib
import copy
import math
import numbers
import warnings

import numpy as np

from . import backend, data, optimizers
from . import callbacks as callbacks_module
from . import losses as losses_module
from . import metrics as metrics_module

_KERAS_ONLY_COMPILE_ARGS = ("run_eagerly", "steps_per_execution", "jit_compile",
                            "auto_scale_loss")


# ---------------------------------------------------------------------------- compile
def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
            weighted_metrics=None, **kwargs):
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
    unknown = sorted(set(kwargs) - set(_KERAS_ONLY_COMPILE_ARGS))
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
    for item in _flat_metric_specs(metrics) + _flat_metric_specs(weighted_metrics):
        metrics_module.resolve(item)
    self.loss = loss
    self._compile_spec = dict(loss=loss, metrics=metrics, loss_weights=loss_weights,
                              weighted_metrics=weighted_metrics)
    self._trainable_at_compile = {id(layer): layer.trainable for layer in _all_layers(self)}
    self._trainable_at_compile[id(self)] = self.trainable
    self.compiled = True
    self._train = None
    self.stop_training = False


def _flat_metric_specs(metrics):
    if metrics is None:
        return []
    items = metrics.values() if isinstance(metrics, dict) else (
        metrics if isinstance(metrics, (list, tuple)) else [metrics])
    out = []
    for item in items:
        out.extend(_flat_metric_specs(item) if isinstance(item, (list, tuple, dict)) else
                   [] if item is None else [item])
    return out


def _all_layers(model):
    from .model import Model

    stack = list(model.layers) if (model._graph_ready or hasattr(model, "_stack")) else []
    seen, out = set(), []
    while stack:
        layer = stack.pop(0)
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        out.append(layer)
        if isinstance(layer, Model):
            try:
                stack.extend(layer.layers)
            except ValueError:
                pass
        if not isinstance(layer, Model):
            stack.extend(layer.sublayers)
    return out


def _per_output(spec, names, what, default=None):
    if isinstance(spec, dict):
        unknown = sorted(set(spec) - set(names))
        if unknown:
            raise ValueError(f"{what} has keys {unknown} that are not output names {names}")
        return [spec.get(n, default) for n in names]
    if isinstance(spec, (list, tuple)) and len(names) > 1 and what != "metrics":
        if len(spec) != len(names):
            raise ValueError(f"{what} has {len(spec)} entries but the model has "
                             f"{len(names)} outputs {names}")
        return list(spec)
    return [spec] * len(names)


def _count_calls(model, calls):
    """How often each layer is called in a step, counting inside nested models."""
    from .model import Model

    for node in model._nodes:
        calls[id(node.layer)] = calls.get(id(node.layer), 0) + 1
        if isinstance(node.layer, Model):
            _count_calls(node.layer, calls)
    return calls


class _RunningMean:
    """Batch-size-weighted running mean of scalar losses (Keras' loss tracker),
    kept in plain floats: it is updated every step."""

    __slots__ = ("total", "count")

    def __init__(self):
        self.total = 0.0
        self.count = 0

    def add(self, value, weight):
        self.total += float(value) * weight
        self.count += weight

    def result(self):
        return self.total / self.count if self.count else 0.0


class _TrainState:
    """What a compiled, built model needs to train: resolved losses and metrics,
    the flat parameter buffer and the work arrays."""

    def __init__(self, model):
        self.model = model
        self.tuner = None  # set by fit for its epochs (threads.StepTuner)
        names = model.output_names
        spec = model._compile_spec
        self.losses = [None if l is None else losses_module.get(l)
                       for l in _per_output(spec["loss"], names, "loss")]
        self.no_loss = all(l is None for l in self.losses)
        lw = spec["loss_weights"]
        self.loss_weights = [1.0 if w is None else float(w)
                             for w in _per_output(lw, names, "loss_weights", 1.0)] \
            if lw is not None else [1.0] * len(names)
        self.metric_specs = self._metric_specs(spec["metrics"], names)
        self.weighted_metric_specs = self._metric_specs(spec["weighted_metrics"], names)
        self.metrics = None  # resolved on the first batch (needs target shapes)
        self.fused = self._fused_nodes()
        self.train_ctx = model._contexts(True, need_dx=False, fused=self.fused,
                                         calls=_count_calls(model, {}))
        self.eval_ctx = model._contexts(False, fused=self.fused)
        self._flat_key = None
        self.build_flat()

    @staticmethod
    def _metric_specs(metric_spec, names):
        """Per-output lists of metric specs (a flat list applies to every output)."""
        if isinstance(metric_spec, dict):
            per_out = _per_output(metric_spec, names, "metrics")
        elif (isinstance(metric_spec, (list, tuple)) and len(names) > 1 and metric_spec
              and all(isinstance(m, (list, tuple)) or m is None for m in metric_spec)):
            if len(metric_spec) != len(names):
                raise ValueError(f"metrics has {len(metric_spec)} lists but the model has "
                                 f"{len(names)} outputs {names}")
            per_out = list(metric_spec)
        else:
            per_out = [metric_spec] * len(names)
        return [[] if m is None else list(m) if isinstance(m, (list, tuple)) else [m]
                for m in per_out]

    def _fused_nodes(self):
        model = self.model
        consumed = {id(t) for node in model._nodes for t in node.inputs}
        fused = {}
        for i, (t, loss) in enumerate(zip(model._output_tensors, self.losses)):
            layer = t.node.layer
            act = getattr(layer, "activation", None)
            if (loss is not None and loss.fused_activation is not None
                    and getattr(act, "__name__", None) == loss.fused_activation
                    and layer.accepts_logits and id(t) not in consumed
                    and len(t.node.outputs) == 1):
                fused[model._nodes.index(t.node)] = i
        return fused

    # -------------------------------------------------------------- flat buffers
    def trainable_weights(self):
        model = self.model
        snap = model._trainable_at_compile
        if not snap.get(id(model), True):
            return []
        out, seen = [], set()
        from .model import Model

        for layer in [model] + _all_layers(model):
            if isinstance(layer, Model) and not layer._call_defined:
                continue
            if not snap.get(id(layer), layer.trainable):
                continue
            # a call()-defined layer's .weights include its sublayers', which are
            # visited (with their own trainable flags) on their own
            for w in (layer._weights if layer._call_defined else layer.weights):
                if w.trainable and id(w) not in seen:
                    seen.add(id(w))
                    out.append(w)
        return out

    def build_flat(self):
        weights = self.trainable_weights()
        key = tuple(id(w) for w in weights)
        if key == self._flat_key and all(w.value.base is self.params for w in weights):
            return
        dtypes = {w.dtype for w in weights}
        if len(dtypes) > 1:
            raise ValueError(f"All trainable weights must share one dtype, got {dtypes}")
        dtype = dtypes.pop() if dtypes else np.dtype(backend.floatx())
        sizes = [w.value.size for w in weights]
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        total = int(offsets[-1])
        params = np.empty(total, dtype)
        grads = np.zeros(total, dtype)
        for w, a, b in zip(weights, offsets[:-1], offsets[1:]):
            params[a:b] = w.value.ravel()
            w.value = params[a:b].reshape(w.value.shape)
            w.grad = grads[a:b].reshape(w.value.shape)
        self.params, self.grads, self.weights = params, grads, weights
        self.reg_weights = [w for w in weights if w.regularizer is not None]
        self.constrained_weights = [w for w in weights if w.constraint is not None]
        opt = self.model.optimizer
        layout = (total, dtype.name, tuple(offsets.tolist()))
        if opt._layout != layout:
            opt.build(total, dtype, offsets, variables=weights)
        elif key != self._flat_key:
            opt._track_variables(weights)
        self._flat_key = key

    # -------------------------------------------------------------- metrics
    def resolve_metrics(self, ys, preds):
        """Metric objects per output as (log key, metric, weighted) triples.

        As in Keras 3, ``metrics`` ignore sample weights and ``weighted_metrics``
        use them; a weighted metric whose name is taken gets a ``weighted_`` prefix.
        """
        self.metrics = []
        multi = len(self.losses) > 1
        names = self.model.output_names
        for i in range(len(self.losses)):
            resolved, keys = [], set()
            y_shape = None if ys[i] is None else ys[i].shape
            for weighted, specs in ((False, self.metric_specs[i]),
                                    (True, self.weighted_metric_specs[i])):
                for spec in specs:
                    m = metrics_module.resolve(spec, self.losses[i], y_shape, preds[i].shape)
                    key = m.name if not multi else f"{names[i]}_{m.name}"
                    if weighted and key in keys:
                        key = f"weighted_{m.name}" if not multi else f"{names[i]}_weighted_{m.name}"
                    keys.add(key)
                    resolved.append((key, m, weighted))
            self.metrics.append(resolved)

    def reset_metrics(self):
        self.loss_tracker = _RunningMean()
        self.output_loss_trackers = [_RunningMean() for _ in self.losses]
        for group in self.metrics or []:
            for _, m, _ in group:
                m.reset_state()

    def logs(self):
        out = {"loss": self.loss_tracker.result()}
        if len(self.losses) > 1:
            for name, tr, loss in zip(self.model.output_names, self.output_loss_trackers,
                                      self.losses):
                if loss is not None:
                    out[f"{name}_loss"] = tr.result()
        for group in self.metrics or []:
            for key, m, _ in group:
                result = m.result()
                if isinstance(result, dict):  # a metric may report several values (Keras)
                    out.update({k: _log_value(v) for k, v in result.items()})
                else:
                    out[key] = _log_value(result)
        return out

    # -------------------------------------------------------------- steps
    def _losses_and_grads(self, outs, ys, sws, need_grad):
        total = 0.0
        dys, preds = [], []
        n = outs[0].shape[0]
        for i, (out, loss) in enumerate(zip(outs, self.losses)):
            if loss is None or ys[i] is None:
                preds.append(out)
                dys.append(None)
                continue
            w = self.loss_weights[i]
            if i in self.fused.values():
                value, dy, pred = loss.fused_value_and_grad(ys[i], out, sws[i])
            elif need_grad:
                value, dy = loss.value_and_grad(ys[i], out, sws[i])
                pred = out
            else:
                value, dy, pred = loss(ys[i], out, sws[i]), None, out
            if w != 1.0 and dy is not None:
                dy = dy * dy.dtype.type(w)
            total += w * value
            self.output_loss_trackers[i].add(value, n)
            dys.append(dy)
            preds.append(pred)
        return total, dys, preds

    def _update_metrics(self, total, ys, preds, sws, n):
        self.loss_tracker.add(total, n)
        if self.metrics is None:
            self.resolve_metrics(ys, preds)
        for i, group in enumerate(self.metrics):
            if ys[i] is None:
                continue
            for _, m, weighted in group:
                m.update_state(ys[i], preds[i], sws[i] if weighted else None)

    def compute_gradients(self, xs, ys, sws):
        """Training-mode forward and backward: fills ``self.grads``.

        Returns the total loss (with regularization) and the predictions.
        """
        model = self.model
        self.grads.fill(0)
        penalties = []
        outs, tape, values = model._run(xs, self.train_ctx, penalties)
        total, dys, preds = self._losses_and_grads(outs, ys, sws, True)
        if self.no_loss and not penalties and not self.reg_weights:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()` "
                             "(e.g. loss='mse'), or add loss terms with layer.add_loss() in a "
                             "custom layer's call()")
        total += float(sum(penalties))
        if penalties:  # add_loss terms flow back through every layer, even without a loss
            dys = [np.zeros_like(o) if d is None else d for d, o in zip(dys, outs)]
        model._backward(tape, model._output_tensors, dys, values)
        # after backward: layers called once write their gradients directly
        for w in self.reg_weights:
            total += w.regularizer(w.value)
            w.grad += w.regularizer.gradient(w.value).astype(w.grad.dtype, copy=False)
        return total, preds

    def train_step(self, xs, ys, sws):
        total, preds = self.compute_gradients(xs, ys, sws)
        self.model.optimizer.apply(self.params, self.grads)
        for w in self.constrained_weights:
            w.value[...] = w.constraint(w.value)
        self._update_metrics(total, ys, preds, sws, preds[0].shape[0])
        return total

    def test_step(self, xs, ys, sws):
        model = self.model
        penalties = []
        outs, _, _ = model._run(xs, self.eval_ctx, penalties)
        total, _, preds = self._losses_and_grads(outs, ys, sws, False)
        total += float(sum(penalties))
        for w in self.reg_weights:
            total += w.regularizer(w.value)
        self._update_metrics(total, ys, preds, sws, outs[0].shape[0])
        return total


def _log_value(value):
    """A float for scalar results; per-class results (F1Score(average=None),
    Precision(thresholds=[...])) stay arrays, as in Keras' logs."""
    value = np.asarray(value)
    return float(value) if value.ndim == 0 else value.astype(np.float64)


def _train_state(model):
    if not model.compiled:
        raise RuntimeError(f"You must call compile() on model '{model.name}' before training "
                           "or evaluating it")
    state = model._train
    if state is None:
        state = model._train = _TrainState(model)
    else:
        state.build_flat()
    return state


def metrics_names(model):
    """The log keys of ``evaluate`` in order; before the first batch, from the specs."""
    if not getattr(model, "compiled", False):
        return []
    state = model._train
    if state is not None and state.metrics is not None:
        return list(state.logs())
    model._ensure_graph()
    state = _train_state(model)
    names = ["loss"]
    multi = len(state.losses) > 1
    if multi:
        names += [f"{n}_loss" for n, l in zip(model.output_names, state.losses) if l is not None]
    for i, name in enumerate(model.output_names):
        keys = []
        for weighted, specs in ((False, state.metric_specs[i]),
                                (True, state.weighted_metric_specs[i])):
            for spec in specs:
                base = spec if isinstance(spec, str) else getattr(spec, "name", str(spec))
                key = base if not multi else f"{name}_{base}"
                if weighted and key in keys:
                    key = f"weighted_{base}" if not multi else f"{name}_weighted_{base}"
                keys.append(key)
        names += keys
    return names


# ---------------------------------------------------------------------------- helpers
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


def _prepare_xy(model, x, y, sample_weight=None, class_weight=None, check=True):
    model._ensure_graph(x)
    xs = data.standardize_inputs(model, x, check=check)
    ys = data.standardize_targets(model, y, check=check)
    if ys is None:
        if not (model.compiled and model._compile_spec.get("loss") is None):
            raise ValueError("Target data y is required")
        # compiled without a loss (add_loss terms only): no targets, as Keras allows
        ys = [None] * len(model.output_names)
    n = data.n_samples(xs + [t for t in ys if t is not None])
    sws = data.standardize_sample_weight(sample_weight, len(ys), n, model.output_names)
    if class_weight is not None:
        if len(ys) != 1:
            raise ValueError("class_weight is only supported for models with a single output")
        if not isinstance(class_weight, dict):
            raise ValueError(f"class_weight must be a dict {{class: weight}}, got "
                             f"{type(class_weight).__name__}")
        cw = data.class_weight_to_sample_weight(class_weight, ys[0])
        sws = [cw if sws[0] is None else sws[0] * cw]
    return xs, ys, sws, n


# ---------------------------------------------------------------------------- fit
def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
        validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
        sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
        validation_batch_size=None, validation_freq=1):
    """Train the model; returns a :class:`~skdeep.nn.callbacks.History`.

    ``x``/``y`` are arrays (lists or dicts of them for several inputs or
    outputs), or ``x`` is a generator / iterable yielding ``(x, y)`` or
    ``(x, y, sample_weight)`` batches, with ``steps_per_epoch`` batches per
    epoch. ``validation_split`` takes the *last* fraction of the samples,
    before shuffling, as Keras does.
    """
    epochs = _check_int("epochs", epochs, 0)
    initial_epoch = _check_int("initial_epoch", initial_epoch, 0)
    verbose = _resolve_verbose(verbose)
    batch_size = 32 if batch_size is None else _check_int("batch_size", batch_size, 1)
    if isinstance(validation_split, bool) or not isinstance(validation_split, numbers.Real) \
            or not 0 <= validation_split < 1:
        raise ValueError(f"validation_split must be a float in [0, 1), got {validation_split!r}")
    if not self.compiled:
        raise RuntimeError(f"You must call compile() on model '{self.name}' before fit()")

    stream = data.is_batch_stream(x)
    if stream:
        ignored = [name for name, value in (("y", y), ("sample_weight", sample_weight),
                                            ("class_weight", class_weight),
                                            ("validation_split", validation_split or None))
                   if value is not None]
        if ignored:
            raise ValueError(f"When x is a generator or Sequence of batches, {ignored} cannot be "
                             "given: yield (x, y, sample_weight) batches and pass "
                             "validation_data instead")
        batches_source = _stream_batches(self, x, steps_per_epoch)
        n = None
        steps = steps_per_epoch
        if steps is None and hasattr(x, "__len__") and not hasattr(x, "__next__"):
            steps = len(x)
    else:
        xs, ys, sws, n = _prepare_xy(self, x, y, sample_weight, class_weight)
        if validation_split and validation_data is None:
            split = int(n * (1.0 - validation_split))
            if split == 0 or split == n:
                raise ValueError(f"validation_split={validation_split} leaves no training or no "
                                 f"validation samples out of {n}")
            validation_data = (data.take(xs, slice(split, None)),
                               data.take(ys, slice(split, None)),
                               data.take(sws, slice(split, None)))
            xs, ys, sws = (data.take(a, slice(0, split)) for a in (xs, ys, sws))
            n = split
        steps = math.ceil(n / batch_size)
        if steps_per_epoch is not None:
            steps = _check_int("steps_per_epoch", steps_per_epoch, 1)
    state = _train_state(self)
    val = None
    if validation_data is not None:
        if data.is_batch_stream(validation_data):
            val = _stream_batches(self, validation_data, validation_steps, "validation_steps")
        else:
            val = _prepare_validation(self, validation_data)

    history = callbacks_module.History()
    cbs = list(callbacks or [])
    if verbose:
        cbs.append(callbacks_module.ProgbarLogger(verbose))
    cbs.append(history)
    cb_list = callbacks_module.CallbackList(cbs, self, {"epochs": epochs, "steps": steps,
                                                       "verbose": verbose})
    self.stop_training = False
    self.history = history
    rng = backend.get_rng()
    want_batch_logs = cb_list.wants("on_train_batch_end")
    cb_list.notify("on_train_begin", {})
    # a callback may move the start (BackupAndRestore resuming), as in Keras
    initial_epoch = getattr(self, "_initial_epoch", None) or initial_epoch
    self._initial_epoch = None
    if not stream and steps_per_epoch is not None:
        stream, batches_source = True, _array_steps(xs, ys, sws, n, batch_size, shuffle, rng,
                                                    steps)
    with _blas_policy(self, batch_size) as state.tuner:
        logs = _run_epochs(self, state, cb_list, epochs, initial_epoch, stream,
                           batches_source if stream else None,
                           None if stream else (xs, ys, sws, n), batch_size, shuffle, rng,
                           want_batch_logs, val, validation_freq, validation_batch_size)
    if epochs > initial_epoch:  # EMA weights replace the trained ones, as Keras
        self.optimizer.finalize_variable_values(state.weights)
    cb_list.notify("on_train_end", logs)
    _warn_if_diverged(self, history)
    return history


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


# Below this many multiply-adds in a step's largest Dense product, OpenBLAS's
# second thread costs more in hand-offs than it saves (and collapses when the
# cores are shared: measured 3-7x slower small-network epochs under load).
_SMALL_GEMM_MACS = 4_000_000


@contextlib.contextmanager
def _blas_policy(model, batch_size):
    """Single-threaded BLAS for networks whose matrix products are small;
    otherwise yields a :class:`threads.StepTuner` (or None) that picks BLAS's
    threads or one thread from step timings, following the machine's load."""
    from . import threads
    from .layers.core import Dense

    largest = 0
    for layer in _all_layers(model):
        if isinstance(layer, Dense) and layer.built:
            largest = max(largest, batch_size * layer.kernel.value.size)
    small = 0 < largest < _SMALL_GEMM_MACS
    with threads.single_threaded_blas() if small else contextlib.nullcontext():
        tuner = threads.StepTuner.for_fit(small)
        try:
            yield tuner
        finally:
            if tuner is not None:
                tuner.close()


def _array_steps(xs, ys, sws, n, batch_size, shuffle, rng, steps_per_epoch):
    """Epochs of ``steps_per_epoch`` batches over arrays: each epoch goes on where
    the previous one stopped, and a new (reshuffled) pass starts when one is
    used up, as Keras' epoch iterator does."""
    current = [iter(())]

    def epoch_batches():
        for _ in range(steps_per_epoch):
            idx = next(current[0], None)
            if idx is None:
                current[0] = iter(data.batch_indices(n, batch_size, shuffle, rng))
                idx = next(current[0])
            yield data.take(xs, idx), data.take(ys, idx), data.take(sws, idx)

    return epoch_batches


def _run_epochs(self, state, cb_list, epochs, initial_epoch, stream, batches_source, arrays,
                batch_size, shuffle, rng, want_batch_logs, val, validation_freq,
                validation_batch_size):
    logs = {}
    if arrays is not None:
        xs, ys, sws, n = arrays
    for epoch in range(initial_epoch, epochs):
        state.reset_metrics()
        cb_list.notify("on_epoch_begin", epoch, {})
        if stream:
            batches = batches_source()
        else:
            index = data.batch_indices(n, batch_size, shuffle, rng)
            batches = ((data.take(xs, idx), data.take(ys, idx), data.take(sws, idx))
                       for idx in index)
        for step, (bx, by, bsw) in enumerate(batches):
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
            if callable(val):
                val_logs = _evaluate_batches(state, val())
            else:
                val_logs = _evaluate_arrays(self, state, *val, batch_size=validation_batch_size or
                                            batch_size)
            logs.update({f"val_{k}": v for k, v in val_logs.items()})
        cb_list.notify("on_epoch_end", epoch, logs)
        if self.stop_training:
            break
    return logs


def _prepare_validation(model, validation_data):
    if isinstance(validation_data, tuple) and len(validation_data) == 3 and \
            isinstance(validation_data[0], list) and isinstance(validation_data[1], list) and \
            isinstance(validation_data[2], list) and \
            len(validation_data[0]) == len(model._input_tensors):
        return validation_data  # already split from the training arrays
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise ValueError("validation_data must be a tuple (x_val, y_val) or "
                         "(x_val, y_val, sample_weight_val)")
    vx, vy = validation_data[0], validation_data[1]
    vsw = validation_data[2] if len(validation_data) == 3 else None
    xs, ys, sws, _ = _prepare_xy(model, vx, vy, vsw)
    return xs, ys, sws


def _stream_batches(model, source, steps_per_epoch, what="steps_per_epoch"):
    """A callable giving one epoch's batches from a generator or Sequence.

    An unbuilt model is built from the first batch, which is not lost.
    """
    if hasattr(source, "__len__") and hasattr(source, "__getitem__") and \
            not hasattr(source, "__next__"):
        n_batches = len(source) if steps_per_epoch is None else min(steps_per_epoch, len(source))
        if n_batches == 0:
            raise ValueError("The batch sequence is empty")
        if not model._graph_ready:
            model._ensure_graph(_first_x(source[0]))

        def epoch_batches():
            for i in range(n_batches):
                yield _unpack_batch(model, source[i])
            if hasattr(source, "on_epoch_end"):
                source.on_epoch_end()

        return epoch_batches
    one_shot = hasattr(source, "__next__")
    if steps_per_epoch is None and one_shot:
        raise ValueError(f"{what} is required when x is a generator (it may never end)")
    iterator = [iter(source)]
    pending = []
    if not model._graph_ready:
        try:
            pending.append(next(iterator[0]))
        except StopIteration:
            raise ValueError("The data generator yielded no batch") from None
        model._ensure_graph(_first_x(pending[0]))

    def epoch_batches():
        if not one_shot and not pending:
            iterator[0] = iter(source)  # a re-iterable dataset: one pass per epoch
        count = 0
        while steps_per_epoch is None or count < steps_per_epoch:
            if pending:
                batch = pending.pop()
            else:
                try:
                    batch = next(iterator[0])
                except StopIteration:
                    if count == 0:
                        raise ValueError("The data generator is exhausted: it yielded no batch "
                                         f"for this epoch. Make it loop forever or lower epochs/"
                                         f"{what}") from None
                    return
            count += 1
            yield _unpack_batch(model, batch)

    return epoch_batches


def _first_x(batch):
    if not isinstance(batch, (tuple, list)) or len(batch) not in (2, 3):
        raise ValueError("A data generator must yield (x, y) or (x, y, sample_weight) tuples")
    return batch[0]


def _unpack_batch(model, batch):
    if not isinstance(batch, (tuple, list)) or len(batch) not in (2, 3):
        raise ValueError("A data generator must yield (x, y) or (x, y, sample_weight) tuples")
    sw = batch[2] if len(batch) == 3 else None
    xs, ys, sws, _ = _prepare_xy(model, batch[0], batch[1], sw)
    return xs, ys, sws


# ---------------------------------------------------------------------------- evaluate
def _fresh_metric(metric):
    clone = copy.copy(metric)
    clone.reset_state()
    return clone


def _evaluate_arrays(model, state, xs, ys, sws, batch_size=32):
    """Loss and metric logs over arrays, with trackers separate from training's."""
    n = data.n_samples(xs + ys)
    batches = ((data.take(xs, idx), data.take(ys, idx), data.take(sws, idx))
               for idx in data.batch_indices(n, batch_size, False, None))
    return _evaluate_batches(state, batches)


def _evaluate_batches(state, batches):
    saved = (getattr(state, "loss_tracker", None), getattr(state, "output_loss_trackers", None),
             state.metrics)
    if state.metrics is not None:
        state.metrics = [[(k, _fresh_metric(m), w) for k, m, w in g] for g in state.metrics]
    state.reset_metrics()
    try:
        for bx, by, bsw in batches:
            state.test_step(bx, by, bsw)
        logs = state.logs()
        resolved = state.metrics
    finally:
        state.loss_tracker, state.output_loss_trackers, state.metrics = saved
    if state.metrics is None and resolved is not None:
        state.metrics = [[(k, _fresh_metric(m), w) for k, m, w in g] for g in resolved]
    return logs


def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
             steps=None, callbacks=None, return_dict=False):
    """Loss and metrics on data: a scalar (no metrics, one output), a list
    ``[loss, *metrics]`` or, with ``return_dict=True``, a dict."""
    batch_size = 32 if batch_size is None else _check_int("batch_size", batch_size, 1)
    if data.is_batch_stream(x):
        if y is not None or sample_weight is not None:
            raise ValueError("When x is a generator or Sequence of batches, y and sample_weight "
                             "cannot be given: yield (x, y, sample_weight) batches")
        batches = _stream_batches(self, x, steps, what="steps")
        logs = _evaluate_batches(_train_state(self), batches())
    else:
        xs, ys, sws, _ = _prepare_xy(self, x, y, sample_weight)
        logs = _evaluate_arrays(self, _train_state(self), xs, ys, sws, batch_size)
    return _logs_result(logs, return_dict)


def _logs_result(logs, return_dict):
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
    """Loss and metrics on one batch (metrics are not accumulated across calls)."""
    xs, ys, sws, _ = _prepare_xy(self, x, y, sample_weight)
    state = _train_state(self)
    logs = _evaluate_arrays(self, state, xs, ys, sws, batch_size=max(xs[0].shape[0], 1))
    return _logs_result(logs, return_dict)


def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
    """One gradient step on one batch; returns the loss (and metrics) of that batch."""
    xs, ys, sws, _ = _prepare_xy(self, x, y, sample_weight, class_weight)
    state = _train_state(self)
    state.reset_metrics()
    state.train_step(xs, ys, sws)
    return _logs_result(state.logs(), return_dict)


# ---------------------------------------------------------------------------- predict
def _predict_ctx(model):
    """The predict contexts of this thread (work arrays are per thread)."""
    local = model._local
    ctxs = getattr(local, "ctxs", None)
    if ctxs is None or len(ctxs) != len(model._nodes):
        ctxs = local.ctxs = model._contexts(False)
    return ctxs


def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
    """Model outputs for ``x``, computed in batches (inference mode)."""
    batch_size = 32 if batch_size is None else _check_int("batch_size", batch_size, 1)
    if data.is_batch_stream(x):
        chunks = []
        for i, batch in enumerate(x):
            if steps is not None and i >= steps:
                break
            bx = batch[0] if isinstance(batch, tuple) else batch
            chunks.append(self.predict(bx, batch_size=batch_size, verbose=0))
        if not chunks:
            raise ValueError("predict got an empty generator")
        if isinstance(chunks[0], list):
            return [np.concatenate([c[i] for c in chunks]) for i in range(len(chunks[0]))]
        return np.concatenate(chunks)
    self._ensure_graph(x)
    xs = data.standardize_inputs(self, x)
    n = data.n_samples(xs, "the input arrays")
    ctxs = _predict_ctx(self)
    if n <= batch_size:
        outs = [o.copy() for o in self._infer(xs, ctxs)]
    else:
        outs = None
        for start in range(0, n, batch_size):
            part = self._infer(data.take(xs, slice(start, start + batch_size)), ctxs)
            if outs is None:
                outs = [np.empty((n,) + o.shape[1:], o.dtype) for o in part]
            for o, p in zip(outs, part):
                o[start:start + p.shape[0]] = p
    return outs if self._output_is_list else outs[0]


def predict_on_batch(self, x):
    """Outputs for one batch, without splitting it."""
    self._ensure_graph(x)
    xs = data.standardize_inputs(self, x)
    data.n_samples(xs, "the input arrays")
    outs = [o.copy() for o in self._infer(xs, _predict_ctx(self))]
    return outs if self._output_is_list else outs[0]

