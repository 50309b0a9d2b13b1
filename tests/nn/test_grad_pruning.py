"""The training plan leaves out of the backward pass what needs no gradient.

A node none of whose upstream nodes has trained weights (a frozen base fed
by the model input) gets no backward call; a frozen layer that gradients
must cross still passes them on but skips its own weight gradients
(``ctx.need_dw``). Gradients must be those of the unpruned pass.
"""
import numpy as np
import pytest

from skdeep.nn import Input, Model, Sequential, backend, layers, ops, regularizers
from skdeep.nn.compile_utils import train_state
from skdeep.nn.execution import count_calls, grad_plan, make_contexts
from skdeep.nn.testing import check_model_gradients, randomize_weights


def _base(side=6, channels=3, bn=True):
    inputs = Input(shape=(side, side, channels))
    x = layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    if bn:
        x = layers.BatchNormalization()(x)
    x = layers.DepthwiseConv2D(3, padding="same", use_bias=False)(x)
    if bn:
        x = layers.BatchNormalization()(x)
    x = layers.ReLU(6.0)(x)
    return Model(inputs, x, name="base")


def _transfer(base, side=6, channels=3, trainable_stem=False):
    inputs = Input(shape=(side, side, channels))
    x = layers.Rescaling(1 / 127.5, offset=-1)(inputs)
    if trainable_stem:
        x = layers.Conv2D(channels, 1, name="stem")(x)
    x = base(x, training=False)
    x = layers.GlobalAveragePooling2D()(x)
    model = Model(inputs, layers.Dense(1, name="head")(x))
    model.compile(optimizer="sgd", loss="mse")
    return model


def _data(n=4, side=6, channels=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 255, (n, side, side, channels)), rng.standard_normal((n, 1))


def _unpruned_contexts(model, plan):
    return make_contexts(model, True, need_dx=False, fused=plan.fused, calls=count_calls(model))


def _loss_and_grads_both_ways(model, x, y):
    """(loss, flat gradients) without and with the pruning, on the same weights."""
    model.train_on_batch(x, y)  # builds the plan
    state = train_state(model)
    plan = state.plan
    pruned = plan.train_ctx
    out = []
    for ctxs in (_unpruned_contexts(model, plan), pruned):
        plan.train_ctx = ctxs
        loss = state.compute_gradients([x], [y], [None])[0]
        out.append((loss, plan.grads.copy()))
    plan.train_ctx = pruned
    return out


def _weight_grads_zeroed(model):
    for w in model.weights:
        w.grad[...] = 0


def test_frozen_base_gets_no_backward_and_the_head_the_same_gradients():
    with backend.floatx_scope("float64"):
        base = _base()
        base.trainable = False
        model = _transfer(base)
        randomize_weights(model, seed=3)
        x, y = _data()
        moving = [w.value.copy() for w in base.weights if "moving" in w.name]
        (loss_a, grads_a), (loss_b, grads_b) = _loss_and_grads_both_ways(model, x, y)
        assert loss_a == pytest.approx(loss_b)
        np.testing.assert_allclose(grads_b, grads_a, rtol=1e-12, atol=1e-14)
        assert grads_b.size == 4 + 1  # the head's kernel and bias only
        # BatchNormalization ran in inference mode (training=False): no update
        for before, w in zip(moving, [w for w in base.weights if "moving" in w.name]):
            np.testing.assert_array_equal(w.value, before)
        # the base's backward never ran under the pruned plan
        plan = train_state(model).plan
        node = [i for i, n in enumerate(model._nodes) if n.layer is base][0]
        ctx = plan.train_ctx[node]
        assert (ctx.need_dx, ctx.need_dw) == (False, False)
        _weight_grads_zeroed(model)
        train_state(model).compute_gradients([x], [y], [None])
        assert all(not w.grad.any() for w in base.weights)
        plan.train_ctx = _unpruned_contexts(model, plan)
        train_state(model).compute_gradients([x], [y], [None])
        assert base.layers[1].kernel.grad.any()  # what the pruning saves


