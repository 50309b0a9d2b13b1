"""``Model.to_json`` / ``models.model_from_json``: Keras 3's JSON form (the
``config.json`` of a ``.keras`` file, compile arguments included), with
Keras 2's and skdeep's older ``{"class_name", "config"}`` forms still read."""
import json
import warnings

from .config_export import KerasExportError, keras_compile_config, keras_config

__all__ = ["model_from_json_text", "model_to_json"]


def _compile_config(model):
    if not getattr(model, "compiled", False):
        return None
    try:
        return keras_compile_config(model)
    except KerasExportError as err:
        warnings.warn(f"Model '{model.name}': to_json() leaves out the compile arguments, "
                      f"which Keras cannot express ({err})", stacklevel=4)
        return None


def model_to_json(model, **kwargs):
    """Keras 3's JSON of ``model``; skdeep's own form (with a warning) when
    Keras cannot express the model."""
    from ..saving import _json_default, model_to_config

    try:
        config = keras_config(model, _compile_config(model))
    except KerasExportError as err:
        warnings.warn(f"Model '{model.name}' is written in skdeep's own JSON form, which "
                      f"skdeep.nn.models.model_from_json reads and Keras does not: {err}",
                      stacklevel=3)
        config = model_to_config(model)
    return json.dumps(config, default=_json_default, **kwargs)


def _keras_major(config):
    """3 for Keras 3's form, 2 for Keras 2 / tf.keras, None for skdeep's own."""
    version = str(config.get("keras_version", ""))
    if version.startswith("2."):
        return 2
    if "module" in config or version.startswith("3."):
        return 3
    return None


def model_from_json_text(json_string, custom_objects=None):
    """A model (fresh weights) from any of the JSON forms; compiled when a
    Keras 3 form holds compile arguments, as ``keras.models.model_from_json``."""
    from .._limits import loads_json
    from ..saving import model_from_config
    from .config_translate import keras_to_skdeep_config
    from .keras_v3 import _compile

    if isinstance(json_string, str):
        json_string = json_string.encode("utf-8")
    if not isinstance(json_string, (bytes, bytearray)):
        raise ValueError(f"model_from_json needs the JSON text of Model.to_json(), got a "
                         f"{type(json_string).__name__}")
    config = loads_json(bytes(json_string), "model_from_json's text (Model.to_json output)")
    major = _keras_major(config) if isinstance(config, dict) else None
    if major is None:
        return model_from_config(config, custom_objects=custom_objects)
    sk_config, custom = keras_to_skdeep_config(config, custom_objects, safe_mode=True,
                                               keras_major=major)
    model = model_from_config(sk_config, custom)
    if major == 3 and config.get("compile_config"):
        _compile(model, config["compile_config"], custom_objects, "model_from_json")
    return model
