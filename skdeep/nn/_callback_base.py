"""The Callback base class and the list that dispatches hooks to callbacks.

Separate from :mod:`skdeep.nn.callbacks` so that the progress bar's logger
(:mod:`skdeep.nn.progbar`) and the training loop can use them without
importing every callback.
"""


class Callback:
    """Base class; override any of the ``on_*`` hooks.

    ``self.model`` is the model being trained and ``self.params`` holds
    ``epochs``, ``steps`` and ``verbose``.
    """

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def __getstate__(self):
        # every fit attaches the model again; copies and pickles of a callback
        # (scikit-learn's clone deep-copies them) should not drag the model along
        state = self.__dict__.copy()
        state["model"] = None
        return state

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_train_batch_begin(self, batch, logs=None): self.on_batch_begin(batch, logs)
    def on_train_batch_end(self, batch, logs=None): self.on_batch_end(batch, logs)
    # Keras' older names for the training batch hooks
    def on_batch_begin(self, batch, logs=None): pass
    def on_batch_end(self, batch, logs=None): pass
    def on_test_begin(self, logs=None): pass
    def on_test_end(self, logs=None): pass
    def on_test_batch_begin(self, batch, logs=None): pass
    def on_test_batch_end(self, batch, logs=None): pass
    def on_predict_begin(self, logs=None): pass
    def on_predict_end(self, logs=None): pass
    def on_predict_batch_begin(self, batch, logs=None): pass
    def on_predict_batch_end(self, batch, logs=None): pass


_BATCH_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


def _implements(cb, hook):
    """Whether ``cb`` does something in a per-batch hook, so that the loop only
    builds batch logs when someone reads them."""
    wants = getattr(cb, "_wants_batch_hook", None)
    if wants is not None and not wants(hook):
        return False
    for name in (hook, _BATCH_ALIASES.get(hook)):
        if name is not None and (name in vars(cb) or
                                 getattr(type(cb), name, None) is not getattr(Callback, name)):
            return True
    return False


class CallbackList:
    """Dispatches each hook to a list of callbacks: ``notify(hook, *args)``."""

    def __init__(self, callbacks, model, params):
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            cb.set_model(model)
            cb.set_params(params)
        self._batch_hooks = {
            hook: [cb for cb in self.callbacks if _implements(cb, hook)]
            for hook in ("on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin",
                         "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end")}

    def notify(self, hook, *args):
        targets = self._batch_hooks.get(hook, self.callbacks)
        for cb in targets:
            getattr(cb, hook)(*args)

    def wants(self, hook):
        """Whether any callback overrides a per-batch hook (to skip building logs)."""
        return bool(self._batch_hooks.get(hook, self.callbacks))


class History(Callback):
    """Records the epoch logs: ``history.history['loss']`` etc. Returned by ``fit``."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        self.model.history = self
