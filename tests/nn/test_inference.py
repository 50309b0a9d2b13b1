"""The small-batch inference path (skdeep.nn.inference): the same outputs and
errors as the general path, and it declines what it cannot vouch for."""
import threading

import numpy as np
import pytest

from skdeep.nn import Input, Model, Sequential, execution, inference
from skdeep.nn.layers import BatchNormalization, Dense, Dropout


def _general(model, x):
    """The general path's outputs (the graph walk with the predict contexts)."""
    xs = [np.ascontiguousarray(x, dtype=np.float32)]
    return execution.run(model, xs, execution.predict_contexts(model))[0][0].copy()


def _mlp(activations=("relu", "gelu", "softmax"), use_bias=True, seed=0):
    rng = np.random.default_rng(seed)
    model = Sequential([Input((6,))] + [Dense(u, activation=a, use_bias=use_bias)
                                        for u, a in zip((5, 4, 3), activations)])
    for w in model.weights:
        w.assign(rng.standard_normal(w.shape).astype(np.float32))
    return model


@pytest.mark.parametrize("activations", [("relu", "gelu", "softmax"), ("tanh", "swish", None),
                                         ("selu", "leaky_relu", "sigmoid")])
@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("rows", [1, 3, 32])
def test_same_outputs_as_the_graph_walk(activations, use_bias, rows):
    model = _mlp(activations, use_bias)
    x = np.random.default_rng(1).standard_normal((rows, 6)).astype(np.float32)
    fast = inference.try_predict(model, x)
    assert fast is not None
    np.testing.assert_array_equal(fast, _general(model, x))
    np.testing.assert_array_equal(model.predict(x, verbose=0), fast)
    np.testing.assert_array_equal(model.predict_on_batch(x), fast)
    np.testing.assert_array_equal(model(x), fast)


def test_float64_input_is_cast_like_the_general_path():
    model = _mlp()
    x = np.random.default_rng(2).standard_normal((2, 6))
    fast = inference.try_predict(model, x)
    assert fast.dtype == np.float32
    np.testing.assert_array_equal(fast, _general(model, x.astype(np.float32)))


def test_other_layers_run_their_own_forward():
    rng = np.random.default_rng(3)
    model = Sequential([Input((4,)), Dense(5, activation="relu"), BatchNormalization(),
                        Dropout(0.5), Dense(2)])
    for w in model.weights:
        w.assign(rng.uniform(0.5, 1.5, w.shape).astype(np.float32))
    x = rng.standard_normal((3, 4)).astype(np.float32)
    fast = inference.try_predict(model, x)
    np.testing.assert_array_equal(fast, _general(model, x))
    # dropout stays active under training=True: that call takes the general path
    assert not np.array_equal(model(np.ones((64, 4), np.float32), training=True),
                              model(np.ones((64, 4), np.float32)))


def test_results_are_new_arrays():
    model = _mlp()
    a = model.predict(np.ones((1, 6), np.float32), verbose=0)
    kept = a.copy()
    model.predict(np.zeros((1, 6), np.float32), verbose=0)
    np.testing.assert_array_equal(a, kept)


@pytest.mark.parametrize("x", [np.ones((65, 6), np.float32),      # more than MAX_ROWS
                               np.ones((6, 6), np.float32).T,     # not C-contiguous
                               np.ones((1, 5), np.float32),       # wrong width
                               np.ones((1, 6), np.int64),         # not float
                               [np.ones((1, 6), np.float32)],     # not an ndarray
                               np.ones(6, np.float32),            # no batch axis
                               np.zeros((0, 6), np.float32)])     # no rows
def test_declines_what_the_general_path_must_see(x):
    assert inference.try_predict(_mlp(), x) is None


def test_more_rows_than_batch_size_is_declined():
    model = _mlp()
    assert inference.try_predict(model, np.ones((4, 6), np.float32), max_rows=3) is None
    np.testing.assert_allclose(model.predict(np.ones((4, 6), np.float32), batch_size=3,
                                             verbose=0),
                               _general(model, np.ones((4, 6))), rtol=1e-6)


