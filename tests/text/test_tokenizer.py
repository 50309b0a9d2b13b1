import json
import math
import pickle
from collections import OrderedDict, defaultdict

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skdeep.text import Tokenizer, text_to_word_sequence, tokenizer_from_json

PASSAGE = """\
The river rose in the night.
By morning, the river had covered the road!

Anna watched the water from the bridge; she had never
seen the river so high.

Later, the WATER fell. The road opened,
and Anna crossed the bridge at noon.

Don't cross-check: rivers (and roads) change."""
PARAGRAPHS = PASSAGE.split("\n\n")

# Worked out by hand from PASSAGE: "the" 10 times, "river" 3, then six words
# seen twice, in order of first appearance (had, road, anna, water, bridge,
# and), then the words seen once, in order of first appearance.
EXPECTED_WORDS = [
    "the", "river",
    "had", "road", "anna", "water", "bridge", "and",
    "rose", "in", "night", "by", "morning", "covered", "watched", "from", "she",
    "never", "seen", "so", "high", "later", "fell", "opened", "crossed", "at",
    "noon", "don't", "cross", "check", "rivers", "roads", "change",
]  # fmt: skip
EXPECTED_INDEX = {word: i for i, word in enumerate(EXPECTED_WORDS, 1)}
# Unseen words ("unknown", "sea") and mixed case at transform time.
NEW_TEXT = "The river, the RIVER and the unknown sea."


@pytest.fixture
def fitted():
    return Tokenizer().fit(PARAGRAPHS)


# -- Keras API ------------------------------------------------------------------
def test_text_to_word_sequence():
    text = "Hello, World!\tIt's a dog-eat-dog world."
    assert text_to_word_sequence(text) == [
        "hello", "world", "it's", "a", "dog", "eat", "dog", "world",
    ]  # fmt: skip
    assert text_to_word_sequence("A-b  C", lower=False) == ["A", "b", "C"]
    assert text_to_word_sequence("a,b;c d", filters=";", split=",") == ["a", "b", "c d"]
    with pytest.raises(TypeError, match="str"):
        text_to_word_sequence(42)


def test_word_index_orders_by_count_then_first_appearance(fitted):
    assert fitted.word_index == EXPECTED_INDEX
    assert list(fitted.word_index) == EXPECTED_WORDS
    assert fitted.index_word == {i: w for w, i in EXPECTED_INDEX.items()}
    assert fitted.document_count == 4


def test_word_counts_and_document_counts(fitted):
    assert isinstance(fitted.word_counts, OrderedDict)
    first_appearance = list(fitted.word_counts)
    assert first_appearance[:12] == [
        "the", "river", "rose", "in", "night", "by", "morning", "had", "covered",
        "road", "anna", "watched",
    ]  # fmt: skip
    assert fitted.word_counts["the"] == 10
    assert fitted.word_counts["river"] == 3
    assert fitted.word_counts["water"] == 2  # "water" and "WATER"
    assert fitted.word_docs["the"] == 3
    assert fitted.word_docs["and"] == 2
    assert fitted.word_docs["noon"] == 1
    assert fitted.index_docs[EXPECTED_INDEX["the"]] == 3
    assert fitted.index_docs[EXPECTED_INDEX["river"]] == 2
    assert fitted.index_docs[EXPECTED_INDEX["change"]] == 1


def test_texts_to_sequences_drops_unknown_words(fitted):
    assert fitted.texts_to_sequences([NEW_TEXT]) == [[1, 2, 1, 2, 8, 1]]
    generator = fitted.texts_to_sequences_generator(iter([NEW_TEXT, "sea"]))
    assert next(generator) == [1, 2, 1, 2, 8, 1]
    assert next(generator) == []


def test_num_words_limits_conversion_not_word_index():
    tokenizer = Tokenizer(num_words=5).fit(PARAGRAPHS)
    assert tokenizer.word_index == EXPECTED_INDEX  # all 33 words kept
    # Only ids < 5 survive: the, river, had, road.
    assert tokenizer.texts_to_sequences([NEW_TEXT]) == [[1, 2, 1, 2, 1]]
    assert tokenizer.texts_to_sequences(["the road had anna"]) == [[1, 4, 3]]
    assert tokenizer.texts_to_matrix([NEW_TEXT]).shape == (1, 5)
    assert tokenizer.sequences_to_texts([[1, 2, 8, 4]]) == ["the river road"]


