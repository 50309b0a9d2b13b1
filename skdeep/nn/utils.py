"""``keras.utils``: ``to_categorical``, ``set_random_seed``, ``PyDataset`` /
``Sequence``, ``split_dataset``, ``pad_sequences``, ``normalize``,
``get_file`` (offline), the batch packing helpers, ``get_source_inputs``,
and the object registry and logging switches Keras also lists here."""
import numpy as np

from ..text.sequence import pad_sequences
from .backend import clear_session, set_random_seed, standardize_dtype
from .config import (
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)
from .dataset_utils import (
    normalize,
    pack_x_y_sample_weight,
    split_dataset,
    unpack_x_y_sample_weight,
)
from .file_utils import OfflineError, get_file
from .image_utils import (
    array_to_img,
    image_dataset_from_directory,
    img_to_array,
    load_img,
    save_img,
)
from .layers.base import is_keras_tensor
from .object_registry import (
    CustomObjectScope,
    custom_object_scope,
    deserialize_keras_object,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    serialize_keras_object,
)
from .plotting import model_to_dot, plot_history, plot_model
from .progbar import Progbar
from .py_dataset import PyDataset, Sequence
from .timeseries import timeseries_dataset_from_array

__all__ = ["to_categorical", "set_random_seed", "PyDataset", "Sequence", "split_dataset",
           "pad_sequences", "normalize", "get_file", "OfflineError", "pack_x_y_sample_weight",
           "unpack_x_y_sample_weight", "clear_session", "is_keras_tensor", "Progbar",
           "get_source_inputs", "standardize_dtype", "disable_interactive_logging",
           "enable_interactive_logging", "is_interactive_logging_enabled", "CustomObjectScope",
           "custom_object_scope", "deserialize_keras_object", "get_custom_objects",
           "get_registered_name", "get_registered_object", "register_keras_serializable",
           "serialize_keras_object"]
__all__ += ["load_img", "img_to_array", "array_to_img", "save_img",
            "image_dataset_from_directory", "plot_model", "model_to_dot", "plot_history",
            "timeseries_dataset_from_array"]


def get_source_inputs(tensor):
    """The ``Input`` tensors that ``tensor`` is computed from, in first-use order.

    Examples
    --------
    >>> from skdeep.nn import Input
    >>> from skdeep.nn.layers import Add, Dense
    >>> a, b = Input(shape=(2,)), Input(shape=(2,))
    >>> out = Dense(1)(Add()([a, b]))
    >>> [t is a for t in get_source_inputs(out)], [t is b for t in get_source_inputs(out)]
    ([True, False], [False, True])
    """
    from .layers.base import InputLayer, KTensor

    if not isinstance(tensor, KTensor):
        raise TypeError(f"get_source_inputs expects a symbolic tensor, got "
                        f"{type(tensor).__name__}")
    found, seen, stack = [], set(), [tensor]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        node = t.node
        if node is None or isinstance(node.layer, InputLayer) or not node.inputs:
            found.append(t)
        else:
            stack.extend(reversed(node.inputs))
    return found


def to_categorical(x, num_classes=None):
    """One-hot encode integer class labels (``keras.utils.to_categorical``).

    Examples
    --------
    >>> to_categorical([0, 2, 1]).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    """
    x = np.asarray(x)
    if x.size and not np.issubdtype(x.dtype, np.integer):
        if not np.issubdtype(x.dtype, np.number) or np.any(np.mod(x, 1) != 0):
            raise ValueError("to_categorical needs integer class labels")
    x = x.astype(np.int64)
    shape = x.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    x = x.reshape(-1)
    if x.size and x.min() < 0:
        raise ValueError("to_categorical needs non-negative class labels")
    if num_classes is None:
        num_classes = int(x.max()) + 1 if x.size else 0
    elif x.size and x.max() >= num_classes:
        raise ValueError(f"Label {x.max()} is out of range for num_classes={num_classes}")
    out = np.zeros((x.size, num_classes), dtype="float32")
    out[np.arange(x.size), x] = 1.0
    return out.reshape(shape + (num_classes,))
