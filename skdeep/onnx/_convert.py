"""Walk a skdeep model's layer graph and emit ONNX nodes for each layer call."""
import numpy as np

from ..nn.layers.base import InputLayer
from ..nn.model import Model
from . import _layers, _layers_extra, _recurrent

CONVERTERS = {**_layers.CONVERTERS, **_layers_extra.CONVERTERS, **_recurrent.CONVERTERS}


def supported_layers() -> list[str]:
    """Names of the layer classes :func:`skdeep.onnx.to_onnx` converts."""
    return sorted(CONVERTERS)


def _converter(layer):
    for cls in type(layer).__mro__:
        if cls.__name__ in CONVERTERS:
            return CONVERTERS[cls.__name__]
    raise NotImplementedError(
        f"ONNX export of the layer {type(layer).__name__} ('{layer.name}') is not implemented; "
        f"exported layers: {', '.join(supported_layers())}")


def model_graph(g, model, input_names):
    """Emit ``model``'s graph into ``g``; returns the names of its outputs."""
    if not isinstance(model, Model):
        raise TypeError(f"expected a skdeep Model or Sequential, got {type(model).__name__}")
    model._ensure_graph()
    if len(input_names) != len(model._input_tensors):
        raise ValueError(f"model '{model.name}' has {len(model._input_tensors)} inputs, "
                         f"got {len(input_names)}")
    names = {id(t): n for t, n in zip(model._input_tensors, input_names)}
    for node in model._nodes:
        layer = node.layer
        if isinstance(layer, InputLayer):
            continue
        ins = [names[id(t)] for t in node.inputs]
        shapes = [t.shape for t in node.inputs]
        if node.call_kwargs.get("mask") is not None:
            _layers._refuse_mask(g, layer, ins, shapes)
        if isinstance(layer, Model):  # nested model: inline its graph
            outs = model_graph(g, layer, ins)
        else:
            outs = _converter(layer)(g, layer, ins, shapes)
        if len(outs) != len(node.outputs):
            raise NotImplementedError(f"{layer.name}: {len(node.outputs)} outputs in the model, "
                                      f"{len(outs)} exported")
        for t, n in zip(node.outputs, outs):
            names[id(t)] = n
    return [names[id(t)] for t in model._output_tensors]


def tensor_spec(tensor):
    """(ONNX element type, shape with a free batch dimension) of a symbolic tensor."""
    from onnx import TensorProto

    kind = np.dtype(tensor.dtype or "float32").kind
    elem = TensorProto.INT64 if kind in "iu" else TensorProto.FLOAT
    return elem, [None] + [None if d is None else int(d) for d in tensor.shape[1:]]
