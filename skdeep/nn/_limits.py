"""Bounded, validating readers for untrusted model files.

Shared by every loader (skdeep's safe format in :mod:`skdeep.nn.saving`, and
the Keras-format readers): a file may be crafted, so

* only the zip entries a loader names are read, each with a size bound
  known *before* reading (declared sizes above it are refused; a member's
  declared size must also be plausible for its compressed size);
* only regular files are opened (never ``/dev/zero``, a FIFO or a socket),
  and a file object is read in place, not into memory;
* JSON is size- and depth-bounded (no RecursionError, no huge documents);
* ``.npy`` arrays are checked from their header (shape, dtype) against what
  the loader expects before their data is read, and their values must be
  finite and real;
* :func:`weight_guard` makes every weight a model creates while being built
  from a file's config match a shape of the file's weight manifest, before
  the initializer allocates it, so a tiny file cannot ask for gigabytes.

Every problem raises a ValueError that names the file and the entry. This
module imports nothing from skdeep.
"""
import contextlib
import contextvars
import io
import json
import os
import stat
import zipfile

import numpy as np

__all__ = [
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "SafeArchive",
    "check_json_depth",
    "check_layer_dtype",
    "check_new_weight",
    "check_weight_array",
    "loads_json",
    "npz_size_bound",
    "open_archive",
    "read_npz",
    "read_source",
    "weight_guard",
]

#: Upper bound of one JSON entry (configs, manifests, metadata).
MAX_JSON_BYTES = 64 << 20
#: Deepest JSON nesting accepted (a real config of nested models is far shallower;
#: Python's JSON parser and the config walkers would hit RecursionError near 1000).
MAX_JSON_DEPTH = 200
#: Deflate cannot expand data more than ~1032 times; a member declaring more
#: than this times its compressed size is a bomb (or a lie).
_MAX_RATIO = 1100
_SLACK = 1 << 16
#: Bytes an .npy header may take, per array.
_NPY_HEADER = 1 << 14
# A non-seekable stream (pipe, socket) has to be read into memory: up to this.
_MAX_STREAM_BYTES = 4 << 30
#: Dtype kinds a layer may compute in (float, and int/bool for inputs).
_LAYER_KINDS = "fiub"


