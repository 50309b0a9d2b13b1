"""Attention, AdditiveAttention, MultiHeadAttention and EinsumDense: Keras 3
outputs and weight layouts (tests/fixtures/make_attention_reference.py), use
in models (training, masks from Embedding, save/load, clone)."""
import json
import os

import numpy as np
import pytest

from skdeep.nn import Input, Model, backend, layers
from skdeep.nn.layers import (
    Add,
    Attention,
    Dense,
    EinsumDense,
    Embedding,
    GlobalAveragePooling1D,
    LayerNormalization,
    MultiHeadAttention,
)
from skdeep.nn.saving import load_model

FIXTURE = os.path.join(os.path.dirname(__file__), os.pardir, "fixtures",
                       "attention_reference.npz")
DATA = np.load(FIXTURE)
SPECS = json.loads(str(DATA["specs"]))


def _weights(case):
    out, i = [], 0
    while f"{case}/w{i}" in DATA:
        out.append(DATA[f"{case}/w{i}"])
        i += 1
    return out


def _call(layer, spec, case):
    xs = [DATA[f"{case}/x{i}"] for i in range(spec["n_inputs"])]
    masks = {m: DATA[f"{case}/{m}"] for m in spec["masks"]}
    if isinstance(layer, MultiHeadAttention):
        key = xs[2] if len(xs) > 2 else None
        return layer(xs[0], xs[1], key, **masks, **spec["call"])
    mask = [masks.get("query_mask"), masks.get("value_mask")] if masks else None
    return layer(xs, mask=mask, **spec["call"])


@pytest.mark.parametrize("case", sorted(SPECS))
def test_matches_keras(case):
    spec = SPECS[case]
    layer = getattr(layers, spec["class_name"])(**spec["kwargs"])
    _call(layer, spec, case)  # builds
    paths = [w.path if isinstance(layer, MultiHeadAttention) else w.name for w in layer.weights]
    assert paths == spec["weight_paths"]
    layer.set_weights(_weights(case))
    result = _call(layer, spec, case)
    results = result if isinstance(result, list) else [result]
    for i, r in enumerate(results):
        np.testing.assert_allclose(r, DATA[f"{case}/y{i}"], rtol=2e-5, atol=2e-5)


def test_einsum_dense_keras_shapes():
    layer = EinsumDense("...b,bc->...c", 4, bias_axes="c", activation="relu")
    assert layer(np.ones((2, 3, 5))).shape == (2, 3, 4)
    assert [w.shape for w in layer.weights] == [(5, 4), (4,)]
    layer = EinsumDense("abc,cd->abd", (None, 6), bias_axes="d")
    assert layer.compute_output_shape((None, 7, 3)) == (None, 7, 6)
    with pytest.raises(ValueError, match="Invalid einsum"):
        EinsumDense("ab->b", 3)
    with pytest.raises(ValueError, match="bias_axes"):
        EinsumDense("ab,bc->ac", 3, bias_axes="z")(np.ones((2, 2)))


def transformer(vocab=20, steps=6, dim=8):
    inp = Input((steps,), dtype="int32")
    x = Embedding(vocab, dim, mask_zero=True)(inp)
    attended = MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.1)(x, x)
    x = LayerNormalization(epsilon=1e-6)(Add()([x, attended]))
    cross, _ = Attention(use_scale=True)([x, x], return_attention_scores=True)
    x = GlobalAveragePooling1D()(cross)
    return Model(inp, Dense(2, activation="softmax")(x))


def test_transformer_block_trains_saves_and_reloads(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.integers(1, 20, (32, 6))
    x[:, 4:] = 0  # padding, masked by the Embedding
    y = (x[:, 0] > 10).astype(int)
    with backend.seeded(0):
        model = transformer()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=6, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    p = model.predict(x, verbose=0)
    path = tmp_path / "t.keras"
    model.save(path)
    loaded = load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), p, rtol=1e-5, atol=1e-6)
    mha = next(layer for layer in loaded.layers if isinstance(layer, MultiHeadAttention))
    assert [w.shape for w in mha.weights][:2] == [(8, 2, 4), (2, 4)]


def test_value_mask_from_embedding_ignores_padded_steps():
    rng = np.random.default_rng(1)
    inp = Input((5,), dtype="int32")
    emb = Embedding(10, 4, mask_zero=True)
    x = emb(inp)
    out = MultiHeadAttention(num_heads=1, key_dim=2)(x, x)
    model = Model(inp, out)
    ids = np.array([[3, 4, 5, 0, 0]])
    before = model.predict(ids, verbose=0)
    emb.embeddings.value[0] = rng.standard_normal(4) * 10  # the padding id's vector
    after = model.predict(ids, verbose=0)
    np.testing.assert_allclose(after[:, :3], before[:, :3], rtol=1e-5, atol=1e-6)


def test_symbolic_attention_mask_input_and_scores_output():
    q, v = Input((3, 4)), Input((5, 4))
    am = Input((3, 5), dtype="bool")
    out, scores = MultiHeadAttention(2, 2)(q, v, attention_mask=am,
                                          return_attention_scores=True)
    assert scores.shape == (None, 2, 3, 5)
    model = Model([q, v, am], [out, scores])
    rng = np.random.default_rng(2)
    mask = rng.random((2, 3, 5)) > 0.4
    mask[..., 0] = True
    o, s = model.predict([rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4)), mask],
                         verbose=0)
    assert o.shape == (2, 3, 4)
    np.testing.assert_array_equal(s[:, 0] == 0, ~mask)
    np.testing.assert_allclose(s.sum(-1), 1, rtol=1e-5)


def test_bad_calls_raise_clear_errors():
    with pytest.raises(ValueError, match="list"):
        Attention()(np.ones((2, 3, 4)))
    with pytest.raises(TypeError, match="query and value"):
        MultiHeadAttention(2, 2)(np.ones((2, 3, 4)))
    with pytest.raises(NotImplementedError, match="attention_axes"):
        MultiHeadAttention(2, 2, attention_axes=(2,))(np.ones((2, 3, 4, 5)), np.ones((2, 3, 4, 5)))
    assert MultiHeadAttention(2, 2, attention_axes=1)(np.ones((2, 3, 4)),
                                                       np.ones((2, 5, 4))).shape == (2, 3, 4)
    with pytest.raises(ValueError, match="num_heads"):
        MultiHeadAttention(0, 2)
