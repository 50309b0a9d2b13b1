"""Default names of layers and models (``dense``, ``dense_1``...), as Keras gives them.

``backend.clear_session()`` resets them.
"""
import itertools
import re
import threading

_NAME_COUNTERS = {}
#: Held while a layer or model builds (weights, graph nodes, default names):
#: the first call of an unbuilt model from several threads must build it
#: once. Re-entrant, because building a model builds its layers. One lock for
#: all, since layers may be shared between models; builds are short and rare.
BUILD_LOCK = threading.RLock()


def _snake(name):
    """Keras' snake-case conversion of a class name (``Conv2D`` -> ``conv2d``,
    ``MaxPooling2D`` -> ``max_pooling2d``), so default names match Keras'."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


_USED_NAMES = set()


def unique_name(prefix):
    """``prefix``, then ``prefix_1``, ``prefix_2``... skipping names already taken."""
    with BUILD_LOCK:
        counter = _NAME_COUNTERS.setdefault(prefix, itertools.count())
        while True:
            n = next(counter)
            name = prefix if n == 0 else f"{prefix}_{n}"
            if name not in _USED_NAMES:
                _USED_NAMES.add(name)
                return name
