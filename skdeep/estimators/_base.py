"""What the three estimators share: parameters and routing, validation,
seeding and thread limits, the training call, prediction and pickling.

The estimators never do network math: they build a :class:`skdeep.nn.Model`
from layer specs (or a user's ``model=`` callable), hand it encoded arrays
and decode what it returns.
"""
import contextlib
import copy
import functools
import inspect
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..nn import losses, optimizers, threads
from ..nn.inference import try_predict
from ..nn import callbacks as callbacks_module
from ..nn.saving import model_from_bytes, model_to_bytes
from . import _routing

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - older scikit-learn
    def _validate_data(estimator, X="no_validation", y="no_validation", **kwargs):
        return estimator._validate_data(X, y, **kwargs)


def _custom_layer_classes(model):
    """``{class name: class}`` of the layers in ``model`` (nested models and
    sublayers included) that the safe format cannot find by name: neither
    skdeep's nor registered. Classes defined inside functions are left out
    (pickle cannot store them by reference); loading then names them."""
    from ..nn.model import Model
    from ..nn.object_registry import get_registered_name
    from ..nn.layers.serialization import layer_classes as _layer_classes

    known = _layer_classes()
    found, stack, seen = {}, [model], set()
    while stack:
        layer = stack.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        cls = type(layer)
        resolvable = known.get(get_registered_name(cls)) is cls or known.get(cls.__name__) is cls
        if not resolvable and cls.__module__.partition(".")[0] != "skdeep" \
                and "<locals>" not in cls.__qualname__:
            found[cls.__name__] = cls
        if isinstance(layer, Model):
            stack.extend(layer.layers if layer._graph_ready or hasattr(layer, "_stack") else [])
        stack.extend(getattr(layer, "sublayers", None) or [])
    return found


def _extended(history, new):
    """A new history dict: ``history``'s lists followed by the epochs of ``new``."""
    out = {key: list(values) for key, values in history.items()}
    for key, values in new.items():
        out.setdefault(key, []).extend(float(v) for v in values)
    return out


_BUILTIN_ENCODERS = ("ClassifierTargetEncoder", "RegressorTargetEncoder")


class _DivergenceGuard(callbacks_module.Callback):
    """Raise a clear error at the end of the first epoch whose training loss or
    weights are not finite: an estimator must not return a NaN network (as
    scikit-learn's MLP refuses to). The fit's transaction then restores the
    estimator's previous state."""

    def __init__(self, owner, X):
        super().__init__()
        self.owner, self.X = owner, X

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss")
        bad_loss = loss is not None and not np.isfinite(loss)
        bad_weights = not all(np.isfinite(w.value).all() for w in self.model.weights)
        if not (bad_loss or bad_weights):
            return
        if bad_loss:
            what = f"the training loss is {loss}"
            what += " and the weights are not finite" if bad_weights else ""
        else:
            what = f"the weights are not finite (the training loss was still {loss:.3g})"
        optimizer = self.model.optimizer
        lr = getattr(optimizer, "learning_rate", None)
        scale = ""
        if isinstance(self.X, np.ndarray) and self.X.size and self.X.dtype.kind in "fiu":
            scale = f" (the largest |X| is {float(np.max(np.abs(self.X))):.3g})"
        raise ValueError(
            f"{type(self.owner).__name__}: training diverged at epoch {epoch + 1}: {what}. "
            f"The learning rate ({lr} for {type(optimizer).__name__}) may be too high, or the "
            f"inputs unscaled{scale}: standardize X (e.g. sklearn.preprocessing."
            "StandardScaler) or lower learning_rate. The estimator is left as it was before "
            "this fit.")


class _Transaction:
    """The models a fit may change in place, snapshotted to be rolled back."""

    def __init__(self, fitted_model):
        self.fitted_model, self.snapshots = fitted_model, []

    def protect(self, model):
        if not any(s.model is model for s in self.snapshots):
            self.snapshots.append(_ModelSnapshot(model))

    def protect_if_fitted(self, model):
        """A rebuilt network that is in fact the fitted one (a ``model=``
        function returning the same object) is trained in place: snapshot it."""
        if model is not None and model is self.fitted_model:
            self.protect(model)


