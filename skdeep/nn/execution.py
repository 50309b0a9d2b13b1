"""The execution plan: how a model's graph runs, for every entry point.

:class:`ExecutionPlan` owns what a compiled model needs per step: the node
order, one reusable :class:`~skdeep.nn.context.CallContext` per node and
mode (train, evaluate), the fused loss heads, and the flat parameter and
gradient buffers the optimizer updates in one call. Predict, ``__call__``,
``K.function`` and sub-models use :func:`infer` with per-thread contexts
from :func:`predict_contexts`; a model nested in another runs through
:func:`run` with the child contexts of its parent's context. The Model
keeps the graph and the weights; the Trainer keeps the loop.
"""
import numpy as np

from . import backend
from .context import CallContext
from .layers.base import Layer


def _graph(layer):
    """``layer`` if it is a built model (a layer with a graph), else None."""
    return layer if layer._owns_graph and layer._graph_ready else None


# ---------------------------------------------------------------------------- graph facts
def all_layers(model):
    """Every layer reachable from ``model``: its layers, nested models' layers
    and every layer's :attr:`~skdeep.nn.layers.Layer.sublayers`."""
    stack = list(model.sublayers)
    seen, out = set(), []
    while stack:
        layer = stack.pop(0)
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        out.append(layer)
        stack.extend(layer.sublayers)
    return out


def count_calls(model, calls=None):
    """How often each layer (by id) runs per step, counting inside nested models."""
    calls = {} if calls is None else calls
    for node in model._nodes:
        calls[id(node.layer)] = calls.get(id(node.layer), 0) + 1
        if _graph(node.layer) is not None:
            count_calls(node.layer, calls)
    return calls


def chain_layers(model):
    """For a plain chain of single-input layers (no masks, no call kwargs, no
    nested models): the layers in order, so inference can skip the graph
    bookkeeping. None otherwise. Cached on the model until its graph changes."""
    plan = model.__dict__.get("_chain")
    if plan is None or plan[0] is not model._nodes:
        ins, outs = model._input_tensors, model._output_tensors
        chain = len(ins) == 1 and len(outs) == 1
        prev = ins[0] if chain else None
        for node in model._nodes:
            if not chain:
                break
            layer = node.layer
            chain = (not node.list_input and len(node.inputs) == 1 and node.inputs[0] is prev
                     and len(node.outputs) == 1 and not node.call_kwargs
                     and not layer.consumes_mask and _graph(layer) is None
                     and type(layer).compute_mask is Layer.compute_mask)
            prev = node.outputs[0]
        chain = chain and prev is outs[0]
        plan = model._chain = (model._nodes, [n.layer for n in model._nodes] if chain else None)
    return plan[1]


# ---------------------------------------------------------------------------- gradient pruning
def _opaque(layer):
    """True for a layer whose forward may use weights it does not list: its
    own ``call()``, a Lambda's function, a subclassed model's call node."""
    from .layers.lambda_layer import Lambda

    return layer._call_defined or isinstance(layer, Lambda) or hasattr(layer, "_model")


def _weight_ids(layer):
    return {id(w) for item in [layer] + all_layers(layer) for w in item.weights}


def grad_plan(model, trained, input_flags):
    """What the backward pass of ``model`` must do, node by node.

    A node needs its input gradient (``need_dx``) when one of its inputs
    depends on a trained weight or on a graph input whose gradient is wanted
    (``input_flags``, one bool per model input); it needs its weight
    gradients (``need_dw``) when one of its layer's weights is trained
    (``trained``: weight ids). A node that needs neither (a frozen base
    fed by the model input) is left out of the backward pass.

    Returns one ``(need_dx, need_dw, inner)`` per node; ``inner`` is the plan
    of a nested model's own nodes, else None.
    """
    flags = {id(t): bool(f) for t, f in zip(model._input_tensors, input_flags)}
    out = []
    for node in model._nodes:
        layer = node.layer
        in_flags = [flags.get(id(t), True) for t in node.inputs]
        need_dx = any(in_flags)
        inner = None
        if _graph(layer) is not None and len(in_flags) == len(layer._input_tensors):
            inner = grad_plan(layer, trained, in_flags)
            need_dw = any(dw for _, dw, _ in inner)
        elif _opaque(layer):
            need_dw = bool(trained)
        else:
            need_dw = not trained.isdisjoint(_weight_ids(layer))
        for t in node.outputs:
            flags[id(t)] = need_dx or need_dw
        out.append((need_dx, need_dw, inner))
    return out


