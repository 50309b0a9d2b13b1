"""Pooling layers against NumPy references, gradients, masks and errors."""
import numpy as np
import pytest

from skdeep.nn import Input, Model, Sequential, backend
from skdeep.nn.layers import AveragePooling1D, AveragePooling2D, Conv1D, Dense, \
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D, \
    MaxPooling1D, MaxPooling2D
from skdeep.nn.testing import check_layer_gradients
from skdeep.nn.context import CallContext


def reference_pool2d(x, pool, strides, padding, mode):
    """Windows over the valid positions only (Keras: padding never counts)."""
    n, h, w, c = x.shape
    out_dims, before = [], []
    for size, p, s in zip((h, w), pool, strides):
        if padding == "same":
            out = -(-size // s)
            before.append(max((out - 1) * s + p - size, 0) // 2)
        else:
            out = (size - p) // s + 1
            before.append(0)
        out_dims.append(out)
    y = np.empty((n, out_dims[0], out_dims[1], c))
    for oy in range(out_dims[0]):
        y0 = oy * strides[0] - before[0]
        for ox in range(out_dims[1]):
            x0 = ox * strides[1] - before[1]
            win = x[:, max(y0, 0):y0 + pool[0], max(x0, 0):x0 + pool[1], :]
            y[:, oy, ox] = win.max(axis=(1, 2)) if mode == "max" else win.mean(axis=(1, 2))
    return y


def _layer(cls, *args, **kwargs):
    with backend.floatx_scope("float64"):
        return cls(*args, **kwargs)


POOL_CASES = [dict(), dict(pool_size=3), dict(pool_size=3, strides=1),
              dict(pool_size=2, strides=1, padding="same"), dict(pool_size=3, padding="same"),
              dict(pool_size=(2, 3), strides=(1, 2), padding="same"),
              dict(pool_size=2, strides=2, padding="same")]


@pytest.mark.parametrize("cls, mode", [(MaxPooling2D, "max"), (AveragePooling2D, "avg")])
@pytest.mark.parametrize("case", POOL_CASES, ids=lambda c: "-".join(f"{k}={v}" for k, v in
                                                                  c.items()) or "default")
def test_pool2d_reference_and_gradients(cls, mode, case):
    rng = np.random.default_rng(0)
    layer = _layer(cls, **case)
    x = rng.standard_normal((2, 7, 5, 3))
    y = layer(x)
    ref = reference_pool2d(x, layer.pool_size, layer.strides, layer.padding, mode)
    np.testing.assert_allclose(y, ref, rtol=1e-12)
    assert y.shape == (2,) + layer.compute_output_shape((None, 7, 5, 3))[1:]
    check_layer_gradients(layer, x)


def test_pool_defaults_and_known_values():
    layer = MaxPooling2D()
    assert layer.pool_size == (2, 2) and layer.strides == (2, 2) and layer.padding == "valid"
    x = np.arange(16.0).reshape(1, 4, 4, 1)
    np.testing.assert_array_equal(layer(x)[0, :, :, 0], [[5, 7], [13, 15]])
    # 'same' average over a 3x3 image with 2x2 windows, stride 1: the last row and
    # column average fewer positions (Keras excludes the padding)
    y = AveragePooling2D(2, strides=1, padding="same")(np.arange(9.0).reshape(1, 3, 3, 1))
    np.testing.assert_allclose(y[0, :, :, 0], [[2, 3, 3.5], [5, 6, 6.5], [6.5, 7.5, 8]])
    assert MaxPooling1D().get_config()["pool_size"] == [2]
    # integer images are pooled as floats (no truncated averages)
    avg = AveragePooling2D().forward(np.arange(4).reshape(1, 2, 2, 1), CallContext())[0]
    assert avg.dtype == np.float32 and avg[0, 0, 0, 0] == 1.5
    assert GlobalAveragePooling1D().forward(np.array([[[1], [2]]]), CallContext())[0][0, 0] == 1.5


def test_max_pool_routes_gradient_to_the_maximum_only():
    layer = _layer(MaxPooling2D)
    x = np.array([[1.0, 4.0], [3.0, 2.0]]).reshape(1, 2, 2, 1)
    _, backward = layer.forward(x, CallContext())
    dx = backward(np.array([[[[5.0]]]]))
    np.testing.assert_array_equal(dx[0, :, :, 0], [[0, 5], [0, 0]])


@pytest.mark.parametrize("cls, mode", [(MaxPooling1D, "max"), (AveragePooling1D, "avg")])
@pytest.mark.parametrize("case", [dict(), dict(pool_size=3, strides=1),
                                  dict(pool_size=3, padding="same"),
                                  dict(pool_size=2, strides=1, padding="same")])
def test_pool1d_reference_and_gradients(cls, mode, case):
    rng = np.random.default_rng(1)
    layer = _layer(cls, **case)
    x = rng.standard_normal((2, 7, 3))
    ref = reference_pool2d(x[:, None], (1,) + layer.pool_size, (1,) + layer.strides,
                           layer.padding, mode)[:, 0]
    np.testing.assert_allclose(layer(x), ref, rtol=1e-12)
    check_layer_gradients(layer, x)


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("cls, fn, rank", [
    (GlobalMaxPooling2D, np.max, 2), (GlobalAveragePooling2D, np.mean, 2),
    (GlobalMaxPooling1D, np.max, 1), (GlobalAveragePooling1D, np.mean, 1)])
def test_global_pooling(cls, fn, rank, keepdims):
    rng = np.random.default_rng(2)
    shape = (3, 4, 5, 2) if rank == 2 else (3, 6, 2)
    x = rng.standard_normal(shape)
    layer = _layer(cls, keepdims=keepdims)
    axes = tuple(range(1, rank + 1))
    np.testing.assert_allclose(layer(x), fn(x, axis=axes, keepdims=keepdims), rtol=1e-12)
    assert layer.compute_output_shape((None,) + shape[1:])[1:] == \
        fn(x, axis=axes, keepdims=keepdims).shape[1:]
    check_layer_gradients(layer, x)


def test_global_average_pooling_1d_respects_the_mask():
    x = np.random.default_rng(3).standard_normal((3, 5, 2))
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [0, 0, 0, 0, 0]], dtype=bool)
    layer = _layer(GlobalAveragePooling1D)
    y, backward = layer.forward(x, CallContext(mask=mask))
    np.testing.assert_allclose(y[0], x[0, :3].mean(axis=0))
    np.testing.assert_allclose(y[1], x[1].mean(axis=0))
    np.testing.assert_array_equal(y[2], 0.0)  # everything masked: zeros, not NaN
    dx = backward(np.ones((3, 2)))
    np.testing.assert_allclose(dx[0, :, 0], [1 / 3, 1 / 3, 1 / 3, 0, 0])
    check_layer_gradients(layer, x, mask=mask)
    assert GlobalAveragePooling1D.consumes_mask
    assert layer.compute_mask(x, mask) is None


