"""Images from files: ``load_img``, ``img_to_array``, ``array_to_img``, ``save_img``
and ``image_dataset_from_directory`` (``keras.utils``), through Pillow (the
``image`` extra: ``pip install "scikit-deep[image]"``).

Arrays are channels-last ``(height, width, channels)`` float32 in [0, 255],
as Keras gives them.
"""
import os

import numpy as np

from .py_dataset import PyDataset

__all__ = [
    "ImageDirectoryDataset",
    "array_to_img",
    "image_dataset_from_directory",
    "img_to_array",
    "load_img",
    "save_img",
]

_IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_MODES = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}


def _pil():
    try:
        from PIL import Image
    except ImportError as err:
        raise ImportError("Image files need Pillow: pip install Pillow (or the 'image' extra "
                          "of scikit-deep)") from err
    return Image


def _resample(name):
    Image = _pil()
    table = {"nearest": Image.NEAREST, "bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC,
             "lanczos": Image.LANCZOS, "box": Image.BOX, "hamming": Image.HAMMING}
    if name not in table:
        raise ValueError(f"interpolation must be one of {sorted(table)}, got {name!r}")
    return table[name]


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """Load an image file as a PIL image (``keras.utils.load_img``).

    Parameters
    ----------
    path : str, os.PathLike or file object
    color_mode : {'rgb', 'grayscale', 'rgba'}, default 'rgb'
    target_size : (height, width), optional
        Resize to this size.
    interpolation : str, default 'nearest'
        'nearest', 'bilinear', 'bicubic', 'lanczos', 'box' or 'hamming'.
    keep_aspect_ratio : bool, default False
        Crop the centre to the target's aspect ratio before resizing.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skdeep.nn.utils import array_to_img, img_to_array, load_img
    >>> path = os.path.join(tempfile.mkdtemp(), "dog.png")
    >>> array_to_img(np.zeros((4, 6, 3))).save(path)
    >>> img_to_array(load_img(path, target_size=(2, 3))).shape
    (2, 3, 3)
    """
    Image = _pil()
    if color_mode not in _MODES:
        raise ValueError(f"color_mode must be 'rgb', 'grayscale' or 'rgba', got {color_mode!r}")
    if isinstance(path, (str, os.PathLike)) and not os.path.isfile(path):
        raise FileNotFoundError(f"No such image file: '{os.fspath(path)}'")
    try:
        img = Image.open(path)
        img.load()
    except Exception as err:  # noqa: BLE001 - any decoding failure is a bad image file
        raise ValueError(f"Cannot read an image from {path!r}: {err}") from None
    if img.mode != _MODES[color_mode]:
        img = img.convert(_MODES[color_mode])
    if target_size is not None:
        height, width = (int(s) for s in target_size)
        if keep_aspect_ratio:
            w, h = img.size
            crop_w, crop_h = min(w, int(h * width / height)), min(h, int(w * height / width))
            left, top = (w - crop_w) // 2, (h - crop_h) // 2
            img = img.crop((left, top, left + crop_w, top + crop_h))
        if img.size != (width, height):
            img = img.resize((width, height), _resample(interpolation))
    return img


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image as a float32 array ``(height, width, channels)``."""
    x = np.asarray(img, dtype=dtype or "float32")
    if x.ndim == 2:
        x = x[:, :, None]
    if x.ndim != 3:
        raise ValueError(f"Unsupported image shape {x.shape}")
    return np.transpose(x, (2, 0, 1)) if data_format == "channels_first" else x


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """An array ``(height, width, 1|3|4)`` as a PIL image; ``scale`` maps its range
    to [0, 255] as Keras does."""
    Image = _pil()
    x = np.asarray(x, dtype=dtype or "float32")
    if x.ndim != 3:
        raise ValueError(f"Expected an image array of rank 3 (height, width, channels), got "
                         f"shape {x.shape}")
    if data_format == "channels_first":
        x = np.transpose(x, (1, 2, 0))
    if scale:
        x = x - x.min()
        top = x.max()
        if top != 0:
            x = x / top
        x = x * 255
    channels = x.shape[2]
    modes = {1: "L", 3: "RGB", 4: "RGBA"}
    if channels not in modes:
        raise ValueError(f"Unsupported number of channels {channels} (1, 3 or 4)")
    data = np.clip(x, 0, 255).astype("uint8")
    return Image.fromarray(data[:, :, 0] if channels == 1 else data, modes[channels])


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Save an image array to a file (the format from ``file_format`` or the name)."""
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and (file_format == "jpeg" or str(path).lower().endswith(
            (".jpg", ".jpeg"))):
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


