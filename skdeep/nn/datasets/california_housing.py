"""California housing prices, from Keras' cached ``california_housing.npz``."""
from ._common import cached, load_npz, split_shuffled


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """``(x_train, y_train), (x_test, y_test)`` split as Keras splits it.

    ``version='small'`` keeps the first 600 samples, as Keras does. Reads
    ``~/.keras/datasets/<path>`` without downloading; raises
    :class:`skdeep.nn.utils.OfflineError` when it is not there.
    sklearn.datasets.fetch_california_housing is an alternative source.
    """
    if version not in ("small", "large"):
        raise ValueError(f"version must be 'small' or 'large', got {version!r}")
    if not 0 <= test_split < 1:
        raise ValueError(f"test_split must be in [0, 1), got {test_split}")
    file = cached(path, "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
                  "california_housing.npz",
                  "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f")
    x, y = load_npz(file, ("x", "y"))
    if version == "small":
        x, y = x[:600], y[:600]
    return split_shuffled(x, y, test_split, seed)