def test_frozen_base_with_a_trainable_layer_below_passes_gradients_through():
    """The stem below the frozen base needs dx through it: Conv2D, inference-mode
    BatchNormalization and DepthwiseConv2D pass it on and skip their weights."""
    with backend.floatx_scope("float64"):
        base = _base(side=5, channels=2)
        base.trainable = False
        model = _transfer(base, side=5, channels=2, trainable_stem=True)
        x, y = _data(3, 5, 2)
        check_model_gradients(model, x, y)
        (_, grads_a), (_, grads_b) = _loss_and_grads_both_ways(model, x, y)
        np.testing.assert_allclose(grads_b, grads_a, rtol=1e-12, atol=1e-14)
        _weight_grads_zeroed(model)
        train_state(model).compute_gradients([x], [y], [None])
        assert model.get_layer("stem").kernel.grad.any()
        assert all(not w.grad.any() for w in base.weights)  # need_dw: no weight work


def test_fine_tuning_a_base_called_with_training_false():
    """base.trainable = True after compile(): its weights train, BatchNormalization
    stays in inference mode."""
    with backend.floatx_scope("float64"):
        base = _base(side=5, channels=2)
        model = _transfer(base, side=5, channels=2)
        x, y = _data(3, 5, 2)
        check_model_gradients(model, x, y)
        moving = [w.value.copy() for w in base.weights if "moving" in w.name]
        model.train_on_batch(x, y)
        for before, w in zip(moving, [w for w in base.weights if "moving" in w.name]):
            np.testing.assert_array_equal(w.value, before)


def test_frozen_dense_in_the_middle():
    with backend.floatx_scope("float64"):
        middle = layers.Dense(3, activation="tanh", trainable=False)
        model = Sequential([Input(shape=(4,)), layers.Dense(5, activation="tanh"), middle,
                            layers.Dense(2)])
        model.compile(optimizer="sgd", loss="mse")
        rng = np.random.default_rng(0)
        x, y = rng.standard_normal((6, 4)), rng.standard_normal((6, 2))
        check_model_gradients(model, x, y)
        (_, grads_a), (_, grads_b) = _loss_and_grads_both_ways(model, x, y)
        np.testing.assert_allclose(grads_b, grads_a, rtol=1e-12, atol=1e-14)
        _weight_grads_zeroed(model)
        train_state(model).compute_gradients([x], [y], [None])
        assert not middle.kernel.grad.any() and not middle.bias.grad.any()
        ctxs = train_state(model).plan.train_ctx
        assert [(c.need_dx, c.need_dw) for c in ctxs] == [(False, True), (True, False),
                                                          (True, True)]


def test_activity_regularizer_of_a_frozen_layer_reaches_the_layer_below():
    with backend.floatx_scope("float64"):
        frozen = layers.Dense(3, activation="tanh", trainable=False,
                              activity_regularizer=regularizers.L2(0.3),
                              kernel_regularizer=regularizers.L2(0.5))
        model = Sequential([Input(shape=(4,)), layers.Dense(5, activation="tanh"), frozen,
                            layers.Dense(2, kernel_regularizer=regularizers.L1(0.1))])
        model.compile(optimizer="sgd", loss="mse")
        rng = np.random.default_rng(1)
        x, y = rng.standard_normal((6, 4)), rng.standard_normal((6, 2))
        check_model_gradients(model, x, y)
        (loss_a, grads_a), (loss_b, grads_b) = _loss_and_grads_both_ways(model, x, y)
        assert loss_a == pytest.approx(loss_b)
        np.testing.assert_allclose(grads_b, grads_a, rtol=1e-12, atol=1e-14)


class _Penalty(layers.Layer):
    """A call()-defined layer with an add_loss term (opaque to the pruning)."""

    def call(self, inputs):
        self.add_loss(0.2 * ops.mean(ops.square(inputs)))
        return inputs


