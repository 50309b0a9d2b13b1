"""Crafted model files: bounded reads, validation before allocation, clear
ValueErrors naming the entry (skdeep's safe format)."""
import io
import json
import os
import tracemalloc
import zipfile

import numpy as np
import pytest

from skdeep.nn import Sequential, load_model, saving
from skdeep.nn.layers import Dense

MiB = 1 << 20


def good_model(compiled=True):
    model = Sequential([Dense(2, input_shape=(3,))])
    if compiled:
        model.compile(optimizer="adam", loss="mse")
        model.fit(np.ones((4, 3)), np.ones((4, 2)), epochs=1, verbose=0)
    return model


def entries(data):
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def archive(items, deflate=()):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, payload in items.items():
            zf.writestr(name, payload, compress_type=zipfile.ZIP_DEFLATED if name in deflate
                        else zipfile.ZIP_STORED)
    return buf.getvalue()


def npz(arrays):
    items = {}
    for key, value in arrays.items():
        b = io.BytesIO()
        np.lib.format.write_array(b, np.asarray(value), allow_pickle=False)
        items[f"{key}.npy"] = b.getvalue()
    return archive(items)


def edited(data, name, transform):
    items = entries(data)
    items[name] = transform(items[name])
    return archive(items)


def edit_json(data, name, change):
    def transform(payload):
        obj = json.loads(payload)
        change(obj)
        return json.dumps(obj).encode()
    return edited(data, name, transform)


def edit_npz(data, name, change):
    def transform(payload):
        with np.load(io.BytesIO(payload)) as f:
            arrays = {k: f[k] for k in f.files}
        change(arrays)
        return npz(arrays)
    return edited(data, name, transform)


def peak_mib(fn):
    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak / MiB


# ------------------------------------------------------------------ reading bounds
def test_unknown_members_are_never_read(tmp_path):
    items = entries(saving.model_to_bytes(good_model()))
    items["junk.bin"] = bytes(96 * MiB)  # deflates to ~100 KiB
    path = tmp_path / "m.keras"
    path.write_bytes(archive(items, deflate={"junk.bin"}))
    assert path.stat().st_size < 2 * MiB
    loaded = []
    assert peak_mib(lambda: loaded.append(load_model(path))) < 24
    assert loaded[0].compiled and loaded[0].get_weights()[0].shape == (3, 2)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_device_files_and_fifos_are_refused():
    with pytest.raises(ValueError, match="not a regular file"):
        load_model("/dev/zero")
    with pytest.raises(ValueError, match="not a regular file"):
        Sequential([Dense(2, input_shape=(3,))]).load_weights("/dev/zero")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.keras"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        load_model(fifo)


def test_weights_entry_larger_than_the_manifest_allows_is_refused():
    data = saving.model_to_bytes(good_model(compiled=False))
    big = edit_npz(data, "weights.npz", lambda a: a.update(pad=np.zeros(MiB)))
    with pytest.raises(ValueError, match="'weights.npz' declares .* bytes"):
        saving.model_from_bytes(big)


def test_lying_declared_size_is_refused():
    data = saving.model_to_bytes(good_model(compiled=False))
    items = entries(data)
    raw = bytearray(archive(items))
    # declare 3 GiB for weights.json in the central directory (its real size is tiny)
    for pos in [i for i in range(len(raw)) if raw.startswith(b"PK\x01\x02", i)]:
        name_len = int.from_bytes(raw[pos + 28:pos + 30], "little")
        if raw[pos + 46:pos + 46 + name_len] == b"weights.json":
            raw[pos + 24:pos + 28] = (3 << 30).to_bytes(4, "little")
    with pytest.raises(ValueError):
        saving.model_from_bytes(bytes(raw))


# ------------------------------------------------------------------ validation before allocation
def huge_config(units, manifest_too=False):
    data = saving.model_to_bytes(Sequential([Dense(2, input_shape=(3,))]))

    def grow(config):
        config["config"]["layers"][0]["config"]["shape"] = [units]
        config["config"]["layers"][1]["config"]["units"] = units

    data = edit_json(data, "config.json", grow)
    if manifest_too:
        def claim(manifest):
            manifest[0]["weights"][0]["shape"] = [units, units]
            manifest[0]["weights"][1]["shape"] = [units]
        data = edit_json(data, "weights.json", claim)
    return data


@pytest.mark.parametrize("units", [8000, 10 ** 6])
def test_config_asking_for_huge_weights_fails_before_allocating(units):
    data = huge_config(units)
    with pytest.raises(ValueError, match="manifest does not hold"):
        saving.model_from_bytes(data)
    assert peak_mib(lambda: pytest.raises(ValueError, saving.model_from_bytes, data)) < 8


