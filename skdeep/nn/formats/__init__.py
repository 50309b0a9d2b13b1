"""Keras' file formats, read and written in Keras' own layouts.

======================  ==========================================  ===============
name                    content                                     module
======================  ==========================================  ===============
``*.keras``             Keras 3 zip: config.json, metadata.json,    :mod:`.keras_v3`
                        model.weights.h5
``*.weights.h5``        Keras 3 weights (``layers/dense/vars/0``)   :mod:`.weights_h5`
``*.h5``, ``*.hdf5``    Keras 2 / tf.keras HDF5 (``model_config``,  :mod:`.legacy_h5`
                        ``layer_names``, ``weight_names``)
``*.skdeep`` and others skdeep's own zip of JSON and ``.npy``       :mod:`skdeep.nn.saving`
``Model.to_json()``     Keras 3's config.json (compile arguments)   :mod:`.json_form`
======================  ==========================================  ===============

Writing picks the format from the file name; reading from the file's
content (zip or HDF5 signature, then the entries inside), so a Keras file
under any name loads. Loading parses JSON and numeric HDF5 datasets only,
and instantiates only known or registered classes: it runs no code.
"""
import io
import json
import os
import zipfile

from .._limits import read_source
from . import _h5

__all__ = [
    "load_model_file",
    "load_weights_file",
    "model_file_bytes",
    "save_format_for",
    "weights_file_bytes",
]

_KERAS_SUFFIXES = (".keras", ".weights.h5", ".h5", ".hdf5")


def save_format_for(filepath, weights_only=False):
    """'keras', 'weights_h5', 'legacy_h5' or 'skdeep' for a path (or file object)."""
    if hasattr(filepath, "write"):
        return "skdeep"
    name = os.fspath(filepath).lower()
    if name.endswith(".weights.h5"):
        return "weights_h5"
    if name.endswith((".h5", ".hdf5")):
        return "legacy_h5"
    if name.endswith(".keras"):
        if weights_only:
            raise ValueError(f"save_weights() writes '.weights.h5' files (or '.h5' for Keras 2), "
                             f"not '.keras': got '{os.fspath(filepath)}'")
        return "keras"
    return "skdeep"


def model_file_bytes(model, fmt, include_optimizer=True):
    """The bytes of ``model.save`` in a Keras format."""
    if fmt == "keras":
        from .keras_v3 import keras_archive_bytes

        return keras_archive_bytes(model, include_optimizer)
    if fmt == "legacy_h5":
        from .legacy_h5 import legacy_model_bytes

        return legacy_model_bytes(model, include_optimizer)
    raise ValueError(f"model.save() cannot write a {fmt!r} file; use a '.keras' name")


def weights_file_bytes(model, fmt):
    """The bytes of ``model.save_weights`` in a Keras format."""
    if fmt == "weights_h5":
        from .optimizer_state import keras_optimizer_vars
        from .weights_h5 import weights_bytes

        opt = keras_optimizer_vars(model) if getattr(model, "compiled", False) else None
        return weights_bytes(model, opt)
    from .legacy_h5 import legacy_weights_bytes

    return legacy_weights_bytes(model)


def _zip_names(data):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return set(zf.namelist()), (zf.read("metadata.json") if "metadata.json" in
                                        zf.namelist() and zf.getinfo("metadata.json").file_size
                                        < (1 << 20) else b"{}")
    except zipfile.BadZipFile as err:
        return None, str(err)


def _is_skdeep_zip(meta):
    try:
        fmt = json.loads(meta.decode("utf-8")).get("format", "")
    except (ValueError, AttributeError, UnicodeDecodeError):
        return False
    return isinstance(fmt, str) and fmt.startswith("skdeep.")


def _kind(data, desc):
    kind = _h5.sniff(data)
    if kind is None:
        raise ValueError(f"{desc} is not a skdeep or Keras model or weights file (neither a zip "
                         "archive nor HDF5; it may be truncated, corrupted or written by another "
                         "library)")
    return kind


def load_model_file(source, custom_objects=None, compile=True, safe_mode=True):
    """Load a model from any supported file (see the module docstring)."""
    from .. import saving

    data, desc = read_source(source)
    if _kind(data, desc) == "zip":
        names, meta = _zip_names(data)
        from .keras_v3 import is_keras_archive, load_keras_archive

        if names is not None and not _is_skdeep_zip(meta) and is_keras_archive(names):
            return load_keras_archive(data, desc, custom_objects, compile, safe_mode)
        return saving._load(data, custom_objects, compile)
    from .legacy_h5 import is_legacy, load_legacy_model

    with _h5.open_h5(data, desc) as h5:
        if is_legacy(h5):
            return load_legacy_model(h5, desc, custom_objects, compile, safe_mode)
    raise ValueError(f"{desc} holds only weights (a Keras '.weights.h5' file): build the model "
                     "and call model.load_weights() on it")


def load_weights_file(model, source, skip_mismatch=False, by_name=False):
    """Load weights from any supported file into ``model``."""
    from .. import saving

    data, desc = read_source(source)
    if _kind(data, desc) == "zip":
        names, meta = _zip_names(data)
        from .keras_v3 import is_keras_archive

        if names is not None and not _is_skdeep_zip(meta) and is_keras_archive(names):
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                from .keras_v3 import _member

                data = _member(zf, "model.weights.h5", desc, _h5.limits()[0] * 64)
            desc = f"{desc} (model.weights.h5)"
        else:
            return saving._load_weights(model, data)
    from .legacy_h5 import is_legacy, load_legacy_weights
    from .weights_h5 import is_keras3_weights, read_weights

    with _h5.open_h5(data, desc) as h5:
        if is_legacy(h5):
            return load_legacy_weights(model, h5, desc, by_name, skip_mismatch)
        if not is_keras3_weights(h5):
            raise ValueError(f"{desc} is an HDF5 file but not a Keras weights file")
        opt_vars = read_weights(model, h5, desc)
    if opt_vars is not None and getattr(model, "compiled", False):
        from .optimizer_state import restore_optimizer_vars

        restore_optimizer_vars(model, opt_vars, desc)
