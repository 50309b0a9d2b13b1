"""Preprocessing layers: lookups and TextVectorization against the examples of
Keras 3's own documentation (they need TensorFlow in Keras, so no fixture
run); Discretization's adapt against Keras' docstring; augmentation layers'
training-only behaviour, exact geometry for fixed factors, and seeding."""
import numpy as np
import pytest

from skdeep.nn import Input, Model, Sequential, backend
from skdeep.nn.layers import (
    Dense,
    Discretization,
    Embedding,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    IntegerLookup,
    Normalization,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Rescaling,
    StringLookup,
    TextVectorization,
)

VOCAB = ["a", "b", "c", "d"]
DATA = [["a", "c", "d"], ["d", "z", "b"]]


def test_string_lookup_keras_doc_examples():
    np.testing.assert_array_equal(StringLookup(vocabulary=VOCAB)(DATA), [[1, 3, 4], [4, 0, 2]])
    layer = StringLookup()
    layer.adapt(DATA)
    assert layer.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]
    np.testing.assert_array_equal(layer(DATA), [[5, 3, 1], [1, 2, 4]])
    np.testing.assert_array_equal(
        StringLookup(vocabulary=VOCAB, output_mode="one_hot")(["a", "b", "c", "d", "z"]),
        np.eye(5)[[1, 2, 3, 4, 0]])
    data4 = [["a", "c", "d", "d"], ["d", "z", "b", "z"]]
    np.testing.assert_array_equal(StringLookup(vocabulary=VOCAB, output_mode="multi_hot")(data4),
                                  [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]])
    np.testing.assert_array_equal(StringLookup(vocabulary=VOCAB, output_mode="count")(data4),
                                  [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]])
    tfidf = StringLookup(output_mode="tf_idf")
    tfidf.set_vocabulary(VOCAB, idf_weights=[0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(tfidf(data4), [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]])
    tfidf.set_vocabulary(["[UNK]"] + VOCAB, idf_weights=[0.9, 0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(tfidf(data4), [[0, 0.25, 0, 0.6, 0.8], [1.8, 0, 0.75, 0, 0.4]])
    inverse = StringLookup(vocabulary=VOCAB, invert=True)
    np.testing.assert_array_equal(inverse([[1, 3, 4], [4, 0, 2]]),
                                  [["a", "c", "d"], ["d", "[UNK]", "b"]])


def test_lookup_mask_token_bytes_and_errors():
    layer = StringLookup(vocabulary=VOCAB, mask_token="")
    assert layer.get_vocabulary()[:2] == ["", "[UNK]"]
    np.testing.assert_array_equal(layer([[b"a", b"", b"zz"]]), [[2, 0, 1]])
    strict = StringLookup(vocabulary=VOCAB, num_oov_indices=0)
    with pytest.raises(ValueError, match="not in the vocabulary"):
        strict(["zz"])
    with pytest.raises(NotImplementedError, match="num_oov_indices"):
        StringLookup(num_oov_indices=2)
    with pytest.raises(ValueError, match="repeated"):
        StringLookup(vocabulary=["a", "a"])


def test_integer_lookup_adapt_max_tokens_and_invert():
    layer = IntegerLookup(max_tokens=3)
    layer.adapt(np.array([[12, 1138, 42], [42, 1000, 36]]))
    assert layer.get_vocabulary() == [-1, 42, 1138]
    np.testing.assert_array_equal(layer(np.array([[42, 36, 1138]])), [[1, 0, 2]])
    inverse = IntegerLookup(vocabulary=[12, 36, 1138, 42], invert=True)
    np.testing.assert_array_equal(inverse(np.array([[1, 3, 4], [4, 0, 2]])),
                                  [[12, 1138, 42], [42, -1, 36]])
    config = layer.get_config()
    clone = IntegerLookup.from_config(config)
    assert clone.get_vocabulary() == layer.get_vocabulary()


def test_text_vectorization_int_and_bag_of_words():
    layer = TextVectorization(max_tokens=5000, output_sequence_length=4)
    layer.adapt(np.array(["foo bar", "bar baz", "baz bada boom"]))
    # Keras' docstring: ['', '[UNK]', 'baz', 'bar', 'foo', 'boom', 'bada']
    assert layer.get_vocabulary() == ["", "[UNK]", "baz", "bar", "foo", "boom", "bada"]
    np.testing.assert_array_equal(layer(np.array([["foo qux bar"], ["qux baz"]])),
                                  [[4, 1, 3, 0], [1, 2, 0, 0]])
    fixed = TextVectorization(output_mode="int", vocabulary=["earth", "wind", "and", "fire"])
    np.testing.assert_array_equal(fixed(np.array([["earth wind and Fire!"], ["fire and earth"]])),
                                  [[2, 3, 4, 5], [5, 4, 2, 0]])
    bag = TextVectorization(output_mode="multi_hot", ngrams=2)
    bag.adapt(np.array(["a b a", "b c"]))
    vocab = bag.get_vocabulary()
    assert vocab[0] == "[UNK]" and set(vocab[1:]) == {"a", "b", "c", "a b", "b a", "b c"}
    out = bag(np.array(["a b zz"]))
    assert out.shape == (1, len(vocab))
    assert out[0, 0] == 1 and out[0, vocab.index("a b")] == 1 and out[0, vocab.index("b c")] == 0
    tfidf = TextVectorization(output_mode="tf_idf")
    tfidf.adapt(np.array(["a a b", "b"]))
    # idf = log(1 + docs / (1 + doc_count)): a in 1 of 2 docs, b in 2
    idf = {t: np.log(1 + 2 / (1 + c)) for t, c in (("a", 1), ("b", 2))}
    v = tfidf.get_vocabulary()
    row = tfidf(np.array(["a a b"]))[0]
    np.testing.assert_allclose([row[v.index("a")], row[v.index("b")]],
                               [2 * idf["a"], idf["b"]], rtol=1e-6)


def test_discretization_adapt_matches_keras_docstring():
    x = np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]])
    layer = Discretization(num_bins=4, epsilon=0.01)
    layer.adapt(x)
    np.testing.assert_array_equal(layer(x), [[0, 2, 3, 2], [1, 3, 3, 1]])


