"""Every row of ``layer_cases.LAYER_CASES`` through the four layer checks
(the row format is described at the top of layer_cases.py)."""
import json

import numpy as np
import pytest

from skdeep.nn import backend
from skdeep.nn.context import CallContext
from skdeep.nn.layers import Layer
from skdeep.nn.saving import deserialize_layer, serialize_layer
from skdeep.nn.testing import check_layer_gradients, randomize_weights

from .layer_cases import LAYER_CASES

CASES = pytest.mark.parametrize("make_layer, make_inputs, options", LAYER_CASES)


def _setup(make_layer, make_inputs):
    layer = make_layer()
    inputs = make_inputs()
    multi = isinstance(inputs, (list, tuple))
    xs = [np.asarray(a) for a in (inputs if multi else [inputs])]
    xs = [a.astype(np.float64) if a.dtype.kind == "f" else a for a in xs]
    if not layer.built:
        shapes = [(None,) + a.shape[1:] for a in xs]
        layer._maybe_build(shapes if multi else shapes[0])
    randomize_weights(layer, seed=3)
    return layer, xs, multi


def _take(xs, multi, index):
    part = [a[index] for a in xs]
    return part if multi else part[0]


def _mask(options, index=slice(None)):
    mask = options.get("mask")
    if isinstance(mask, list):  # one mask (or None) per input of a multi-input layer
        return [None if m is None else np.asarray(m)[index] for m in mask]
    return None if mask is None else np.asarray(mask)[index]


def _outputs(y):
    return [np.array(o) for o in (y if isinstance(y, list) else [y])]


@CASES
def test_gradients(make_layer, make_inputs, options):
    with backend.floatx_scope("float64"):
        check_layer_gradients(make_layer(), make_inputs(), **options)


@CASES
def test_batch_invariance(make_layer, make_inputs, options):
    """In inference mode, a sample computed alone equals its row of the batch."""
    with backend.floatx_scope("float64"):
        layer, xs, multi = _setup(make_layer, make_inputs)
        kwargs = options.get("call_kwargs", {})
        whole = _outputs(layer.forward(_take(xs, multi, slice(None)),
                                       CallContext(mask=_mask(options)), **kwargs)[0])
        for i in range(xs[0].shape[0]):
            rows = slice(i, i + 1)
            alone = _outputs(layer.forward(_take(xs, multi, rows),
                                           CallContext(mask=_mask(options, rows)), **kwargs)[0])
            for a, w in zip(alone, whole):
                np.testing.assert_allclose(a, w[rows], rtol=1e-10, atol=1e-12)


@CASES
def test_config_round_trip_gives_identical_outputs(make_layer, make_inputs, options):
    with backend.floatx_scope("float64"):
        layer, xs, multi = _setup(make_layer, make_inputs)
        spec = json.loads(json.dumps(serialize_layer(layer)))
        again = deserialize_layer(spec, custom_objects={type(layer).__name__: type(layer)})
        assert type(again) is type(layer)
        assert json.loads(json.dumps(serialize_layer(again))) == spec
        x = _take(xs, multi, slice(None))
        shapes = [(None,) + a.shape[1:] for a in xs]
        again._maybe_build(shapes if multi else shapes[0])
        again.set_weights(layer.get_weights())
        kwargs = options.get("call_kwargs", {})
        for a, b in zip(_outputs(layer.forward(x, CallContext(mask=_mask(options)), **kwargs)[0]),
                        _outputs(again.forward(x, CallContext(mask=_mask(options)), **kwargs)[0])):
            np.testing.assert_array_equal(a, b)


def _forward_backward(layer, x, ctx, kwargs, seed):
    y, backward = layer.forward(x, ctx, **kwargs)
    outs = _outputs(y)
    rng = np.random.default_rng(seed)
    dys = [rng.standard_normal(o.shape) for o in outs]
    for w in layer.weights:
        w.grad[...] = 0
    dx = backward(dys if isinstance(y, list) else dys[0])
    dxs = [None if d is None else np.array(d) for d in (dx if isinstance(dx, list) else [dx])]
    return outs, dxs, [w.grad.copy() for w in layer.trainable_weights]


@CASES
def test_workspace_reuse_across_calls(make_layer, make_inputs, options):
    """One reused context over inputs of two batch sizes gives what fresh
    eager calls give: no work array leaks from one call into the next."""
    with backend.floatx_scope("float64"):
        layer, xs, multi = _setup(make_layer, make_inputs)
        training = options.get("training", True)
        kwargs = options.get("call_kwargs", {})
        reused = CallContext(training=training, workspace={})
        calls = [slice(None), slice(None, None, -1), slice(0, 1), slice(None)]
        for k, rows in enumerate(calls):
            x = _take(xs, multi, rows)
            reused.mask = _mask(options, rows)
            got = _forward_backward(layer, x, reused, kwargs, seed=k)
            fresh = CallContext(training=training, mask=_mask(options, rows))
            want = _forward_backward(layer, x, fresh, kwargs, seed=k)
            for g, w in zip(got, want):
                for a, b in zip(g, w):
                    if b is None:
                        assert a is None
                    else:
                        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------- the checks can fail
class _BatchMean(Layer):
    """Subtracts the batch mean even at inference: not batch invariant."""

    def forward(self, inputs, ctx):
        return inputs - inputs.mean(axis=0), lambda dy: dy - dy.mean(axis=0)


class _ForgetsConfig(Layer):
    def __init__(self, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def forward(self, inputs, ctx):
        return inputs * self.factor, lambda dy: dy * self.factor


class _Accumulates(Layer):
    """Adds into a work array it never clears: the second call sees the first."""

    def forward(self, inputs, ctx):
        y = ctx.buffer("y", inputs.shape, inputs.dtype)
        if ctx.workspace is None:
            y[...] = 0
        y += inputs
        return y, lambda dy: dy


def _rows(layer_maker):
    return layer_maker, lambda: np.arange(12.0).reshape(3, 4) + 1, {}


def test_batch_invariance_check_can_fail():
    with pytest.raises(AssertionError):
        test_batch_invariance(*_rows(_BatchMean))


def test_config_round_trip_check_can_fail():
    with pytest.raises(AssertionError):
        test_config_round_trip_gives_identical_outputs(*_rows(lambda: _ForgetsConfig(3.0)))


def test_workspace_reuse_check_can_fail():
    with pytest.raises(AssertionError):
        test_workspace_reuse_across_calls(*_rows(_Accumulates))
