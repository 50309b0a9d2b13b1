"""ImageDataGenerator: transforms, reproducibility, the Sequence protocol and fit."""
import numpy as np
import pytest

from skdeep.nn import Sequential, backend
from skdeep.nn.layers import Conv2D, Dense, Flatten
from skdeep.nn.preprocessing import ImageDataGenerator


def _images(n=10, h=6, w=5, c=2, seed=0):
    return np.random.default_rng(seed).random((n, h, w, c)).astype(np.float32)


def test_identity_when_nothing_is_asked():
    x = _images()
    it = ImageDataGenerator().flow(x, np.arange(10), batch_size=4, shuffle=False)
    xb, yb = it[0]
    np.testing.assert_array_equal(xb, x[:4])
    np.testing.assert_array_equal(yb, [0, 1, 2, 3])
    assert len(it) == 3 and it[2][0].shape == (2, 6, 5, 2)
    assert xb.dtype == np.float32


def test_horizontal_flip_flips_or_keeps_each_image():
    x = _images(40)
    xb, yb = ImageDataGenerator(horizontal_flip=True).flow(x, np.arange(40), batch_size=40,
                                                            seed=1)[0]
    flipped = 0
    for img, i in zip(xb, yb):
        if np.array_equal(img, x[i, :, ::-1]):
            flipped += 1
        else:
            np.testing.assert_array_equal(img, x[i])
    assert 5 < flipped < 35
    xb, yb = ImageDataGenerator(vertical_flip=True).flow(x, np.arange(40), batch_size=40,
                                                          seed=1)[0]
    assert any(np.array_equal(img, x[i, ::-1]) for img, i in zip(xb, yb))


def test_integer_shift_moves_pixels_and_fills():
    x = np.arange(16.0, dtype=np.float32).reshape(1, 4, 4, 1)
    gen = ImageDataGenerator(width_shift_range=[1], fill_mode="constant", cval=-1.0)
    out = gen.flow(x, batch_size=1, seed=0)[0][0, :, :, 0]
    # width shift of one pixel (either way): one column filled with cval, the rest moved
    right = np.hstack([-np.ones((4, 1)), x[0, :, :3, 0]])
    left = np.hstack([x[0, :, 1:, 0], -np.ones((4, 1))])
    assert np.array_equal(out, right) or np.array_equal(out, left)
    nearest = ImageDataGenerator(height_shift_range=[2.0], fill_mode="nearest")
    out = nearest.flow(x, batch_size=1, seed=0)[0][0, :, :, 0]
    down = np.vstack([x[0, :1, :, 0], x[0, :1, :, 0], x[0, :2, :, 0]])
    up = np.vstack([x[0, 2:, :, 0], x[0, 3:, :, 0], x[0, 3:, :, 0]])
    assert np.array_equal(out, down) or np.array_equal(out, up)


@pytest.mark.parametrize("fill_mode", ["nearest", "constant", "reflect", "wrap"])
def test_rotation_by_90_degrees_and_fill_modes(fill_mode):
    # rotation_range=90 draws angles in [-90, 90]; a square image rotated by
    # exactly +-90 degrees is np.rot90 of it. Check the resampler on that case.
    from skdeep.nn.preprocessing.image import _affine

    x = _images(1, 5, 5, 1)
    m = np.array([[[0.0, -1.0, 0.0], [1.0, 0.0, 0.0]]])
    out = _affine(x, m, fill_mode, 0.0)
    assert np.allclose(out[0, :, :, 0], np.rot90(x[0, :, :, 0], -1)) or \
        np.allclose(out[0, :, :, 0], np.rot90(x[0, :, :, 0], 1))
    # a shift by half a pixel interpolates between neighbours
    half = np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.5]]])
    out = _affine(x, half, fill_mode, 0.0)
    np.testing.assert_allclose(out[0, :, :3, 0], (x[0, :, :3, 0] + x[0, :, 1:4, 0]) / 2,
                               rtol=1e-6)


