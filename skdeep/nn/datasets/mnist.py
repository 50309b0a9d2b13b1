"""MNIST digits, from Keras' cached ``mnist.npz``."""
from ._common import cached, load_npz


def load_data(path="mnist.npz"):
    """``(x_train, y_train), (x_test, y_test)``: uint8 images (n, 28, 28) and labels.

    Reads ``~/.keras/datasets/<path>`` (Keras' cache) without downloading;
    raises :class:`skdeep.nn.utils.OfflineError` when it is not there.
    """
    file = cached(path, "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
                  "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1")
    x_train, y_train, x_test, y_test = load_npz(file, ("x_train", "y_train", "x_test", "y_test"))
    return (x_train, y_train), (x_test, y_test)
