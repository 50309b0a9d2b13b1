import numpy as np
import pytest

from skdeep.text import Tokenizer, make_next_token_dataset, pad_sequences

SEQUENCES = [[1], [2, 3], [4, 5, 6, 7], []]


def test_defaults_pre_pad_to_longest_int32():
    out = pad_sequences(SEQUENCES)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(
        out, [[0, 0, 0, 1], [0, 0, 2, 3], [4, 5, 6, 7], [0, 0, 0, 0]]
    )


def test_post_padding_and_custom_value():
    out = pad_sequences(SEQUENCES, padding="post", value=-1)
    np.testing.assert_array_equal(
        out, [[1, -1, -1, -1], [2, 3, -1, -1], [4, 5, 6, 7], [-1, -1, -1, -1]]
    )


@pytest.mark.parametrize(
    "truncating, expected_long_row", [("pre", [6, 7]), ("post", [4, 5])]
)
def test_truncating_keeps_the_right_end(truncating, expected_long_row):
    out = pad_sequences(SEQUENCES, maxlen=2, truncating=truncating)
    np.testing.assert_array_equal(out, [[0, 1], [2, 3], expected_long_row, [0, 0]])


def test_padding_and_truncating_are_independent():
    out = pad_sequences([[1, 2, 3], [9]], maxlen=2, padding="post", truncating="pre")
    np.testing.assert_array_equal(out, [[2, 3], [9, 0]])


def test_maxlen_longer_than_every_sequence():
    out = pad_sequences([[1, 2]], maxlen=5)
    np.testing.assert_array_equal(out, [[0, 0, 0, 1, 2]])


def test_float_sequences_with_float_dtype():
    out = pad_sequences([[0.5, 1.25], [2.75]], dtype="float32", value=-0.5)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[0.5, 1.25], [-0.5, 2.75]])


def test_int_dtype_casts_floats_as_keras_does():
    np.testing.assert_array_equal(pad_sequences([[1.7, 2.2]]), [[1, 2]])


def test_numpy_array_items_and_vector_samples():
    vectors = [np.ones((2, 3)), np.zeros((0, 3)), np.full((4, 3), 2.0)]
    out = pad_sequences(vectors, maxlen=3, dtype="float32")
    assert out.shape == (3, 3, 3)
    np.testing.assert_array_equal(out[0], [[0] * 3, [1] * 3, [1] * 3])
    np.testing.assert_array_equal(out[1], np.zeros((3, 3)))
    np.testing.assert_array_equal(out[2], np.full((3, 3), 2.0))


def test_inconsistent_sample_shapes_raise():
    with pytest.raises(ValueError, match="position 1 is different from expected shape"):
        pad_sequences([np.ones((2, 3)), np.ones((2, 4))], dtype="float32")


@pytest.mark.parametrize("argument", ["padding", "truncating"])
def test_bad_padding_or_truncating_raises(argument):
    with pytest.raises(ValueError, match=f'{argument.capitalize()} type "middle" not understood'):
        pad_sequences([[1, 2, 3]], maxlen=2, **{argument: "middle"})


def test_bad_side_raises_even_when_no_sequence_needs_it():
    # Keras only notices on the first non-empty sequence; we check up front.
    with pytest.raises(ValueError, match="not understood"):
        pad_sequences([[]], padding="left")


def test_non_iterable_items_raise():
    with pytest.raises(ValueError, match="Found non-iterable: 3"):
        pad_sequences([[1, 2], 3])
    with pytest.raises(ValueError, match="must be iterable"):
        pad_sequences(iter([[1], [2]]))


def test_string_value_needs_object_dtype():
    with pytest.raises(ValueError, match="dtype=object"):
        pad_sequences([["a", "b"]], value="<pad>")
    out = pad_sequences([["a", "b"], ["c"]], dtype=object, value="<pad>")
    assert out.tolist() == [["a", "b"], ["<pad>", "c"]]


def test_bad_maxlen_raises():
    with pytest.raises(ValueError, match="maxlen"):
        pad_sequences([[1]], maxlen=-1)
    with pytest.raises(TypeError, match="maxlen"):
        pad_sequences([[1]], maxlen=2.5)


def test_edge_sizes():
    assert pad_sequences([]).shape == (0, 0)
    assert pad_sequences([], maxlen=3).shape == (0, 3)
    assert pad_sequences([[], []]).shape == (2, 0)
    assert pad_sequences([[1, 2]], maxlen=0).shape == (1, 0)


NURSERY = (
    "Jack and Jill went up the hill\n"
    "To fetch a pail of water.\n"
    "Jack fell down and broke his crown,\n"
    "And Jill came tumbling after."
)


def test_next_token_dataset_matches_three_word_lines_walkthrough():
    tokenizer = Tokenizer().fit([NURSERY])
    ids = tokenizer.texts_to_sequences([NURSERY])[0]
    X, y = make_next_token_dataset(ids, seq_len=3)

    # The classic recipe: lines of 3 consecutive words, the first two predict the third.
    words = NURSERY.split()
    lines = [" ".join(words[i - 2 : i + 1]) for i in range(2, len(words))]
    encoded = np.array(tokenizer.texts_to_sequences(lines))
    assert X.shape == (len(words) - 2, 2) and y.shape == (len(words) - 2,)
    assert X.dtype == np.int32 and y.dtype == np.int32
    np.testing.assert_array_equal(X, encoded[:, :2])
    np.testing.assert_array_equal(y, encoded[:, 2])
    # "jack and jill": and (id 1) and jill (id 3) are followed by "went".
    assert tokenizer.index_word[int(y[1])] == "went"
    assert [tokenizer.index_word[int(i)] for i in X[1]] == ["and", "jill"]


def test_next_token_dataset_small_by_hand():
    X, y = make_next_token_dataset(np.array([5, 6, 7, 8]), seq_len=2, dtype="int64")
    np.testing.assert_array_equal(X, [[5], [6], [7]])
    np.testing.assert_array_equal(y, [6, 7, 8])
    assert X.dtype == np.int64 and X.flags["C_CONTIGUOUS"]
    X, y = make_next_token_dataset([1, 2, 3], seq_len=3)
    np.testing.assert_array_equal(X, [[1, 2]])
    np.testing.assert_array_equal(y, [3])


@pytest.mark.parametrize(
    "sequence, seq_len, error, match",
    [
        ([1, 2, 3], 1, ValueError, "seq_len"),
        ([1, 2], 3, ValueError, "fewer than seq_len"),
        ([[1, 2], [3, 4]], 2, ValueError, "1-D"),
        ([0.5, 1.5, 2.5], 2, TypeError, "integer token ids"),
        (["a", "b", "c"], 2, TypeError, "integer token ids"),
        ([1, 2, 3], 2.0, TypeError, "seq_len"),
    ],
)
def test_next_token_dataset_errors(sequence, seq_len, error, match):
    with pytest.raises(error, match=match):
        make_next_token_dataset(sequence, seq_len)