def test_add_loss_and_activity_penalty_in_a_frozen_base_still_count():
    """With nothing trained below them, the penalties of a frozen base are still
    in the loss; an add_loss layer above a trained one still back-propagates."""
    with backend.floatx_scope("float64"):
        inputs = Input(shape=(4,))
        h = layers.Dense(3, activity_regularizer=regularizers.L2(0.4))(inputs)
        base = Model(inputs, h)
        base.trainable = False
        outer_in = Input(shape=(4,))
        z = layers.Dense(3, activation="tanh")(base(outer_in))
        z = _Penalty()(z)
        model = Model(outer_in, layers.Dense(1)(z))
        model.compile(optimizer="sgd", loss="mse")
        rng = np.random.default_rng(2)
        x, y = rng.standard_normal((5, 4)), rng.standard_normal((5, 1))
        check_model_gradients(model, x, y)
        (loss_a, grads_a), (loss_b, grads_b) = _loss_and_grads_both_ways(model, x, y)
        assert loss_a == pytest.approx(loss_b)
        np.testing.assert_allclose(grads_b, grads_a, rtol=1e-12, atol=1e-14)
        state = train_state(model)
        plain = state.compute_gradients([x], [y], [None])[0]
        base.layers[1].activity_regularizer = None
        assert state.compute_gradients([x], [y], [None])[0] < plain  # the penalty counted


def test_grad_plan_of_a_nested_model():
    base = _base(bn=False)
    base.trainable = False
    model = _transfer(base, trainable_stem=True)
    model.train_on_batch(*_data(2))
    trained = {id(w) for w in train_state(model).plan.weights}
    plan = grad_plan(model, trained, [False])
    names = [n.layer.name for n in model._nodes]
    flags = dict(zip(names, plan))
    assert flags["stem"][:2] == (False, True)
    assert flags["base"][:2] == (True, False)
    inner = flags["base"][2]
    assert [f[:2] for f in inner] == [(True, False)] * len(base._nodes)
    # with nothing trained, nothing needs a backward
    assert not any(dx or dw for dx, dw, _ in grad_plan(model, set(), [False]))
    # a gradient wanted at the input reaches every node
    assert all(dx for dx, _, _ in grad_plan(model, set(), [True]))


@pytest.mark.parametrize("make", [
    lambda: layers.Dense(3, activation="relu"),
    lambda: layers.Conv2D(3, 3, padding="same", activation="relu"),
    lambda: layers.Conv2D(3, 1, activation="sigmoid"),
    lambda: layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2),
    lambda: layers.DepthwiseConv2D(3, activation="relu"),
    lambda: layers.SeparableConv2D(4, 3, padding="same"),
    lambda: layers.BatchNormalization(),
], ids=["Dense", "Conv2D", "Conv2D-1x1", "DepthwiseConv2D-dm2", "DepthwiseConv2D",
        "SeparableConv2D", "BatchNormalization"])
@pytest.mark.parametrize("training", [True, False])
def test_need_dw_false_gives_the_same_dx_and_no_weight_gradients(make, training):
    from skdeep.nn.context import CallContext

    with backend.floatx_scope("float64"):
        layer = make()
        x = np.random.default_rng(0).standard_normal((3, 6, 5, 4))
        layer(x)
        randomize_weights(layer, seed=1)
        dy = None
        results = []
        for need_dw in (True, False):
            for w in layer.weights:
                w.grad[...] = 0
            ctx = CallContext(training=training, workspace={}, need_dw=need_dw)
            y, backward = layer.forward(x, ctx)
            if dy is None:
                dy = np.random.default_rng(2).standard_normal(y.shape)
            results.append((np.array(backward(dy)), [w.grad.copy() for w in layer.weights]))
        (dx_full, grads_full), (dx, grads) = results
        np.testing.assert_allclose(dx, dx_full, rtol=1e-12, atol=1e-14)
        assert any(g.any() for g in grads_full)
        assert not any(g.any() for g in grads)
