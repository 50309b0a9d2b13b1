"""Layer base class, weights, symbolic tensors and graph nodes.

The layer protocol is documented on :class:`Layer`; the per-call context is
:class:`skdeep.nn.context.CallContext`.
"""
import numbers

import numpy as np

from .. import backend, constraints, initializers, regularizers
from .._limits import check_layer_dtype, check_new_weight
from ..context import CallContext
from ..naming import BUILD_LOCK, _NAME_COUNTERS, _USED_NAMES, _snake, unique_name  # noqa: F401
from ..ops._core import Operators, Tensor
from ..variables import Variable
from . import _call_args, _custom

_ENGINE_ADD_WEIGHT = ("name", "shape", "initializer", "regularizer", "trainable", "constraint")
_KERAS_ADD_WEIGHT = ("shape", "initializer", "dtype", "trainable", "autocast", "regularizer",
                     "constraint", "aggregation", "overwrite_with_gradient", "name")


# the layer weight class is the public ``keras.Variable`` (kept here under its old name)
Weight = Variable


class KTensor(Operators):
    """A symbolic tensor: the shape (batch dim None) and where it comes from.

    Ops of :mod:`skdeep.nn.ops` and Python arithmetic on it (``a * 2 + b``,
    ``x[:, :3]``) add op nodes to the graph, as in Keras 3. ``==`` keeps
    Python's identity meaning here, so that tensors can be looked up in lists.
    """

    _is_symbolic = True
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    def __bool__(self):
        return True

    def __len__(self):
        raise TypeError(f"A symbolic tensor {self.shape} has no length until the model runs")

    def __iter__(self):
        raise TypeError("A symbolic tensor cannot be iterated; use ops.unstack or indexing")

    def __init__(self, shape, dtype, layer, node_index, tensor_index, name=None):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.name = name or layer.name
        self.node = None  # set by the Node that produces this tensor

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<KTensor shape={self.shape} dtype={self.dtype} name={self.name}>"


def is_keras_tensor(x):
    """Whether ``x`` is a symbolic tensor (from ``Input`` and layer calls).

    Also ``skdeep.nn.backend.is_keras_tensor`` and ``skdeep.nn.utils.is_keras_tensor``.
    """
    return isinstance(x, KTensor)


class Node:
    """One call of a layer on symbolic tensors.

    ``training`` is the ``training=`` argument of that call: None follows the
    caller's mode, True/False fix the mode of this call (and of every layer
    inside it when the layer is a model), as in Keras.
    """

    def __init__(self, layer, inputs, outputs, call_kwargs=None, list_input=False,
                 training=None):
        self.layer = layer
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.call_kwargs = call_kwargs or {}
        self.list_input = list_input  # the layer was called on a list of tensors
        self.training = None if training is None else bool(training)
        for t in self.outputs:
            t.node = self


def _as_list(x):
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


