"""Conv2D and Conv1D: NumPy reference results, gradients, Keras geometry, errors."""
import numba
import numpy as np
import pytest

from skdeep.nn import Sequential, backend, optimizers
from skdeep.nn.layers import Conv1D, Conv2D, Dense, Flatten, GlobalAveragePooling2D, \
    MaxPooling2D
from skdeep.nn.testing import check_layer_gradients, check_model_gradients
from skdeep.nn.context import CallContext


# ----------------------------------------------------------------- NumPy reference
def _same_split(size, k, stride, dilation):
    """Keras / TensorFlow 'same' padding: (out, before, after), smaller half first."""
    span = (k - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + span - size, 0)
    return out, total // 2, total - total // 2


def reference_conv2d(x, kernel, bias, strides=(1, 1), padding="valid", dilation=(1, 1)):
    """Plain NumPy convolution (cross-correlation, as every DL library), channels_last."""
    n, h, w, c = x.shape
    kh, kw, _, f = kernel.shape
    (sh, sw), (dh, dw) = strides, dilation
    if padding == "same":
        oh, pt, pb = _same_split(h, kh, sh, dh)
        ow, pl, pr = _same_split(w, kw, sw, dw)
    else:
        oh = (h - (kh - 1) * dh - 1) // sh + 1
        ow = (w - (kw - 1) * dw - 1) // sw + 1
        pt = pb = pl = pr = 0
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    out = np.zeros((n, oh, ow, f))
    for ky in range(kh):
        for kx in range(kw):
            patch = xp[:, ky * dh: ky * dh + (oh - 1) * sh + 1: sh,
                       kx * dw: kx * dw + (ow - 1) * sw + 1: sw, :]
            out += patch @ kernel[ky, kx]
    return out + (0 if bias is None else bias)


def _layer(cls, *args, **kwargs):
    with backend.floatx_scope("float64"):
        return cls(*args, **kwargs)


CONV2D_CASES = [
    dict(kernel_size=3),
    dict(kernel_size=3, padding="same"),
    dict(kernel_size=2, padding="same"),
    dict(kernel_size=2, strides=2),
    dict(kernel_size=3, strides=2, padding="same"),
    dict(kernel_size=(2, 3), strides=(2, 1), padding="same"),
    dict(kernel_size=2, strides=2, padding="same"),
    dict(kernel_size=3, dilation_rate=2),
    dict(kernel_size=2, dilation_rate=(2, 1), padding="same"),
    dict(kernel_size=1),
    dict(kernel_size=1, strides=2),
]


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("case", CONV2D_CASES, ids=lambda c: "-".join(f"{k}={v}" for k, v in
                                                                    c.items()))
def test_conv2d_matches_numpy_reference(case, channels):
    rng = np.random.default_rng(0)
    layer = _layer(Conv2D, 4, bias_initializer="random_normal", **case)
    x = rng.standard_normal((3, 7, 6, channels))
    y = layer(x)
    kernel, bias = layer.get_weights()
    ref = reference_conv2d(x, kernel, bias, layer.strides, layer.padding, layer.dilation_rate)
    assert y.shape == ref.shape == (3,) + layer.compute_output_shape((None, 7, 6, channels))[1:]
    np.testing.assert_allclose(y, ref, rtol=1e-10, atol=1e-12)


def test_same_padding_puts_the_extra_row_after_the_image():
    # 4x4 input, 2x2 kernel, stride 1, 'same': Keras pads one row/column at the
    # bottom/right only, so output[0, 0] sees x[0:2, 0:2] and output[3, 3] only x[3, 3].
    x = np.arange(16.0).reshape(1, 4, 4, 1)
    layer = _layer(Conv2D, 1, 2, padding="same", use_bias=False, kernel_initializer="ones")
    y = layer(x)[0, :, :, 0]
    assert y[0, 0] == 0 + 1 + 4 + 5
    assert y[3, 3] == 15
    assert y[3, 0] == 12 + 13
    # stride 2 on a 5-wide input pads (0 before, 1 after) as well
    layer = _layer(Conv2D, 1, 2, strides=2, padding="same", use_bias=False,
                   kernel_initializer="ones")
    y = layer(np.ones((1, 5, 5, 1)))[0, :, :, 0]
    np.testing.assert_array_equal(y, [[4, 4, 2], [4, 4, 2], [2, 2, 1]])


@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("case", CONV2D_CASES[:9], ids=lambda c: "-".join(f"{k}={v}" for k, v in
                                                                        c.items()))
def test_conv2d_gradients(case, channels):
    layer = _layer(Conv2D, 3, activation="tanh", bias_initializer="random_normal", **case)
    x = np.random.default_rng(1).standard_normal((2, 6, 5, channels))
    check_layer_gradients(layer, x)


