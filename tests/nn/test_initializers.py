"""Initializers: Keras 3 limits and standard deviations, seeding, orthogonality."""
import math

import numpy as np
import pytest

from skdeep.nn import backend, initializers
from skdeep.nn.initializers import (Constant, GlorotNormal, GlorotUniform, HeNormal, HeUniform,
                                    Identity, LecunNormal, LecunUniform, Ones, Orthogonal,
                                    RandomNormal, RandomUniform, TruncatedNormal,
                                    VarianceScaling, Zeros, compute_fans)

SHAPE = (200, 300)  # fan_in 200, fan_out 300, fan_avg 250


@pytest.mark.parametrize("shape, fans", [((), (1, 1)), ((7,), (7, 7)), ((3, 5), (3, 5)),
                                         ((3, 3, 4, 8), (36, 72))])
def test_compute_fans_like_keras(shape, fans):
    assert compute_fans(shape) == fans


@pytest.mark.parametrize("init, limit", [
    (GlorotUniform(seed=1), math.sqrt(6 / (200 + 300))),
    (HeUniform(seed=1), math.sqrt(6 / 200)),
    (LecunUniform(seed=1), math.sqrt(3 / 200)),
    (VarianceScaling(scale=2.0, mode="fan_out", distribution="uniform", seed=1),
     math.sqrt(3 * 2.0 / 300)),
])
def test_uniform_limits(init, limit):
    w = init(SHAPE)
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.99 * limit
    assert w.std() == pytest.approx(limit / math.sqrt(3), rel=0.02)


@pytest.mark.parametrize("init, stddev", [
    (GlorotNormal(seed=2), math.sqrt(2 / (200 + 300))),
    (HeNormal(seed=2), math.sqrt(2 / 200)),
    (LecunNormal(seed=2), math.sqrt(1 / 200)),
    (VarianceScaling(scale=0.5, mode="fan_avg", distribution="untruncated_normal", seed=2),
     math.sqrt(0.5 / 250)),
])
def test_normal_standard_deviations(init, stddev):
    """Truncated normals are rescaled by 1/0.8796 so the stddev after truncation is right."""
    w = init(SHAPE)
    assert w.mean() == pytest.approx(0.0, abs=0.02 * stddev * 10)
    assert w.std() == pytest.approx(stddev, rel=0.02)
    if init.distribution == "truncated_normal":
        assert np.abs(w).max() <= 2 * stddev / 0.87962566103423978 + 1e-6


def test_random_defaults_are_keras():
    w = RandomNormal(seed=0)((100, 100))
    assert w.std() == pytest.approx(0.05, rel=0.03)
    u = RandomUniform(seed=0)((100, 100))
    assert u.min() >= -0.05 and u.max() < 0.05 and u.max() > 0.049
    t = TruncatedNormal(seed=0)((100, 100))
    assert np.abs(t).max() <= 0.1
    assert (Zeros()((2, 3)) == 0).all() and (Ones()((2, 3)) == 1).all()
    np.testing.assert_array_equal(Constant(2.5)((2,)), [2.5, 2.5])
    np.testing.assert_array_equal(Identity(gain=2.0)((2, 3)), [[2, 0, 0], [0, 2, 0]])


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (3, 2, 5), (5, 5)])
def test_orthogonal(shape):
    w = Orthogonal(gain=1.5, seed=3)(shape, dtype="float64").reshape(-1, shape[-1])
    rows, cols = w.shape
    gram = w.T @ w if rows >= cols else w @ w.T
    np.testing.assert_allclose(gram, 1.5 ** 2 * np.eye(min(rows, cols)), atol=1e-12)


def test_seeded_initializers_repeat_and_unseeded_follow_the_engine_seed():
    a, b = GlorotUniform(seed=42)((4, 5)), GlorotUniform(seed=42)((4, 5))
    np.testing.assert_array_equal(a, b)
    # a seeded instance gives the same values at every call (Keras 3)
    init = HeNormal(seed=7)
    np.testing.assert_array_equal(init((3, 3)), init((3, 3)))
    with backend.seeded(5):
        c = GlorotUniform()((4, 5))
        d = GlorotUniform()((4, 5))
    with backend.seeded(5):
        c2 = GlorotUniform()((4, 5))
    np.testing.assert_array_equal(c, c2)
    assert not np.array_equal(c, d)


def test_dtype_follows_the_request_and_floatx():
    assert GlorotUniform(seed=0)((2, 2)).dtype == np.float32
    assert GlorotUniform(seed=0)((2, 2), dtype="float64").dtype == np.float64
    with backend.floatx_scope("float64"):
        assert RandomNormal(seed=0)((2,)).dtype == np.float64


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="scale must be positive"):
        VarianceScaling(scale=0)
    with pytest.raises(ValueError, match="mode"):
        VarianceScaling(mode="fan_sum")
    with pytest.raises(ValueError, match="distribution"):
        VarianceScaling(distribution="cauchy")
    with pytest.raises(ValueError, match="seed must be an integer"):
        GlorotUniform(seed="abc")
    with pytest.raises(ValueError, match="rank >= 2"):
        Orthogonal()((5,))
    with pytest.raises(ValueError, match="2-D"):
        Identity()((2, 2, 2))


def test_variance_scaling_accepts_keras_spellings():
    assert VarianceScaling(distribution="normal").distribution == "truncated_normal"
    assert VarianceScaling(distribution="Uniform").distribution == "uniform"


@pytest.mark.parametrize("name, cls", [
    ("glorot_uniform", GlorotUniform), ("GlorotUniform", GlorotUniform),
    ("glorot_normal", GlorotNormal), ("he_normal", HeNormal), ("he_uniform", HeUniform),
    ("lecun_normal", LecunNormal), ("lecun_uniform", LecunUniform),
    ("orthogonal", Orthogonal), ("Orthogonal", Orthogonal), ("zeros", Zeros), ("zero", Zeros),
    ("ones", Ones), ("one", Ones), ("constant", Constant), ("random_normal", RandomNormal),
    ("normal", RandomNormal), ("random_uniform", RandomUniform), ("uniform", RandomUniform),
    ("truncated_normal", TruncatedNormal), ("variance_scaling", VarianceScaling),
    ("identity", Identity),
])
def test_get_resolves_keras_names(name, cls):
    assert type(initializers.get(name)) is cls


def test_serialize_round_trip_and_unknown_names():
    init = VarianceScaling(scale=0.3, mode="fan_out", distribution="uniform", seed=9)
    clone = initializers.get(initializers.serialize(init))
    assert clone.get_config() == init.get_config()
    np.testing.assert_array_equal(clone((3, 4)), init((3, 4)))
    with pytest.raises(ValueError, match="Unknown initializer 'glorot'"):
        initializers.get("glorot")