@pytest.mark.parametrize("units", [8000, 10 ** 6])
def test_manifest_claiming_huge_weights_without_the_data_fails(units):
    data = huge_config(units, manifest_too=True)
    with pytest.raises(ValueError, match="weights.npz"):
        saving.model_from_bytes(data)
    assert peak_mib(lambda: pytest.raises(ValueError, saving.model_from_bytes, data)) < 8


# ------------------------------------------------------------------ values and names
@pytest.mark.parametrize("bad, message", [
    (np.full((3, 2), np.nan), "'w0'.* NaN or infinite"),
    (np.full((3, 2), np.inf), "'w0'.* NaN or infinite"),
    (np.ones((3, 2), np.complex128), "'w0'.* dtype complex128"),
    (np.ones((3, 2), np.int64), "'w0'.* dtype int64"),
    (np.ones((2, 3)), "'w0' has shape"),
])
def test_bad_weight_values_are_refused(bad, message):
    data = edit_npz(saving.model_to_bytes(good_model(compiled=False)), "weights.npz",
                    lambda a: a.update(w0=bad))
    with pytest.raises(ValueError, match=message):
        saving.model_from_bytes(data)
    model = good_model(compiled=False)
    before = model.get_weights()
    with pytest.raises(ValueError, match=message):
        model.load_weights(io.BytesIO(data))
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", ["complex64", "object", "str", "datetime64[s]",
                                   {"module": "keras", "class_name": "DTypePolicy",
                                    "config": {"name": "complex128"}}])
def test_object_and_complex_layer_dtypes_are_refused(dtype):
    def set_dtype(config):
        config["config"]["layers"][1]["config"]["dtype"] = dtype

    data = edit_json(saving.model_to_bytes(good_model(compiled=False)), "config.json", set_dtype)
    with pytest.raises(ValueError, match="dtype"):
        saving.model_from_bytes(data)


def test_layers_refuse_complex_and_object_dtypes_directly():
    for dtype in ("complex64", object):
        with pytest.raises(ValueError, match="not supported"):
            Dense(2, dtype=dtype)


@pytest.mark.parametrize("change, message", [
    (lambda a: a.update(v=-np.abs(a["v"]) - 1), "'v' holds negative values"),
    (lambda a: a.update(iterations=np.array(-3)), "'iterations' must be a non-negative"),
    (lambda a: a.update(iterations=np.array(1.5)), "'iterations' must be a non-negative"),
    (lambda a: a.update(m=np.full_like(a["m"], np.nan)), "'m'.* NaN"),
    (lambda a: a.update(m=np.ones(10 ** 4)), "'m' has shape"),
])
def test_bad_optimizer_state_is_refused(change, message):
    data = edit_npz(saving.model_to_bytes(good_model()), "optimizer.npz", change)
    with pytest.raises(ValueError, match=message):
        saving.model_from_bytes(data)


@pytest.mark.parametrize("spec", [
    {"__object__": "function", "module": "metrics", "name": "register"},
    {"__object__": "function", "module": "metrics", "name": "get"},
    {"__object__": "function", "module": "losses", "name": "get"},
    {"__object__": "function", "module": "losses", "name": "serialize"},
    {"__object__": "function", "module": "os", "name": "system"},
    {"__object__": "metric", "class_name": "MeanMetricWrapper", "config": {}},
    {"__object__": "metric", "class_name": "Metric", "config": {}},
])
def test_unregistered_names_in_compile_config_are_refused(spec):
    def set_metric(config):
        config["compile_config"]["metrics"] = [spec]

    data = edit_json(saving.model_to_bytes(good_model()), "config.json", set_metric)
    with pytest.raises(ValueError, match="compile config"):
        saving.model_from_bytes(data)


def test_registered_function_names_still_load():
    model = Sequential([Dense(2, input_shape=(3,))])
    from skdeep.nn import losses, metrics
    model.compile(optimizer="adam", loss=losses.mean_squared_error,
                  metrics=[metrics.mean_absolute_error])
    loaded = saving.model_from_bytes(saving.model_to_bytes(model))
    assert loaded.compiled


@pytest.mark.parametrize("entry", ["config.json", "weights.json", "metadata.json"])
def test_deep_nesting_gives_value_error_not_recursion_error(entry):
    items = entries(saving.model_to_bytes(good_model(compiled=False)))
    items[entry] = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(ValueError, match="nest"):
        saving.model_from_bytes(archive(items))
    items[entry] = ('{"a":' * 300 + "1" + "}" * 300).encode()
    with pytest.raises(ValueError, match="nest"):
        saving.model_from_bytes(archive(items))


def test_deeply_nested_models_give_value_error():
    head = '{"class_name": "Sequential", "config": {"layers": ['
    for depth in (400, 60):
        text = head * depth + '{"class_name": "Dense", "config": {"units": 1}}' + "]}}" * depth
        items = entries(saving.model_to_bytes(good_model(compiled=False)))
        items["config.json"] = text.encode()
        with pytest.raises(ValueError):
            saving.model_from_bytes(archive(items))
