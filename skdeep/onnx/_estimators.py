"""ONNX graphs of the fitted estimators, and their skl2onnx converters."""
import numpy as np

from . import _convert


def _fitted_model(est):
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(est)
    kind = type(est).__name__
    if kind == "Autoencoder" or hasattr(est, "encoder_"):
        return est.encoder_
    return est.model_


def estimator_graph(g, est, x_name):
    """Emit ``est``'s prediction into ``g``: a dict output role -> tensor name.

    Roles: ``label`` and ``probabilities`` for classifiers, ``variable``
    (predictions, or an Autoencoder's codes) otherwise.
    """
    from sklearn.base import is_classifier

    model = _fitted_model(est)
    if len(model._input_tensors) != 1 or len(model._output_tensors) != 1:
        raise NotImplementedError("ONNX export of an estimator whose network has several "
                                  "inputs or outputs is not implemented")
    x = x_name
    in_shape = model._input_tensors[0].shape
    if len(in_shape) > 2:  # the estimator receives flat rows for image/sequence networks too
        x = g.op("Reshape", [x, g.const(np.array([-1] + list(in_shape[1:]), np.int64),
                                        "shape")])
    (raw,) = _convert.model_graph(g, model, [x])
    if not is_classifier(est):
        return {"variable": raw}
    enc = est._encoder
    mode = enc._mode
    if mode == "binary":  # one sigmoid unit -> [1 - p, p]
        one = g.const(np.float32(1), "one")
        proba = g.op("Concat", [g.op("Sub", [one, raw]), raw], axis=1)
    else:
        proba = raw
    if mode == "multilabel":
        label = g.op("Cast", [g.op("Greater", [proba, g.const(np.float32(0.5), "half")])], to=7)
        return {"label": label, "probabilities": proba}
    idx = g.op("ArgMax", [proba], axis=1, keepdims=0)
    classes = np.asarray(est.classes_)
    if classes.dtype.kind in "iub":
        table = g.const(classes.astype(np.int64), "classes")
    else:
        table = g.const(classes.astype(str).astype(object), "classes")
    label = g.op("Gather", [table, idx], axis=0)
    return {"label": label, "probabilities": proba}


# ---------------------------------------------------------------------------- skl2onnx
def _shape_calculator(operator):
    from skl2onnx.common.data_types import (
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )
    from sklearn.base import is_classifier

    est = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    if is_classifier(est):
        classes = np.asarray(est.classes_)
        if est._encoder._mode == "multilabel":
            operator.outputs[0].type = Int64TensorType([n, len(classes)])
        elif classes.dtype.kind in "iub":
            operator.outputs[0].type = Int64TensorType([n])
        else:
            operator.outputs[0].type = StringTensorType([n])
        operator.outputs[1].type = FloatTensorType([n, len(classes)])
        return
    model = _fitted_model(est)
    width = int(np.prod(model._output_tensors[0].shape[1:]))
    operator.outputs[0].type = FloatTensorType([n, width])


def _converter(scope, operator, container):
    from sklearn.base import is_classifier

    from ._graph import Graph

    est = operator.raw_operator
    g = Graph(opset=container.target_opset, namer=scope.get_unique_variable_name)
    outs = estimator_graph(g, est, operator.inputs[0].full_name)
    roles = ["label", "probabilities"] if is_classifier(est) else ["variable"]
    for role, var in zip(roles, operator.outputs):
        g.op("Identity", [outs[role]], outputs=[var.full_name])
    g.transfer(container, scope)


def register_skl2onnx_converters() -> None:
    """Register skl2onnx shape calculators and converters for the three estimators.

    After this (done when :mod:`skdeep.onnx` is imported, if skl2onnx is
    installed) ``skl2onnx.to_onnx`` converts a Pipeline holding a skdeep
    estimator. Classifiers take skl2onnx's ``zipmap`` option.
    """
    try:
        from skl2onnx import update_registered_converter
    except ImportError as exc:
        raise ImportError("skl2onnx converters need the 'onnx' extra: "
                          "pip install 'scikit-deep[onnx]'") from exc
    from ..estimators import Autoencoder, NeuralClassifier, NeuralRegressor

    for cls in (NeuralClassifier, NeuralRegressor, Autoencoder):
        options = ({"zipmap": [True, False, "columns"], "nocl": [True, False]}
                   if cls is NeuralClassifier else None)
        update_registered_converter(cls, f"Skdeep{cls.__name__}", _shape_calculator,
                                    _converter, options=options)
