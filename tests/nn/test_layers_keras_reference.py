"""New layer families against Keras 3's own outputs and weight layouts.

The reference arrays come from tests/fixtures/make_layers_reference.py, run
with keras==3.15.1 (jax backend): each case rebuilds the layer in skdeep from
the same constructor arguments, loads Keras' weights with ``set_weights`` and
compares the outputs, the weight names and shapes, and the default name.
"""
import json
import os

import numpy as np
import pytest

from skdeep.nn import layers

FIXTURE = os.path.join(os.path.dirname(__file__), os.pardir, "fixtures", "layers_reference.npz")
DATA = np.load(FIXTURE)
SPECS = json.loads(str(DATA["specs"]))


def _make(spec):
    kwargs = dict(spec["kwargs"])
    if isinstance(kwargs.get("layer"), dict):
        inner = kwargs["layer"]
        kwargs["layer"] = getattr(layers, inner["class_name"])(**inner["config"])
    return getattr(layers, spec["class_name"])(**kwargs)


def _weights(case):
    out, i = [], 0
    while f"{case}/w{i}" in DATA:
        out.append(DATA[f"{case}/w{i}"])
        i += 1
    return out


@pytest.mark.parametrize("case", sorted(SPECS))
def test_matches_keras_output_and_weight_layout(case):
    spec = SPECS[case]
    layer = _make(spec)
    x, expected, weights = DATA[f"{case}/x"], DATA[f"{case}/y"], _weights(case)
    if spec.get("adapt"):  # the statistics learned from the same data, compared as weights
        layer.adapt(x)
        for mine, keras_value in zip(layer.get_weights(), weights):
            np.testing.assert_allclose(mine, keras_value, rtol=1e-5, atol=1e-5)
    layer._maybe_build((None,) + x.shape[1:])
    assert [w.name for w in layer.weights] == spec["weight_names"]
    assert [w.shape for w in layer.weights] == [w.shape for w in weights]
    layer.set_weights(weights)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-5, atol=1e-5)
    assert layer.name.rstrip("_0123456789") == spec["name"].rstrip("_0123456789")


@pytest.mark.parametrize("case", sorted(SPECS))
def test_config_round_trip_gives_the_same_layer(case):
    spec = SPECS[case]
    layer = _make(spec)
    x = DATA[f"{case}/x"]
    layer._maybe_build((None,) + x.shape[1:])
    layer.set_weights(_weights(case))
    config = layer.get_config()
    json.dumps(config)
    config.pop("name")
    clone = type(layer).from_config(config)
    clone._maybe_build((None,) + x.shape[1:])
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(clone(x), layer(x))