class Layer(_custom.CallLayerMixin):
    """Base class of all layers.

    Parameters
    ----------
    name : str, optional
        Unique name; derived from the class name by default.
    trainable : bool, default True
        Whether the layer's weights are updated by training.
    dtype : str, optional
        ``'float32'`` or ``'float64'``; defaults to ``skdeep.nn.backend.floatx()``.
    input_shape, input_dim : optional
        Shape of one sample (without the batch dimension) when the layer is
        the first of a Sequential model.

    Notes
    -----
    **The layer protocol.** A subclass implements up to five methods; the
    engine never inspects a layer in any other way.

    ``__init__(**config)``
        Stores configuration only (Keras argument names and defaults), passes
        ``**kwargs`` to ``super().__init__`` and creates no weights.
    ``build(input_shape)``
        Creates the weights with :meth:`add_weight` (Keras' layouts) from the
        input shape, whose batch dimension is None (a list of shapes for a
        layer called on a list). Called once, before the first call.
    ``compute_output_shape(input_shape)``
        The output shape (a list for several outputs) without computing;
        symbolic calls use it. The default returns the input shape.
    ``forward(inputs, ctx) -> (outputs, backward)``
        Computes on arrays. ``ctx`` is a
        :class:`~skdeep.nn.context.CallContext`: read ``ctx.training``,
        ``ctx.mask`` (with ``consumes_mask = True``), ``ctx.need_dx``,
        ``ctx.sole_call`` and ``ctx.logits`` (with ``accepts_logits = True``)
        from it, and take work arrays from ``ctx.buffer(key, shape, dtype)``
        so that they are reused across steps. Never store per-call state on
        ``self``: a layer may be called at several places of a graph.
        ``backward(dy) -> dx`` is a closure: it returns the input gradient
        (a list for a list input; None when ``ctx.need_dx`` is False or the
        input is not differentiable) and **adds** the weight gradients into
        ``weight.grad`` (it may assign them when ``ctx.sole_call`` is True).
        Keyword arguments given at a symbolic call other than ``training``
        and ``mask`` are passed on to ``forward``.
    ``get_config()``
        Every ``__init__`` argument, so that ``cls.from_config(config)``
        rebuilds an identical layer.

    Class attributes declare what the engine may do with the layer:
    ``consumes_mask`` (forward reads ``ctx.mask``), ``supports_masking``
    (an input mask passes through unchanged), ``accepts_logits`` (forward
    honours ``ctx.logits``; the layer also has an ``activation`` attribute
    naming its final activation). A layer that owns other layers (calls
    their ``forward`` inside its own, each with ``ctx.child(key)``) lists
    them in :attr:`sublayers`.

    Examples
    --------
    A layer that scales its input by a learned vector:

    >>> import numpy as np
    >>> from skdeep.nn.layers import Layer
    >>> class Scale(Layer):
    ...     def build(self, input_shape):
    ...         self.scale = self.add_weight("scale", (input_shape[-1],), "ones")
    ...     def forward(self, inputs, ctx):
    ...         s = self.scale.value
    ...         def backward(dy):
    ...             self.scale.grad += (dy * inputs).reshape(-1, s.shape[0]).sum(axis=0)
    ...             return dy * s if ctx.need_dx else None
    ...         return inputs * s, backward
    >>> Scale()(np.ones((2, 3))).shape
    (2, 3)
    """

    #: whether ``forward`` reads the input mask from ``ctx.mask``.
    consumes_mask = False
    #: whether a mask on the input passes through this layer unchanged.
    supports_masking = False
    #: whether ``forward`` honours ``ctx.logits`` (returns pre-activation
    #: values so that a loss can fuse the layer's final ``activation``).
    accepts_logits = False
    #: True on models: layers that hold a graph of other layers' calls.
    _owns_graph = False

    def __init__(self, name=None, trainable=True, dtype=None, input_shape=None,
                 input_dim=None, batch_input_shape=None, batch_size=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected keyword argument(s) "
                            f"{sorted(kwargs)}")
        if name:
            _USED_NAMES.add(name)
        self.name = name or unique_name(_snake(type(self).__name__))
        self._trainable = bool(trainable)
        self.dtype = check_layer_dtype(dtype or backend.floatx(), type(self).__name__)
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            input_shape = tuple(batch_input_shape)[1:]
        if input_shape is not None:
            input_shape = tuple(int(d) if d is not None else None for d in _as_list(input_shape))
        self._input_shape_arg = input_shape
        self.built = False
        self._weights = []
        self._inbound_nodes = []
        self.activity_regularizer: object = None  # a Regularizer, set by the layers that take one

    # ------------------------------------------------------------- weights
    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for layer in self._tracked_layers():
            layer.trainable = value

    def add_weight(self, *args, **kwargs):
        """Create a weight, initialised now from the engine's random generator.

        Keras 3's signature ``add_weight(shape=None, initializer=None,
        dtype=None, trainable=True, autocast=True, regularizer=None,
        constraint=None, aggregation='none', name=None)``; an initializer of
        None means ``'glorot_uniform'`` for floats and ``'zeros'`` otherwise,
        as in Keras. The engine's positional order ``add_weight(name, shape,
        initializer, regularizer, trainable, constraint)`` is accepted when
        the first argument is a string.
        """
        order = _ENGINE_ADD_WEIGHT if args and isinstance(args[0], str) else _KERAS_ADD_WEIGHT
        if len(args) > len(order):
            raise TypeError(f"add_weight takes at most {len(order)} positional arguments")
        for key, value in zip(order, args):
            if key in kwargs:
                raise TypeError(f"add_weight got multiple values for argument {key!r}")
            kwargs[key] = value
        unknown = sorted(set(kwargs) - set(_KERAS_ADD_WEIGHT))
        if unknown:
            raise TypeError(f"add_weight got unexpected keyword argument(s) {unknown}")
        if kwargs.get("shape") is None:
            kwargs["shape"] = ()
        dtype = np.dtype(kwargs.get("dtype") or self.dtype).name
        shape = (int(kwargs["shape"]),) if np.ndim(kwargs["shape"]) == 0 and \
            kwargs["shape"] != () else tuple(int(d) for d in kwargs["shape"])
        initializer = kwargs.get("initializer")
        if initializer is None:
            initializer = "glorot_uniform" if np.issubdtype(dtype, np.floating) else "zeros"
        name = kwargs.get("name") or self._next_weight_name()
        check_new_weight(self.name, name, shape)  # a file's config may not ask for more
        init = initializers.get(initializer)
        # np.array, not ascontiguousarray: that would turn a scalar weight into shape (1,)
        value = np.array(init(shape, dtype=dtype), dtype=dtype, order="C")
        w = Variable._wrap(name, value, trainable=bool(kwargs.get("trainable", True)),
                           regularizer=regularizers.get(kwargs.get("regularizer")),
                           constraint=constraints.get(kwargs.get("constraint")), layer=self)
        self._weights.append(w)
        return w

    def _next_weight_name(self):
        taken = {w.name for w in self._weights}
        n = 0
        while (name := "variable" if n == 0 else f"variable_{n}") in taken:
            n += 1
        return name

    @property
    def weights(self):
        return self._with_tracked(list(self._weights))

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        own = [w for w in self._weights if w.trainable]
        return self._trainable_with_tracked(own) if self._call_defined else own

    @property
    def non_trainable_weights(self):
        trainable = {id(w) for w in self.trainable_weights}
        return [w for w in self.weights if id(w) not in trainable]

    # Keras 3 names (properties, so that subclasses overriding the above agree)
    @property
    def variables(self):
        return self.weights

    @property
    def trainable_variables(self):
        return self.trainable_weights

    @property
    def non_trainable_variables(self):
        return self.non_trainable_weights

    def get_weights(self):
        """Copies of the weight values, in Keras' order (see API.md)."""
        return [w.value.copy() for w in self.weights]

    def set_weights(self, weights):
        mine = self.weights
        weights = list(weights)
        if len(weights) != len(mine):
            raise ValueError(f"Layer '{self.name}' expects {len(mine)} weight arrays "
                             f"({[w.shape for w in mine]}), got {len(weights)}")
        for w, v in zip(mine, weights):
            w.assign(v)

    def count_params(self):
        return int(sum(w.value.size for w in self.weights))

    # ------------------------------------------------------------- shapes
    def build(self, input_shape):
        self.built = True
        if self._call_defined:
            # Keras 3 builds the sublayers of a layer without build() by running
            # call() once (on a probe batch, without side effects)
            _custom.build_sublayers(self, input_shape)

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_mask(self, inputs, mask):
        """The mask of the output, given the input mask (None: no mask)."""
        return mask if self.supports_masking else None

    def _maybe_build(self, input_shape, call_kwargs=None):
        if self.built:
            return
        with BUILD_LOCK:
            if not self.built:  # another thread may have built it meanwhile
                if call_kwargs and _call_args.KEY in call_kwargs:
                    _custom.build_packed_call(self, input_shape, call_kwargs, Layer.build)
                else:
                    self.build(input_shape)
                self.built = True

    @property
    def sublayers(self):
        """The layers this layer calls inside its own ``forward`` (none by default).

        Training collects their weights and trainable flags through it.
        """
        return self._tracked_layers()

    # ------------------------------------------------------------- calling
    def forward(self, inputs, ctx):
        """``(outputs, backward)`` for array ``inputs`` (see the class notes)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement call(inputs) "
                                  "(Keras 3 style, with skdeep.nn.ops) or forward(inputs, ctx) "
                                  "(the engine protocol)")

    def __call__(self, inputs, *args, training=None, mask=None, **kwargs):
        """On symbolic tensors: record a graph node. On arrays: compute now (eager).

        A ``call()`` layer takes further tensors as ``call`` does (Keras 3's
        ``layer(targets, logits)`` for ``call(self, targets, logits)``); other
        layers take ``training`` and ``mask`` after the inputs.
        """
        if self._call_defined and (args or kwargs):
            packed = _call_args.pack(self, inputs, args,
                                     dict(kwargs, training=training, mask=mask))
            if packed is not None:
                inputs, kwargs, training, mask = packed
                args = ()
        if args:
            if len(args) > 2:
                raise TypeError(f"Layer '{self.name}': called with {len(args) + 1} positional "
                                "arguments; expected inputs, training, mask")
            training, mask = args[0], args[1] if len(args) > 1 else mask
        spec = self.__dict__.get("input_spec")
        if spec is not None:
            from .input_spec import assert_input_compatibility

            assert_input_compatibility(spec, inputs, self.name)
        flat = _as_list(inputs)
        if any(isinstance(t, KTensor) for t in flat):
            if not all(isinstance(t, KTensor) for t in flat):
                raise TypeError(f"Layer '{self.name}' was called on a mix of symbolic tensors "
                                "and arrays; call it on Input() tensors or on arrays")
            if mask is not None:
                raise NotImplementedError(f"Layer '{self.name}': an explicit mask= on a "
                                          "symbolic call is not supported; masks propagate from "
                                          "Embedding(mask_zero=True) and Masking")
            return self._call_symbolic(inputs, training, **kwargs)
        if any(type(t) is Tensor for t in flat) or _custom.active_tape() is not None:
            return _custom.call_on_tensors(self, inputs, training, mask, **kwargs)
        arrays = [np.asarray(a) for a in flat]
        arrays = [a.astype(self.dtype) if np.issubdtype(a.dtype, np.floating) else a
                  for a in arrays]
        x = arrays if isinstance(inputs, (list, tuple)) else arrays[0]
        shapes = [(None,) + a.shape[1:] for a in arrays]
        self._maybe_build(shapes if isinstance(inputs, (list, tuple)) else shapes[0], kwargs)
        y, _ = self.forward(x, CallContext(training=bool(training), mask=mask), **kwargs)
        if self._call_defined:  # Keras tensors have .numpy(); so do our eager results
            y = [v.view(_custom.EagerArray) for v in y] if isinstance(y, list) else \
                y.view(_custom.EagerArray)
        return y

    def _call_symbolic(self, inputs, training=None, **kwargs):
        shapes = [t.shape for t in _as_list(inputs)]
        shape_arg = shapes if isinstance(inputs, (list, tuple)) else shapes[0]
        self._maybe_build(shape_arg, kwargs)
        out_shape = self._call_output_shape(shape_arg, kwargs)
        multi = isinstance(out_shape, list)
        out_shapes = out_shape if multi else [out_shape]
        node_index = len(self._inbound_nodes)
        outputs = [KTensor(s, self.dtype, self, node_index, i) for i, s in enumerate(out_shapes)]
        self._inbound_nodes.append(Node(self, _as_list(inputs), outputs, kwargs,
                                        list_input=isinstance(inputs, (list, tuple)),
                                        training=training))
        return outputs if multi else outputs[0]

    def _call_output_shape(self, input_shape, call_kwargs):
        """The output shape of a symbolic call; layers whose outputs depend on
        call arguments (``return_attention_scores=True``) override it. A custom
        ``call()`` layer without ``compute_output_shape`` runs on a probe batch."""
        if self._call_defined and (type(self).compute_output_shape is Layer.compute_output_shape
                                   or _call_args.KEY in call_kwargs):
            return _custom.infer_output_shape(self, input_shape, call_kwargs)
        return self.compute_output_shape(input_shape)

    # ------------------------------------------------------------- graph info
    def _node_attr(self, attr):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer '{self.name}' has never been called and thus has no "
                                 f"defined {attr}")
        tensors = getattr(self._inbound_nodes[0], attr)
        return tensors[0] if len(tensors) == 1 else tensors

    @property
    def input(self):
        """The symbolic input of the layer's first call."""
        return self._node_attr("inputs")

    @property
    def output(self):
        """The symbolic output of the layer's first call."""
        return self._node_attr("outputs")

    @property
    def input_shape(self):
        inp = self.input
        return [t.shape for t in inp] if isinstance(inp, list) else inp.shape

    @property
    def output_shape(self):
        out = self.output
        return [t.shape for t in out] if isinstance(out, list) else out.shape

    # ------------------------------------------------------------- config
    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._input_shape_arg is not None:
            config["input_shape"] = list(self._input_shape_arg)
        if self._call_defined and type(self).get_config is Layer.get_config:
            # a Keras 3 custom layer without get_config: its __init__ arguments
            config = _custom.merge_auto_config(self, config)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        """Keras-call style: the class and the arguments that differ from defaults."""
        import inspect

        try:
            config = self.get_config()
            params = inspect.signature(type(self).__init__).parameters
        except Exception:  # a half-initialised layer must still print
            return f"<{type(self).__name__}>"
        args = []
        for key, value in config.items():
            if key in ("name", "trainable", "dtype") or key not in params:
                continue
            default = params[key].default
            if isinstance(value, dict) and "class_name" in value:
                value = value["class_name"]
                if isinstance(default, str) and value.lower().replace("_", "") == \
                        default.lower().replace("_", ""):
                    continue
            if isinstance(value, list):
                value = tuple(value)
                if value == default or (isinstance(default, int) and
                                        value == (default,) * len(value)):
                    continue
                if len(set(value)) == 1:
                    value = value[0]
            if value == default or (value is None and default is inspect.Parameter.empty) \
                    or (key == "activation" and value == "linear" and default is None):
                continue
            required = default is inspect.Parameter.empty
            args.append(repr(value) if required else f"{key}={value!r}")
        return f"{type(self).__name__}({', '.join(args)})"


