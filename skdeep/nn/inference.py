"""The small-batch inference path: ``predict``, ``predict_on_batch`` and
``model(x)`` on a few rows of one array.

Predicting one row is all overhead: the three matrix products of a
784-256-128-10 network take ~20 µs, while the general path (input
standardisation, batching, per-layer context and closure set-up) used to add
as much again. For a model that is a plain chain of layers
(:func:`~skdeep.nn.execution.chain_layers`) and a float ndarray of at most
:data:`MAX_ROWS` rows, :func:`try_predict` runs a plan built once per model
and thread: each Dense layer is one ``matmul`` into a preallocated buffer and
one fused bias + activation kernel, in place; any other layer runs its own
``forward`` with the predict contexts. The only per-call checks are the
array's type, dtype kind, row count and feature shape, plus a finiteness
test that costs one element: when a Dense layer comes first, a NaN or an
infinity in a row makes the first column of its product non-finite, so that
one column is tested instead of the whole input.

Whatever the plan cannot vouch for (another input type, more rows, a value
that is not finite, float64 values beyond float32, a layer whose graph
changed) returns None, and the caller takes the general path, which gives
the same results and the same errors.

Examples
--------
>>> import numpy as np
>>> from skdeep.nn import Sequential
>>> from skdeep.nn.layers import Dense
>>> from skdeep.nn.inference import try_predict
>>> model = Sequential([Dense(3, activation="relu", input_shape=(4,)), Dense(2)])
>>> x = np.ones((1, 4), np.float32)
>>> np.array_equal(try_predict(model, x), model.predict(x, verbose=0))
True
>>> try_predict(model, np.ones((1000, 4))) is None  # many rows: the general path
True
"""
import math

import numpy as np

from . import activations, execution
from .kernels import activations as act_k

MAX_ROWS = 64  # rows per call the plan takes; more rows are compute, not overhead
_MAX_SHAPES = 8  # row counts whose buffers a plan keeps (per thread)


class _Plan:
    """One model's inference steps for one thread (``steps`` None: not eligible)."""

    __slots__ = ("nodes", "steps", "feature_shape", "dtype", "buffers", "no_bias", "first_dense")

    def __init__(self, model):
        self.nodes = model._nodes
        self.steps = None
        self.buffers = {}
        if not model._graph_ready or model._call_defined:
            return
        layers = execution.chain_layers(model)
        if layers is None or not layers:
            return
        tensor = model._input_tensors[0]
        shape = tuple(tensor.shape)
        if not str(tensor.dtype).startswith("float") or any(s is None for s in shape[1:]):
            return
        from .data import _model_float
        from .layers.core import Dense

        self.dtype = np.dtype(_model_float(model))
        self.feature_shape = shape[1:]
        self.no_bias = np.zeros(0, self.dtype)
        steps = []
        for node, layer in zip(model._nodes, layers):
            rank = len(node.inputs[0].shape)
            # a custom activation function runs through the layer's own forward
            dense = (type(layer) is Dense and rank == 2 and layer.built
                     and activations.kernel_code(layer.activation) != activations.CUSTOM
                     and np.dtype(layer.dtype) == self.dtype
                     and layer.kernel.value.dtype == self.dtype)
            steps.append((dense, layer))
        self.first_dense = steps[0][0]
        self.steps = steps

    def buffers_for(self, n):
        bufs = self.buffers.get(n)
        if bufs is None:
            if len(self.buffers) >= _MAX_SHAPES:
                self.buffers.clear()
            bufs = self.buffers[n] = [
                np.empty((n, layer.units), self.dtype) if dense else None
                for dense, layer in self.steps]
            bufs.append(np.empty((n,) + self.feature_shape, self.dtype))  # cast input
        return bufs


def plan_for(model):
    """This thread's plan for ``model`` (rebuilt when its graph changed)."""
    local = model._local
    plan = getattr(local, "fast_plan", None)
    if plan is None or plan.nodes is not model._nodes:
        plan = local.fast_plan = _Plan(model)
    return plan


def try_predict(model, x, max_rows=MAX_ROWS):
    """The model's outputs for the array ``x`` through the small-batch plan, or
    None when the general path must run (see the module docstring).

    Returns a new array (a list of one for a model with a list output), as
    ``predict`` does; ``max_rows`` caps the rows taken (``predict`` passes its
    ``batch_size``, so the result is the one of a single batch).
    """
    if type(x) is not np.ndarray or x.dtype.kind != "f" or not model._graph_ready:
        return None
    plan = plan_for(model)
    steps = plan.steps
    if steps is None or x.ndim != len(plan.feature_shape) + 1:
        return None
    n = x.shape[0]
    if not 0 < n <= min(max_rows, MAX_ROWS) or x.shape[1:] != plan.feature_shape \
            or not x.flags.c_contiguous:
        return None
    bufs = plan.buffers_for(n)
    if x.dtype != plan.dtype:
        xin = bufs[-1]
        with np.errstate(over="ignore"):  # out-of-range values become inf: caught below
            np.copyto(xin, x, casting="unsafe")
        x = xin
    if not plan.first_dense and not math.isfinite(x.sum()):
        return None
    ctxs = None
    for i, (dense, layer) in enumerate(steps):
        if dense:
            act = layer.activation
            code = getattr(act, "code", None)
            if code is None:  # a custom function assigned since the plan was made
                return None
            z = bufs[i]
            np.matmul(x, layer.kernel.value, out=z)
            if i == 0:
                # a NaN or inf anywhere in a row makes column 0 of its product
                # non-finite (or the kernel is): let the general path decide
                if not math.isfinite(z[:, 0].sum() if n > 1 else z[0, 0]):
                    return None
            if layer.use_bias:
                act_k._FORWARD[code](z, layer.bias.value, act.alpha, z)
            elif code != act_k.LINEAR:
                act_k._FORWARD[code](z, plan.no_bias, act.alpha, z)
            x = z
        else:
            if ctxs is None:
                ctxs = execution.predict_contexts(model)
            x = layer.forward(x, ctxs[i])[0]
    out = x.copy()
    return [out] if model._output_is_list else out