# ---------------------------------------------------------------------------- contexts
def make_contexts(model, training, need_dx=True, fused=(), calls=None, workspace=True,
                  grads=None):
    """One reusable context per node of ``model`` for one entry point.

    ``need_dx`` False: the first nodes (fed by model inputs) skip their input
    gradient. ``fused``: node indices whose layer returns logits to a fused
    loss. ``calls``: :func:`count_calls`, to mark sole calls. A node called
    with ``training=`` keeps that mode. ``grads``: a :func:`grad_plan`
    (it then sets ``need_dx`` and ``need_dw`` of every node).
    """
    first = model._first_nodes
    ctxs = [CallContext(training=training if node.training is None else node.training,
                        need_dx=need_dx or i not in first,
                        sole_call=calls is not None and calls.get(id(node.layer)) == 1,
                        logits=i in fused, workspace={} if workspace else None)
            for i, node in enumerate(model._nodes)]
    if grads is not None:
        apply_grad_plan(ctxs, grads)
    return ctxs


def apply_grad_plan(ctxs, grads):
    """Set ``need_dx``, ``need_dw`` and ``grad_plan`` of contexts from a :func:`grad_plan`."""
    for ctx, (need_dx, need_dw, inner) in zip(ctxs, grads):
        ctx.need_dx, ctx.need_dw, ctx.grad_plan = need_dx, need_dw, inner


def child_contexts(model, ctx):
    """The contexts of ``model``'s nodes when it runs as a layer under ``ctx``."""
    plan = ctx.grad_plan
    if plan is not None and len(plan) == len(model._nodes):
        ctxs = [ctx.child(i, training=node.training, need_dx=dx, need_dw=dw)
                for i, (node, (dx, dw, _)) in enumerate(zip(model._nodes, plan))]
        for c, (_, _, inner) in zip(ctxs, plan):
            c.grad_plan = inner
        return ctxs
    first = model._first_nodes
    return [ctx.child(i, training=node.training, need_dx=None if i in first else True)
            for i, node in enumerate(model._nodes)]


def predict_contexts(model):
    """Inference contexts of this thread (work arrays are per thread, so
    concurrent ``predict`` calls from several threads do not share them)."""
    local = model._local
    ctxs = getattr(local, "ctxs", None)
    if ctxs is None or len(ctxs) != len(model._nodes):
        ctxs = local.ctxs = make_contexts(model, False)
    return ctxs


# ---------------------------------------------------------------------------- running
def _with_activity_penalty(reg, outs, backward, penalties):
    n = max(outs[0].shape[0], 1) if outs[0].ndim else 1
    penalties.append(sum(reg(o) for o in outs) / n)
    if backward is None:
        return None
    if len(outs) == 1:
        return lambda dy: backward(dy + (reg.gradient(outs[0]) / n).astype(dy.dtype))
    return lambda dys: backward([d + (reg.gradient(o) / n).astype(d.dtype)
                                 for d, o in zip(dys, outs)])


def run(model, xs, ctxs, penalties=None):
    """Forward pass of ``model`` over arrays ``xs`` with one context per node.

    Returns ``(outputs, tape, values)`` for :func:`backward`. Activity
    penalties are appended to ``penalties`` when it is a list. A node whose
    context needs neither input nor weight gradients is taped without its
    backward (None): the backward pass skips it.
    """
    values, masks = {}, {}
    for t, x in zip(model._input_tensors, xs):
        values[id(t)] = x
        masks[id(t)] = None
    tape = []
    for node, ctx in zip(model._nodes, ctxs):
        layer = node.layer
        ins = [values[id(t)] for t in node.inputs]
        in_masks = [masks[id(t)] for t in node.inputs]
        x = ins if node.list_input else ins[0]
        mask = in_masks if node.list_input else in_masks[0]
        if layer.consumes_mask:
            ctx.mask = mask
        ctx.penalties = penalties
        y, back = layer.forward(x, ctx, **node.call_kwargs)
        if not (ctx.need_dx or ctx.need_dw):
            back = None
        outs = y if len(node.outputs) > 1 else [y]
        out_mask = layer.compute_mask(x, mask)
        out_masks = out_mask if isinstance(out_mask, list) else [out_mask] * len(outs)
        reg = layer.activity_regularizer
        if reg is not None and penalties is not None:
            back = _with_activity_penalty(reg, outs, back, penalties)
        for t, v, m in zip(node.outputs, outs, out_masks):
            values[id(t)] = v
            masks[id(t)] = m
        tape.append((node, back))
    return [values[id(t)] for t in model._output_tensors], tape, values