class ImageDirectoryDataset(PyDataset):
    """Batches of ``(images, labels)`` read from files on demand (a ``Sequence``).

    Made by :func:`image_dataset_from_directory`; ``class_names`` and
    ``file_paths`` are as in Keras. ``fit``/``evaluate``/``predict`` take it as
    ``x``; :meth:`as_arrays` loads everything at once.
    """

    def __init__(self, paths, labels, class_names, label_mode, batch_size, load, shuffle, seed):
        super().__init__()
        self.file_paths = list(paths)
        self._labels = labels
        self.class_names = class_names
        self.label_mode = label_mode
        self.batch_size = batch_size
        self._load = load
        self._shuffle = shuffle
        self._rng = np.random.default_rng(seed)
        self._order = np.arange(len(self.file_paths))
        if shuffle:
            self._rng.shuffle(self._order)

    def __len__(self):
        return int(np.ceil(len(self.file_paths) / self.batch_size))

    def _batch(self, index):
        x = np.stack([self._load(self.file_paths[i]) for i in index])
        if self._labels is None:
            return (x,)
        return x, self._encode(self._labels[index])

    def _encode(self, labels):
        if self.label_mode == "int":
            return labels.astype("int32")
        if self.label_mode == "binary":
            return labels.astype("float32")[:, None]
        out = np.zeros((len(labels), len(self.class_names)), "float32")
        out[np.arange(len(labels)), labels] = 1.0
        return out

    def __getitem__(self, idx):
        if not 0 <= idx < len(self):
            raise IndexError(f"batch index {idx} out of range for {len(self)} batches")
        return self._batch(self._order[idx * self.batch_size:(idx + 1) * self.batch_size])

    def on_epoch_end(self):
        if self._shuffle:
            self._rng.shuffle(self._order)

    def as_arrays(self):
        """``(x, y)`` (or ``x`` without labels) for every file, in the dataset's order."""
        out = self._batch(self._order)
        return out if len(out) > 1 else out[0]


def _listing(directory, labels, class_names, follow_links):
    if labels == "inferred":
        found = sorted(d for d in os.listdir(directory)
                       if os.path.isdir(os.path.join(directory, d)))
        if class_names is not None:
            if sorted(class_names) != found and set(class_names) != set(found):
                raise ValueError(f"class_names {class_names} do not match the subfolders of "
                                 f"'{directory}': {found}")
            found = list(class_names)
        paths, y = [], []
        for k, name in enumerate(found):
            for root, _, files in sorted(os.walk(os.path.join(directory, name),
                                                 followlinks=follow_links)):
                for f in sorted(files):
                    if f.lower().endswith(_IMAGE_EXTENSIONS):
                        paths.append(os.path.join(root, f))
                        y.append(k)
        return paths, np.asarray(y, dtype=np.int64), found
    paths = []
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links)):
        paths += [os.path.join(root, f) for f in sorted(files)
                  if f.lower().endswith(_IMAGE_EXTENSIONS)]
    if labels is None:
        return paths, None, None
    y = np.asarray(labels)
    if len(y) != len(paths):
        raise ValueError(f"labels has {len(y)} entries but '{directory}' holds {len(paths)} "
                         "images (sorted by path, as Keras lists them)")
    return paths, y.astype(np.int64), class_names


def image_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, color_mode="rgb", batch_size=32,
                                 image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False,
                                 data_format=None, verbose=True):
    """Images in class subfolders -> a dataset (``keras.utils.image_dataset_from_directory``).

    Keras returns a ``tf.data.Dataset``; skdeep returns a
    :class:`ImageDirectoryDataset` (a ``Sequence`` of ``(images, labels)``
    batches read on demand, with ``class_names``), or with ``batch_size=None``
    the arrays ``(images, labels)`` themselves. ``subset='both'`` gives the
    training and validation parts. Images are float32 in [0, 255].

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skdeep.nn.utils import image_dataset_from_directory, save_img
    >>> root = tempfile.mkdtemp()
    >>> for label in ("cat", "dog"):
    ...     os.makedirs(os.path.join(root, label))
    ...     save_img(os.path.join(root, label, "a.png"), np.ones((5, 5, 3)) * 9)
    >>> x, y = image_dataset_from_directory(root, image_size=(4, 4), batch_size=None,
    ...                                     shuffle=False, verbose=False)
    >>> x.shape, y.tolist()
    ((2, 4, 4, 3), [0, 1])
    """
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"No such directory: '{os.fspath(directory)}'")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(f"label_mode must be 'int', 'categorical', 'binary' or None, got "
                         f"{label_mode!r}")
    if subset not in (None, "training", "validation", "both"):
        raise ValueError(f"subset must be 'training', 'validation', 'both' or None, got "
                         f"{subset!r}")
    if (subset is None) != (validation_split is None):
        raise ValueError("validation_split and subset must be given together")
    paths, y, names = _listing(directory, labels, class_names, follow_links)
    if not paths:
        raise ValueError(f"No images found in '{directory}' (extensions {_IMAGE_EXTENSIONS})")
    if label_mode is None:
        y = None
    if label_mode == "binary" and names is not None and len(names) != 2:
        raise ValueError(f"label_mode='binary' needs exactly 2 classes, found {len(names)}")
    if verbose:
        print(f"Found {len(paths)} files" + (f" belonging to {len(names)} classes."
                                             if names else "."))
    order = np.arange(len(paths))
    if shuffle or validation_split:
        # one seeded shuffle before the split, so the two subsets never overlap
        np.random.default_rng(seed if seed is not None else 1337).shuffle(order)
    size = tuple(int(s) for s in image_size)

    def load(path):
        img = load_img(path, color_mode, size, interpolation, crop_to_aspect_ratio)
        return img_to_array(img, data_format)

    def make(index):
        sub_y = None if y is None else y[index]
        ds = ImageDirectoryDataset([paths[i] for i in index], sub_y, names, label_mode,
                                   batch_size or max(len(index), 1), load, shuffle, seed)
        return ds.as_arrays() if batch_size is None else ds

    if validation_split is None:
        return make(order)
    n_val = int(validation_split * len(paths))
    train, val = order[:len(paths) - n_val], order[len(paths) - n_val:]
    if subset == "both":
        return make(train), make(val)
    return make(train if subset == "training" else val)
