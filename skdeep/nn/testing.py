"""Numerical gradient checks (float64, central differences).

Used by the test suite for every layer, loss and model graph, and usable for
custom layers.
"""
import numpy as np

from . import backend
from .context import CallContext


def _numeric_grad(f, array, eps):
    grad = np.zeros_like(array, dtype=np.float64)
    flat = array.reshape(-1)
    gflat = grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        up = f()
        flat[i] = old - eps
        down = f()
        flat[i] = old
        gflat[i] = (up - down) / (2 * eps)
    return grad


def _assert_close(name, analytic, numeric, rtol, atol):
    analytic = np.asarray(analytic, dtype=np.float64)
    if analytic.shape != numeric.shape:
        raise AssertionError(f"{name}: gradient shape {analytic.shape} != {numeric.shape}")
    err = np.abs(analytic - numeric)
    tol = atol + rtol * np.abs(numeric)
    if not (err <= tol).all():
        i = np.unravel_index(np.argmax(err - tol), err.shape)
        raise AssertionError(f"{name}: analytic {analytic[i]:.8g} vs numeric {numeric[i]:.8g} "
                             f"at {i} (max abs err {err.max():.3g})")


def randomize_weights(layer, seed=0, scale=0.5):
    """Redraw every weight of a built layer or model from ``seed``, in place.

    Biases, BatchNormalization moving statistics and every other weight
    (trainable or not) get non-zero values: normal draws of standard deviation
    ``scale``, and uniform draws in [0.5, 2] for variances, which must stay
    positive. Gradient checks run on these values, so that a backward pass
    which ignores a parameter (a bias, a moving mean) cannot hide behind a
    zero initialisation.

    Examples
    --------
    >>> from skdeep.nn.layers import Dense
    >>> layer = Dense(2)
    >>> layer.build((None, 3))
    >>> randomize_weights(layer)
    >>> bool((layer.bias.value != 0).all())
    True
    """
    rng = np.random.default_rng(seed)
    for w in layer.weights:
        if w.name.endswith("variance"):
            w.assign(rng.uniform(0.5, 2.0, w.shape))
        else:
            w.assign(rng.standard_normal(w.shape) * scale)


def check_layer_gradients(layer, inputs, training=True, eps=1e-6, rtol=1e-5, atol=1e-7,
                          seed=0, check_inputs=True, mask=None, sole_call=False,
                          call_kwargs=None, randomize=True):
    """Compare a layer's backward pass with central differences.

    The layer must be float64. ``inputs`` is an array or a list of arrays
    (float inputs are perturbed; integer inputs are left alone). The scalar
    checked is ``sum(outputs * R)`` for fixed random ``R``, so every output
    element contributes. With ``randomize`` (the default) every weight is
    first redrawn by :func:`randomize_weights` from ``seed``, so that zero
    biases or moving statistics cannot hide a wrong backward. Every call goes
    through one :class:`~skdeep.nn.context.CallContext` with a workspace, as
    in training, so work arrays are reused between calls; ``mask`` is its
    input mask and ``sole_call=True`` checks the path where the layer writes
    (rather than adds) its weight gradients. Raises AssertionError on a
    mismatch.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn import backend
    >>> from skdeep.nn.layers import Dense
    >>> with backend.floatx_scope("float64"):
    ...     layer = Dense(3, activation="tanh")
    ...     check_layer_gradients(layer, np.random.default_rng(0).standard_normal((4, 2)))
    """
    call_kwargs = call_kwargs or {}
    multi_in = isinstance(inputs, (list, tuple))
    xs = [np.array(a, dtype=np.float64) if np.issubdtype(np.asarray(a).dtype, np.floating)
          else np.asarray(a) for a in (inputs if multi_in else [inputs])]
    x_arg = xs if multi_in else xs[0]
    if not layer.built:
        shapes = [(None,) + a.shape[1:] for a in xs]
        layer._maybe_build(shapes if multi_in else shapes[0])
    for w in layer.weights:
        if w.dtype != np.float64:
            raise ValueError("check_layer_gradients needs a float64 layer; build it inside "
                             "backend.floatx_scope('float64')")
    if randomize:
        randomize_weights(layer, seed)
    ctx = CallContext(training=training, mask=mask, sole_call=sole_call, workspace={})
    rng = np.random.default_rng(seed)
    y, _ = layer.forward(x_arg, ctx, **call_kwargs)
    ys = y if isinstance(y, list) else [y]
    rs = [rng.standard_normal(o.shape) for o in ys]

    def objective():
        out, _ = layer.forward(x_arg, ctx, **call_kwargs)
        outs = out if isinstance(out, list) else [out]
        return float(sum((o * r).sum() for o, r in zip(outs, rs)))

    for w in layer.weights:
        w.grad[...] = 0
    out, backward = layer.forward(x_arg, ctx, **call_kwargs)
    dx = backward(rs if isinstance(out, list) else rs[0])
    # copies: the gradients may live in work arrays that later calls reuse
    dxs = [None if d is None else np.array(d) for d in (dx if multi_in else [dx])]
    grads = [w.grad.copy() for w in layer.trainable_weights]
    if check_inputs:
        for k, a in enumerate(xs):
            if np.issubdtype(a.dtype, np.floating):
                _assert_close(f"{layer.name} d(input {k})", dxs[k], _numeric_grad(objective, a, eps),
                              rtol, atol)
    for w, g in zip(layer.trainable_weights, grads):
        _assert_close(f"{layer.name} d({w.name})", g, _numeric_grad(objective, w.value, eps),
                      rtol, atol)


def check_model_gradients(model, x, y, eps=1e-6, rtol=1e-5, atol=1e-7, sample_weight=None,
                          randomize=True, seed=0):
    """Check a compiled float64 model's loss gradient against central differences
    for every trainable weight (training-mode forward, no dropout randomness).

    With ``randomize`` (the default) every weight of the built model is first
    redrawn by :func:`randomize_weights` from ``seed``.
    """
    from .compile_utils import train_state
    from .epoch_iterator import prepare_xy

    xs, ys, sws, _ = prepare_xy(model, x, y, sample_weight)
    state = train_state(model)
    if randomize:
        randomize_weights(model, seed)
    if state.params.dtype != np.float64:
        raise ValueError("check_model_gradients needs a float64 model")

    def loss_and_grad():
        return state.compute_gradients(xs, ys, sws)[0]

    state.reset_metrics()
    loss_and_grad()
    analytic = state.grads.copy()

    def objective():
        state.reset_metrics()
        return loss_and_grad()

    numeric = _numeric_grad(objective, state.params, eps)
    _assert_close(f"model '{model.name}' loss gradient", analytic, numeric, rtol, atol)


float64 = lambda: backend.floatx_scope("float64")  # noqa: E731