def test_zoom_and_rotation_keep_statistics_plausible():
    x = _images(8, 12, 12, 1)
    gen = ImageDataGenerator(rotation_range=15, zoom_range=0.2, shear_range=10,
                             width_shift_range=0.1, height_shift_range=0.1)
    xb = gen.flow(x, batch_size=8, seed=3)[0]
    assert xb.shape == x.shape and np.isfinite(xb).all()
    assert xb.min() >= 0 and xb.max() <= 1  # bilinear: convex combinations of pixels
    assert not np.allclose(xb, x)
    single = gen.random_transform(x[0], seed=0)
    assert single.shape == (12, 12, 1)
    np.testing.assert_array_equal(single, gen.random_transform(x[0], seed=0))


def test_reproducible_and_epochs_differ():
    x, y = _images(20), np.arange(20)
    gen = ImageDataGenerator(rotation_range=10, horizontal_flip=True)
    a = gen.flow(x, y, batch_size=8, seed=5)
    b = gen.flow(x, y, batch_size=8, seed=5)
    for i in (2, 0, 1):  # any access order
        np.testing.assert_array_equal(a[i][0], b[i][0])
        np.testing.assert_array_equal(a[i][1], b[i][1])
    first = a[0][1].copy()
    a.on_epoch_end()
    assert not np.array_equal(a[0][1], first)  # reshuffled
    seen = np.concatenate([yb for _, yb in a])
    np.testing.assert_array_equal(np.sort(seen), y)  # one epoch covers every sample once


def test_rescale_normalization_and_sample_weight():
    x = _images(6) * 255
    gen = ImageDataGenerator(rescale=1 / 255, featurewise_center=True,
                             featurewise_std_normalization=True)
    with pytest.raises(ValueError, match="fit"):
        gen.flow(x, batch_size=6)[0]
    gen.fit(x)
    xb, yb, wb = gen.flow(x, np.arange(6), batch_size=6, shuffle=False,
                          sample_weight=np.ones(6))[0]
    np.testing.assert_allclose(xb.mean(axis=(0, 1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(xb.std(axis=(0, 1, 2)), 1, atol=1e-3)
    assert wb.shape == (6,)
    sw = ImageDataGenerator(samplewise_center=True,
                            preprocessing_function=lambda img: img * 2).flow(x, batch_size=2)[0]
    np.testing.assert_allclose(sw.mean(axis=(1, 2, 3)), 0, atol=1e-3)


@pytest.mark.parametrize("kwargs", [dict(fill_mode="mirror"), dict(rotation_range=-5),
                                    dict(zoom_range=[0.5]), dict(zoom_range=1.5),
                                    dict(width_shift_range="a"),
                                    dict(data_format="channels_first")])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        ImageDataGenerator(**kwargs)


def test_bad_flow_inputs():
    gen = ImageDataGenerator()
    with pytest.raises(ValueError, match="rank 4"):
        gen.flow(np.zeros((4, 5, 5)))
    with pytest.raises(ValueError, match="different numbers"):
        gen.flow(np.zeros((4, 5, 5, 1)), np.zeros(3))
    with pytest.raises(ValueError, match="batch_size"):
        gen.flow(np.zeros((4, 5, 5, 1)), batch_size=0)
    with pytest.raises(IndexError):
        gen.flow(np.zeros((4, 5, 5, 1)), batch_size=2)[2]


def test_fit_trains_on_flow_with_and_without_steps_per_epoch():
    rng = np.random.default_rng(0)
    x = rng.random((24, 6, 6, 1)).astype(np.float32)
    y = (x[:, :, :3].mean(axis=(1, 2, 3)) > x[:, :, 3:].mean(axis=(1, 2, 3))).astype(int)
    backend.set_random_seed(0)
    model = Sequential([Conv2D(3, 3, activation="relu", input_shape=(6, 6, 1)), Flatten(),
                        Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    gen = ImageDataGenerator(height_shift_range=1, vertical_flip=True)
    flow = gen.flow(x, y, batch_size=8, seed=0)
    history = model.fit(flow, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert flow.epoch == 2  # fit called on_epoch_end after each epoch
    history = model.fit(gen.flow(x, y, batch_size=8, seed=1), steps_per_epoch=2, epochs=2,
                        verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert model.predict(gen.flow(x, batch_size=8, shuffle=False), verbose=0).shape == (24, 2)
