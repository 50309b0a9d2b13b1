"""Export skdeep models and estimators to ONNX (extra ``onnx``).

:func:`to_onnx` converts a :class:`~skdeep.nn.Model` / ``Sequential``, or a
fitted :class:`~skdeep.NeuralClassifier`, :class:`~skdeep.NeuralRegressor`
or :class:`~skdeep.Autoencoder` (its codes). Importing this module also
registers skl2onnx converters for the estimators when skl2onnx is
installed, so ``skl2onnx.to_onnx(pipeline, X[:1])`` converts a whole
Pipeline. Layers that map to standard ONNX operators are exported (see
:func:`supported_layers`); the others raise ``NotImplementedError`` naming
the layer, as do masks and stateful RNNs.

Examples
--------
>>> import numpy as np
>>> from skdeep.nn import Sequential
>>> from skdeep.nn.layers import Dense
>>> from skdeep.onnx import to_onnx
>>> model = Sequential([Dense(4, activation="relu", input_shape=(3,)), Dense(2)])
>>> onx = to_onnx(model)  # doctest: +SKIP
>>> [o.name for o in onx.graph.output]  # doctest: +SKIP
['dense_1']
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._convert import supported_layers
from ._estimators import register_skl2onnx_converters
from ._graph import DEFAULT_OPSET, MAX_OPSET, MIN_OPSET, Graph, require_onnx

__all__ = ["register_skl2onnx_converters", "supported_layers", "to_onnx"]


def to_onnx(model_or_estimator: Any, target_opset: int = DEFAULT_OPSET,
            name: str | None = None) -> Any:
    """Convert a skdeep model or fitted estimator to an ONNX ``ModelProto``.

    Parameters
    ----------
    model_or_estimator : Model, Sequential, NeuralClassifier, NeuralRegressor or Autoencoder
        A built model, or a fitted estimator.
    target_opset : int, default=17
        Opset of the default ONNX domain (13 to 21).
    name : str, optional
        Graph name; the model's name by default.

    Returns
    -------
    onnx.ModelProto
        Float32 inputs (int64 for a model whose ``Input`` has an integer
        dtype) with a free batch dimension. Models keep their input and
        output names; estimators take ``X`` and give ``label`` and
        ``probabilities`` (classifiers) or ``variable``.

    Raises
    ------
    NotImplementedError
        For a layer or setting with no ONNX mapping, naming it.
    """
    onnx = require_onnx()
    from .. import __version__
    from ..nn.model import Model
    from . import _convert, _estimators

    if not MIN_OPSET <= int(target_opset) <= MAX_OPSET:
        raise ValueError(f"target_opset must be in [{MIN_OPSET}, {MAX_OPSET}], got {target_opset}")
    g = Graph(opset=target_opset)
    float_t = onnx.TensorProto.FLOAT
    if isinstance(model_or_estimator, Model):
        model = model_or_estimator
        model._ensure_graph()
        in_names = [g.name(t.name) for t in model._input_tensors]
        inputs = [(n, *_convert.tensor_spec(t)) for n, t in zip(in_names, model._input_tensors)]
        outs = _convert.model_graph(g, model, in_names)
        outputs = []
        for out, t, oname in zip(outs, model._output_tensors, model.output_names):
            final = g.name(oname)
            g.op("Identity", [out], outputs=[final])
            outputs.append((final, float_t, [None] + [d for d in t.shape[1:]]))
        return g.to_model(inputs, outputs, name or model.name, __version__)
    est = model_or_estimator
    if not hasattr(est, "_predict_raw"):
        raise TypeError("to_onnx expects a skdeep Model/Sequential or a skdeep estimator, got "
                        f"{type(est).__name__}")
    n_features = getattr(est, "n_features_in_", None)
    x = g.name("X")
    outs = _estimators.estimator_graph(g, est, x)
    width = int(np.prod(_estimators._fitted_model(est)._output_tensors[0].shape[1:]))
    if getattr(getattr(est, "_encoder", None), "_mode", None) == "binary":
        width = 2
    multilabel = getattr(getattr(est, "_encoder", None), "_mode", None) == "multilabel"
    outputs = []
    for role, tensor in outs.items():
        final = g.name(role)
        g.op("Identity", [tensor], outputs=[final])
        if role == "label":
            elem = (onnx.TensorProto.STRING if np.asarray(est.classes_).dtype.kind not in "iub"
                    else onnx.TensorProto.INT64)
            outputs.append((final, elem, [None, width] if multilabel else [None]))
        else:
            outputs.append((final, float_t, [None, width]))
    return g.to_model([(x, float_t, [None, n_features])], outputs,
                      name or type(est).__name__, __version__)


try:  # skl2onnx is optional inside the extra's use: register when present
    import skl2onnx  # noqa: F401
except ImportError:
    pass
else:
    register_skl2onnx_converters()
