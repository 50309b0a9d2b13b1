"""``keras.config``: the global settings Keras code reads."""
from .backend import (
    backend,
    epsilon,
    floatx,
    image_data_format,
    set_floatx,
    set_image_data_format,
)

__all__ = ["backend", "epsilon", "floatx", "image_data_format", "set_floatx",
           "set_image_data_format", "enable_unsafe_deserialization",
           "disable_interactive_logging", "enable_interactive_logging",
           "is_interactive_logging_enabled"]

_INTERACTIVE = [True]


def enable_unsafe_deserialization():
    """Refused: skdeep never runs code from a file, so there is nothing to unlock
    (Keras needs this to load ``Lambda`` layers holding Python bytecode)."""
    raise NotImplementedError("skdeep never deserializes code (Lambda bytecode, pickles); "
                              "register custom classes with "
                              "skdeep.nn.saving.register_keras_serializable instead")


def disable_interactive_logging():
    """Silence the progress output of ``fit``/``evaluate``/``predict``."""
    _INTERACTIVE[0] = False


def enable_interactive_logging():
    """Turn the progress output back on."""
    _INTERACTIVE[0] = True


def is_interactive_logging_enabled():
    """Whether progress output is printed (see :func:`disable_interactive_logging`)."""
    return _INTERACTIVE[0]
