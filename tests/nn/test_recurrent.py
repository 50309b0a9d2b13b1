"""SimpleRNN, LSTM, GRU and Bidirectional against a NumPy transcription of
the Keras 3 equations (cells and the masked scan of ``backend.rnn``), with
weights set by hand, so that Keras-trained weights load and predict the
same; plus masking semantics, errors, configs and training."""
import numpy as np
import pytest

from skdeep.nn import Input, Model, Sequential, backend
from skdeep.nn.layers import GRU, LSTM, Bidirectional, Dense, Embedding, SimpleRNN
from skdeep.nn.testing import check_model_gradients
from skdeep.nn.context import CallContext


# --------------------------------------------------------------------------- reference
def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def simple_rnn_step(x, states, w):
    kernel, recurrent, bias = w
    h = np.tanh(x @ kernel + states[0] @ recurrent + bias)
    return h, [h]


def lstm_step(x, states, w):
    kernel, recurrent, bias = w
    h_tm1, c_tm1 = states
    z = x @ kernel + h_tm1 @ recurrent + bias
    z0, z1, z2, z3 = np.split(z, 4, axis=-1)
    i, f, o = sigmoid(z0), sigmoid(z1), sigmoid(z3)
    c = f * c_tm1 + i * np.tanh(z2)
    h = o * np.tanh(c)
    return h, [h, c]


def gru_step(x, states, w, reset_after):
    kernel, recurrent, bias = w
    h_tm1 = states[0]
    u = recurrent.shape[0]
    input_bias, recurrent_bias = (bias[0], bias[1]) if reset_after else (bias, None)
    x_z, x_r, x_h = np.split(x @ kernel + input_bias, 3, axis=-1)
    if reset_after:
        inner = h_tm1 @ recurrent + recurrent_bias
    else:
        inner = h_tm1 @ recurrent[:, :2 * u]
    z = sigmoid(x_z + inner[:, :u])
    r = sigmoid(x_r + inner[:, u:2 * u])
    if reset_after:
        rec_h = r * inner[:, 2 * u:]
    else:
        rec_h = (r * h_tm1) @ recurrent[:, 2 * u:]
    hh = np.tanh(x_h + rec_h)
    h = z * h_tm1 + (1 - z) * hh
    return h, [h]


def keras_rnn(step, x, n_states, units, mask=None, go_backwards=False, zero_output_for_mask=False):
    """keras.backend.rnn (numpy backend, unroll=False): returns (last, outputs, states)."""
    B, T, _ = x.shape
    states = [np.zeros((B, units)) for _ in range(n_states)]
    order = range(T - 1, -1, -1) if go_backwards else range(T)
    outputs = []
    for t in order:
        out, new_states = step(x[:, t], states)
        if mask is not None:
            keep = mask[:, t][:, None]
            out = np.where(keep, out, 0.0 if zero_output_for_mask else states[0])
            new_states = [np.where(keep, n, s) for n, s in zip(new_states, states)]
        outputs.append(out)
        states = new_states
    outputs = np.stack(outputs, axis=1)  # processing order, as Keras returns it
    return outputs[:, -1], outputs, states


def random_weights(layer, rng):
    return [rng.normal(0, 0.5, w.shape) for w in layer.weights]


CELLS = {
    "simple_rnn": (SimpleRNN, simple_rnn_step, 1),
    "lstm": (LSTM, lstm_step, 2),
    "gru": (GRU, lambda x, s, w: gru_step(x, s, w, True), 1),
    "gru_reset_before": (lambda *a, **k: GRU(*a, reset_after=False, **k),
                         lambda x, s, w: gru_step(x, s, w, False), 1),
}


def _mask(B=4, T=6):
    mask = np.ones((B, T), bool)
    mask[0, :2] = False    # pre-padding
    mask[1, 4:] = False    # post-padding
    mask[2, [1, 3]] = False  # holes
    return mask