def test_normalization_in_a_model_trains_and_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(50, 10, (64, 3)).astype("float32")
    y = (x[:, 0] > 50).astype("float32")
    norm = Normalization()
    norm.adapt(x)
    with backend.seeded(0):
        model = Sequential([Input((3,)), norm, Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    model.fit(x, y, epochs=3, verbose=0)
    np.testing.assert_allclose(norm.mean.value, x.mean(axis=0), rtol=1e-5)
    assert norm.trainable_weights == [] or all(not w.trainable for w in norm.weights)
    path = tmp_path / "n.keras"
    model.save(path)
    from skdeep.nn.saving import load_model
    np.testing.assert_allclose(load_model(path).predict(x, verbose=0),
                               model.predict(x, verbose=0), rtol=1e-6)


IMAGES = np.random.default_rng(3).uniform(0, 255, (4, 6, 6, 2)).astype("float32")
AUGMENTERS = [RandomFlip(seed=1), RandomRotation(0.2, seed=1), RandomZoom(0.3, seed=1),
              RandomTranslation(0.2, 0.2, seed=1), RandomContrast(0.5, seed=1)]


@pytest.mark.parametrize("layer", AUGMENTERS, ids=lambda layer: type(layer).__name__)
def test_augmentation_only_in_training(layer):
    np.testing.assert_array_equal(layer(IMAGES), IMAGES)
    assert not np.allclose(layer(IMAGES, training=True), IMAGES)
    assert layer(IMAGES[0], training=True).shape == IMAGES[0].shape  # a single image


def test_augmentation_seeds_repeat():
    a = RandomRotation(0.3, seed=5)(IMAGES, training=True)
    b = RandomRotation(0.3, seed=5)(IMAGES, training=True)
    np.testing.assert_array_equal(a, b)
    with backend.seeded(9):
        c = RandomZoom(0.2)(IMAGES, training=True)
    with backend.seeded(9):
        d = RandomZoom(0.2)(IMAGES, training=True)
    np.testing.assert_array_equal(c, d)


def test_fixed_factors_give_exact_geometry():
    x = np.arange(16.0).reshape(1, 4, 4, 1)
    quarter = RandomRotation((0.25, 0.25), interpolation="nearest")(x, training=True)
    np.testing.assert_array_equal(quarter[0, :, :, 0], np.rot90(x[0, :, :, 0]))
    shifted = RandomTranslation((0.25, 0.25), (0.0, 0.0), fill_mode="constant",
                                fill_value=-1.0)(x, training=True)
    np.testing.assert_array_equal(shifted[0, :, :, 0],
                                  np.vstack([-np.ones((1, 4)), x[0, :3, :, 0]]))
    wrapped = RandomTranslation(0.0, (-0.5, -0.5), fill_mode="wrap")(x, training=True)
    np.testing.assert_array_equal(wrapped[0, :, :, 0], np.roll(x[0, :, :, 0], -2, axis=1))
    flipped = RandomFlip("horizontal")
    for _ in range(5):  # each call flips the image or leaves it
        y = flipped(x, training=True)[0, :, :, 0]
        assert np.array_equal(y, x[0, :, :, 0]) or np.array_equal(y, x[0, :, ::-1, 0])
    zoom = RandomZoom((-0.5, -0.5), interpolation="bilinear")(np.ones((1, 5, 5, 1)) * 3,
                                                             training=True)
    np.testing.assert_allclose(zoom, 3.0)
    contrast = RandomContrast((0.0, 0.0))(IMAGES, training=True)
    np.testing.assert_allclose(contrast, IMAGES, rtol=1e-5)


def test_random_crop_training_window_and_centre_at_inference():
    x = np.arange(36.0).reshape(1, 6, 6, 1)
    layer = RandomCrop(3, 4, seed=2)
    np.testing.assert_array_equal(layer(x), x[:, 1:4, 1:5])
    for _ in range(5):
        y = layer(x, training=True)
        top, left = divmod(int(y[0, 0, 0, 0]), 6)
        np.testing.assert_array_equal(y, x[:, top:top + 3, left:left + 4])
    assert RandomCrop(8, 8)(x).shape == (1, 8, 8, 1)  # smaller images are resized


def test_augmentation_in_fit_and_not_in_predict():
    x = IMAGES / 255.0
    y = np.eye(2)[[0, 1, 0, 1]]
    with backend.seeded(0):
        inp = Input((6, 6, 2))
        h = RandomFlip(seed=0)(Rescaling(2.0, offset=-1.0)(inp))
        h = RandomContrast(0.3, value_range=(-1, 1), seed=0)(h)
        model = Model(inp, Dense(2, activation="softmax")(GlobalAveragePooling2D()(h)))
    model.compile("sgd", "categorical_crossentropy")
    before = model.predict(x, verbose=0)
    model.fit(x, y, epochs=2, verbose=0)
    p1, p2 = model.predict(x, verbose=0), model.predict(x, verbose=0)
    np.testing.assert_array_equal(p1, p2)  # no augmentation at inference
    assert not np.allclose(p1, before)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="mode"):
        RandomFlip("diagonal")
    with pytest.raises(ValueError, match="fill_mode"):
        RandomRotation(0.1, fill_mode="smear")
    with pytest.raises(ValueError, match="rank 3 or 4"):
        RandomFlip()(np.ones((2, 3)), training=True)
    with pytest.raises(ValueError, match="num_bins"):
        Discretization().adapt(np.ones(3))


def test_text_model_on_raw_strings_trains_and_reloads(tmp_path):
    texts = np.array(["good movie", "bad movie", "great film", "awful film"] * 4)
    y = np.array([1, 0, 1, 0] * 4)
    vectorize = TextVectorization(max_tokens=20, output_sequence_length=4)
    vectorize.adapt(texts)
    with backend.seeded(0):
        inp = Input(shape=(1,), dtype="string")
        x = Embedding(20, 4)(vectorize(inp))
        model = Model(inp, Dense(1, activation="sigmoid")(GlobalAveragePooling1D()(x)))
    model.compile("adam", "binary_crossentropy")
    history = model.fit(texts, y, epochs=20, batch_size=4, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    p = model.predict(np.array([[b"good film"], ["awful movie"]]), verbose=0)
    assert p[0, 0] > p[1, 0]
    path = tmp_path / "text.keras"
    model.save(path)
    from skdeep.nn.saving import load_model
    loaded = load_model(path)
    np.testing.assert_allclose(loaded.predict(texts[:4], verbose=0),
                               model.predict(texts[:4], verbose=0), rtol=1e-6)
    with pytest.raises(ValueError, match="string input"):
        model.predict(np.array([[1.0], [2.0]]), verbose=0)
