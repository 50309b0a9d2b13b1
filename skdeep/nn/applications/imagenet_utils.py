"""``keras.applications.imagenet_utils``: input preprocessing, decoding of
ImageNet predictions, and where pretrained weight files are looked for.

Nothing is downloaded: ``weights='imagenet'`` looks for Keras' own weight
file in the Keras cache folder (``$KERAS_HOME/models``, by default
``~/.keras/models``, where Keras itself stores the files it downloads) and
otherwise raises an error that names the file and the folder.
"""
import json
import os
from importlib import resources

import numpy as np

__all__ = ["cache_dir", "decode_predictions", "preprocess_input", "weights_path"]

_CAFFE_MEAN = np.array([103.939, 116.779, 123.68])
_TORCH_MEAN = np.array([0.485, 0.456, 0.406])
_TORCH_STD = np.array([0.229, 0.224, 0.225])
_CLASS_INDEX = []


def preprocess_input(x, data_format=None, mode="caffe"):
    """Scale a batch of RGB images (0-255) the way a pretrained model expects.

    Parameters
    ----------
    x : array-like
        Images, ``(..., height, width, 3)`` channels last (or channels first
        with ``data_format='channels_first'``), values in [0, 255].
    data_format : {'channels_last', 'channels_first'}, optional
        Default ``'channels_last'``.
    mode : {'caffe', 'tf', 'torch'}, default 'caffe'
        ``'caffe'``: RGB to BGR, then the ImageNet channel means subtracted
        (ResNet50, VGG16). ``'tf'``: scaled to [-1, 1] (MobileNetV2).
        ``'torch'``: scaled to [0, 1], then normalised by the ImageNet
        channel means and standard deviations.

    Returns
    -------
    ndarray
        A new float array (Keras modifies a float input in place; skdeep
        never changes the caller's array).

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.applications import imagenet_utils
    >>> imagenet_utils.preprocess_input(np.full((1, 1, 1, 3), 255.0), mode="tf").ravel()
    array([1., 1., 1.])
    """
    if mode not in ("caffe", "tf", "torch"):
        raise ValueError(f"mode must be 'caffe', 'tf' or 'torch', got {mode!r}")
    data_format = data_format or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first', got "
                         f"{data_format!r}")
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        from .. import backend

        x = x.astype(backend.floatx())
    else:
        x = x.copy()
    axis = -1 if data_format == "channels_last" else (-3 if x.ndim >= 3 else 0)
    if x.shape[axis] != 3:
        raise ValueError(f"preprocess_input expects 3 colour channels on axis {axis} "
                         f"({data_format}), got shape {x.shape}")
    shape = [1] * x.ndim
    shape[axis] = 3
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    if mode == "torch":
        x /= 255.0
        x -= _TORCH_MEAN.reshape(shape).astype(x.dtype)
        x /= _TORCH_STD.reshape(shape).astype(x.dtype)
        return x
    x = np.flip(x, axis=axis).copy()  # RGB -> BGR
    x -= _CAFFE_MEAN.reshape(shape).astype(x.dtype)
    return x


def _class_index():
    if not _CLASS_INDEX:
        text = resources.files(__package__).joinpath("imagenet_class_index.json").read_text()
        table = json.loads(text)
        _CLASS_INDEX.extend(tuple(table[str(i)]) for i in range(len(table)))
    return _CLASS_INDEX


def decode_predictions(preds, top=5):
    """The ``top`` ImageNet classes of each prediction row.

    Parameters
    ----------
    preds : array-like of shape (n_samples, 1000)
        Class probabilities (or scores) from an ImageNet classifier.
    top : int, default 5

    Returns
    -------
    list of lists of (class_id, class_name, score)
        One list per sample, best first, as Keras returns them; class ids are
        WordNet synsets (``'n01440764'``) and names Keras' short names
        (``'tench'``).

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.applications import imagenet_utils
    >>> p = np.zeros((1, 1000)); p[0, 1] = 0.9
    >>> imagenet_utils.decode_predictions(p, top=1)[0][0][:2]
    ('n01443537', 'goldfish')
    """
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError("decode_predictions expects a batch of predictions (a 2D array of "
                         f"shape (samples, 1000)); got shape {preds.shape}")
    top = int(top)
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    index = _class_index()
    results = []
    for row in preds:
        best = np.argsort(row, kind="stable")[::-1][:top]
        results.append([index[i] + (row[i],) for i in best])
    return results


def cache_dir():
    """The folder where ``weights='imagenet'`` looks for Keras' weight files."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(home, "models")


def weights_path(file_name, model_name):
    """The path of Keras' pretrained weight file ``file_name`` in :func:`cache_dir`.

    Raises FileNotFoundError naming the file and the folder when it is not
    there: skdeep never downloads.
    """
    path = os.path.join(cache_dir(), file_name)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"{model_name}(weights='imagenet') needs Keras' weight file '{file_name}' in "
            f"{cache_dir()} (set KERAS_HOME to use another folder). skdeep downloads nothing: "
            "copy the file there from a machine where Keras downloaded it (Keras keeps it in "
            "~/.keras/models), or pass weights='/path/to/the/file.h5'.")
    return path


def check_arguments(model_name, weights, include_top, classes, input_shape, default_size,
                    min_size=32):
    """Validate the common arguments of an application; returns the input shape."""
    if not (weights in ("imagenet", None) or (isinstance(weights, (str, os.PathLike))
                                               and os.path.exists(weights))):
        raise ValueError("The `weights` argument should be either None (random "
                         "initialization), 'imagenet' (pre-training on ImageNet), or the path "
                         f"to the weights file to be loaded; received weights={weights!r}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError("If using weights='imagenet' with include_top=True, classes should "
                         f"be 1000; received classes={classes}")
    default = (default_size, default_size, 3)
    if input_shape is None:
        return default
    input_shape = tuple(None if d is None else int(d) for d in input_shape)
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels); got {input_shape}")
    if weights == "imagenet" and include_top and input_shape != default:
        raise ValueError(f"When setting include_top=True and loading 'imagenet' weights, "
                         f"input_shape should be {default}; received {input_shape}")
    if weights == "imagenet" and input_shape[-1] != 3:
        raise ValueError(f"The input must have 3 channels; received input_shape={input_shape}")
    for d in input_shape[:2]:
        if d is not None and d < min_size:
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; received "
                             f"input_shape={input_shape}")
    if include_top and None in input_shape:
        raise ValueError("If include_top is True, input_shape must be fully defined; received "
                         f"{input_shape}")
    return input_shape


def validate_activation(classifier_activation, weights):
    """Pretrained weights need the softmax (or no activation: logits) on top."""
    if weights is None:
        return
    if classifier_activation not in ("softmax", None):
        raise ValueError("Only None and 'softmax' are supported as classifier_activation when "
                         f"loading pretrained weights; received {classifier_activation!r}")


def finish(model, weights, include_top, file_names, model_name):
    """Load the weights asked for into ``model`` and return it."""
    if weights == "imagenet":
        model.load_weights(weights_path(file_names[0 if include_top else 1], model_name))
    elif weights is not None:
        model.load_weights(weights)
    return model