@pytest.mark.parametrize("masked", [False, True], ids=["unmasked", "masked"])
@pytest.mark.parametrize("go_backwards", [False, True], ids=["forward", "backwards"])
@pytest.mark.parametrize("cell", sorted(CELLS))
def test_forward_matches_keras_equations(cell, go_backwards, masked):
    make, step, n_states = CELLS[cell]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 6, 3))
    mask = _mask() if masked else None
    with backend.floatx_scope("float64"):
        layer = make(5, return_sequences=True, return_state=True, go_backwards=go_backwards)
        layer.build((None, 6, 3))
        w = random_weights(layer, rng)
        layer.set_weights(w)
        got, _ = layer.forward(x, CallContext(mask=mask))
    last, seq, states = keras_rnn(lambda a, s: step(a, s, w), x, n_states, 5, mask, go_backwards)
    np.testing.assert_allclose(got[0], seq, rtol=1e-10, atol=1e-12)
    for g, s in zip(got[1:], states):
        np.testing.assert_allclose(g, s, rtol=1e-10, atol=1e-12)
    # the last output alone, in float32 (the fast tanh/sigmoid path)
    layer32 = make(5, go_backwards=go_backwards)
    layer32.build((None, 6, 3))
    layer32.set_weights(w)
    np.testing.assert_allclose(layer32.forward(x.astype(np.float32), CallContext(mask=mask))[0], last,
                               rtol=1e-5, atol=2e-6)


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_zero_output_for_mask(cell):
    make, step, n_states = CELLS[cell]
    rng = np.random.default_rng(1)
    x, mask = rng.standard_normal((4, 6, 3)), _mask()
    with backend.floatx_scope("float64"):
        layer = make(2, return_sequences=True, zero_output_for_mask=True)
        layer.build((None, 6, 3))
        w = random_weights(layer, rng)
        layer.set_weights(w)
        got = layer.forward(x, CallContext(mask=mask))[0]
    _, seq, _ = keras_rnn(lambda a, s: step(a, s, w), x, n_states, 2, mask,
                          zero_output_for_mask=True)
    np.testing.assert_allclose(got, seq, rtol=1e-10, atol=1e-12)
    assert (got[~mask] == 0).all()


def test_masked_steps_repeat_the_previous_output():
    """Keras 3: without zero_output_for_mask a masked step outputs the carried state."""
    x = np.random.default_rng(2).standard_normal((4, 6, 3)).astype(np.float32)
    mask = _mask()
    y = LSTM(3, return_sequences=True)(x, mask=mask)
    np.testing.assert_array_equal(y[0, :2], 0.0)  # nothing seen yet: the zero initial state
    np.testing.assert_array_equal(y[1, 4], y[1, 3])
    np.testing.assert_array_equal(y[1, 5], y[1, 3])
    np.testing.assert_array_equal(y[2, 1], y[2, 0])


