"""The one-time "compiling kernels" note of a first ``fit`` on an empty Numba cache.

Looking for the cache index files of a few kernel modules costs a few
``stat`` calls; compiling them costs seconds, which a user otherwise sees
as an unexplained pause before the first epoch. Only an empty cache (no
up-to-date entry of any of those modules) counts: a warm cache that lacks
one kernel compiles it in a moment.
"""
import os
import sys

_NOTED = [False]
_MESSAGE = "Compiling kernels (first run only: Numba caches them for the next runs)…"


def _module_cache_is_cold(module):
    from numba.core.registry import CPUDispatcher

    dispatchers = [v for v in vars(module).values() if isinstance(v, CPUDispatcher)]
    if not dispatchers or dispatchers[0]._cache is None:
        return False
    cache = dispatchers[0]._cache
    folder = cache._cache_path
    source_mtime = os.path.getmtime(module.__file__)
    stem = os.path.splitext(os.path.basename(module.__file__))[0] + "."
    try:
        names = os.listdir(folder)
    except OSError:
        return True
    return not any(n.startswith(stem) and n.endswith(".nbi") and
                   os.path.getmtime(os.path.join(folder, n)) >= source_mtime for n in names)


def cache_is_cold():
    """Whether Numba's cache holds no up-to-date kernel of skdeep's main families
    (a fresh install or upgrade, or an empty ``NUMBA_CACHE_DIR``)."""
    from .kernels import activations, losses, optim

    try:
        return all(_module_cache_is_cold(m) for m in (activations, losses, optim))
    except (OSError, AttributeError):  # numba internals moved: no note rather than a crash
        return False


def note_first_compilation(file=None):
    """Print the note once per process, if the kernel cache is cold."""
    if _NOTED[0]:
        return
    _NOTED[0] = True
    from . import config

    if config.is_interactive_logging_enabled() and cache_is_cold():
        print(_MESSAGE, file=file or sys.stdout, flush=True)