class InputLayer(Layer):
    """The layer behind :func:`Input`; passes its input through."""

    def __init__(self, shape=None, batch_size=None, dtype=None, name=None, input_shape=None,
                 sparse=None, batch_shape=None, ragged=None, input_tensor=None, optional=False,
                 **kwargs):
        _refuse_input_features(sparse=sparse, ragged=ragged, tensor=input_tensor,
                               optional=optional)
        if shape is None:
            shape = input_shape
        if batch_shape is not None:
            if shape is not None:
                raise ValueError("Input takes shape= (one sample) or batch_shape= (batch "
                                 "dimension first), not both")
            batch_shape = tuple(batch_shape)
            if not batch_shape:
                raise ValueError("batch_shape must include the batch dimension, e.g. "
                                 "batch_shape=(None, 8)")
            batch_size, shape = batch_shape[0], batch_shape[1:]
        if shape is None:
            raise ValueError("Input needs a shape, e.g. Input(shape=(8,))")
        shape = _standardize_shape(shape)
        if batch_size is not None:
            batch_size = _standardize_shape((batch_size,), "batch_size")[0]
        strings = dtype in ("string", "str")
        super().__init__(name=name or unique_name("input_layer"),
                         dtype=None if strings else dtype, **kwargs)
        if strings:  # raw text for TextVectorization / StringLookup, as in Keras
            self.dtype = "string"
        self.shape = shape
        self.batch_size = batch_size
        self.built = True
        tensor = KTensor((batch_size,) + self.shape, self.dtype, self, 0, 0, name=self.name)
        self._inbound_nodes.append(Node(self, [], [tensor]))

    def forward(self, inputs, ctx):
        return inputs, lambda dy: dy

    def get_config(self):
        return {"name": self.name, "shape": list(self.shape), "dtype": self.dtype,
                "batch_size": self.batch_size}