def test_lstm_unit_forget_bias_and_defaults():
    layer = LSTM(3)
    layer.build((None, 4, 2))
    np.testing.assert_array_equal(layer.bias.value, [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    assert LSTM(3, unit_forget_bias=False).get_config()["unit_forget_bias"] is False
    U = layer.recurrent_kernel.value  # orthogonal columns (Keras: 'orthogonal' initializer)
    np.testing.assert_allclose(U @ U.T, np.eye(3), atol=1e-5)
    assert layer.get_config()["recurrent_initializer"]["class_name"] == "Orthogonal"


def test_pre_padded_sequences_give_the_unpadded_result():
    """What masking is for: padding in front changes nothing."""
    rng = np.random.default_rng(3)
    seq = rng.standard_normal((1, 4, 3)).astype(np.float32)
    padded = np.concatenate([np.zeros((1, 3, 3), np.float32), seq], axis=1)
    mask = np.array([[False] * 3 + [True] * 4])
    for layer in (SimpleRNN(4), LSTM(4), GRU(4), GRU(4, reset_after=False)):
        layer.build((None, None, 3))
        np.testing.assert_allclose(layer(padded, mask=mask), layer(seq), rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------- Bidirectional
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_merges_forward_and_reversed_backward(merge_mode):
    rng = np.random.default_rng(4)
    x, mask = rng.standard_normal((4, 6, 3)), _mask()
    with backend.floatx_scope("float64"):
        layer = Bidirectional(GRU(2, return_sequences=True), merge_mode=merge_mode)
        layer.build((None, 6, 3))
        w = random_weights(layer, rng)
        layer.set_weights(w)
        got = layer(x, mask=mask)
    step = lambda a, s, ws: gru_step(a, s, ws, True)  # noqa: E731
    _, fw, _ = keras_rnn(lambda a, s: step(a, s, w[:3]), x, 1, 2, mask, zero_output_for_mask=True)
    _, bw, _ = keras_rnn(lambda a, s: step(a, s, w[3:]), x, 1, 2, mask, go_backwards=True,
                         zero_output_for_mask=True)
    bw = bw[:, ::-1]
    expected = {"concat": lambda: np.concatenate([fw, bw], -1), "sum": lambda: fw + bw,
                "mul": lambda: fw * bw, "ave": lambda: (fw + bw) / 2,
                None: lambda: [fw, bw]}[merge_mode]()
    for g, e in zip(got if merge_mode is None else [got], expected if merge_mode is None
                    else [expected]):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12)


def test_bidirectional_layers_weights_and_states():
    layer = Bidirectional(LSTM(3, name="enc", return_state=True), merge_mode="sum")
    out = layer(np.ones((2, 4, 5), np.float32))
    assert [o.shape for o in out] == [(2, 3)] * 5  # merged, h_f, c_f, h_b, c_b
    assert layer.forward_layer.name == "forward_enc" and not layer.forward_layer.go_backwards
    assert layer.backward_layer.name == "backward_enc" and layer.backward_layer.go_backwards
    assert [w.shape for w in layer.get_weights()] == [(5, 12), (3, 12), (12,)] * 2
    assert layer.weights[:3] == layer.forward_layer.weights
    inp = Input(shape=(4, 5))
    outs = Bidirectional(GRU(3, return_state=True), merge_mode=None)(inp)
    assert [t.shape for t in outs] == [(None, 3)] * 4
    custom = Bidirectional(LSTM(2, return_sequences=True),
                           backward_layer=SimpleRNN(2, go_backwards=True, return_sequences=True))
    assert custom(np.ones((1, 3, 2), np.float32)).shape == (1, 3, 4)


def test_bidirectional_rejects_bad_arguments():
    with pytest.raises(ValueError, match="merge_mode"):
        Bidirectional(LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="go_backwards"):
        Bidirectional(LSTM(2), backward_layer=LSTM(2))
    with pytest.raises(ValueError, match="return_sequences"):
        Bidirectional(LSTM(2), backward_layer=LSTM(2, go_backwards=True, return_sequences=True))
    with pytest.raises(ValueError, match="recurrent layer"):
        Bidirectional(Dense(2))


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("make, match", [
    (lambda: LSTM(0), "units"),
    (lambda: GRU(2.5), "units"),
    (lambda: LSTM(2, dropout=1.0), "dropout"),
    (lambda: GRU(2, recurrent_dropout=-0.1), "recurrent_dropout"),
    (lambda: SimpleRNN(2, activation="softmax"), "activation"),
    (lambda: LSTM(2, recurrent_activation="gelu"), "recurrent_activation"),
    (lambda: LSTM(2, stateful=True), "stateful"),
    (lambda: LSTM(2, activation="no_such_thing"), "activation"),
])
def test_bad_arguments_raise_clear_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_inputs_raise_clear_errors():
    layer = LSTM(2)
    layer.build((None, 5, 3))
    with pytest.raises(ValueError, match=r"\(batch, timesteps, 3\)"):
        layer(np.ones((2, 5, 4), np.float32))
    with pytest.raises(ValueError, match=r"\(batch, timesteps, 3\)"):
        layer(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="mask"):
        layer(np.ones((2, 5, 3), np.float32), mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match="0 steps"):
        layer(np.ones((2, 0, 3), np.float32))
    with pytest.raises(ValueError, match="features"):
        LSTM(2).build((None, 5))
    with pytest.raises(ValueError, match="initial_state"):
        layer(np.ones((2, 5, 3), np.float32), initial_state=[np.zeros((2, 2))] * 2)


# --------------------------------------------------------------------------- behaviour
def test_dropout_is_training_only_and_seeded():
    x = np.random.default_rng(5).standard_normal((3, 4, 6)).astype(np.float32)
    layer = GRU(4, dropout=0.5, recurrent_dropout=0.5, return_sequences=True, seed=1)
    layer.build((None, 4, 6))
    inference = layer.forward(x, CallContext())[0].copy()
    np.testing.assert_array_equal(layer.forward(x, CallContext(training=False))[0], inference)
    trained = layer.forward(x, CallContext(training=True))[0]
    assert not np.allclose(trained, inference)
    again = GRU(4, dropout=0.5, recurrent_dropout=0.5, return_sequences=True, seed=1)
    again.build((None, 4, 6))
    again.set_weights(layer.get_weights())
    np.testing.assert_array_equal(again.forward(x, CallContext(training=True))[0], trained)


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_batch_invariance(cell):
    make = CELLS[cell][0]
    rng = np.random.default_rng(6)
    x, mask = rng.standard_normal((37, 5, 3)).astype(np.float32), rng.random((37, 5)) < 0.8
    backend.set_random_seed(6)
    layer = make(4, return_sequences=True)
    whole = layer(x, mask=mask)
    rows = np.concatenate([layer(x[i:i + 1], mask=mask[i:i + 1]) for i in range(len(x))])
    # float32: BLAS sums in another order for one row than for blocks of rows
    np.testing.assert_allclose(whole, rows, rtol=1e-5, atol=1e-6)


def test_config_round_trip_predicts_the_same():
    x = np.random.default_rng(7).standard_normal((2, 4, 3)).astype(np.float32)
    for layer in (SimpleRNN(3, activation="relu", go_backwards=True),
                  LSTM(3, recurrent_activation="hard_sigmoid", return_sequences=True),
                  GRU(3, reset_after=False, use_bias=False, dropout=0.1, seed=3),
                  Bidirectional(LSTM(2), merge_mode="ave")):
        y = layer(x)
        clone = type(layer).from_config(layer.get_config())
        clone.build((None, 4, 3))
        clone.set_weights(layer.get_weights())
        np.testing.assert_array_equal(clone(x), y)
        assert clone.get_config() == layer.get_config()


def test_functional_return_state_and_stacking():
    inp = Input(shape=(5, 3))
    seq, h, c = LSTM(4, return_sequences=True, return_state=True)(inp)
    top = GRU(2)(seq)
    model = Model(inp, [top, h, c])
    outs = model.predict(np.ones((3, 5, 3), np.float32), verbose=0)
    assert [o.shape for o in outs] == [(3, 2), (3, 4), (3, 4)]


@pytest.mark.parametrize("make_rnn", [
    lambda: [LSTM(3, return_sequences=True), GRU(2)],
    lambda: [Bidirectional(SimpleRNN(2, return_sequences=True), merge_mode="mul"),
             GRU(2, reset_after=False, go_backwards=True)],
    lambda: [Bidirectional(LSTM(2, return_sequences=True)), LSTM(2, return_sequences=True),
             GRU(2)],
], ids=["lstm-gru", "birnn-gru-v1", "bilstm-lstm-gru"])
def test_stacked_masked_model_gradients(make_rnn):
    with backend.floatx_scope("float64"):
        model = Sequential([Embedding(8, 3, mask_zero=True, input_shape=(6,)), *make_rnn(),
                            Dense(1, activation="sigmoid")])
        model.compile("adam", "binary_crossentropy")
        ids = np.array([[0, 0, 1, 2, 3, 4], [5, 6, 7, 1, 2, 0], [1, 0, 2, 0, 3, 0]])
        check_model_gradients(model, ids, np.array([0.0, 1.0, 1.0]))


def test_lstm_learns_which_token_comes_first():
    """A task a bag of words cannot solve: is token 1 before token 2?"""
    rng = np.random.default_rng(8)
    n, T = 400, 8
    X = rng.integers(3, 10, (n, T))
    first = rng.integers(0, T - 1, n)
    second = np.array([rng.integers(f + 1, T) for f in first])
    y = rng.integers(0, 2, n)
    X[np.arange(n), first] = np.where(y == 1, 1, 2)
    X[np.arange(n), second] = np.where(y == 1, 2, 1)
    backend.set_random_seed(0)
    model = Sequential([Embedding(10, 8, input_shape=(T,)), LSTM(16),
                        Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(X, y, epochs=30, batch_size=32, verbose=0)
    assert history.history["accuracy"][-1] > 0.9


@pytest.mark.parametrize("make", [
    lambda: LSTM(4, return_sequences=True, return_state=True, dropout=0.2,
                 recurrent_dropout=0.3, seed=5),
    lambda: GRU(4, go_backwards=True, return_state=True, recurrent_dropout=0.3, seed=5),
    lambda: GRU(4, reset_after=False, return_sequences=True, zero_output_for_mask=True),
    lambda: SimpleRNN(4, return_sequences=True, dropout=0.3, seed=5),
    lambda: Bidirectional(LSTM(4, return_sequences=True), merge_mode="sum"),
], ids=["lstm", "gru-backwards", "gru-reset-before", "simple-rnn", "bidirectional"])
def test_row_ranges_on_threads_match_one_range(make, monkeypatch):
    """Several row ranges (run on the thread pool) give the single-range results."""
    from skdeep.nn.layers import _rnn_base

    rng = np.random.default_rng(9)
    x, mask = rng.standard_normal((70, 5, 3)), rng.random((70, 5)) < 0.8
    results, used = [], []
    for n_parts in (1, 3):
        monkeypatch.setattr(_rnn_base, "_blocks", lambda batch, n=n_parts: used.append(n) or n)
        with backend.floatx_scope("float64"):
            backend.set_random_seed(0)
            layer = make()
            layer.build((None, 5, 3))
            out, backward = layer.forward(x, CallContext(training=True, mask=mask))
            outs = out if isinstance(out, list) else [out]
            outs = [o.copy() for o in outs]
            dys = [np.random.default_rng(1).standard_normal(o.shape) for o in outs]
            dx = backward(dys if isinstance(out, list) else dys[0]).copy()
        results.append((outs, dx, [w.grad.copy() for w in layer.weights]))
    (o1, dx1, g1), (o3, dx3, g3) = results
    for a, b in zip(o1 + [dx1] + g1, o3 + [dx3] + g3):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert 3 in used  # the 3-range split was used


def test_threads_restore_the_blas_thread_count(monkeypatch):
    from threadpoolctl import threadpool_info

    from skdeep.nn.layers import _rnn_base

    monkeypatch.setattr(_rnn_base, "_blocks", lambda batch: 2)
    before = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    seen = []
    layer = LSTM(3)
    layer.build((None, 4, 2))
    layer._recur = (lambda inner: lambda part: (seen.append(
        [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]),
        inner(part)))(layer._recur)
    layer(np.ones((60, 4, 2), np.float32))
    assert seen and all(n == 1 for counts in seen for n in counts)  # one BLAS thread inside
    assert [lib["num_threads"] for lib in threadpool_info()
            if lib["user_api"] == "blas"] == before


def test_concurrent_predict_from_threads():
    """Callers on several threads share the row-range pool and BLAS limit safely."""
    from concurrent.futures import ThreadPoolExecutor

    backend.set_random_seed(3)
    model = Sequential([Embedding(20, 4, input_shape=(6,)),
                        Bidirectional(GRU(5, return_sequences=True)), LSTM(3), Dense(2)])
    X = np.random.default_rng(4).integers(0, 20, (8, 96, 6))
    expected = [model.predict(x, batch_size=96, verbose=0) for x in X]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda x: model.predict(x, batch_size=96, verbose=0), X))
    for e, g in zip(expected, got):
        np.testing.assert_array_equal(e, g)
