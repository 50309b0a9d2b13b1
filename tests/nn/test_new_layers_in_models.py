"""The issue-12 layers inside models: training, batch invariance, workspace
reuse across steps, model gradients and save/load (a MobileNetV2-style block)."""
import numpy as np
import pytest

from skdeep.nn import Input, Model, backend
from skdeep.nn.layers import (
    Add,
    BatchNormalization,
    Conv2D,
    Dense,
    DepthwiseConv2D,
    GlobalAveragePooling2D,
    LeakyReLU,
    MaxPooling2D,
    PReLU,
    ReLU,
    SeparableConv2D,
    Softmax,
    ZeroPadding2D,
)
from skdeep.nn.saving import load_model
from skdeep.nn.testing import check_model_gradients


def inverted_residual(channels=4):
    """MobileNetV2's block: expand 1x1, pad + 3x3 depthwise stride 2, project, residual."""
    inp = Input((7, 7, channels))
    x = Conv2D(8, 1, use_bias=False)(inp)
    x = BatchNormalization()(x)
    x = ReLU(6.0)(x)
    x = ZeroPadding2D(((0, 1), (0, 1)))(x)
    x = DepthwiseConv2D(3, strides=2, use_bias=False)(x)
    x = BatchNormalization()(x)
    x = ReLU(6.0)(x)
    x = Conv2D(channels, 1, use_bias=False)(x)
    shortcut = MaxPooling2D(3, strides=2)(inp)
    x = Add()([x, shortcut])
    x = SeparableConv2D(6, 3, padding="same")(x)
    x = PReLU(shared_axes=[1, 2])(x)
    x = LeakyReLU()(x)
    x = GlobalAveragePooling2D()(x)
    out = Softmax()(Dense(3)(x))
    return Model(inp, out)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((24, 7, 7, 4)).astype("float32")
    return x, np.eye(3)[rng.integers(0, 3, 24)]


def test_block_trains_and_predicts_batch_invariantly(data, tmp_path):
    x, y = data
    with backend.seeded(0):
        model = inverted_residual()
    model.compile("adam", "categorical_crossentropy")
    history = model.fit(x, y, epochs=4, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    whole = model.predict(x, batch_size=24, verbose=0)
    rows = np.concatenate([model.predict(x[i:i + 1], verbose=0) for i in range(5)])
    np.testing.assert_allclose(whole[:5], rows, rtol=1e-5, atol=1e-6)
    # workspace buffers are reused between steps: a second predict is unchanged
    np.testing.assert_allclose(model.predict(x, batch_size=7, verbose=0), whole, rtol=1e-5,
                               atol=1e-6)
    path = tmp_path / "block.keras"
    model.save(path)
    loaded = load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), whole, rtol=1e-6, atol=1e-7)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]


def test_block_model_gradients_float64(data):
    x, y = data
    with backend.floatx_scope("float64"), backend.seeded(1):
        model = inverted_residual()
        rng = np.random.default_rng(2)
        for layer in model.layers:
            for w in layer.weights:
                if w.name == "moving_variance":
                    w.assign(rng.uniform(0.5, 2.0, w.shape))
                else:
                    w.assign(rng.standard_normal(w.shape) * 0.5)
        model.compile("sgd", "categorical_crossentropy")
        check_model_gradients(model, x[:4].astype("float64"), y[:4])
