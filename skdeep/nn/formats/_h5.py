"""Reading HDF5 from untrusted files: only plain groups and numeric datasets.

Soft and external links, external storage and virtual datasets would make
h5py read other files of the machine; they are refused, as in Keras. Array
sizes are checked against a limit before anything is read, so a small file
cannot make the reader allocate without bound.
"""
import io
import os

import numpy as np

__all__ = [
    "HDF5_MAGIC",
    "ZIP_MAGIC",
    "attr_strings",
    "attr_text",
    "dataset",
    "dataset_shapes",
    "group",
    "limits",
    "open_h5",
    "sniff",
]

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
ZIP_MAGIC = b"PK\x03\x04"


def limits():
    """(max bytes of one array, max bytes of one JSON text) for loading.

    4 GiB and 64 MiB by default; both can be lowered with the environment
    variables ``SKDEEP_MAX_ARRAY_BYTES`` and ``SKDEEP_MAX_JSON_BYTES``.
    """
    array = int(os.environ.get("SKDEEP_MAX_ARRAY_BYTES", 4 << 30))
    text = int(os.environ.get("SKDEEP_MAX_JSON_BYTES", 64 << 20))
    return array, text


def sniff(data):
    """'zip', 'hdf5' or None from the first bytes of a file."""
    head = bytes(data[:8])
    if head.startswith((ZIP_MAGIC, b"PK\x05\x06")):
        return "zip"
    if head == HDF5_MAGIC:
        return "hdf5"
    return None


def _h5py():
    try:
        import h5py
    except ImportError as err:  # pragma: no cover - h5py is a dependency
        raise ImportError("Reading and writing Keras files needs h5py: pip install h5py") \
            from err
    return h5py


def open_h5(data, desc):
    """An h5py File over ``data`` (bytes) opened read-only."""
    h5py = _h5py()
    try:
        return h5py.File(io.BytesIO(data), "r")
    except Exception as err:  # any failure to parse means a damaged or foreign file  # noqa: BLE001
        raise ValueError(f"{desc} is not a readable HDF5 file ({err})") from None


def _check_link(parent, name, desc):
    h5py = _h5py()
    link = parent.get(name, default=None, getlink=True)
    if link is None:
        raise KeyError(name)
    if not isinstance(link, h5py.HardLink):
        raise ValueError(f"{desc}: refusing the {type(link).__name__} '{name}' (links can "  # noqa: TRY004
                         "point to other files)")


def group(parent, path, desc):
    """The group at ``path`` below ``parent``; KeyError if absent."""
    h5py = _h5py()
    current = parent
    for part in path.split("/"):
        if not part:
            continue
        _check_link(current, part, desc)
        current = current[part]
        if not isinstance(current, h5py.Group):
            raise ValueError(f"{desc}: '{path}' is not a group")  # noqa: TRY004
    return current


def dataset(parent, name, desc):
    """The array stored at ``parent[name]``, checked and read into memory."""
    h5py = _h5py()
    if "/" in name:
        head, name = name.rsplit("/", 1)
        parent = group(parent, head, desc)
    _check_link(parent, name, desc)
    ds = parent[name]
    if not isinstance(ds, h5py.Dataset):
        raise ValueError(f"{desc}: '{name}' is not a dataset")  # noqa: TRY004
    if ds.external or ds.is_virtual:
        raise ValueError(f"{desc}: refusing dataset '{name}' stored outside the file")
    if ds.dtype.kind not in "biuf":
        raise ValueError(f"{desc}: dataset '{name}' has dtype {ds.dtype}, not numbers")
    max_array, _ = limits()
    nbytes = int(np.prod(ds.shape, dtype=np.int64)) * ds.dtype.itemsize
    if nbytes > max_array:
        raise ValueError(f"{desc}: dataset '{name}' would take {nbytes} bytes, above the limit "
                         f"of {max_array} (SKDEEP_MAX_ARRAY_BYTES)")
    return np.asarray(ds[()])


def attr_text(obj, key, desc):
    """A string attribute, or None."""
    if key not in obj.attrs:
        return None
    value = obj.attrs[key]
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    if not isinstance(value, str):
        raise ValueError(f"{desc}: attribute '{key}' is not text")  # noqa: TRY004
    _, max_text = limits()
    if len(value) > max_text:
        raise ValueError(f"{desc}: attribute '{key}' is larger than the limit of {max_text} "
                         "bytes (SKDEEP_MAX_JSON_BYTES)")
    return value


def attr_strings(obj, key, desc):
    """A list-of-strings attribute (Keras' ``layer_names``, ``weight_names``)."""
    if key not in obj.attrs:
        return None
    value = obj.attrs[key]
    if isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.size == 0:
        return []  # h5py writes an empty list as an empty float array
    out = []
    for item in np.atleast_1d(value):
        if isinstance(item, bytes):
            item = item.decode("utf-8")
        if not isinstance(item, str):
            raise ValueError(f"{desc}: attribute '{key}' holds {type(item).__name__}, not text")  # noqa: TRY004
        out.append(item)
    return out


def dataset_shapes(parent, desc, skip=()):
    """The shapes of every dataset below ``parent`` (read from metadata only; groups
    named in ``skip`` at the top level are left out), for :func:`weight_guard`."""
    h5py = _h5py()
    shapes = []

    def walk(group, depth):
        if depth > 64:
            raise ValueError(f"{desc}: groups nest too deeply")
        for name in group:
            if depth == 0 and name in skip:
                continue
            _check_link(group, name, desc)
            item = group[name]
            if isinstance(item, h5py.Group):
                walk(item, depth + 1)
            elif isinstance(item, h5py.Dataset):
                shapes.append(tuple(item.shape))

    walk(parent, 0)
    return shapes