def test_oov_token_takes_index_one():
    tokenizer = Tokenizer(oov_token="<unk>").fit(PARAGRAPHS)
    assert tokenizer.word_index["<unk>"] == 1
    assert tokenizer.word_index["the"] == 2
    assert tokenizer.word_index["and"] == 9
    assert len(tokenizer.word_index) == len(EXPECTED_WORDS) + 1
    assert tokenizer.texts_to_sequences([NEW_TEXT]) == [[2, 3, 2, 3, 9, 2, 1, 1]]
    assert tokenizer.sequences_to_texts([[2, 3, 1, 99]]) == ["the river <unk> <unk>"]


def test_oov_token_with_num_words():
    tokenizer = Tokenizer(num_words=4, oov_token="<unk>").fit(PARAGRAPHS)
    # Ids < 4 are <unk>, the, river; every other word becomes <unk>.
    assert tokenizer.texts_to_sequences([NEW_TEXT]) == [[2, 3, 2, 3, 1, 2, 1, 1]]
    assert tokenizer.sequences_to_texts([[2, 4, 3]]) == ["the <unk> river"]


def test_char_level_counts_characters_without_filters():
    tokenizer = Tokenizer(char_level=True).fit(["Aa b!", "b"])
    # Counts a:2, b:2, ' ':1, '!':1; the tie a/b keeps first appearance.
    assert tokenizer.word_index == {"a": 1, "b": 2, " ": 3, "!": 4}
    assert tokenizer.texts_to_sequences(["bA?"]) == [[2, 1]]
    assert tokenizer.word_docs["b"] == 2


def test_lower_false_and_custom_filters():
    tokenizer = Tokenizer(lower=False, filters=".").fit(["Road road. ROAD, road"])
    assert tokenizer.word_index == {"road": 1, "Road": 2, "ROAD,": 3}


def test_pretokenized_lists_are_tokens():
    tokenizer = Tokenizer().fit([["New York", "Paris"], ["paris"]])
    assert tokenizer.word_index == {"paris": 1, "new york": 2}


def test_fit_on_texts_accumulates_but_fit_restarts():
    tokenizer = Tokenizer()
    tokenizer.fit_on_texts(["b b"])
    tokenizer.fit_on_texts(["a a a"])
    assert tokenizer.word_index == {"a": 1, "b": 2}
    assert tokenizer.document_count == 2
    tokenizer.fit(["c"])
    assert tokenizer.word_index == {"c": 1}
    assert tokenizer.document_count == 1


def test_texts_to_matrix_binary_count_freq(fitted):
    # NEW_TEXT keeps the (id 1) x3, river (id 2) x2, and (id 8) x1: 6 ids in all.
    width = len(EXPECTED_WORDS) + 1
    binary = fitted.texts_to_matrix([NEW_TEXT, ""], mode="binary")
    count = fitted.texts_to_matrix([NEW_TEXT], mode="count")
    freq = fitted.texts_to_matrix([NEW_TEXT], mode="freq")
    for matrix, values in [(binary, [1, 1, 1]), (count, [3, 2, 1]), (freq, [3 / 6, 2 / 6, 1 / 6])]:
        expected = np.zeros((matrix.shape[0], width))
        expected[0, [1, 2, 8]] = values
        np.testing.assert_allclose(matrix, expected)
    assert binary.dtype == np.float64


def test_texts_to_matrix_tfidf_keras_formula(fitted):
    # tf = 1 + ln(count); idf = ln(1 + document_count / (1 + documents with the word)).
    # 4 documents; "the" is in 3, "river" and "and" in 2 each.
    tfidf = fitted.texts_to_matrix([NEW_TEXT], mode="tfidf")
    expected = np.zeros((1, len(EXPECTED_WORDS) + 1))
    expected[0, 1] = (1 + math.log(3)) * math.log(1 + 4 / 4)
    expected[0, 2] = (1 + math.log(2)) * math.log(1 + 4 / 3)
    expected[0, 8] = 1.0 * math.log(1 + 4 / 3)
    np.testing.assert_allclose(tfidf, expected, rtol=1e-12)


def test_sequences_to_matrix_after_fit_on_sequences():
    tokenizer = Tokenizer(num_words=4)
    sequences = [[1, 2, 2], [2, 3], [1, 9]]
    tokenizer.fit_on_sequences(sequences)
    assert tokenizer.document_count == 3
    assert dict(tokenizer.index_docs) == {1: 2, 2: 2, 3: 1, 9: 1}
    tfidf = tokenizer.sequences_to_matrix([[1, 2, 2, 9]], mode="tfidf")
    expected = [[0, math.log(1 + 3 / 3), (1 + math.log(2)) * math.log(1 + 3 / 3), 0]]
    np.testing.assert_allclose(tfidf, expected)
    # freq divides by the whole sequence length, out-of-range ids included (Keras).
    np.testing.assert_allclose(
        tokenizer.sequences_to_matrix([[1, 2, 2, 9]], mode="freq"), [[0, 0.25, 0.5, 0]]
    )


