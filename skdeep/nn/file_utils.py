"""``get_file``: files Keras code downloads, found in Keras' cache or not at all.

skdeep never opens a network connection. ``get_file`` returns the path of a
copy already in Keras' cache folder (``~/.keras/datasets`` by default, or
``$KERAS_HOME``), so code that downloaded a file once keeps working, and
otherwise raises :class:`OfflineError` saying where to put the file.
"""
import hashlib
import os
import tarfile
import urllib.parse
import zipfile

__all__ = ["OfflineError", "get_file", "keras_home"]


class OfflineError(ConnectionError):
    """A file that Keras would download is not available locally.

    skdeep does not download anything; place the file where the message
    says, or load your data another way (NumPy, pandas, scikit-learn).
    """


def keras_home(cache_dir=None):
    """Keras' cache folder: ``cache_dir``, ``$KERAS_HOME`` or ``~/.keras``."""
    if cache_dir is not None:
        return os.path.expanduser(cache_dir)
    return os.path.expanduser(os.environ.get("KERAS_HOME", os.path.join("~", ".keras")))


def _file_hash(path, algorithm):
    digest = hashlib.sha256() if algorithm == "sha256" else hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_hash(path, file_hash, hash_algorithm):
    if file_hash is None:
        return
    algorithm = hash_algorithm
    if algorithm == "auto":
        algorithm = "sha256" if len(file_hash) == 64 else "md5"
    if _file_hash(path, algorithm) != file_hash:
        raise ValueError(f"The cached file {path} does not match the expected {algorithm} "
                         f"hash {file_hash}: it is incomplete or a different file. Replace it")


def _extract(path, target, archive_format):
    formats = ("tar", "zip") if archive_format == "auto" else \
        (archive_format,) if isinstance(archive_format, str) else tuple(archive_format)
    root = os.path.realpath(target)
    if "tar" in formats and tarfile.is_tarfile(path):
        with tarfile.open(path) as archive:
            members = archive.getmembers()
            for m in members:
                dest = os.path.realpath(os.path.join(target, m.name))
                if not (dest == root or dest.startswith(root + os.sep)) or m.issym() or m.islnk():
                    raise ValueError(f"Refusing to extract {m.name!r} from {path}: it points "
                                     "outside the target folder")
            archive.extractall(target, members=members)
        return True
    if "zip" in formats and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                dest = os.path.realpath(os.path.join(target, name))
                if not (dest == root or dest.startswith(root + os.sep)):
                    raise ValueError(f"Refusing to extract {name!r} from {path}: it points "
                                     "outside the target folder")
            archive.extractall(target)
        return True
    return False


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False):
    """Path of a file Keras would download from ``origin``, if it is cached locally.

    The arguments are ``keras.utils.get_file``'s. The file is looked up as
    ``<cache_dir>/<cache_subdir>/<fname>`` (``fname`` defaults to the last
    part of ``origin``'s URL path), checked against ``file_hash`` when given,
    and extracted next to it with ``extract=True`` (or the legacy
    ``untar=True``). Nothing is ever downloaded.

    Raises
    ------
    OfflineError
        When the file is not in the cache, or ``force_download=True``.

    Examples
    --------
    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> os.makedirs(os.path.join(folder, "datasets"))
    >>> open(os.path.join(folder, "datasets", "data.csv"), "w").close()
    >>> path = get_file(origin="https://example.com/data.csv", cache_dir=folder)
    >>> os.path.basename(path)
    'data.csv'
    """
    if origin is None:
        raise ValueError("get_file needs origin= (the URL the file comes from)")
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    datadir = _cache_base(cache_dir, cache_subdir)
    provided = fname
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(f"Cannot derive a file name from origin={origin!r}; pass fname=")
    elif os.sep in str(fname):
        raise ValueError(f"fname must be a file name, not a path (got {fname!r}); give the "
                         "folder as cache_dir=")
    fname = str(fname)
    extraction_dir = None
    if extract or untar:
        # Keras' layout: 'a.tar.gz' is extracted into 'a_extracted'; a name
        # without a suffix is the folder and its archive is '<name>_archive'
        if provided and "." in fname:
            target = os.path.join(datadir, fname)
            extraction_dir = os.path.join(datadir, fname[:fname.find(".")] + "_extracted")
        else:
            extraction_dir = os.path.join(datadir, fname)
            target = os.path.join(datadir, fname + "_archive")
    else:
        target = os.path.join(datadir, fname)
    if force_download or not os.path.exists(target):
        reason = "force_download=True was given, but" if force_download else \
            f"{fname!r} is not in the cache folder {datadir}, and"
        raise OfflineError(
            f"{reason} skdeep does not download files. Download {origin} yourself and save "
            f"it as {target}, or load your data with NumPy, pandas or sklearn.datasets")
    _check_hash(target, file_hash, hash_algorithm)
    if extraction_dir is None:
        return target
    if not os.path.isdir(extraction_dir):
        os.makedirs(extraction_dir, exist_ok=True)
        if not _extract(target, extraction_dir, archive_format):
            raise ValueError(f"{target} is not a {archive_format} archive; pass extract=False")
    return extraction_dir


def _cache_base(cache_dir_arg, cache_subdir):
    base = keras_home(cache_dir_arg)
    return os.path.join(base, cache_subdir) if cache_subdir else base