def test_mask_reaches_global_average_pooling_in_a_model():
    class MaskFirstSteps(Dense):
        """A test layer producing a mask: steps whose first feature is 0 are masked."""
        supports_masking = True

        def compute_mask(self, inputs, mask):
            return inputs[..., 0] != 0

    inp = Input(shape=(4, 2))
    masked = MaskFirstSteps(2, kernel_initializer="identity")(inp)
    model = Model(inp, GlobalAveragePooling1D()(masked))
    x = np.array([[[1.0, 2.0], [3.0, 4.0], [0.0, 9.0], [0.0, 9.0]]], np.float32)
    y = model.predict(x, verbose=0)
    np.testing.assert_allclose(y, [[2.0, 3.0]])


def test_pooling_after_conv1d_in_a_sequence_model():
    backend.set_random_seed(0)
    model = Sequential([Conv1D(4, 3, padding="same", activation="relu", input_shape=(10, 2)),
                        MaxPooling1D(), AveragePooling1D(padding="same"),
                        GlobalMaxPooling1D(), Dense(1)])
    model.compile("adam", "mse")
    x = np.random.default_rng(4).random((8, 10, 2)).astype(np.float32)
    history = model.fit(x, x.sum(axis=(1, 2)), epochs=2, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert model.predict(x, verbose=0).shape == (8, 1)


@pytest.mark.parametrize("build", [
    lambda: MaxPooling2D(pool_size=0),
    lambda: MaxPooling2D(padding="causal"),
    lambda: AveragePooling2D(pool_size=(2, 2, 2)),
    lambda: MaxPooling1D(strides=-1),
    lambda: GlobalAveragePooling2D(data_format="channels_first"),
])
def test_bad_arguments(build):
    with pytest.raises(ValueError):
        build()


def test_bad_shapes():
    with pytest.raises(ValueError, match="rank 4"):
        MaxPooling2D()(np.zeros((2, 4, 4)))
    with pytest.raises(ValueError, match="smaller than pool_size"):
        Sequential([MaxPooling2D(3, input_shape=(2, 2, 1))])
    with pytest.raises(ValueError, match="rank 3"):
        GlobalMaxPooling1D()(np.zeros((2, 4, 4, 1)))


@pytest.mark.parametrize("make", [lambda: MaxPooling2D(2), lambda: AveragePooling2D(2),
                                  lambda: MaxPooling1D(2), lambda: GlobalAveragePooling2D()],
                         ids=["max2d", "avg2d", "max1d", "global"])
def test_float16_input_pools_in_the_layer_dtype(make):
    """float16 reaching ``forward`` (a forward() layer calling a sublayer) is cast
    to the layer dtype, as Keras' autocast does, instead of failing in the
    Numba kernel's typing (the kernels have no float16 form)."""
    layer = make()
    x = np.random.default_rng(0).standard_normal((2, 4, 4, 3)).astype(np.float16)
    if isinstance(layer, MaxPooling1D):
        x = x[:, 0]
    layer(x)  # build
    y, backward = layer.forward(x, CallContext(training=True, workspace={}))
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, np.asarray(layer(x.astype(np.float32))))
    assert backward(np.ones_like(y)).shape == x.shape
