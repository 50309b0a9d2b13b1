"""Keras 3's ``.keras`` archive: a zip of ``config.json``, ``metadata.json`` and
``model.weights.h5``, read and written in Keras' own layout."""
import datetime
import io
import json
import warnings
import zipfile

from . import _h5
from .config_export import (
    KerasExportError,
    keras_compile_config,
    keras_config,
    keras_spec,
)
from .config_translate import keras_to_skdeep_config, translate_compile_config
from .optimizer_state import keras_optimizer_vars, restore_optimizer_vars
from .weights_h5 import read_weights, weights_bytes

__all__ = ["is_keras_archive", "keras_archive_bytes", "load_keras_archive"]

_MAX_EXPANSION = 100  # a zip member may not inflate more than this (decompression bombs)


def _compile_part(model, include_optimizer):
    if not getattr(model, "compiled", False):
        return None, None
    try:
        config = keras_compile_config(model)
    except KerasExportError as err:
        warnings.warn(f"Model '{model.name}' is saved without its compile arguments (Keras "
                      f"will load it uncompiled): {err}", stacklevel=4)
        return None, None
    opt_vars = keras_optimizer_vars(model) if include_optimizer else None
    return config, opt_vars


def keras_archive_bytes(model, include_optimizer=True):
    """The bytes of a ``.keras`` file that ``keras.saving.load_model`` opens."""
    compile_config, opt_vars = _compile_part(model, include_optimizer)
    config = keras_config(model, compile_config)
    from importlib.metadata import PackageNotFoundError, version

    try:
        skdeep_version = version("skdeep")
    except PackageNotFoundError:
        skdeep_version = None
    metadata = {"keras_version": keras_spec()["keras_version"],
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
                "written_by": "skdeep", "skdeep_version": skdeep_version}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("metadata.json", json.dumps(metadata))
        zf.writestr("config.json", json.dumps(config))
        zf.writestr(zipfile.ZipInfo("model.weights.h5"), weights_bytes(model, opt_vars),
                    compress_type=zipfile.ZIP_STORED)
    return buf.getvalue()


def _member(zf, name, desc, limit):
    info = zf.getinfo(name)
    if info.file_size > limit:
        raise ValueError(f"{desc}: '{name}' declares {info.file_size} bytes, above the limit "
                         f"of {limit}")
    if info.file_size > (1 << 20) and info.file_size > _MAX_EXPANSION * info.compress_size:
        raise ValueError(f"{desc}: '{name}' inflates {info.file_size // max(info.compress_size, 1)}"
                         " times; refusing a possible decompression bomb")
    return zf.read(name)


def is_keras_archive(names):
    return "config.json" in names and ("model.weights.h5" in names
                                       or "model.weights.npz" in names)


def load_keras_archive(data, desc, custom_objects=None, compile=True, safe_mode=True):
    """Build a skdeep model from the bytes of a ``.keras`` file."""
    from .. import backend
    from ..saving import model_from_config

    max_array, max_text = _h5.limits()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        config_text = _member(zf, "config.json", desc, max_text)
        if "model.weights.h5" not in names:
            raise ValueError(f"{desc} stores its weights as model.weights.npz, which skdeep "
                             "does not read; re-save it from Keras with the default format")
        weights = _member(zf, "model.weights.h5", desc, max_array * 64)
    from .._limits import loads_json, weight_guard

    config = loads_json(config_text, f"{desc} (config.json)")
    sk_config, custom = keras_to_skdeep_config(config, custom_objects, safe_mode)
    with _h5.open_h5(weights, f"{desc} (model.weights.h5)") as h5:
        # weights drawn while building are overwritten; a weight whose shape the
        # file does not hold is refused before it is allocated
        shapes = _h5.dataset_shapes(h5, desc, skip=("optimizer",))
        with backend.seeded(0), weight_guard(shapes, desc):
            model = model_from_config(sk_config, custom)
        opt_vars = read_weights(model, h5, desc)
    compile_config = config.get("compile_config")
    if compile and compile_config:
        _compile(model, compile_config, custom_objects, desc)
        if model.compiled and opt_vars is not None:
            restore_optimizer_vars(model, opt_vars, desc)
    return model


def _compile(model, compile_config, custom_objects, desc):
    try:
        kwargs = translate_compile_config(compile_config, custom_objects)
        model.compile(**kwargs)
    except (ValueError, TypeError) as err:
        warnings.warn(f"{desc}: the model is loaded uncompiled, its compile arguments cannot "
                      f"be used by skdeep ({err}); call model.compile() yourself", stacklevel=4)
