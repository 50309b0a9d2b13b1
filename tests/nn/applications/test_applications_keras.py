"""Numerical equality with Keras 3: the same weights (written by Keras, in its
``.weights.h5`` and in the legacy layout of its pretrained ImageNet files)
give the same predictions in skdeep's ResNet50, MobileNetV2, VGG16 and VGG19.

Needs a Python with Keras 3 (never skdeep's environment) in
SKDEEP_KERAS_PYTHON, as tests/nn/test_keras_roundtrip.py; skipped otherwise.
"""
import os
import subprocess

import numpy as np
import pytest

from skdeep.nn import applications

KERAS_PYTHON = os.environ.get("SKDEEP_KERAS_PYTHON")
SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "keras_side",
                      "applications_in_keras.py")
pytestmark = pytest.mark.skipif(not KERAS_PYTHON or not os.path.exists(KERAS_PYTHON),
                                reason="set SKDEEP_KERAS_PYTHON to a Python with Keras 3")

BUILDERS = {
    "resnet50": lambda w: applications.ResNet50(weights=w, include_top=False,
                                                input_shape=(32, 32, 3), pooling="avg"),
    "mobilenet_v2": lambda w: applications.MobileNetV2(weights=w, alpha=0.35,
                                                       input_shape=(32, 32, 3), classes=5),
    "vgg16": lambda w: applications.VGG16(weights=w, include_top=False, input_shape=(32, 32, 3),
                                          pooling="max"),
    "vgg19": lambda w: applications.VGG19(weights=w, input_shape=(32, 32, 3), classes=4),
}


@pytest.fixture(scope="module")
def keras_files(tmp_path_factory):
    out = tmp_path_factory.mktemp("keras_applications")
    env = dict(os.environ, KERAS_BACKEND="numpy")  # inference only: no XLA compile wait
    env.pop("PYTHONPATH", None)  # Keras' Python must not import this skdeep
    proc = subprocess.run([KERAS_PYTHON, SCRIPT, str(out)], capture_output=True, text=True,
                          timeout=600, env=env, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


@pytest.mark.parametrize("name", sorted(BUILDERS))
@pytest.mark.parametrize("suffix", [".weights.h5", "_legacy.h5"])
def test_keras_weights_give_keras_predictions(keras_files, name, suffix):
    model = BUILDERS[name](str(keras_files / f"{name}{suffix}"))
    x = np.load(keras_files / "x.npy")
    expected = np.load(keras_files / f"{name}.npy")
    got = model.predict(x, verbose=0)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5 * np.abs(expected).max())