def test_matrix_errors():
    with pytest.raises(ValueError, match="num_words"):
        Tokenizer().texts_to_matrix(["a"])
    with pytest.raises(ValueError, match="tfidf"):
        Tokenizer(num_words=3).sequences_to_matrix([[1]], mode="tfidf")
    with pytest.raises(ValueError, match="Unknown vectorization mode"):
        Tokenizer().fit(["a"]).texts_to_matrix(["a"], mode="bm25")


def test_sequences_to_texts_round_trip(fitted):
    sequences = fitted.texts_to_sequences(PARAGRAPHS)
    texts = fitted.sequences_to_texts(sequences)
    assert texts[0] == "the river rose in the night by morning the river had covered the road"
    assert texts[3] == "don't cross check rivers and roads change"
    assert fitted.texts_to_sequences(texts) == sequences


def test_json_round_trip_preserves_everything():
    tokenizer = Tokenizer(num_words=10, oov_token="<unk>", maxlen=6, padding="post")
    tokenizer.fit(PARAGRAPHS)
    restored = tokenizer_from_json(tokenizer.to_json())
    assert restored.get_params() == tokenizer.get_params()
    assert restored.word_index == tokenizer.word_index
    assert restored.index_word == tokenizer.index_word
    assert list(restored.word_counts.items()) == list(tokenizer.word_counts.items())
    assert restored.word_docs == tokenizer.word_docs
    assert restored.index_docs == tokenizer.index_docs
    assert restored.document_count == 4
    for mode in ("binary", "tfidf"):
        np.testing.assert_array_equal(
            restored.texts_to_matrix([NEW_TEXT], mode), tokenizer.texts_to_matrix([NEW_TEXT], mode)
        )
    np.testing.assert_array_equal(restored.transform([NEW_TEXT]), tokenizer.transform([NEW_TEXT]))
    restored.fit_on_texts(["sea sea"])  # the restored state keeps working
    assert restored.word_docs["sea"] == 1 and restored.document_count == 5


def test_json_is_keras_format_both_ways(fitted):
    payload = json.loads(fitted.to_json(indent=2))
    assert payload["class_name"] == "Tokenizer"
    config = payload["config"]
    assert set(config) == {
        "num_words", "filters", "lower", "split", "char_level", "oov_token",
        "document_count", "word_counts", "word_docs", "index_docs", "index_word",
        "word_index",
    }  # fmt: skip
    assert json.loads(config["word_index"]) == EXPECTED_INDEX
    # A file written by Keras has only "config"; it loads with default transformer settings.
    keras_json = json.dumps({"class_name": "Tokenizer", "config": config})
    restored = tokenizer_from_json(keras_json)
    assert restored.index_word[1] == "the"
    assert restored.texts_to_sequences([NEW_TEXT]) == [[1, 2, 1, 2, 8, 1]]
    assert restored.transform([NEW_TEXT]).shape == (1, 6)  # no maxlen_: longest in batch


def test_attributes_before_fit_are_keras_empty():
    tokenizer = Tokenizer()
    assert tokenizer.word_index == {} and tokenizer.document_count == 0
    assert tokenizer.texts_to_sequences(["a b"]) == [[]]
    with pytest.raises(NotFittedError):
        tokenizer.transform(["a b"])
    with pytest.raises(NotFittedError):
        tokenizer.get_feature_names_out()


# -- scikit-learn transformer ---------------------------------------------------
def test_transform_pads_to_longest_fitted_sequence(fitted):
    assert fitted.maxlen_ == 15  # the second paragraph has 15 words
    assert fitted.n_features_in_ == 1
    out = fitted.transform([NEW_TEXT, "nothing known here", "the " * 20])
    assert out.dtype == np.int32 and out.shape == (3, 15)
    np.testing.assert_array_equal(out[0], [0] * 9 + [1, 2, 1, 2, 8, 1])
    np.testing.assert_array_equal(out[1], np.zeros(15))
    np.testing.assert_array_equal(out[2], np.ones(15))
    names = fitted.get_feature_names_out()
    assert list(names) == [f"token_{i}" for i in range(15)]


@pytest.mark.parametrize(
    "padding, truncating, expected",
    [
        ("pre", "pre", [1, 2, 8, 1]),
        ("pre", "post", [1, 2, 1, 2]),
        ("post", "pre", [1, 2, 8, 1]),
    ],
)
def test_transform_maxlen_padding_truncating(padding, truncating, expected):
    tokenizer = Tokenizer(maxlen=4, padding=padding, truncating=truncating)
    out = tokenizer.fit_transform(PARAGRAPHS)
    assert out.shape == (4, 4) and tokenizer.maxlen_ == 4
    np.testing.assert_array_equal(tokenizer.transform([NEW_TEXT])[0], expected)
    short = tokenizer.transform(["river"])[0]
    np.testing.assert_array_equal(short, [0, 0, 0, 2] if padding == "pre" else [2, 0, 0, 0])


