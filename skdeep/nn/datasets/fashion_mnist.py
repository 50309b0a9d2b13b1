"""Fashion-MNIST, from Keras' cached gzip files."""
import gzip
import os

import numpy as np

from ..file_utils import get_file

_BASE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
          "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")


def _read(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load_data():
    """``(x_train, y_train), (x_test, y_test)``: uint8 images (n, 28, 28) and labels.

    Reads the four files from ``~/.keras/datasets/fashion-mnist`` (Keras'
    cache) without downloading; raises
    :class:`skdeep.nn.utils.OfflineError` when one is missing.
    """
    subdir = os.path.join("datasets", "fashion-mnist")
    paths = [get_file(f, origin=_BASE + f, cache_subdir=subdir) for f in _FILES]
    y_train = _read(paths[0], 8)
    x_train = _read(paths[1], 16).reshape(len(y_train), 28, 28)
    y_test = _read(paths[2], 8)
    x_test = _read(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
