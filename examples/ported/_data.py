"""Offline stand-ins for the datasets the ported guides download.

The ports change only imports and data loading: where a guide calls
``keras.datasets.mnist.load_data()`` (or cifar10), it calls these instead,
which build small arrays of the same shapes and dtypes locally.
"""
import numpy as np


def mnist_load_data(n_train=1500):
    """``(x_train, y_train), (x_test, y_test)`` like ``keras.datasets.mnist``:
    uint8 images (n, 28, 28) and uint8 labels, from scikit-learn's 8x8 digits
    upscaled 3x and padded (1,797 images: ``n_train`` for training)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.kron(digits.images, np.ones((3, 3)))
    images = np.pad(images, ((0, 0), (2, 2), (2, 2)))
    images = (images / 16.0 * 255).astype(np.uint8)
    labels = digits.target.astype(np.uint8)
    return (images[:n_train], labels[:n_train]), (images[n_train:], labels[n_train:])


def cifar10_load_data(n_train=200, n_test=50, seed=0):
    """Random uint8 images (n, 32, 32, 3) and labels (n, 1), the shapes of
    ``keras.datasets.cifar10`` (for guides that only run a few steps on it)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, size=(n_train + n_test, 32, 32, 3), dtype=np.uint8)
    y = rng.integers(0, 10, size=(n_train + n_test, 1), dtype=np.uint8)
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])