def test_conv2d_gradients_without_bias_linear_pointwise():
    layer = _layer(Conv2D, 2, 1, use_bias=False)
    check_layer_gradients(layer, np.random.default_rng(2).standard_normal((2, 3, 3, 3)))


@pytest.mark.parametrize("case", [dict(kernel_size=3), dict(kernel_size=2, padding="same"),
                                  dict(kernel_size=3, strides=2, padding="same"),
                                  dict(kernel_size=2, padding="causal", dilation_rate=2),
                                  dict(kernel_size=1)])
def test_conv1d_gradients_and_reference(case):
    rng = np.random.default_rng(3)
    layer = _layer(Conv1D, 3, activation="sigmoid", bias_initializer="random_normal", **case)
    x = rng.standard_normal((2, 7, 2))
    check_layer_gradients(layer, x)
    kernel, bias = layer.get_weights()
    assert kernel.shape == (layer.kernel_size[0], 2, 3)
    k = layer.kernel_size[0]
    if layer.padding == "causal":  # left padding only: step t sees steps <= t
        xp = np.pad(x, ((0, 0), ((k - 1) * layer.dilation_rate[0], 0), (0, 0)))
        ref = reference_conv2d(xp[:, None], kernel[None], bias, (1,) + layer.strides, "valid",
                               (1,) + layer.dilation_rate)[:, 0]
    else:
        ref = reference_conv2d(x[:, None], kernel[None], bias, (1,) + layer.strides,
                               layer.padding, (1,) + layer.dilation_rate)[:, 0]
    ref = 1 / (1 + np.exp(-ref))
    np.testing.assert_allclose(layer(x), ref, rtol=1e-10)


def test_causal_conv1d_does_not_see_the_future():
    layer = _layer(Conv1D, 2, 3, padding="causal")
    x = np.random.default_rng(4).standard_normal((1, 6, 1))
    y = layer(x)
    x2 = x.copy()
    x2[0, 4:] += 10.0
    np.testing.assert_allclose(layer(x2)[0, :4], y[0, :4])
    assert y.shape == (1, 6, 2)


def test_weight_layout_config_round_trip_and_set_weights():
    layer = Conv2D(5, (2, 3), strides=2, padding="same", dilation_rate=1, activation="relu",
                   name="c")
    layer.build((None, 8, 8, 3))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (2, 3, 3, 5) and bias.shape == (5,)
    assert kernel.dtype == np.float32
    clone = Conv2D.from_config(layer.get_config())
    clone.build((None, 8, 8, 3))
    clone.set_weights(layer.get_weights())
    x = np.random.default_rng(5).random((2, 8, 8, 3)).astype(np.float32)
    np.testing.assert_array_equal(clone(x), layer(x))
    assert clone.get_config() == layer.get_config()
    assert layer.get_config()["kernel_size"] == [2, 3]
    constrained = Conv2D(2, 3, kernel_constraint="non_neg", bias_constraint="max_norm")
    assert Conv2D.from_config(constrained.get_config()).get_config() == constrained.get_config()
    assert Conv1D(2, 3).get_config()["padding"] == "valid"


@pytest.mark.parametrize("kwargs, match", [
    (dict(filters=0, kernel_size=3), "filters"),
    (dict(filters=2, kernel_size=(3, 3, 3)), "kernel_size"),
    (dict(filters=2, kernel_size=3, strides=0), "strides"),
    (dict(filters=2, kernel_size=3, padding="full"), "padding"),
    (dict(filters=2, kernel_size=3, data_format="channels_first"), "channels_last"),
    (dict(filters=2, kernel_size=3, groups=2), "groups"),
    (dict(filters=2, kernel_size=3, activation="nope"), "activation"),
])
def test_bad_arguments_raise_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Conv2D(**kwargs)


def test_causal_padding_is_conv1d_only():
    with pytest.raises(ValueError, match="padding"):
        Conv2D(2, 3, padding="causal")


def test_bad_input_shapes_raise_clear_errors():
    with pytest.raises(ValueError, match="rank 4"):
        Sequential([Conv2D(2, 3, input_shape=(8, 8))])
    with pytest.raises(ValueError, match="smaller than the kernel"):
        Sequential([Conv2D(2, 5, input_shape=(3, 3, 1))])
    model = Sequential([Conv2D(2, 3, input_shape=(8, 8, 3)), Flatten(), Dense(1)])
    with pytest.raises(ValueError, match="shape"):
        model.predict(np.zeros((2, 8, 8, 1)), verbose=0)
    layer = Conv2D(2, 3)
    layer(np.zeros((1, 5, 5, 2)))
    with pytest.raises(ValueError, match="channels|shape"):
        layer.forward(np.zeros((1, 5, 5, 3), np.float32), CallContext())
    with pytest.raises(ValueError, match="rank 3"):
        Conv1D(2, 3)(np.zeros((2, 5, 5, 1)))