def test_fit_transform_equals_fit_then_transform():
    tokenizer = Tokenizer(oov_token="?")
    np.testing.assert_array_equal(
        tokenizer.fit_transform(PARAGRAPHS), clone(tokenizer).fit(PARAGRAPHS).transform(PARAGRAPHS)
    )


def test_pipeline_with_logistic_regression():
    texts = [
        "the river", "a cold river", "we swam in the river", "look at the river",
        "she baked fresh bread", "warm bread", "he sliced the bread", "they ate bread",
    ]  # fmt: skip
    labels = [0, 0, 0, 0, 1, 1, 1, 1]
    pipeline = make_pipeline(Tokenizer(), LogisticRegression(max_iter=1000))
    pipeline.fit(texts, labels)
    # With pre-padding the last column holds the last word, which gives the class away.
    assert pipeline.score(texts, labels) == 1.0
    assert pipeline.predict_proba(["a muddy river", "rye bread"]).shape == (2, 2)
    assert pipeline[0].get_feature_names_out().shape == (5,)  # "we swam in the river"


def test_set_output_pandas(fitted):
    frame = clone(fitted).set_output(transform="pandas").fit(PARAGRAPHS).transform([NEW_TEXT])
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == [f"token_{i}" for i in range(15)]


def test_clone_and_get_params():
    tokenizer = Tokenizer(num_words=7, oov_token="<unk>", maxlen=5, truncating="post")
    tokenizer.fit(PARAGRAPHS)
    copy = clone(tokenizer)
    assert copy.get_params() == tokenizer.get_params()
    assert copy.word_index == {}
    assert not hasattr(copy, "maxlen_")
    with pytest.raises(NotFittedError):
        copy.transform(PARAGRAPHS)
    assert "oov_token='<unk>'" in repr(tokenizer)


def test_pickle_round_trip(fitted):
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.transform([NEW_TEXT]), fitted.transform([NEW_TEXT]))
    assert restored.word_index == fitted.word_index
    assert isinstance(restored.word_docs, defaultdict)
    assert isinstance(restored.word_counts, OrderedDict)


def test_pandas_and_numpy_inputs(fitted):
    expected = fitted.transform(PARAGRAPHS)
    series = pd.Series(PARAGRAPHS, name="text", index=[10, 11, 12, 13])
    from_series = Tokenizer().fit(series)
    assert from_series.word_index == EXPECTED_INDEX
    np.testing.assert_array_equal(from_series.transform(series), expected)
    np.testing.assert_array_equal(fitted.transform(series.to_frame()), expected)
    np.testing.assert_array_equal(fitted.transform(np.array(PARAGRAPHS)), expected)
    column = np.array(PARAGRAPHS, dtype=object).reshape(-1, 1)
    np.testing.assert_array_equal(fitted.transform(column), expected)
    assert fitted.transform([]).shape == (0, 15)


@pytest.mark.parametrize(
    "X, error, match",
    [
        (["fine text", 3], TypeError, r"text 1 is int 3"),
        (["fine text", None], TypeError, "missing value"),
        (pd.Series(["fine text", np.nan]), TypeError, "missing value"),
        (np.array([[1.0, 2.0], [3.0, 4.0]]), TypeError, "dtype float64"),
        (np.array([1, 2, 3]), TypeError, "dtype int64"),
        ("just one string", TypeError, "single string"),
        (pd.DataFrame({"a": ["x"], "b": ["y"]}), ValueError, "2 columns"),
        (np.array([["a", "b"]]), ValueError, "shape"),
        ([["token", 5]], TypeError, "tokens must be str"),
        (12, TypeError, "iterable of texts"),
        ([], ValueError, "at least one text"),
        (["...", "!!"], ValueError, "Empty vocabulary"),
    ],
)
def test_bad_input_raises_clear_errors(X, error, match):
    with pytest.raises(error, match=match):
        Tokenizer().fit(X)


def test_bad_input_at_transform(fitted):
    with pytest.raises(TypeError, match="text 0 is float"):
        fitted.transform([1.5])


@pytest.mark.parametrize(
    "params",
    [{"padding": "middle"}, {"truncating": "both"}, {"maxlen": 0}, {"num_words": -1},
     {"split": ""}, {"lower": "yes"}],
)
def test_invalid_parameters_raise_at_fit(params):
    with pytest.raises(ValueError):
        Tokenizer(**params).fit(PARAGRAPHS)
