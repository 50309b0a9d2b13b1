"""A small ONNX graph builder shared by :func:`to_onnx` and the skl2onnx converters.

Nodes and initializers are collected as plain tuples and numpy arrays, then
either packed into a standalone ``ModelProto`` or handed to a skl2onnx
container, so that one converter per layer serves both paths.
"""
import numpy as np

#: the opsets the converters emit correct nodes for
MIN_OPSET, MAX_OPSET = 13, 21
DEFAULT_OPSET = 17


def require_onnx():
    try:
        import onnx
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("ONNX export needs the 'onnx' extra: pip install 'scikit-deep[onnx]' "
                          "(onnx, onnxruntime, skl2onnx)") from exc
    return onnx


class Graph:
    """Nodes, initializers and unique names for one export.

    Parameters
    ----------
    opset : int
        Target opset of the default ONNX domain.
    namer : callable, optional
        ``namer(base) -> unique name``; skl2onnx passes its scope's.
    """

    def __init__(self, opset=DEFAULT_OPSET, namer=None):
        if not MIN_OPSET <= opset:
            raise ValueError(f"target_opset must be >= {MIN_OPSET}, got {opset}")
        self.opset = min(int(opset), MAX_OPSET)
        self.nodes = []         # (op_type, inputs, outputs, attrs)
        self.initializers = {}  # name -> array
        self._names = set()
        self._namer = namer

    def name(self, base):
        base = "".join(c if c.isalnum() or c in "_." else "_" for c in str(base)) or "t"
        if self._namer is not None:
            return self._namer(base)
        name, i = base, 0
        while name in self._names:
            i += 1
            name = f"{base}_{i}"
        self._names.add(name)
        return name

    def const(self, value, base="const", dtype=None):
        arr = np.asarray(value, dtype=dtype)
        if arr.dtype == np.float64:
            arr = arr.astype(np.float32)
        name = self.name(base)
        self.initializers[name] = arr.copy(order="C")  # (ascontiguousarray makes 0-d 1-d)
        return name

    def op(self, op_type, inputs, base=None, n_out=1, outputs=None, **attrs):
        """Add a node; returns its output name (or list of names if ``n_out > 1``)."""
        if outputs is None:
            outputs = [self.name(f"{base or op_type.lower()}_out{i}" if n_out > 1
                                 else (base or op_type.lower())) for i in range(n_out)]
        self.nodes.append((op_type, list(inputs), list(outputs), attrs))
        return outputs[0] if n_out == 1 else outputs

    # ops whose signature changed across the supported opsets
    def reduce(self, op_type, x, axes, keepdims=False, base=None):
        if self.opset >= 18 or op_type == "ReduceSum":
            return self.op(op_type, [x, self.const(np.asarray(axes, np.int64), "axes")], base,
                           keepdims=int(keepdims))
        return self.op(op_type, [x], base, axes=list(axes), keepdims=int(keepdims))

    def squeeze(self, x, axes, base=None):
        return self.op("Squeeze", [x, self.const(np.asarray(axes, np.int64), "axes")], base)

    def reverse_time(self, x, axis=0, base=None):
        """``x`` reversed along ``axis`` (a Slice with step -1)."""
        i64 = np.int64
        return self.op("Slice", [x, self.const(np.array([-1], i64), "starts"),
                                 self.const(np.array([np.iinfo(i64).min], i64), "ends"),
                                 self.const(np.array([axis], i64), "axes"),
                                 self.const(np.array([-1], i64), "steps")], base)

    # ------------------------------------------------------------------ output
    def to_model(self, inputs, outputs, graph_name, producer_version):
        """A checked ``ModelProto``; ``inputs``/``outputs`` are ``(name, elem_type, shape)``."""
        onnx = require_onnx()
        from onnx import helper, numpy_helper

        nodes = [helper.make_node(op, ins, outs, name=self.name(f"{op}_node"), **attrs)
                 for op, ins, outs, attrs in self.nodes]
        inits = [numpy_helper.from_array(arr, name) for name, arr in self.initializers.items()]
        graph = helper.make_graph(
            nodes, graph_name,
            [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
            [helper.make_tensor_value_info(n, t, s) for n, t, s in outputs],
            initializer=inits)
        model = helper.make_model(graph, producer_name="skdeep",
                                  producer_version=producer_version,
                                  opset_imports=[helper.make_opsetid("", self.opset)])
        # the IR version the chosen opset came with, so older runtimes load the file
        model.ir_version = min(model.ir_version, 8 if self.opset <= 18 else 9)
        onnx.checker.check_model(model)
        return model

    def transfer(self, container, scope):
        """Copy the nodes and initializers into a skl2onnx container."""
        from onnx import numpy_helper

        from onnx import TensorProto

        for name, arr in self.initializers.items():
            if arr.dtype.kind in "OSU":  # string tensors cannot travel as raw data
                container.add_initializer(name, TensorProto.STRING, list(arr.shape),
                                          [str(v).encode() for v in arr.ravel()])
                continue
            tensor = numpy_helper.from_array(arr, name)
            container.add_initializer(name, tensor.data_type, list(arr.shape), tensor)
        for op, ins, outs, attrs in self.nodes:
            container.add_node(op, ins, outs, name=scope.get_unique_operator_name(op),
                               op_version=self.opset, **attrs)
