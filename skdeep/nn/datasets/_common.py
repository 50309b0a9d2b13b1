"""What the dataset loaders share: the cache lookup and the refusal of pickles."""
import numpy as np

from ..file_utils import get_file

_BASE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def cached(fname, origin=None, file_hash=None, cache_dir=None):
    """Path of a cached dataset file (raises OfflineError when absent)."""
    return get_file(fname, origin=origin or _BASE + fname, file_hash=file_hash,
                    cache_dir=cache_dir)


def load_npz(path, keys):
    with np.load(path, allow_pickle=False) as f:
        return [f[k] for k in keys]


def split_shuffled(x, y, test_split, seed):
    """Keras' shuffled train/test split of the regression datasets."""
    index = np.arange(len(x))
    np.random.RandomState(seed).shuffle(index)
    x, y = x[index], y[index]
    n_train = int(len(x) * (1 - test_split))
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])


def refuse_pickled(name, alternative):
    raise NotImplementedError(
        f"skdeep.nn.datasets.{name}.load_data is not available: Keras stores {name} as Python "
        f"pickles, and loading a pickle can run arbitrary code, so skdeep never reads them "
        f"(and it never downloads). {alternative}")
