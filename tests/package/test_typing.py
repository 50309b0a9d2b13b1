"""The public API carries type hints (checked by mypy in .ci/run; here: that they exist)."""
import inspect

import pytest

import skdeep
from skdeep import onnx as skdeep_onnx

ESTIMATOR_METHODS = ["__init__", "fit", "partial_fit", "predict", "predict_proba", "transform",
                     "inverse_transform", "score_samples", "score"]


def _public_callables():
    for cls in (skdeep.NeuralClassifier, skdeep.NeuralRegressor, skdeep.Autoencoder):
        for name in ESTIMATOR_METHODS:
            fn = getattr(cls, name, None)
            # methods scikit-learn's mixins give (ClassifierMixin.score) are theirs to type
            if fn is not None and getattr(fn, "__module__", "").startswith("skdeep"):
                yield f"{cls.__name__}.{name}", fn
    from skdeep.nn import Model, Sequential, layers

    for cls, names in [(Model, ["__init__", "get_layer", "summary", "save", "save_weights",
                                "load_weights", "to_json", "compile", "fit", "evaluate",
                                "predict", "train_on_batch", "test_on_batch",
                                "predict_on_batch"]),
                       (Sequential, ["__init__", "add", "pop"])]:
        for name in names:
            yield f"{cls.__name__}.{name}", getattr(cls, name)

    for name in ["Dense", "Activation", "Dropout", "Flatten", "Reshape", "GaussianNoise",
                 "BatchNormalization", "Embedding", "Masking", "SimpleRNN", "LSTM", "GRU",
                 "Conv1D", "Conv2D", "Bidirectional"]:
        yield f"layers.{name}.__init__", getattr(layers, name).__init__
    for name in skdeep_onnx.__all__:
        yield f"skdeep.onnx.{name}", getattr(skdeep_onnx, name)


@pytest.mark.parametrize("qualname,fn", list(_public_callables()),
                         ids=[q for q, _ in _public_callables()])
def test_public_signatures_are_annotated(qualname, fn):
    sig = inspect.signature(fn)
    missing = [p.name for p in sig.parameters.values()
               if p.name != "self" and p.annotation is inspect.Parameter.empty]
    assert not missing, f"{qualname}: parameters without a type hint: {missing}"
    assert sig.return_annotation is not inspect.Signature.empty, f"{qualname}: no return type"


def test_package_is_typed():
    from pathlib import Path

    assert (Path(skdeep.__file__).parent / "py.typed").is_file()