class _ModelSnapshot:
    """The trainable state of a compiled model (weights, optimizer state,
    learning rate included), restorable in place after a failed continued fit."""

    def __init__(self, model):
        self.model = model
        self.weights = model.get_weights()
        optimizer = getattr(model, "optimizer", None)
        self.optimizer = None if optimizer is None else copy.deepcopy(vars(optimizer))
        self.attrs = {k: vars(model)[k] for k in ("history", "stop_training") if k in vars(model)}

    def restore(self):
        self.model.set_weights(self.weights)
        if self.optimizer is not None:
            _restore_in_place(vars(self.model.optimizer), self.optimizer)
        vars(self.model).update(self.attrs)


def _restore_in_place(current, saved):
    """Make dict ``current`` equal to ``saved``, copying into arrays of the same
    shape and dtype rather than replacing them (the training state may hold
    references to the optimizer's slot buffers)."""
    for key in [k for k in current if k not in saved]:
        del current[key]
    for key, value in saved.items():
        old = current.get(key)
        if (isinstance(old, np.ndarray) and isinstance(value, np.ndarray)
                and old.shape == value.shape and old.dtype == value.dtype):
            old[...] = value
        elif isinstance(old, dict) and isinstance(value, dict):
            _restore_in_place(old, value)
        else:
            current[key] = value


def _float_out(dtype):
    """Output dtype for inputs of ``dtype``: float32 stays float32, anything else float64."""
    return np.float32 if dtype == np.float32 else np.float64