def backward(tape, output_tensors, output_grads, values):
    """Run a tape backwards; returns the gradients of the graph inputs by tensor id.

    Gradients of a tensor that fans out are summed.
    """
    grads = {}

    def add(t, g):
        k = id(t)
        grads[k] = g if k not in grads else grads[k] + g

    for t, g in zip(output_tensors, output_grads):
        if g is not None:
            add(t, g)
    for node, back in reversed(tape):
        dys = [grads.pop(id(t), None) for t in node.outputs]
        if back is None or all(d is None for d in dys):
            continue
        if len(dys) == 1:
            dy = dys[0]
        else:
            dy = [d if d is not None else np.zeros_like(values[id(t)])
                  for d, t in zip(dys, node.outputs)]
        dx = back(dy)
        if dx is None:
            continue
        for t, d in zip(node.inputs, dx if node.list_input else [dx]):
            if d is not None:
                add(t, d)
    return grads


def infer(model, xs, ctxs):
    """Inference outputs (a list), through the chain fast path when possible."""
    layers = chain_layers(model)
    if layers is None:
        return run(model, xs, ctxs)[0]
    x = xs[0]
    for layer, ctx in zip(layers, ctxs):
        x = layer.forward(x, ctx)[0]
    return [x]


def trainable_weights(model, trainable):
    """The weights the optimizer updates, in the order of the flat buffers.

    ``trainable``: the layers' trainable flags (by id) as they were at
    ``compile``; layers not in it use their current flag.
    """
    snap = trainable
    if not snap.get(id(model), True):
        return []
    out, seen = [], set()
    for layer in [model] + all_layers(model):
        call_defined = layer._call_defined
        # a functional model's weights are its layers', visited on their own
        if layer._owns_graph and not call_defined:
            continue
        if not snap.get(id(layer), layer.trainable):
            continue
        # a call()-defined layer's .weights include its sublayers', which are
        # visited (with their own trainable flags) on their own
        for w in (layer._weights if call_defined else layer.weights):
            if w.trainable and id(w) not in seen:
                seen.add(id(w))
                out.append(w)
    return out


# ---------------------------------------------------------------------------- the plan
class ExecutionPlan:
    """Everything a compiled, built model runs per training or test step.

    Parameters
    ----------
    model : Model
    fused : dict
        ``{node index: output index}`` of the output layers whose final
        activation a loss computes (they return logits in these contexts).
    trainable : dict
        Trainable flags by layer id as they were at ``compile`` (Keras: a
        change of ``trainable`` takes effect at the next compile).
    prune : bool, default True
        Leave out of the backward pass the nodes that need no gradient
        (:func:`grad_plan`: a frozen base fed by the model input) and let
        frozen layers skip their weight gradients (``ctx.need_dw``).
    """

    def __init__(self, model, fused, trainable, prune=True):
        self.model = model
        self.fused = fused
        self._trainable = trainable
        self.prune = prune
        self.train_ctx = make_contexts(model, True, need_dx=False, fused=fused,
                                       calls=count_calls(model))
        self.eval_ctx = make_contexts(model, False, fused=fused)
        self._flat_key = None
        self.params = self.grads = None
        self.build_flat()

    def trainable_weights(self):
        """The weights the optimizer updates, in a fixed order."""
        return trainable_weights(self.model, self._trainable)

    def build_flat(self):
        """Move the trainable weights into one parameter and one gradient buffer
        (their ``value``/``grad`` become views), unless they already are."""
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
        if key != self._flat_key and self.prune:
            trained = set(key)
            apply_grad_plan(self.train_ctx, grad_plan(self.model, trained,
                                                      [False] * len(self.model._input_tensors)))
        self._flat_key = key

    def forward_train(self, xs, penalties):
        """Training-mode forward with zeroed gradients: ``(outputs, tape, values)``."""
        self.grads.fill(0)
        return run(self.model, xs, self.train_ctx, penalties)

    def backward(self, tape, output_grads, values):
        backward(tape, self.model._output_tensors, output_grads, values)

    def forward_eval(self, xs, penalties):
        return run(self.model, xs, self.eval_ctx, penalties)[0]