def _standardize_shape(shape, what="shape"):
    """A shape as a tuple of non-negative ints and Nones, as Keras' standardize_shape:
    a clear error for negative, fractional or non-numeric entries."""
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise ValueError(f"Cannot convert {what}={shape!r} to a shape: expected a tuple of "
                         "integers (None for a variable size)") from None
    out = []
    for d in dims:
        if d is None:
            out.append(None)
            continue
        if isinstance(d, bool) or not isinstance(d, numbers.Integral):
            raise ValueError(f"Cannot convert {what}={shape!r} to a shape: found invalid entry "
                             f"{d!r} of type {type(d).__name__}; entries must be integers or "
                             "None")
        if d < 0:
            raise ValueError(f"Cannot convert {what}={shape!r} to a shape: negative dimensions "
                             "are not allowed (use None for a variable size)")
        out.append(int(d))
    return tuple(out)


def _refuse_input_features(sparse=None, ragged=None, tensor=None, optional=False):
    for what, value in (("sparse", sparse), ("ragged", ragged)):
        if value:
            raise NotImplementedError(
                f"Input({what}=True) is not supported: skdeep layers take dense NumPy arrays. "
                f"Convert the data first (scipy sparse: X.toarray(); ragged sequences: "
                f"skdeep.nn.utils.pad_sequences) and use a dense Input")
    if tensor is not None:
        raise NotImplementedError("Input(tensor=...) is not supported: build the model on "
                                  "Input(shape=...) and pass the array to fit/predict")
    if optional:
        raise NotImplementedError("Input(optional=True) is not supported: every model input "
                                  "must be given")


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False, ragged=None, **kwargs):
    """A symbolic input tensor of a functional model (batch dimension excluded).

    Parameters
    ----------
    shape : tuple of int or None
        Shape of one sample, e.g. ``(28, 28, 1)``; None for a variable length.
    batch_size : int, optional
        A fixed batch size (informational).
    dtype : str, optional
        ``'float32'`` (default: floatx) or an integer dtype for token ids.
    batch_shape : tuple, optional
        Instead of ``shape`` and ``batch_size``: the full shape, batch first,
        e.g. ``(16, 10, 5)``.
    name : str, optional
    sparse, ragged, tensor, optional :
        Keras arguments for inputs skdeep does not take (sparse or ragged
        tensors, wrapping an existing tensor, optional inputs): a true value
        raises NotImplementedError.

    Examples
    --------
    >>> from skdeep.nn import Input, Model
    >>> from skdeep.nn.layers import Dense
    >>> x = Input(shape=(4,))
    >>> model = Model(x, Dense(2)(x))
    >>> model.output_shape
    (None, 2)
    >>> Input(batch_shape=(16, 10, 5)).shape
    (16, 10, 5)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, name=name, sparse=sparse,
                       batch_shape=batch_shape, ragged=ragged, input_tensor=tensor,
                       optional=optional, **kwargs)
    return layer._inbound_nodes[0].outputs[0]