class BaseNeuralEstimator(BaseEstimator):
    """Base class of the skdeep estimators (not for direct use).

    Subclasses list every parameter in ``__init__``, store them verbatim and
    pass ``**kwargs`` (the routed ``<destination>__<name>`` parameters) to
    :meth:`_set_routed`.
    """

    #: destinations of routed parameters, ``<prefix>__<name>``
    _routing_prefixes: tuple[str, ...] = ("optimizer", "loss", "callbacks", "fit", "predict")
    #: parameters holding lists of layer specs (addressable as ``<name>__<i>__<arg>``)
    _layer_params: tuple[str, ...] = ()
    #: scikit-learn checks expected to fail, with the reason (see tests/estimators)
    _xfail_checks = dict.fromkeys(
        # the same check under its names in scikit-learn >= 1.7, 1.6 and < 1.6
        ("check_sample_weight_equivalence_on_dense_data", "check_sample_weight_equivalence",
         "check_sample_weights_invariance"),
        "minibatch training: a sample with weight 2 (or 0) is not the same as the sample "
        "repeated (or removed), because batches and their number differ")

    _parameter_constraints = {
        "optimizer": [str, type, optimizers.Optimizer],
        "learning_rate": [Interval(Real, 0, None, closed="neither"), None],
        "loss": [str, type, losses.Loss, callable, dict, None],
        "metrics": [list, tuple, str, None],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "validation_split": [Interval(Real, 0, 1, closed="left")],
        "callbacks": [list, tuple, dict, callbacks_module.Callback, type, None],
        "random_state": ["random_state"],
        "verbose": [Interval(Integral, 0, 2, closed="both"), "boolean", StrOptions({"auto"})],
        "warm_start": ["boolean"],
        # as scikit-learn: 0 has no meaning (it is not "one thread")
        "n_jobs": [Interval(Integral, None, -1, closed="right"),
                   Interval(Integral, 1, None, closed="left"), None],
    }

    #: whether un-prefixed extra keyword arguments are accepted (routed to the
    #: ``model=`` callable, scikeras' convention)
    _plain_extra_params = False

    # ------------------------------------------------------------------ parameters
    def _set_routed(self, kwargs):
        self._routed = dict(kwargs)

    def __init_subclass__(cls, **kwargs):
        # scikeras subclasses declare routed defaults in their signature
        # (``optimizer__learning_rate=0.001``) and often do not store them:
        # keep every such argument with the other routed parameters
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return
        sig = inspect.signature(init)
        names = [n for n, p in sig.parameters.items() if "__" in n and p.kind in (
            p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        if not names:
            return

        @functools.wraps(init)
        def __init__(self, *args, **kw):
            init(self, *args, **kw)
            bound = sig.bind(self, *args, **kw)
            bound.apply_defaults()
            routed = self.__dict__.setdefault("_routed", {})
            for name in names:
                if name not in self.__dict__:
                    routed.setdefault(name, bound.arguments[name])

        cls.__init__ = __init__

    def __getattr__(self, name):
        # routed parameters read as attributes (scikit-learn's get_params reads
        # the ``__`` names of a subclass signature this way, scikeras code too)
        if "__" in name and not name.startswith("__"):
            routed = self.__dict__.get("_routed", {})
            if name in routed:
                return routed[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def feature_encoder(self):
        """An unfitted transformer for X (scikeras' hook; identity by default).

        Override it in a subclass to reshape or split X before it reaches the
        network; ``fit`` stores the fitted copy as ``feature_encoder_`` and
        applies its ``transform`` to X in ``fit`` and prediction.
        """
        return FunctionTransformer()

    def _fit_feature_encoder(self, X):
        self.feature_encoder_ = self.feature_encoder.fit(X)
        self.__dict__.update(getattr(self.feature_encoder_, "get_metadata", dict)())
        return self._encode_features(X)

    def _encode_features(self, X):
        if type(self).feature_encoder is BaseNeuralEstimator.feature_encoder:
            return X  # the identity: skip the transformer's call overhead on predict
        return self.feature_encoder_.transform(X)

    def _all_prefixes(self):
        return self._routing_prefixes + self._layer_params

    def get_params(self, deep=True):
        """Parameters of this estimator, routed ones (``model__units``...) included.

        With ``deep=True`` the arguments of the layer specs are listed too, as
        ``layers__<i>__<argument>``, so that search tools can address them.
        """
        out = super().get_params(deep=deep)
        routed = getattr(self, "_routed", {})
        out.update(routed)
        if deep:
            for name in self._layer_params:
                specs = getattr(self, name, None)
                if isinstance(specs, (list, tuple)):
                    out.update(_routing.deep_layer_params(specs, routed, name))
        return out

    def set_params(self, **params):
        """Set parameters, including routed ``<destination>__<name>`` ones.

        ``layers__<i>__<argument>`` overrides one argument of the i-th layer
        spec when the network is built; the spec object itself is untouched.
        """
        prefixes = tuple(p + "__" for p in self._all_prefixes())
        known_plain = {k for k in getattr(self, "_routed", {}) if "__" not in k}
        routed = {k: v for k, v in params.items() if k.startswith(prefixes) or k in known_plain}
        plain = {k: v for k, v in params.items() if k not in routed}
        if plain:
            super().set_params(**plain)
        if routed:
            self._routed = {**getattr(self, "_routed", {}), **routed}
        return self

    def _routed_for(self, prefix):
        return _routing.split_prefix(self._routed, prefix)

    # ------------------------------------------------------------------ checks
    def _check_params(self):
        self._validate_params()
        _routing.check_routed_names(self._routed, self._all_prefixes(), type(self).__name__,
                                    allow_plain=self._plain_extra_params and
                                    self._has_model_function())

    def _has_model_function(self):
        """Whether a user function builds the network (un-prefixed extras go to it)."""
        return (getattr(self, "model", None) is not None or
                getattr(self, "build_fn", None) is not None or
                getattr(type(self), "_keras_build_fn", None) is not None)

    def _check_X(self, X, reset):
        if not reset and self._plain_fitted_array(X):
            return X
        return _validate_data(self, X, reset=reset, dtype="numeric", allow_nd=True)

    def _plain_fitted_array(self, X, finite=True):
        """Whether ``X`` is a plain, finite, numeric ndarray of the fitted width, so
        that prediction may skip scikit-learn's validation (most of the cost of
        predicting one row); anything else goes through it and its errors.
        ``finite=False``: the caller tests finiteness itself."""
        state = self.__dict__
        return (type(X) is np.ndarray and X.dtype.kind in "fiu" and X.ndim == 2
                and X.shape[0] > 0 and X.shape[1] == getattr(self, "n_features_in_", -1)
                and "feature_names_in_" not in state
                and (not finite or X.dtype.kind != "f" or np.isfinite(X.sum())))

    def _check_sample_weight(self, sample_weight, n):
        if sample_weight is None:
            return None
        sw = np.asarray(sample_weight, dtype=np.float64)
        if sw.ndim != 1 or sw.shape[0] != n:
            raise ValueError(f"sample_weight should be a 1-D array with {n} values (one per "
                             f"sample), got shape {sw.shape}")
        if not np.isfinite(sw).all() or (sw < 0).any():
            raise ValueError("sample_weight must be finite and non-negative")
        if not sw.any():
            raise ValueError("Sample weights must contain at least one non-zero number: with "
                             "every weight zero there is nothing to train on")
        return sw

    def _is_fitted(self):
        return hasattr(self, "model_")

    # ------------------------------------------------------------------ building
    def _seed_for(self, start_epoch):
        """The random source of one fit call.

        The same integer ``random_state`` gives the same weights and batches;
        a continued fit (warm start, partial_fit) draws a different but
        reproducible stream, keyed by the epoch it starts from.
        """
        rs = self.random_state
        if isinstance(rs, (Integral, np.integer)) and start_epoch:
            return np.random.default_rng([int(rs), int(start_epoch)])
        return rs

    def _compile(self, model, loss):
        """Compile ``model`` with the estimator's optimizer and metrics and ``loss``."""
        optimizer = _routing.make_optimizer(self.optimizer, self.learning_rate,
                                            self._routed_for("optimizer"))
        metrics = [self.metrics] if isinstance(self.metrics, str) else self.metrics
        model.compile(optimizer=optimizer, loss=loss, metrics=metrics)

    def _resolved_loss(self):
        """The user's loss as an object (None: let the target encoder choose)."""
        if self.loss is None:
            return None
        return _routing.make_loss(self.loss, self._routed_for("loss"))

    @staticmethod
    def _compiled_loss(model):
        spec = getattr(model, "_compile_spec", {}).get("loss")
        if isinstance(spec, (list, tuple, dict)):
            raise ValueError("The model must have a single output and a single loss")
        return losses.get(spec)

    # ------------------------------------------------------------------ training
    @contextlib.contextmanager
    def _transaction(self, keep):
        """Run a fit so that any exception leaves the estimator as it was.

        Every attribute is restored (scikit-learn's validation sets
        ``n_features_in_``/``feature_names_in_`` before anything can fail),
        and with ``keep`` (a continued fit, which trains ``model_`` in place)
        the network's weights and optimizer state are rolled back too. A
        KeyboardInterrupt during training is the exception: what was trained
        is kept (see :meth:`_commit`), as Keras keeps an interrupted model.
        """
        saved = dict(vars(self))
        txn = _Transaction(saved.get("model_"))
        if keep:
            txn.protect(self.model_)
        try:
            yield txn
        except BaseException as err:
            if isinstance(err, KeyboardInterrupt) and getattr(err, "_skdeep_kept", False):
                raise
            vars(self).clear()
            vars(self).update(saved)
            for snapshot in txn.snapshots:
                snapshot.restore()
            raise

    def _commit(self, fitted, history):
        """Assign the fitted attributes built by a fit, all at once."""
        for name, value in fitted.items():
            setattr(self, name, value)
        self.history_ = history
        self.n_iter_ = len(history.get("loss", []))

    def _train(self, model, history, fitted, X, y, sample_weight, epochs, fit_params,
               start_epoch, one_epoch=False, **fixed):
        """One ``model.fit`` call, then :meth:`_commit` of ``fitted`` with
        ``history`` extended by the new epochs.

        ``fit__epochs`` or an ``epochs`` fit parameter override ``epochs``,
        except in ``partial_fit`` (``one_epoch``), which always trains one epoch.
        ``fixed`` are ``Model.fit`` arguments that nothing overrides. On a
        KeyboardInterrupt the epochs completed so far are committed first.
        """
        fit_params = dict(fit_params)
        routed = self._routed_for("fit")
        routed.pop("initial_epoch", None)
        if one_epoch:
            routed.pop("epochs", None)
        else:
            epochs = fit_params.pop("epochs", routed.pop("epochs", epochs))
        kwargs = dict(batch_size=self.batch_size, verbose=self.verbose,
                      validation_split=self.validation_split, sample_weight=sample_weight,
                      callbacks=_routing.make_callbacks(self.callbacks,
                                                        self._routed_for("callbacks")))
        kwargs.update(routed)
        kwargs.update(fit_params)
        kwargs.update(fixed)
        cbs = kwargs.get("callbacks")
        cbs = [cbs] if isinstance(cbs, callbacks_module.Callback) else list(cbs or [])
        kwargs["callbacks"] = cbs + [_DivergenceGuard(self, X)]
        kwargs["epochs"] = start_epoch + epochs
        kwargs["initial_epoch"] = start_epoch
        before = getattr(model, "history", None)
        try:
            run = model.fit(X, y, **kwargs)
        except KeyboardInterrupt as err:
            run = getattr(model, "history", None)
            if run is not None and run is not before:  # training had started
                self._commit(fitted, _extended(history, run.history))
                err._skdeep_kept = True
            raise
        self._commit(fitted, _extended(history, run.history))

    # ------------------------------------------------------------------ predicting
    def _predict_batch_size(self):
        return self._routed_for("predict").get("batch_size", self.batch_size)

    def _predict_raw(self, X, model=None):
        """``X`` → (network output, output float dtype, validated X)."""
        if "model_" not in self.__dict__:
            check_is_fitted(self)  # raises NotFittedError
        if self._plain_fitted_array(X, finite=False) and (
                "feature_encoder_" not in self.__dict__
                or type(self).feature_encoder is BaseNeuralEstimator.feature_encoder):
            # a few plain rows: the small-batch inference path, which tests
            # finiteness itself and declines (None) what the checks below must see
            if self.n_jobs is None:
                raw = try_predict(model or self.model_, X, self._predict_batch_size())
            else:
                with threads.thread_limits(self.n_jobs):
                    raw = try_predict(model or self.model_, X, self._predict_batch_size())
            if raw is not None:
                return raw, _float_out(X.dtype), X
        X = self._check_X(X, reset=False)
        if "feature_encoder_" in self.__dict__:
            X = self._encode_features(X)
        with threads.thread_limits(self.n_jobs):
            raw = (model or self.model_).predict(X, batch_size=self._predict_batch_size(),
                                                 verbose=0)
        return raw, _float_out(X.dtype), X

    # ------------------------------------------------------------------ pickling
    def __getstate__(self):
        # the pickle holds configs and weights (skdeep.nn.saving), never engine objects
        state = dict(super().__getstate__())
        model = state.pop("model_", None)
        for key in self._derived_models():
            state.pop(key, None)
        if model is not None:
            state["_model_bytes"] = model_to_bytes(model, include_optimizer=self._resumable())
            classes = _custom_layer_classes(model)
            if classes:
                # The classes themselves: pickle stores them by reference and
                # imports their module when loading (loky's cloudpickle sends
                # __main__ classes by value), as for any pickled object. The
                # model file inside stays a safe-format file: load_model
                # itself never imports anything.
                state["_custom_layer_classes"] = classes
        encoder = state.get("_encoder")
        if type(encoder).__name__ in _BUILTIN_ENCODERS and \
                type(encoder).__module__ == f"{__package__}._targets":
            # plain data, so that skops lists only public classes as types to trust;
            # target_encoder_ (scikeras' name) is the same object, restored as an alias
            del state["_encoder"]
            if state.get("target_encoder_") is encoder:
                del state["target_encoder_"]
                state["_encoder_alias"] = True
            state["_encoder_state"] = (type(encoder).__name__, dict(vars(encoder)))
        return state

    def __setstate__(self, state):
        state = dict(state)
        data = state.pop("_model_bytes", None)
        classes = state.pop("_custom_layer_classes", None)
        encoder = state.pop("_encoder_state", None)
        alias = state.pop("_encoder_alias", False)
        super().__setstate__(state)
        if encoder is not None:
            from . import _targets

            kind, attrs = encoder
            if kind not in _BUILTIN_ENCODERS:
                raise ValueError(f"unknown target encoder {kind!r} in the pickled state")
            self._encoder = getattr(_targets, kind).__new__(getattr(_targets, kind))
            self._encoder.__dict__.update(attrs)
            if alias:
                self.target_encoder_ = self._encoder
        if data is not None:
            self.model_ = model_from_bytes(data, custom_objects=classes)
            self._after_load()

    def _resumable(self):
        """Whether the pickle keeps the optimizer state (Adam's moments: twice
        the weights' size) so that training resumes exactly after loading:
        with ``warm_start=True`` or after ``partial_fit``. Otherwise the
        pickle is about the weights' size and a resumed fit starts the
        optimizer afresh."""
        return bool(self.warm_start or getattr(self, "_incremental", False))

    def _derived_models(self):
        """Attributes holding models that share ``model_``'s layers (rebuilt on load)."""
        return ()

    def _after_load(self):
        pass

    # ------------------------------------------------------------------ tags
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        return tags

    def _more_tags(self):  # scikit-learn < 1.6
        return {"_xfail_checks": dict(self._xfail_checks)}
