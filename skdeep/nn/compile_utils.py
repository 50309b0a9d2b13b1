"""What ``compile`` sets up: the output heads (losses, loss weights,
metrics and their trackers) and the train and test steps that join them to
the model's :class:`~skdeep.nn.execution.ExecutionPlan`."""
import copy

import numpy as np

from . import activations, losses as losses_module, metrics as metrics_module
from .execution import ExecutionPlan

KERAS_ONLY_COMPILE_ARGS = ("run_eagerly", "steps_per_execution", "jit_compile",
                           "auto_scale_loss")


def flat_metric_specs(metrics):
    if metrics is None:
        return []
    items = metrics.values() if isinstance(metrics, dict) else (
        metrics if isinstance(metrics, (list, tuple)) else [metrics])
    out = []
    for item in items:
        out.extend(flat_metric_specs(item) if isinstance(item, (list, tuple, dict)) else
                   [] if item is None else [item])
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


class TrainState:
    """What a compiled, built model trains and evaluates with: the output
    heads (resolved losses and metrics, their trackers) and the model's
    :class:`~skdeep.nn.execution.ExecutionPlan` (``self.plan``)."""

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
        self.plan = ExecutionPlan(model, self.fused, model._trainable_at_compile)

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
                    and activations.is_builtin(act)
                    and act.__name__ == loss.fused_activation
                    and layer.accepts_logits and id(t) not in consumed
                    and len(t.node.outputs) == 1):
                fused[model._nodes.index(t.node)] = i
        return fused

    # -------------------------------------------------------------- the plan's buffers
    @property
    def params(self):
        return self.plan.params

    @property
    def grads(self):
        return self.plan.grads

    @property
    def weights(self):
        """The trainable weights in the order of the flat buffers."""
        return self.plan.weights

    def build_flat(self):
        self.plan.build_flat()

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
        plan = self.plan
        penalties = []
        outs, tape, values = plan.forward_train(xs, penalties)
        total, dys, preds = self._losses_and_grads(outs, ys, sws, True)
        if self.no_loss and not penalties and not plan.reg_weights:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()` "
                             "(e.g. loss='mse'), or add loss terms with layer.add_loss() in a "
                             "custom layer's call()")
        total += float(sum(penalties))
        if penalties:  # add_loss terms flow back through every layer, even without a loss
            dys = [np.zeros_like(o) if d is None else d for d, o in zip(dys, outs)]
        plan.backward(tape, dys, values)
        # after backward: layers called once write their gradients directly
        for w in plan.reg_weights:
            total += w.regularizer(w.value)
            w.grad += w.regularizer.gradient(w.value).astype(w.grad.dtype, copy=False)
        return total, preds

    def train_step(self, xs, ys, sws):
        total, preds = self.compute_gradients(xs, ys, sws)
        plan = self.plan
        self.model.optimizer.apply(plan.params, plan.grads)
        for w in plan.constrained_weights:
            w.value[...] = w.constraint(w.value)
        self._update_metrics(total, ys, preds, sws, preds[0].shape[0])
        return total

    def test_step(self, xs, ys, sws):
        penalties = []
        outs = self.plan.forward_eval(xs, penalties)
        total, _, preds = self._losses_and_grads(outs, ys, sws, False)
        total += float(sum(penalties))
        for w in self.plan.reg_weights:
            total += w.regularizer(w.value)
        self._update_metrics(total, ys, preds, sws, outs[0].shape[0])
        return total


def _log_value(value):
    """A float for scalar results; per-class results (F1Score(average=None),
    Precision(thresholds=[...])) stay arrays, as in Keras' logs."""
    value = np.asarray(value)
    return float(value) if value.ndim == 0 else value.astype(np.float64)


def train_state(model):
    """The model's :class:`TrainState`, created at the first use after ``compile``."""
    if not model.compiled:
        raise RuntimeError(f"You must call compile() on model '{model.name}' before training "
                           "or evaluating it")
    state = model._train
    if state is None:
        state = model._train = TrainState(model)
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
    state = train_state(model)
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


def _fresh_metric(metric):
    clone = copy.copy(metric)
    clone.reset_state()
    return clone


def evaluate_batches(state, batches, callbacks=None):
    """Loss and metric logs over ``batches``, with trackers separate from training's.

    ``callbacks`` (a CallbackList, optional) get Keras' test hooks:
    ``on_test_begin``, ``on_test_batch_begin/end`` (running logs) and
    ``on_test_end`` (the final logs).
    """
    saved = (getattr(state, "loss_tracker", None), getattr(state, "output_loss_trackers", None),
             state.metrics)
    if state.metrics is not None:
        state.metrics = [[(k, _fresh_metric(m), w) for k, m, w in g] for g in state.metrics]
    state.reset_metrics()
    if callbacks is not None:
        callbacks.notify("on_test_begin", {})
        want_begin = callbacks.wants("on_test_batch_begin")
        want_end = callbacks.wants("on_test_batch_end")
    try:
        for step, (bx, by, bsw) in enumerate(batches):
            if callbacks is not None and want_begin:
                callbacks.notify("on_test_batch_begin", step, {})
            state.test_step(bx, by, bsw)
            if callbacks is not None and want_end:
                callbacks.notify("on_test_batch_end", step, state.logs())
        logs = state.logs()
        resolved = state.metrics
    finally:
        state.loss_tracker, state.output_loss_trackers, state.metrics = saved
    if state.metrics is None and resolved is not None:
        state.metrics = [[(k, _fresh_metric(m), w) for k, m, w in g] for g in resolved]
    if callbacks is not None:
        callbacks.notify("on_test_end", logs)
    return logs
