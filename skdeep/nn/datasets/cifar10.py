"""``keras.datasets.cifar10``: not loaded by skdeep (Keras ships it as pickles)."""
from ._common import refuse_pickled


def load_data(*args, **kwargs):
    """Raises NotImplementedError: cifar10 is stored as Python pickles, which skdeep never loads."""
    refuse_pickled("cifar10", "For small image experiments use sklearn.datasets.load_digits() reshaped to (n, 8, 8, 1).")
