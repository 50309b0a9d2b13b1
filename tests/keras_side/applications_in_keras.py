"""Run by tests/nn/applications/test_applications_keras.py with a Python that has
Keras 3: builds small ResNet50 / MobileNetV2 / VGG16 / VGG19 models with random weights
and non-trivial BatchNormalization statistics, saves their weights as Keras 3
``.weights.h5`` and as the legacy HDF5 layout of Keras' pretrained files, and
writes the predictions on a fixed input. Usage: python applications_in_keras.py OUT_DIR
"""
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras.src.legacy.saving import legacy_h5_format  # noqa: E402

out = sys.argv[1]
keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
builders = {
    "resnet50": lambda: keras.applications.ResNet50(weights=None, include_top=False,
                                                    input_shape=(32, 32, 3), pooling="avg"),
    "mobilenet_v2": lambda: keras.applications.MobileNetV2(weights=None, alpha=0.35,
                                                           input_shape=(32, 32, 3), classes=5),
    "vgg16": lambda: keras.applications.VGG16(weights=None, include_top=False,
                                              input_shape=(32, 32, 3), pooling="max"),
    "vgg19": lambda: keras.applications.VGG19(weights=None, input_shape=(32, 32, 3),
                                              classes=4),
}
x = rng.uniform(0, 255, (3, 32, 32, 3)).astype("float32")
np.save(os.path.join(out, "x.npy"), x)
for name, build in builders.items():
    model = build()
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            n = layer.moving_mean.shape[0]
            layer.moving_mean.assign(rng.normal(0, 0.1, n).astype("float32"))
            layer.moving_variance.assign(rng.uniform(0.5, 1.5, n).astype("float32"))
            layer.beta.assign(rng.normal(0, 0.1, n).astype("float32"))
    model.save_weights(os.path.join(out, f"{name}.weights.h5"))
    with h5py.File(os.path.join(out, f"{name}_legacy.h5"), "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
    np.save(os.path.join(out, f"{name}.npy"), np.asarray(model.predict(x, verbose=0)))
print("ok")
