"""ONNX export: onnxruntime's predictions equal skdeep's (float32, 1e-5)."""
import numpy as np
import pytest

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

from skdeep import Autoencoder, NeuralClassifier, NeuralRegressor  # noqa: E402
from skdeep.nn import Input, Model, Sequential  # noqa: E402
from skdeep.nn import layers as L  # noqa: E402
from skdeep.onnx import supported_layers, to_onnx  # noqa: E402

RNG = np.random.default_rng(0)


def _run(onx, *xs):
    sess = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
    feeds = {i.name: x for i, x in zip(sess.get_inputs(), xs)}
    return sess.run(None, feeds)


def _randomize(model, seed=0):
    # non-zero biases and moving statistics, so that every weight matters
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        ws = layer.get_weights()
        if ws:
            new = [rng.normal(0, 0.5, w.shape).astype(w.dtype) for w in ws]
            if isinstance(layer, L.BatchNormalization):
                new[-1] = np.abs(new[-1]) + 0.5  # moving variance
            layer.set_weights(new)
    return model


def _check(model, *xs, atol=1e-5):
    onx = to_onnx(model)
    got = _run(onx, *xs)
    want = model.predict(list(xs) if len(xs) > 1 else xs[0], verbose=0)
    want = want if isinstance(want, list) else [want]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=atol)
    return onx


@pytest.mark.parametrize("act", ["relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus",
                                 "softsign", "swish", "gelu", "leaky_relu", "hard_sigmoid",
                                 "exponential", "relu6", "linear"])
def test_dense_activations(act):
    model = Sequential([L.Dense(5, activation=act, input_shape=(4,)),
                        L.BatchNormalization(), L.Dropout(0.3), L.GaussianNoise(0.1),
                        L.Activation("tanh"), L.Dense(3)])
    _check(_randomize(model), RNG.normal(size=(7, 4)).astype(np.float32))


@pytest.mark.parametrize("padding,strides", [("valid", 1), ("same", 2), ("same", 1)])
def test_conv2d_pool_flatten(padding, strides):
    model = Sequential([L.Conv2D(3, 3, strides=strides, padding=padding, activation="relu",
                                 input_shape=(9, 8, 2)),
                        L.MaxPooling2D(2, padding=padding),
                        L.Conv2D(2, (2, 3), dilation_rate=(1, 1), padding=padding),
                        L.AveragePooling2D(2, padding="same"), L.Flatten(), L.Dense(2)])
    _check(_randomize(model), RNG.normal(size=(3, 9, 8, 2)).astype(np.float32))


def test_conv1d_causal_global_pools_reshape():
    inp = Input(shape=(12,))
    x = L.Reshape((6, 2))(inp)
    x = L.Conv1D(4, 3, padding="causal", dilation_rate=2, activation="elu")(x)
    a = L.GlobalAveragePooling1D()(L.MaxPooling1D(2)(x))
    b = L.GlobalMaxPooling1D()(L.Conv1D(4, 2, strides=2)(x))
    out = L.Dense(1)(L.Concatenate()([a, b]))
    _check(_randomize(Model(inp, out)), RNG.normal(size=(5, 12)).astype(np.float32))


def test_merges_and_two_inputs_two_outputs():
    i1, i2 = Input(shape=(3,)), Input(shape=(3,))
    d1, d2 = L.Dense(4)(i1), L.Dense(4)(i2)
    merged = [L.Add()([d1, d2]), L.Subtract()([d1, d2]), L.Multiply()([d1, d2]),
              L.Average()([d1, d2]), L.Maximum()([d1, d2]), L.Minimum()([d1, d2])]
    out1 = L.Dense(2, activation="softmax")(L.Concatenate()(merged))
    out2 = L.Dense(1)(L.GlobalAveragePooling2D()(L.Reshape((2, 2, 1))(merged[0])))
    model = _randomize(Model([i1, i2], [out1, out2]))
    xs = [RNG.normal(size=(6, 3)).astype(np.float32) for _ in range(2)]
    _check(model, *xs)


