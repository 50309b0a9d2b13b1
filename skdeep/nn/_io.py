"""File writing shared by saving, callbacks and the file-format modules.

This module imports nothing from skdeep, so that any module may use it
without an import cycle (callbacks -> saving -> model -> callbacks was one).

Every write goes to a temporary file in the target's directory and is moved
into place with ``os.replace``, so an interrupted save leaves the old file
intact. Temporary files are named ``.<target name>.<pid>-<random>.skdeep-tmp``;
a process killed while saving leaves one behind, and the next successful save
of the same target removes those whose process is gone.
"""
import os
import re
import secrets
import threading
import time

__all__ = ["TMP_SUFFIX", "atomic_write", "stale_temp_files", "write_bytes"]

TMP_SUFFIX = ".skdeep-tmp"
# On systems where a process cannot be probed (Windows), temp files older
# than this are considered abandoned.
_STALE_AGE_S = 24 * 3600
_in_flight = set()  # temp paths this process is writing now
_in_flight_lock = threading.Lock()


def _target(path):
    """The file a save to ``path`` must write: through symlinks, to their target
    (replacing the link itself would silently detach it)."""
    return os.path.realpath(os.fspath(path))


def _temp_pattern(basename):
    return re.compile(r"\." + re.escape(basename) + r"\.(\d+)-[0-9a-f]+" + re.escape(TMP_SUFFIX)
                      + r"\Z")


def _process_alive(pid):
    if os.name == "nt":
        return None  # unknown: os.kill(pid, 0) would send CTRL_C_EVENT there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. PermissionError: it exists, owned by someone else
        return True
    return True


def stale_temp_files(path):
    """Temporary files left next to ``path`` by saves that were killed.

    A temp file is stale when the process that wrote it no longer runs (or,
    where processes cannot be probed, when it is older than a day). Files
    being written by a running save, in this process or another, are never
    listed.
    """
    target = _target(path)
    directory, base = os.path.split(target)
    pattern = _temp_pattern(base)
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    me = os.getpid()
    stale = []
    for name in names:
        match = pattern.match(name)
        if match is None:
            continue
        full = os.path.join(directory, name)
        pid = int(match.group(1))
        if pid == me:
            with _in_flight_lock:
                if full in _in_flight:
                    continue
            stale.append(full)
            continue
        alive = _process_alive(pid)
        if alive is None:
            try:
                alive = time.time() - os.stat(full).st_mtime < _STALE_AGE_S
            except OSError:
                continue
        if not alive:
            stale.append(full)
    return stale


def _unlink_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def atomic_write(path, write):
    """Call ``write(file)`` on a temporary file next to ``path``, then move it
    onto ``path``.

    On any error (KeyboardInterrupt included) the temporary file is removed
    and ``path`` is left as it was. A symlink at ``path`` is followed: its
    target is replaced and the link kept. After a successful write, stale
    temporary files of the same target (left by killed saves) are removed.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "notes.txt")
    >>> atomic_write(path, lambda f: f.write(b"hello"))
    >>> open(path, "rb").read()
    b'hello'
    """
    target = _target(path)
    directory, base = os.path.split(target)
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".{base}.{os.getpid()}-{secrets.token_hex(6)}{TMP_SUFFIX}")
    with _in_flight_lock:
        _in_flight.add(tmp)
    try:
        # os.open (not mkstemp, which makes 0600 files) lets the umask set the mode
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o666)
        try:
            with os.fdopen(fd, "wb") as f:
                write(f)
                f.flush()
                os.fsync(f.fileno())
            if os.path.exists(target):
                os.chmod(tmp, os.stat(target).st_mode & 0o7777)
            os.replace(tmp, target)
        except BaseException:
            _unlink_quietly(tmp)
            raise
    finally:
        with _in_flight_lock:
            _in_flight.discard(tmp)
    for stale in stale_temp_files(target):
        _unlink_quietly(stale)


def write_bytes(filepath, data, overwrite=True):
    """Write ``data`` to a path (atomically, see :func:`atomic_write`) or to a
    writable binary file object.

    Raises IsADirectoryError for a directory and FileExistsError for an
    existing file when ``overwrite`` is False.
    """
    if hasattr(filepath, "write"):
        filepath.write(data)
        return
    path = os.fspath(filepath)
    if os.path.isdir(path):
        raise IsADirectoryError(f"'{path}' is a directory; give a file path such as "
                                "'model.keras'")
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"'{path}' exists; pass overwrite=True to replace it")
    atomic_write(path, lambda f: f.write(data))