class SafeArchive:
    """A zip archive opened for bounded reads of named entries.

    Use :func:`open_archive`; ``desc`` names the source in messages.
    """

    def __init__(self, zf, desc, physical_size):
        self.zf, self.desc, self._physical = zf, desc, physical_size
        infos = {}
        for info in zf.infolist():
            if info.filename in infos:
                raise ValueError(f"{desc} is corrupted: entry '{info.filename}' appears twice")
            infos[info.filename] = info
        self._infos = infos

    def __contains__(self, name):
        return name in self._infos and not self._infos[name].is_dir()

    def size(self, name):
        """The declared (uncompressed) size of entry ``name``."""
        return self._infos[name].file_size

    def read(self, name, limit):
        """The bytes of entry ``name``, refusing a declared size above ``limit``."""
        if name not in self:
            raise ValueError(f"{self.desc} is not a complete file: '{name}' is missing")
        info = self._infos[name]
        if info.file_size > limit:
            raise ValueError(f"{self.desc}: entry '{name}' declares {info.file_size} bytes, "
                             f"more than the {limit} its content can need; refusing to read it")
        if info.file_size > _MAX_RATIO * info.compress_size + _SLACK or \
                (self._physical is not None and info.compress_size > self._physical):
            raise ValueError(f"{self.desc} is corrupted: entry '{name}' declares "
                             f"{info.file_size} bytes from {info.compress_size} compressed")
        try:
            with self.zf.open(info) as f:
                data = _read_at_most(f, limit + 1)
        except Exception as err:  # noqa: BLE001 - any failure inside a damaged archive
            raise ValueError(f"{self.desc} is corrupted: cannot read '{name}' ({err})") from None
        if len(data) > limit:
            raise ValueError(f"{self.desc}: entry '{name}' is larger than declared")
        return data

    def read_json(self, name, limit=MAX_JSON_BYTES):
        """Entry ``name`` parsed as JSON (size and depth bounded)."""
        return loads_json(self.read(name, limit), f"{self.desc}: '{name}'")

    def close(self):
        self.zf.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _read_at_most(f, n):
    """Up to ``n`` bytes of ``f``, in chunks (``f.read(n)`` may allocate ``n`` at once)."""
    chunks, left = [], n
    while left > 0:
        chunk = f.read(min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _open_source(source):
    """(binary file object, description, physical size or None, owned)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        return io.BytesIO(data), "the given bytes", len(data), True
    if hasattr(source, "read"):
        seekable = getattr(source, "seekable", lambda: False)()
        if seekable:
            return source, "the given file object", None, False
        data = _read_at_most(source, _MAX_STREAM_BYTES + 1)
        if len(data) > _MAX_STREAM_BYTES:
            raise ValueError(f"the given stream holds more than {_MAX_STREAM_BYTES} bytes")
        return io.BytesIO(data), "the given file object", len(data), True
    try:
        path = os.fspath(source)
    except TypeError:
        raise TypeError(f"Expected a file path, file object or bytes, got "
                        f"{type(source).__name__}") from None
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such file: '{path}'")
    if os.path.isdir(path):
        raise IsADirectoryError(f"'{path}' is a directory, not a saved model file")
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise ValueError(f"'{path}' is not a regular file (a device, pipe or socket); "
                         "models are only read from regular files")
    f = open(path, "rb")  # noqa: SIM115 - closed by the archive
    st = os.fstat(f.fileno())
    if not stat.S_ISREG(st.st_mode):  # replaced between the checks
        f.close()
        raise ValueError(f"'{path}' is not a regular file")
    return f, f"'{path}'", st.st_size, True


def read_source(source, max_bytes=_MAX_STREAM_BYTES):
    """The whole content of ``source`` (path, file object or bytes) and its
    description, for readers that need it in memory (HDF5). Paths must be
    regular files; a file object is read up to ``max_bytes``."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), "the given bytes"
    f, desc, _, owned = _open_source(source)
    try:
        data = _read_at_most(f, max_bytes + 1)
    finally:
        if owned:
            f.close()
    if len(data) > max_bytes:
        raise ValueError(f"{desc} holds more than {max_bytes} bytes; refusing to read it")
    return data, desc


def open_archive(source, kind="a skdeep model or weights file", desc=None):
    """Open ``source`` (path, file object or bytes) as a :class:`SafeArchive`.

    ``kind`` says what the file should be and ``desc`` names it in messages
    (default: the path). Raises FileNotFoundError / IsADirectoryError for
    paths, and ValueError for non-regular files or anything that is not a
    readable zip archive.
    """
    f, default_desc, physical, owned = _open_source(source)
    desc = desc or default_desc
    try:
        zf = zipfile.ZipFile(f)
    except Exception as err:  # noqa: BLE001 - not a zip, truncated, damaged directory...
        if owned:
            f.close()
        raise ValueError(f"{desc} is not {kind} (not a readable zip archive: {err}); it may "
                         "be truncated, corrupted or written by another library") from None
    try:
        return SafeArchive(zf, desc, physical)
    except BaseException:
        zf.close()
        raise


def check_json_depth(obj, where, max_depth=MAX_JSON_DEPTH):
    """Raise ValueError if lists/dicts in ``obj`` nest deeper than ``max_depth``
    (iterative: safe on any depth)."""
    stack = [(obj, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            if depth > max_depth:
                raise ValueError(f"{where} nests deeper than {max_depth} levels; refusing it")
            values = item.values() if isinstance(item, dict) else item
            stack.extend((v, depth + 1) for v in values)


def loads_json(data, where, max_depth=MAX_JSON_DEPTH):
    """Parse JSON bytes, with clear errors for bad encoding, bad JSON and deep nesting."""
    try:
        obj = json.loads(data.decode("utf-8"))
    except RecursionError:
        raise ValueError(f"{where} nests too deeply; refusing it") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{where} is corrupted: not valid JSON ({err})") from None
    check_json_depth(obj, where, max_depth)
    return obj


def npz_size_bound(shapes, itemsize=8):
    """A generous upper bound of the bytes of an ``.npz`` holding ``shapes``."""
    total = 0
    for shape in shapes:
        total += int(np.prod(shape, dtype=np.float64)) * itemsize + _NPY_HEADER + 512
    return total + _SLACK


def check_weight_array(where, value, kinds="f"):
    """``value`` must be a real array of a dtype kind in ``kinds`` with finite values."""
    if value.dtype.kind not in kinds:
        raise ValueError(f"{where} has dtype {value.dtype}; expected "
                         f"{'real floating-point' if kinds == 'f' else kinds} values")
    if value.dtype.kind == "f" and not np.isfinite(value).all():
        raise ValueError(f"{where} holds NaN or infinite values")


def _npy_header(f, where):
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f, max_header_size=_NPY_HEADER)
    elif version in ((2, 0), (3, 0)):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(f, max_header_size=_NPY_HEADER)
    else:
        raise ValueError(f"{where}: unsupported .npy version {version}")
    return tuple(shape), fortran, dtype


def read_npz(data, where, expected, kinds="f", finite=True):
    """Arrays ``{key: array}`` of an ``.npz`` given as bytes.

    ``expected`` maps each key to read to its required shape (a tuple), or to
    None for any shape. Other members are never read. Each header is checked
    (shape, a dtype kind in ``kinds``, no objects) before the data is read;
    float values must be finite when ``finite``.
    """
    archive = open_archive(data, kind="an .npz archive", desc=where)
    out = {}
    with archive:
        for key, shape in expected.items():
            name = f"{key}.npy"
            entry = f"{where}, array '{key}'"
            if name not in archive:
                raise ValueError(f"{where}: array '{key}' is missing")
            size = archive.size(name)
            raw = archive.read(name, size if shape is None else
                               npz_size_bound([shape]) - _SLACK)
            f = io.BytesIO(raw)
            try:
                got, fortran, dtype = _npy_header(f, entry)
            except ValueError as err:
                raise ValueError(f"{entry}: not a valid .npy array ({err})") from None
            if dtype.hasobject or dtype.kind not in kinds or dtype.fields is not None:
                raise ValueError(f"{entry} has dtype {dtype}; expected "
                                 f"{'real floating-point' if kinds == 'f' else kinds} values")
            if shape is not None and got != tuple(shape):
                raise ValueError(f"{entry} has shape {got}, the manifest says {tuple(shape)}")
            nbytes = int(np.prod(got, dtype=np.float64)) * dtype.itemsize
            if len(raw) - f.tell() != nbytes:
                raise ValueError(f"{entry} is corrupted: {len(raw) - f.tell()} data bytes for "
                                 f"shape {got} of {dtype}")
            value = np.frombuffer(raw, dtype=dtype, offset=f.tell()).reshape(
                got, order="F" if fortran else "C").copy()
            if finite:
                check_weight_array(entry, value, kinds)
            out[key] = value
    return out


# ------------------------------------------------------------------ building under a guard
_GUARD = contextvars.ContextVar("skdeep_weight_guard", default=None)


class _Guard:
    def __init__(self, shapes, where):
        self.remaining = {}
        for shape in shapes:
            key = tuple(int(s) for s in shape)
            self.remaining[key] = self.remaining.get(key, 0) + 1
        self.where = where

    def take(self, layer_name, weight_name, shape):
        if self.remaining.get(shape, 0) <= 0:
            raise ValueError(f"{self.where}: layer '{layer_name}' would create weight "
                             f"'{weight_name}' of shape {shape}, which the file's weight "
                             "manifest does not hold; the config and the weights disagree")
        self.remaining[shape] -= 1


@contextlib.contextmanager
def weight_guard(shapes, where):
    """While active (in this thread/context), every weight created must have
    one of ``shapes`` (a multiset, each used once), checked before allocation.

    Build a model from an untrusted config inside it, with the shapes of the
    file's (already validated) weight manifest.
    """
    token = _GUARD.set(_Guard(shapes, where))
    try:
        yield
    finally:
        _GUARD.reset(token)


def check_new_weight(layer_name, weight_name, shape):
    """Called by ``Layer.add_weight`` before allocating: enforces :func:`weight_guard`."""
    guard = _GUARD.get()
    if guard is not None:
        guard.take(layer_name, weight_name, tuple(shape))


def check_layer_dtype(dtype, owner):
    """A layer's compute dtype: a numpy dtype of kind float, int or bool (never
    complex, object, strings or dates). Returns its name."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise ValueError(f"{owner}: unknown dtype {dtype!r}") from None
    if dt.kind not in _LAYER_KINDS or dt.fields is not None:
        raise ValueError(f"{owner}: dtype {dt} is not supported; layers compute in "
                         "floating-point dtypes (integer or bool for inputs)")
    return dt.name