@pytest.mark.parametrize("bad, message", [(np.nan, "NaN"), (np.inf, "infinite"),
                                          (1e39, "float32 range")])
def test_non_finite_input_gets_the_general_path_error(bad, message):
    model = _mlp()
    x = np.ones((2, 6))
    x[1, 4] = bad
    assert inference.try_predict(model, x) is None
    with pytest.raises(ValueError, match=message):
        model.predict(x, verbose=0)


def test_non_finite_input_after_a_non_dense_first_layer():
    model = Sequential([Input((3,)), Dropout(0.2), Dense(2)])
    x = np.ones((1, 3), np.float32)
    assert inference.try_predict(model, x) is not None
    x[0, 1] = np.nan
    assert inference.try_predict(model, x) is None
    with pytest.raises(ValueError, match="NaN"):
        model.predict(x, verbose=0)


def test_not_a_chain_is_declined():
    a, b = Input((3,)), Input((3,))
    from skdeep.nn.layers import Add

    model = Model([a, b], Dense(2)(Add()([a, b])))
    assert inference.plan_for(model).steps is None
    inp = Input((3,))
    two = Model(inp, [Dense(2)(inp), Dense(1)(inp)])
    assert inference.try_predict(two, np.ones((1, 3), np.float32)) is None


def test_list_output_model_returns_a_list():
    inp = Input((3,))
    model = Model(inp, [Dense(2)(inp)])
    out = model.predict(np.ones((1, 3), np.float32), verbose=0)
    assert isinstance(out, list) and out[0].shape == (1, 2)
    assert isinstance(inference.try_predict(model, np.ones((1, 3), np.float32)), list)


def test_plan_follows_graph_and_weight_changes():
    model = _mlp()
    x = np.ones((1, 6), np.float32)
    model.predict(x, verbose=0)
    model.set_weights([w * 2 for w in model.get_weights()])
    np.testing.assert_array_equal(model.predict(x, verbose=0), _general(model, x))
    model.add(Dense(7))
    assert model.predict(x, verbose=0).shape == (1, 7)
    model.pop()
    assert model.predict(x, verbose=0).shape == (1, 3)
    model.layers[0].activation = __import__("skdeep.nn.activations").nn.activations.get("tanh")
    np.testing.assert_array_equal(model.predict(x, verbose=0), _general(model, x))



def test_activation_set_to_a_custom_function_after_the_first_predict():
    """The plan was made for a built-in activation; a custom function assigned
    later runs as the general path runs it (no AttributeError on ``.code``)."""
    from skdeep.nn import ops

    model = _mlp()
    x = np.ones((2, 6), np.float32)
    model.predict(x, verbose=0)
    model.layers[1].activation = lambda t: ops.tanh(t) * 2.0
    np.testing.assert_array_equal(model.predict(x, verbose=0), _general(model, x))
    np.testing.assert_array_equal(model(x), _general(model, x))


def test_activation_set_to_none_after_the_first_predict():
    """Keras' ``model.layers[-1].activation = None`` (logits, e.g. Grad-CAM):
    linear on both paths."""
    model = _mlp()
    x = np.ones((2, 6), np.float32)
    probs = model.predict(x, verbose=0)
    model.layers[-1].activation = None
    logits = model.predict(x, verbose=0)
    np.testing.assert_array_equal(logits, _general(model, x))
    np.testing.assert_allclose(np.exp(logits) / np.exp(logits).sum(1, keepdims=True), probs,
                               rtol=1e-5)


def test_threads_have_their_own_buffers():
    model = _mlp()
    rng = np.random.default_rng(4)
    rows = [rng.standard_normal((1, 6)).astype(np.float32) for _ in range(4)]
    expected = [_general(model, r) for r in rows]
    errors = []

    def worker(i):
        for _ in range(300):
            if not np.array_equal(model.predict(rows[i], verbose=0), expected[i]):
                errors.append(i)
                return

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors
