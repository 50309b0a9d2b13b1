"""skdeep.nn.object_registry: Keras 3 registration, scopes and (de)serialization."""
import numpy as np
import pytest

from skdeep.nn import object_registry as reg
from skdeep.nn.layers import Dense


class _Plain:
    def __init__(self, factor=1.0):
        self.factor = factor

    def get_config(self):
        return {"factor": self.factor}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def test_register_names_and_lookup():
    cls = reg.register_keras_serializable(package="TestPkg")(
        type("Doubler", (_Plain,), {}))
    assert reg.get_registered_name(cls) == "TestPkg>Doubler"
    assert reg.get_registered_object("TestPkg>Doubler") is cls
    assert reg.get_custom_objects()["TestPkg>Doubler"] is cls
    other = type("Doubler", (_Plain,), {"__module__": "elsewhere"})
    with pytest.raises(ValueError, match="already been registered"):
        reg.register_keras_serializable(package="TestPkg")(other)
    with pytest.raises(ValueError, match="get_config"):
        reg.register_keras_serializable()(type("NoConfig", (), {}))


def test_function_registration_and_round_trip():
    @reg.register_keras_serializable(package="TestPkg", name="triple")
    def triple(x):
        return 3 * x

    config = reg.serialize_keras_object(triple)
    assert config["config"] == "TestPkg>triple"
    assert reg.deserialize_keras_object(config) is triple


def test_scope_and_custom_objects_are_the_only_way_in():
    cls = type("Scaled", (_Plain,), {})
    config = reg.serialize_keras_object(cls(2.5))
    assert config["registered_name"] == "Scaled" and config["config"] == {"factor": 2.5}
    with pytest.raises(ValueError, match="Unknown class 'Scaled'.*register_keras_serializable"):
        reg.deserialize_keras_object(config)
    assert reg.deserialize_keras_object(config, custom_objects={"Scaled": cls}).factor == 2.5
    with reg.custom_object_scope({"Scaled": cls}):
        assert reg.get_registered_object("Scaled") is cls
        assert reg.deserialize_keras_object(config).factor == 2.5
    assert reg.get_registered_object("Scaled") is None


def test_builtins_deserialize_without_registration():
    layer = reg.deserialize_keras_object(reg.serialize_keras_object(Dense(3, name="d_reg")))
    assert isinstance(layer, Dense) and layer.units == 3
    # a file naming an arbitrary module is not imported
    evil = {"module": "os", "class_name": "system", "config": {}, "registered_name": "system"}
    with pytest.raises(ValueError, match="Unknown class"):
        reg.deserialize_keras_object(evil)


def test_lambda_needs_safe_mode_off():
    config = reg.serialize_keras_object(lambda x: x * 2 + 1)
    with pytest.raises(reg.LambdaRefusedError, match="safe_mode=False"):
        reg.deserialize_keras_object(config)
    fn = reg.deserialize_keras_object(config, safe_mode=False)
    assert fn(np.array(2.0)) == 5.0