def test_model_gradients_conv_pool_dense_stack():
    with backend.floatx_scope("float64"):
        backend.set_random_seed(0)
        model = Sequential([Conv2D(3, 3, activation="relu", padding="same",
                                   bias_initializer="random_normal", input_shape=(6, 6, 2)),
                            MaxPooling2D(), Conv2D(4, 2, strides=2, activation="elu"),
                            Flatten(), Dense(3, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy")
    rng = np.random.default_rng(6)
    check_model_gradients(model, rng.standard_normal((3, 6, 6, 2)), rng.integers(0, 3, 3))


def test_conv_softmax_output_uses_the_fused_loss_path():
    # per-pixel classification: the output Conv2D's softmax fuses with the loss
    with backend.floatx_scope("float64"):
        backend.set_random_seed(1)
        model = Sequential([Conv2D(3, 3, padding="same", activation="relu",
                                   input_shape=(5, 5, 2)),
                            Conv2D(4, 1, activation="softmax")])
        model.compile("sgd", "categorical_crossentropy")
    rng = np.random.default_rng(7)
    y = np.eye(4)[rng.integers(0, 4, (2, 5, 5))]
    check_model_gradients(model, rng.standard_normal((2, 5, 5, 2)), y)
    from skdeep.nn.compile_utils import train_state as _train_state

    assert _train_state(model).fused  # the softmax was fused, not run then differentiated
    proba = model.predict(rng.standard_normal((2, 5, 5, 2)), verbose=0)
    np.testing.assert_allclose(proba.sum(axis=-1), 1.0)


def test_batch_invariance_and_parallel_matches_serial():
    backend.set_random_seed(2)
    model = Sequential([Conv2D(4, 3, padding="same", activation="relu", input_shape=(9, 9, 2)),
                        MaxPooling2D(), Conv2D(3, 2), GlobalAveragePooling2D()])
    x = np.random.default_rng(8).random((7, 9, 9, 2)).astype(np.float32)
    whole = model.predict(x, verbose=0)
    rows = np.concatenate([model.predict(x[i:i + 1], verbose=0) for i in range(7)])
    np.testing.assert_allclose(whole, rows, rtol=1e-5, atol=1e-6)
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        serial = model.predict(x, verbose=0)
    finally:
        numba.set_num_threads(old)
    np.testing.assert_allclose(whole, serial, rtol=1e-5, atol=1e-6)


def test_small_cnn_learns_bars():
    # horizontal vs vertical bars: a task a CNN solves in a few epochs
    rng = np.random.default_rng(9)
    n = 96
    x = 0.1 * rng.random((n, 8, 8, 1)).astype(np.float32)
    y = rng.integers(0, 2, n)
    pos = rng.integers(1, 7, n)
    for i in range(n):
        if y[i]:
            x[i, :, pos[i], 0] += 1.0
        else:
            x[i, pos[i], :, 0] += 1.0
    backend.set_random_seed(3)
    model = Sequential([Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1)), MaxPooling2D(),
                        Flatten(), Dense(2, activation="softmax")])
    model.compile(optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=16, epochs=12, verbose=0)
    assert history.history["accuracy"][-1] > 0.9


def test_concurrent_predict_from_threads_matches_serial():
    from concurrent.futures import ThreadPoolExecutor

    backend.set_random_seed(4)
    model = Sequential([Conv2D(4, 3, activation="relu", input_shape=(10, 10, 2)),
                        MaxPooling2D(), Conv2D(3, 3, padding="same"), Flatten(), Dense(2)])
    xs = [np.random.default_rng(i).random((9, 10, 10, 2)).astype(np.float32) for i in range(6)]
    expected = [model.predict(x, verbose=0) for x in xs]
    with ThreadPoolExecutor(3) as pool:
        got = list(pool.map(lambda x: model.predict(x, verbose=0), xs))
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, e, rtol=1e-6)


def test_kernel_constraint_is_applied_after_each_step():
    backend.set_random_seed(5)
    model = Sequential([Conv2D(3, 2, kernel_constraint="non_neg", input_shape=(4, 4, 1)),
                        Flatten(), Dense(1)])
    model.compile("sgd", "mse")
    x = np.random.default_rng(10).standard_normal((8, 4, 4, 1)).astype(np.float32)
    model.fit(x, x.sum(axis=(1, 2, 3)), epochs=2, verbose=0)
    assert (model.layers[0].get_weights()[0] >= 0).all()


def test_blas_threads_are_restored_after_conv_and_pooling():
    from threadpoolctl import threadpool_info

    before = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    layer = Conv2D(3, 3, activation="relu")
    layer.build((None, 6, 6, 2))
    y, backward = layer.forward(np.random.default_rng(11).random((4, 6, 6, 2), np.float32), CallContext())
    backward(np.ones_like(y))
    MaxPooling2D()(y)
    after = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    assert after == before
