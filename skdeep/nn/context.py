"""The per-call context a layer's ``forward`` receives.

The engine (see :mod:`skdeep.nn.execution`) creates one context per graph
node and entry point (train, evaluate, predict) and reuses it on every step,
so a layer's work arrays survive from one step to the next. An eager call
(``layer(x)`` on arrays) gets a fresh context with no workspace.
"""
import numpy as np


class CallContext:
    """What one call of a layer may read, and where it keeps its work arrays.

    Parameters
    ----------
    training : bool, default False
        Training mode (dropout active, batch statistics in BatchNormalization).
    mask : ndarray or list, optional
        The mask of the input (``(batch, timesteps)`` booleans, a list for a
        layer called on a list), or None. Only layers with
        ``consumes_mask = True`` need to read it.
    need_dx : bool, default True
        Whether ``backward`` must return the input gradient. False when the
        input is a model input: the layer may then return None and skip work.
    need_dw : bool, default True
        Whether ``backward`` must compute the layer's weight gradients. False
        when none of the layer's weights is trained (a frozen layer): the
        layer may skip that work. The engine calls ``backward`` only when
        ``need_dx`` or ``need_dw`` is True.
    sole_call : bool, default False
        True when the layer is called exactly once per training step and the
        engine zeroed the gradients before the step: ``backward`` may then
        *write* its weight gradients instead of adding them.
    logits : bool, default False
        Set by the engine on a layer with ``accepts_logits = True`` whose
        output feeds a loss that fuses the final activation (softmax or
        sigmoid with cross-entropy): ``forward`` returns the pre-activation
        values and the activation's backward is skipped.
    penalties : list, optional
        Where activity-regularization penalties of this step are appended
        (read by nested models; layers do not touch it).
    workspace : dict, optional
        Storage for :meth:`buffer`; None for eager calls (fresh arrays).

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep.nn.layers import Dense
    >>> from skdeep.nn.context import CallContext
    >>> layer = Dense(2)
    >>> _ = layer(np.ones((1, 3)))
    >>> y, backward = layer.forward(np.ones((4, 3)), CallContext(training=True))
    >>> backward(np.ones((4, 2))).shape
    (4, 3)
    """

    __slots__ = ("training", "mask", "need_dx", "need_dw", "sole_call", "logits", "penalties",
                 "workspace", "grad_plan", "_children")

    def __init__(self, training=False, mask=None, need_dx=True, sole_call=False, logits=False,
                 penalties=None, workspace=None, need_dw=True):
        self.training = bool(training)
        self.mask = mask
        self.need_dx = need_dx
        self.need_dw = need_dw
        # for a nested model: its nodes' (need_dx, need_dw, grad_plan), set by the engine
        self.grad_plan = None
        self.sole_call = sole_call
        self.logits = logits
        self.penalties = penalties
        self.workspace = workspace
        self._children = None

    def buffer(self, key, shape, dtype):
        """A work array of ``shape`` and ``dtype``, reused across calls.

        The contents are not initialised. With no workspace (eager calls) a
        fresh array is returned. The array stays valid until the next call
        of the same layer with this context, so ``backward`` may use it.
        """
        ws = self.workspace
        if ws is None:
            return np.empty(shape, dtype)
        k = (key, shape)
        buf = ws.get(k)
        if buf is None or buf.dtype != dtype:
            buf = ws[k] = np.empty(shape, dtype)
        return buf

    def child(self, key, training=None, need_dx=None, need_dw=None):
        """The context of a sublayer call inside this one (``key`` names it).

        It has its own workspace (kept with this context) and inherits the
        training flag, mask, ``need_dx``, ``need_dw`` and penalties unless
        given. It is never a sole call and never returns logits.
        """
        children = self._children
        if children is None:
            children = self._children = {}
        c = children.get(key)
        if c is None:
            c = children[key] = CallContext(workspace=None if self.workspace is None else {})
        c.training = self.training if training is None else training
        c.need_dx = self.need_dx if need_dx is None else need_dx
        c.need_dw = self.need_dw if need_dw is None else need_dw
        c.mask = self.mask
        c.penalties = self.penalties
        return c

    def __repr__(self):
        return (f"CallContext(training={self.training}, need_dx={self.need_dx}, "
                f"need_dw={self.need_dw}, "
                f"sole_call={self.sole_call}, logits={self.logits}, "
                f"mask={'None' if self.mask is None else 'set'}, "
                f"workspace={'None' if self.workspace is None else len(self.workspace)})")
