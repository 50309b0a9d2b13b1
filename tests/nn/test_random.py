"""skdeep.nn.random: Keras 3 seeding semantics, distributions, dropout and shuffle."""
import numpy as np
import pytest

from skdeep.nn import backend, ops, random
from skdeep.nn.ops import Tape


def test_int_seed_repeats_and_generator_advances():
    np.testing.assert_array_equal(random.normal((3,), seed=5), random.normal((3,), seed=5))
    gen = random.SeedGenerator(1337)
    a, b = random.uniform((4,), seed=gen), random.uniform((4,), seed=gen)
    assert not np.array_equal(a, b)
    gen2 = random.SeedGenerator(1337)
    np.testing.assert_array_equal(random.uniform((4,), seed=gen2), a)
    np.testing.assert_array_equal(random.uniform((4,), seed=gen2), b)
    assert gen2.state.tolist() == [1337, 2]


def test_global_seed_reproducible():
    backend.set_random_seed(7)
    first = random.normal((2, 2))
    backend.set_random_seed(7)
    np.testing.assert_array_equal(random.normal((2, 2)), first)


def test_distributions_and_dtypes():
    x = random.normal((20000,), mean=2.0, stddev=0.5, seed=0)
    assert x.dtype == np.float32 and abs(x.mean() - 2.0) < 0.02 and abs(x.std() - 0.5) < 0.02
    u = random.uniform((1000,), minval=-1, maxval=3, dtype="float64", seed=1)
    assert u.dtype == np.float64 and u.min() >= -1 and u.max() < 3
    t = random.truncated_normal((5000,), stddev=2.0, seed=2)
    assert np.abs(t).max() <= 4.0
    i = random.randint((100,), 2, 5, seed=3)
    assert i.dtype == np.int32 and set(np.unique(i)) == {2, 3, 4}
    c = random.categorical(np.log([[0.0001, 0.9999]]), 50, seed=4)
    assert c.shape == (1, 50) and c.mean() > 0.9
    assert random.gamma((3,), 2.0, seed=0).shape == (3,)
    assert random.binomial((3,), 5, 0.5, seed=0).max() <= 5
    assert random.beta((3,), 2.0, 3.0, seed=0).max() < 1


def test_dropout_scales_and_differentiates():
    x = np.ones((200, 50))
    y = random.dropout(x, 0.3, seed=0)
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y[kept], 1 / 0.7)
    tape = Tape()
    with tape:
        t = tape.watch(np.full((4, 3), 2.0))
        out = ops.sum(random.dropout(t, 0.5, noise_shape=(None, 1), seed=1))
    (dx,) = tape.backward([(out, 1.0)], [t])
    assert set(np.unique(dx)) <= {0.0, 2.0}
    assert (dx == dx[:, :1]).all()  # one mask value per row with noise_shape (None, 1)


def test_shuffle_is_a_permutation():
    x = np.arange(10)
    s = random.shuffle(x, seed=0)
    assert sorted(s.tolist()) == list(range(10)) and s.tolist() != list(range(10))
    m = random.shuffle(np.arange(6).reshape(2, 3), axis=1, seed=0)
    assert (np.sort(m, axis=1) == np.arange(6).reshape(2, 3)).all()


def test_bad_arguments():
    with pytest.raises(ValueError, match="rate"):
        random.dropout(np.ones(3), 1.0)
    with pytest.raises(ValueError, match="seed"):
        random.normal((2,), seed="abc")
    with pytest.raises(ValueError, match="seed"):
        random.SeedGenerator(1.5)