@pytest.mark.parametrize("cell", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("return_sequences,go_backwards", [(False, False), (True, False),
                                                           (True, True), (False, True)])
def test_recurrent(cell, return_sequences, go_backwards):
    layer = getattr(L, cell)(3, return_sequences=return_sequences, go_backwards=go_backwards)
    model = Sequential([L.Embedding(10, 4, input_shape=(5,)), layer, L.Flatten(), L.Dense(2)])
    ids = RNG.integers(0, 10, size=(4, 5)).astype(np.float32)
    _check(_randomize(model), ids)


def test_gru_reset_before_and_return_state():
    inp = Input(shape=(4, 3))
    y, h = L.GRU(2, reset_after=False, return_sequences=True, return_state=True)(inp)
    seq, _h2, c2 = L.LSTM(2, return_state=True)(y)
    model = _randomize(Model(inp, [seq, h, c2]))
    _check(model, RNG.normal(size=(3, 4, 3)).astype(np.float32))


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave"])
@pytest.mark.parametrize("cell", ["LSTM", "GRU", "SimpleRNN"])
def test_bidirectional(cell, merge_mode):
    inp = Input(shape=(5, 3))
    seq = L.Bidirectional(getattr(L, cell)(2, return_sequences=True), merge_mode=merge_mode)(inp)
    last = L.Bidirectional(getattr(L, cell)(2), merge_mode=merge_mode)(seq)
    _check(_randomize(Model(inp, last)), RNG.normal(size=(3, 5, 3)).astype(np.float32))


def test_nested_model():
    inner = Sequential([L.Dense(3, activation="relu", input_shape=(4,)), L.Dense(2)])
    inp = Input(shape=(4,))
    model = _randomize(Model(inp, L.Dense(1)(inner(inp))))
    _check(model, RNG.normal(size=(5, 4)).astype(np.float32))


def test_unsupported_layers_and_masks_raise_clearly():
    model = Sequential([L.Embedding(10, 4, mask_zero=True, input_shape=(5,)), L.LSTM(2)])
    with pytest.raises(NotImplementedError, match="mask"):
        to_onnx(model)
    with pytest.raises(TypeError, match="skdeep"):
        to_onnx(object())

    def squared(x):
        return x * x

    with pytest.raises(NotImplementedError, match="custom activation 'squared'"):
        to_onnx(Sequential([L.Input((3,)), L.Dense(2, activation=squared)]))
    assert {"Dense", "Conv2D", "LSTM", "Bidirectional", "Embedding"} <= set(supported_layers())


def _data(n=60, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    return X, X[:, 0] + 0.5 * X[:, 1]


@pytest.mark.parametrize("labels", [np.array([3, 7, 9]), np.array(["a", "b", "c"]),
                                    np.array([0, 1])])
def test_classifier_to_onnx(labels):
    X, t = _data()
    y = labels[np.digitize(t, np.quantile(t, np.linspace(0, 1, len(labels) + 1)[1:-1]))]
    clf = NeuralClassifier(layers=[L.Dense(8, activation="relu")], epochs=3,
                           random_state=0).fit(X, y)
    label, proba = _run(to_onnx(clf), X)
    np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(label, clf.predict(X))


def test_regressor_and_autoencoder_to_onnx():
    X, t = _data()
    reg = NeuralRegressor(layers=[L.Dense(8, activation="tanh")], epochs=3,
                          random_state=0).fit(X, t)
    (pred,) = _run(to_onnx(reg), X)
    np.testing.assert_allclose(pred.ravel(), reg.predict(X), rtol=1e-5, atol=1e-5)
    ae = Autoencoder(encoder_layers=[L.Dense(4, activation="relu")], n_components=2, epochs=3,
                     random_state=0).fit(X)
    (codes,) = _run(to_onnx(ae), X)
    np.testing.assert_allclose(codes, ae.transform(X), rtol=1e-5, atol=1e-5)


def test_pipeline_through_skl2onnx():
    skl2onnx = pytest.importorskip("skl2onnx")
    from sklearn.base import is_classifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, t = _data(seed=1)
    y = (t > 0).astype(np.int64)
    for est, check in [
        (NeuralClassifier(layers=[L.Dense(6, activation="relu")], epochs=2, random_state=0),
         lambda pipe, outs: (np.testing.assert_array_equal(outs[0], pipe.predict(X)),
                             np.testing.assert_allclose(outs[1], pipe.predict_proba(X),
                                                        rtol=1e-5, atol=1e-5))),
        (NeuralRegressor(layers=[L.Dense(6)], epochs=2, random_state=0),
         lambda pipe, outs: np.testing.assert_allclose(outs[0].ravel(), pipe.predict(X),
                                                       rtol=1e-5, atol=1e-5)),
        (Autoencoder(n_components=2, epochs=2, random_state=0),
         lambda pipe, outs: np.testing.assert_allclose(outs[0], pipe.transform(X),
                                                       rtol=1e-5, atol=1e-5)),
    ]:
        pipe = make_pipeline(StandardScaler(), est).fit(X, y if is_classifier(est) else t)
        options = {id(est): {"zipmap": False}} if is_classifier(est) else None
        onx = skl2onnx.to_onnx(pipe, X[:1], options=options)
        check(pipe, _run(onx, X))


def test_multilabel_classifier_and_zipmap():
    skl2onnx = pytest.importorskip("skl2onnx")
    X, t = _data(seed=2)
    Y = np.stack([t > 0, X[:, 2] > 0], axis=1).astype(np.int64)
    clf = NeuralClassifier(layers=[L.Dense(6, activation="relu")], epochs=2,
                           random_state=0).fit(X, Y)
    label, proba = _run(to_onnx(clf), X)
    np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(label, clf.predict(X))
    # skl2onnx's default for classifiers: probabilities as a list of {class: p} (ZipMap)
    y = np.where(t > 0, "up", "down")
    clf = NeuralClassifier(layers=[L.Dense(6)], epochs=2, random_state=0).fit(X, y)
    label, zipped = _run(skl2onnx.to_onnx(clf, X[:1]), X)
    np.testing.assert_array_equal(label, clf.predict(X))
    proba = clf.predict_proba(X)
    for row, p in zip(zipped, proba):
        assert sorted(row) == ["down", "up"]
        np.testing.assert_allclose([row["down"], row["up"]], p, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("opset", [13, 18, 21])
def test_opsets(opset):
    inp = Input(shape=(6, 2))
    x = L.GlobalMaxPooling1D()(L.Conv1D(3, 2, activation="gelu")(inp))
    y = L.GlobalAveragePooling1D()(L.Bidirectional(L.GRU(2, return_sequences=True))(inp))
    model = _randomize(Model(inp, L.Dense(2, activation="softmax")(L.Concatenate()([x, y]))))
    onx = to_onnx(model, target_opset=opset)
    assert onx.opset_import[0].version == opset
    X = RNG.normal(size=(4, 6, 2)).astype(np.float32)
    np.testing.assert_allclose(_run(onx, X)[0], model.predict(X, verbose=0), rtol=1e-5,
                               atol=1e-5)
    for bad in (11, 99):
        with pytest.raises(ValueError, match="target_opset"):
            to_onnx(model, target_opset=bad)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_depthwise_separable_padding_cropping(padding):
    inp = Input(shape=(7, 6, 3))
    x = L.ZeroPadding2D(((1, 0), (2, 1)))(inp)
    x = L.DepthwiseConv2D(3, depth_multiplier=2, padding=padding, activation="relu")(x)
    x = L.SeparableConv2D(4, 2, depth_multiplier=2, padding=padding, strides=2)(x)
    x = L.Cropping2D(((1, 0), (0, 1)))(x)
    y = L.Reshape((-1, 4))(x)
    y = L.SeparableConv1D(3, 2, padding=padding)(L.DepthwiseConv1D(2, padding=padding)(y))
    y = L.Cropping1D((1, 0))(L.ZeroPadding1D(2)(y))
    model = _randomize(Model(inp, L.Flatten()(y)))
    _check(model, RNG.normal(size=(2, 7, 6, 3)).astype(np.float32))


def test_activation_layers_layer_norm_rescaling():
    model = Sequential([L.Rescaling(0.5, offset=0.1, input_shape=(3, 4)), L.Dense(4),
                        L.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.2),
                        L.LeakyReLU(0.1), L.PReLU(shared_axes=[1]), L.ELU(0.7),
                        L.LayerNormalization(), L.ReLU(), L.Softmax(axis=1)])
    _check(_randomize(model), RNG.normal(size=(5, 3, 4)).astype(np.float32))
