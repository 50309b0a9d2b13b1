"""Boston housing prices, from Keras' cached ``boston_housing.npz``."""
from ._common import cached, load_npz, split_shuffled


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """``(x_train, y_train), (x_test, y_test)`` split as Keras splits it.

    Reads ``~/.keras/datasets/<path>`` without downloading; raises
    :class:`skdeep.nn.utils.OfflineError` when it is not there.
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"test_split must be in [0, 1), got {test_split}")
    file = cached(path, "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
                  "boston_housing.npz",
                  "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5")
    x, y = load_npz(file, ("x", "y"))
    return split_shuffled(x, y, test_split, seed)
