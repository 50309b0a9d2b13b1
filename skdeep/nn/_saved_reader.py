"""Reading skdeep's safe format (see :mod:`skdeep.nn.saving`) from untrusted files.

Everything is validated before anything is built: the metadata, the weight
manifest (structure, shapes), the weight arrays (their ``.npy`` headers
against the manifest, finite real values), the config (dtypes, nesting).
Sizes are bounded by :mod:`skdeep.nn._limits`: an entry may not declare more
bytes than its content can need, and the weights entry's bound comes from
the manifest.
"""
import re

import numpy as np

from . import _limits

FORMAT_VERSION = 1
_MODEL, _WEIGHTS = "skdeep.model", "skdeep.weights"
_META_BYTES = 1 << 20
_KEY = re.compile(r"w\d+\Z")
# Optimizer slots that hold sums or averages of squares (or maxima of them):
# negative values are impossible and would give NaN square roots.
NONNEGATIVE_SLOTS = frozenset({"v", "vhat", "velocity", "velocities", "accumulator",
                               "accumulators", "u", "accumulated_grads",
                               "accumulated_delta_vars", "accumulated_grad",
                               "accumulated_delta_var", "norm", "u_product"})
# Largest dimension accepted in a manifest or config shape.
_MAX_DIM = 1 << 40


class SavedFile:
    """An opened safe-format file: ``meta``, ``desc`` and the validated
    ``manifest`` and weight ``arrays`` (``read_weights``), read lazily."""

    def __init__(self, archive, meta):
        self.archive, self.meta, self.desc = archive, meta, archive.desc
        self.manifest = self.arrays = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.archive.close()

    @property
    def is_model(self):
        return self.meta["format"] == _MODEL

    def config(self):
        config = self.archive.read_json("config.json")
        check_config(config, f"{self.desc}: 'config.json'")
        return config

    def read_weights(self):
        """Validate ``weights.json`` and read ``weights.npz`` accordingly."""
        manifest = self.archive.read_json("weights.json")
        where = f"{self.desc}: 'weights.json'"
        shapes = _check_manifest(manifest, where)
        limit = _limits.npz_size_bound(shapes.values())
        data = self.archive.read("weights.npz", limit)
        self.arrays = _limits.read_npz(data, f"{self.desc}: cannot read 'weights.npz'", shapes)
        self.manifest = manifest
        return manifest, self.arrays

    def weight_shapes(self):
        return [tuple(spec["shape"]) for item in self.manifest for spec in item["weights"]]

    def optimizer_state(self, optimizer):
        """The validated state for ``optimizer`` (None when the file has none)."""
        if "optimizer.npz" not in self.archive:
            return None
        n_params = sum(int(np.prod(s)) for s in self.weight_shapes())
        names = (optimizer._saved_state_names() if hasattr(optimizer, "_saved_state_names")
                 else ["iterations", *getattr(optimizer, "_slot_names", ())])
        limit = _limits.npz_size_bound([(n_params,)] * len(names))
        data = self.archive.read("optimizer.npz", limit)
        where = f"{self.desc}: cannot read 'optimizer.npz'"
        inner = _limits.open_archive(data, kind="an .npz archive", desc=where)
        with inner:
            present = [n for n in names if f"{n}.npy" in inner]
        expected = {n: None for n in present}
        state = _limits.read_npz(data, where, expected, kinds="fiu")
        for name, value in state.items():
            entry = f"{where}, '{name}'"
            if name == "iterations":
                if value.shape != () or value.dtype.kind not in "iu" or int(value) < 0:
                    raise ValueError(f"{entry} must be a non-negative integer scalar, got "
                                     f"{value!r:.80}")
                continue
            _limits.check_weight_array(entry, value)
            if value.ndim != 1 or value.size > n_params:  # trainable weights only
                raise ValueError(f"{entry} has shape {value.shape}; expected a vector of at "
                                 f"most {n_params} values (the weights)")
            if name in NONNEGATIVE_SLOTS and (value < 0).any():
                raise ValueError(f"{entry} holds negative values; it accumulates squares and "
                                 "cannot be negative")
        return state


def open_saved(source):
    """Open and check a safe-format file; returns a :class:`SavedFile`."""
    archive = _limits.open_archive(source)
    try:
        meta = archive.read_json("metadata.json", _META_BYTES)
        desc = archive.desc
        if not isinstance(meta, dict) or meta.get("format") not in (_MODEL, _WEIGHTS):
            raise ValueError(f"{desc} is not a skdeep model or weights file (unknown format "
                             f"{meta.get('format') if isinstance(meta, dict) else meta!r:.80})")
        version = meta.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise ValueError(f"{desc} has format version {version!r:.40}; this skdeep reads "
                             f"versions up to {FORMAT_VERSION}. Upgrade skdeep to load it")
        return SavedFile(archive, meta)
    except BaseException:
        archive.close()
        raise


def _check_manifest(manifest, where):
    """The manifest's ``{array key: shape}``, after checking its structure."""
    if not isinstance(manifest, list):
        raise ValueError(f"{where} must be a list of layers")  # noqa: TRY004 - file content
    shapes = {}
    for item in manifest:
        if not (isinstance(item, dict) and isinstance(item.get("layer"), str)
                and isinstance(item.get("weights"), list)):
            raise ValueError(f"{where}: invalid layer entry {item!r:.120}")  # noqa: TRY004
        for spec in item["weights"]:
            ok = (isinstance(spec, dict) and isinstance(spec.get("name"), str)
                  and isinstance(spec.get("key"), str) and _KEY.match(spec["key"])
                  and isinstance(spec.get("shape"), list)
                  and all(type(d) is int and 0 <= d <= _MAX_DIM for d in spec["shape"]))
            if not ok:
                raise ValueError(f"{where}: invalid weight entry {spec!r:.120} of layer "
                                 f"'{item['layer']}'")
            if spec["key"] in shapes:
                raise ValueError(f"{where}: array key '{spec['key']}' is used twice")
            shapes[spec["key"]] = tuple(spec["shape"])
    return shapes


def check_config(config, where):
    """Refuse layer dtypes that are not real numbers (complex, object,
    strings...) anywhere in a model config, before anything is built."""
    stack = [config]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "dtype" and value is not None:
                    name = value
                    if isinstance(value, dict):  # a Keras 3 DTypePolicy config
                        name = (value.get("config") or {}).get("name")
                    try:
                        _limits.check_layer_dtype(name, where)
                    except ValueError as err:
                        raise ValueError(f"{err} (dtype {value!r:.80})") from None
                else:
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
