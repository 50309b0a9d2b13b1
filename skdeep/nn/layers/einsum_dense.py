"""EinsumDense: a dense layer written as an einsum equation (Keras 3).

``y = activation(einsum(equation, x, kernel) + bias)``. The kernel and bias
shapes follow Keras' rules for the equation, ``output_shape`` and
``bias_axes``. The backward products are the same equation with operands
permuted (``dx = einsum(out,kernel->in)``, ``dkernel = einsum(in,out->kernel)``),
evaluated by ``np.einsum`` with BLAS-backed contraction paths.
"""
import numbers
import re

import numpy as np

from .. import activations, constraints, initializers, regularizers
from .base import Layer
from .core import ActivationMixin

# letters free for the axes an ellipsis stands for (equations use lower case)
_ELLIPSIS_LETTERS = "ZYXWVUTSRQPONM"


def _split(equation):
    """``(input, kernel, output, ellipsis)`` of an equation; ellipsis is
    None, 'left' or 'right'."""
    if not isinstance(equation, str):
        raise TypeError(f"EinsumDense equation must be a string, got {equation!r}")
    eq = equation.replace(" ", "")
    for pattern, ellipsis in ((r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$", None),
                              (r"\.\.\.([a-zA-Z]+),([a-zA-Z]+)->\.\.\.([a-zA-Z]+)$", "left"),
                              (r"([a-zA-Z]{2,})\.\.\.,([a-zA-Z]+)->([a-zA-Z]+)\.\.\.$",
                               "right")):
        match = re.match(pattern, eq)
        if match:
            return (*match.groups(), ellipsis)
    raise ValueError(f"Invalid einsum equation '{equation}': equations must be of the form "
                     "'ab,bc->ac', '...b,bc->...c' or 'ab...,bc->ac...'")


def parse_equation(equation, input_rank):
    """``(input, kernel, output, left, elided)``: the letters of a Keras
    EinsumDense equation with any ``...`` spelled out for an input of
    ``input_rank``, whether the ellipsis was on the left, and how many axes
    it stands for."""
    inp, ker, out, ellipsis = _split(equation)
    elided = input_rank - len(inp)
    if ellipsis is None:
        if elided:
            raise ValueError(f"EinsumDense equation '{equation}' expects inputs of rank "
                             f"{len(inp)}, got rank {input_rank}")
        return inp, ker, out, False, 0
    if elided < 0:
        raise ValueError(f"EinsumDense equation '{equation}' needs inputs of rank >= "
                         f"{len(inp)}, got rank {input_rank}")
    extra = _ELLIPSIS_LETTERS[:elided]
    if ellipsis == "left":
        return extra + inp, ker, extra + out, True, elided
    return inp + extra, ker, out + extra, False, elided


def analyze(equation, bias_axes, input_shape, output_shape):
    """Kernel shape, bias shape (None without bias) and full output shape, as Keras."""
    inp, ker, out, left, elided = parse_equation(equation, len(input_shape))
    partial = [output_shape] if isinstance(output_shape, numbers.Integral) else list(output_shape)
    full = [input_shape[0]] + partial
    if elided and left:
        full[1:1] = list(input_shape[1:elided])
    elif elided:
        full += list(input_shape[len(input_shape) - elided:])
    if len(full) != len(out):
        raise ValueError(f"EinsumDense output_shape {tuple(partial)} does not fit the output "
                         f"'{out}' of equation '{equation}'")
    dims = {}
    for letter, size in zip(inp, input_shape):
        dims[letter] = size
    for i, letter in enumerate(out):
        if letter in dims:
            if full[i] is not None and dims[letter] is not None and full[i] != dims[letter]:
                raise ValueError(f"EinsumDense: input and output_shape disagree on axis "
                                 f"'{letter}' ({dims[letter]} vs {full[i]})")
            full[i] = dims[letter]
        elif letter not in ker:
            raise ValueError(f"EinsumDense: output axis '{letter}' of '{equation}' is in "
                             "neither the input nor the kernel")
        else:
            dims[letter] = full[i]
    kernel_shape = []
    for letter in ker:
        if letter not in dims:
            raise ValueError(f"EinsumDense: kernel axis '{letter}' of '{equation}' is in "
                             "neither the input nor the output")
        kernel_shape.append(dims[letter])
    bias_shape = None
    if bias_axes:
        missing = [c for c in bias_axes if c not in out]
        if missing:
            raise ValueError(f"EinsumDense bias_axes '{bias_axes}' name axes {missing} that are "
                             f"not in the output '{out}'")
        first = min(out.find(c) for c in bias_axes)
        bias_shape = [dims[c] if c in bias_axes else 1 for c in out[first:]]
    return kernel_shape, bias_shape, tuple(full)


class EinsumDense(ActivationMixin, Layer):
    """A dense layer given by an einsum equation (``keras.layers.EinsumDense``).

    Parameters
    ----------
    equation : str
        ``'ab,bc->ac'`` style, optionally with ``...`` on the left of the
        input and output (``'...b,bc->...c'``) or on their right.
    output_shape : int or tuple
        The output shape without the batch axis; None entries are taken
        from the input.
    activation : str, optional
    bias_axes : str, optional
        Output letters that get a bias.
    kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
    activity_regularizer, kernel_constraint, bias_constraint : as :class:`Dense`

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import EinsumDense
    >>> layer = EinsumDense("abc,cde->abde", output_shape=(None, 2, 4), bias_axes="de")
    >>> layer(np.ones((3, 5, 6))).shape
    (3, 5, 2, 4)
    >>> [w.shape for w in layer.weights]
    [(6, 2, 4), (2, 4)]
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None,
                 **kwargs):
        super().__init__(**kwargs)
        if lora_rank:
            raise NotImplementedError("EinsumDense lora_rank (LoRA) is not implemented in "
                                      "skdeep")
        _split(equation)
        self.equation = equation
        self.partial_output_shape = ((output_shape,) if isinstance(output_shape, numbers.Integral)
                                     else tuple(output_shape))
        self.bias_axes = bias_axes or None
        self.activation = activation
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        kernel_shape, bias_shape, full = analyze(self.equation, self.bias_axes, input_shape,
                                                 self.partial_output_shape)
        if any(d is None for d in kernel_shape) or (bias_shape and None in bias_shape):
            raise ValueError(f"EinsumDense '{self.name}' cannot size its kernel from input "
                             f"shape {tuple(input_shape)} and output_shape "
                             f"{self.partial_output_shape}")
        inp, ker, out, _, _ = parse_equation(self.equation, len(input_shape))
        if any(c not in ker and c not in out for c in inp):
            raise NotImplementedError(f"EinsumDense '{self.equation}': input axes summed "
                                      "without the kernel are not supported")
        self.full_output_shape = full
        self.kernel = self.add_weight("kernel", kernel_shape, self.kernel_initializer,
                                      self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = (self.add_weight("bias", bias_shape, self.bias_initializer,
                                     self.bias_regularizer, constraint=self.bias_constraint)
                     if bias_shape is not None else None)
        self.built = True

    def compute_output_shape(self, input_shape):
        return analyze(self.equation, self.bias_axes, input_shape, self.partial_output_shape)[2]

    def forward(self, inputs, ctx):
        x = np.asarray(inputs)
        if x.dtype != self.dtype:
            x = x.astype(self.dtype)
        kernel = self.kernel.value
        inp, ker, out, _, _ = parse_equation(self.equation, x.ndim)
        try:
            z = np.einsum(f"{inp},{ker}->{out}", x, kernel, optimize=True)
        except ValueError:
            raise ValueError(f"Layer '{self.name}' (equation '{self.equation}', kernel "
                             f"{kernel.shape}) cannot take inputs of shape {x.shape}") from None
        if self.bias is not None:
            z = z + self.bias.value
        z = np.ascontiguousarray(z, dtype=kernel.dtype)
        z2 = z.reshape(-1, z.shape[-1])
        y, activation_backward = self._activate(z2, np.zeros(0, z.dtype), ctx)
        bias_axes = None if self.bias is None else tuple(range(z.ndim - self.bias.value.ndim))

        def backward(dy):
            dz = activation_backward(np.ascontiguousarray(dy, dtype=z.dtype).reshape(z2.shape))
            dz = dz.reshape(z.shape)
            if self.bias is not None:
                g = dz.sum(axis=bias_axes)
                keep = tuple(i for i, s in enumerate(self.bias.value.shape) if s == 1)
                self.bias.grad += g.sum(axis=keep, keepdims=True) if keep else g
            self.kernel.grad += np.einsum(f"{inp},{out}->{ker}", x, dz, optimize=True)
            if not ctx.need_dx:
                return None
            return np.einsum(f"{out},{ker}->{inp}", dz, kernel, optimize=True)

        return y.reshape(z.shape), backward

    def get_config(self):
        config = super().get_config()
        config.update(equation=self.equation, output_shape=list(self.partial_output_shape),
                      activation=activations.serialize(self.activation),
                      bias_axes=self.bias_axes,
                      kernel_initializer=initializers.serialize(self.kernel_initializer),
                      bias_initializer=initializers.serialize(self.bias_initializer),
                      kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
                      bias_regularizer=regularizers.serialize(self.bias_regularizer),
                      activity_regularizer=regularizers.serialize(self.activity_regularizer),
                      kernel_constraint=constraints.serialize(self.kernel_constraint),
                      bias_constraint=constraints.serialize(self.bias_constraint))
        return config
