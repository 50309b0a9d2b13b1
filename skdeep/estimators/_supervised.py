"""Fitting shared by NeuralClassifier and NeuralRegressor: the network is
either hidden layer specs plus an output layer chosen by the target encoder,
or whatever a user's ``model=`` callable returns."""
from __future__ import annotations

import inspect
import warnings
from typing import Any

import numpy as np

from .._typing import ArrayLike, EstimatorT
from ..nn import Input, Model, Sequential, backend, threads
from ..nn.layers import Dense
from . import _routing
from ._base import BaseNeuralEstimator, _validate_data


def _call_with_routed(fn, kwargs, owner, plain=()):
    """Call the user's model function, naming any argument it does not take.

    ``plain`` are the keys given without the ``model__`` prefix.
    """
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        params = None
    if params is not None and not any(p.kind == p.VAR_KEYWORD for p in params.values()):
        unknown = sorted(set(kwargs) - set(params))
        if unknown:
            name = getattr(fn, "__name__", repr(fn))
            shown = [k if k in plain else "model__" + k for k in unknown]
            raise ValueError(f"{owner}: parameters {shown} do not match any argument of "
                             f"{name}{inspect.signature(fn)}; un-prefixed extra parameters "
                             "are passed to the model function, so check their spelling")
    return fn(**kwargs)


def _copy_model(model):
    """A copy of a user's Model instance (architecture, weights, compile state and
    optimizer state), so that fitting never changes the object passed as model=."""
    from ..nn.saving import model_from_bytes, model_to_bytes

    return model_from_bytes(model_to_bytes(model, include_optimizer=True),
                            compile=bool(model.compiled))


class SupervisedNeuralEstimator(BaseNeuralEstimator):
    """Base of the classifier and the regressor (not for direct use)."""

    _routing_prefixes = BaseNeuralEstimator._routing_prefixes + ("model",)
    _layer_params = ("layers",)
    _plain_extra_params = True
    _parameter_constraints = {**BaseNeuralEstimator._parameter_constraints,
                              "layers": [list, tuple, None], "model": [callable, Model, None],
                              "build_fn": [callable, Model, None]}

    @staticmethod
    def _default_layers():
        # one hidden layer of 100 ReLU units, as scikit-learn's MLP estimators
        return [Dense(100, activation="relu")]

    # ------------------------------------------------------------------ fit
    def fit(self: EstimatorT, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None,
            **fit_params: Any) -> EstimatorT:
        """Build a fresh network (or continue with ``warm_start``) and train it.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Training data; arrays of higher rank are passed to the network
            unchanged (images, sequences).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), optional
            Per-sample weights of the loss.
        **fit_params
            Extra keyword arguments of :meth:`skdeep.nn.Model.fit`
            (override ``fit__*`` parameters).

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight, fit_params, keep=self.warm_start)

    def _fit(self, X, y, sample_weight, fit_params, keep, classes=None, one_epoch=False):
        self._check_params()
        keep = keep and self._is_fitted()
        with self._transaction(keep) as txn:
            X, y = self._check_Xy(X, y, reset=not keep)
            encoder = self._encoder if keep else self._make_encoder(y, classes)
            if keep:
                self._check_known_targets(y, classes)
                X = self._encode_features(X)
            sw = self._check_sample_weight(sample_weight, X.shape[0])
            sw = self._sample_weights(y, sw, check_classes=not one_epoch)
            epochs = 1 if one_epoch else self.epochs
            start = self.n_iter_ if keep else 0
            with threads.thread_limits(self.n_jobs), backend.seeded(self._seed_for(start)):
                if keep:
                    model, history, fitted = self.model_, self.history_, {}
                else:
                    X, model, fitted = self._prepare_model(X, y, encoder)
                    txn.protect_if_fitted(model)
                    history = {}
                self._train(model, history, fitted, X, encoder.transform(y), sw, epochs,
                            fit_params, start, one_epoch)
        return self

    def _prepare_model(self, X, y, encoder):
        """Meta attributes (set now: a ``_keras_build_fn`` reads them), the fitted
        feature encoder and a fresh network. Returns the encoded X, the network
        and the fitted attributes to commit after training."""
        self._set_meta_attributes(X, y, encoder)
        X = self._fit_feature_encoder(X)
        model = self._build(X, encoder)
        fitted = dict(self._target_attributes(encoder), _encoder=encoder,
                      target_encoder_=encoder, model_=model, _incremental=False)
        return X, model, fitted

    def initialize(self, X, y):
        """Build ``model_`` (and the encoders) for ``(X, y)`` without training it.

        As in scikeras: with a pre-trained ``model=`` instance the estimator
        can predict right away, e.g. after ``skdeep.nn.saving.load_model``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets, for the classes or the number of outputs.

        Returns
        -------
        self
        """
        self._check_params()
        with self._transaction(False):
            X, y = self._check_Xy(X, y, reset=True)
            encoder = self._make_encoder(y, None)
            with threads.thread_limits(self.n_jobs), backend.seeded(self._seed_for(0)):
                _, _, fitted = self._prepare_model(X, y, encoder)
            self._commit(fitted, {})
        return self

    def _set_meta_attributes(self, X, y, encoder):
        # what scikeras' meta dict holds, also readable as attributes by a
        # subclass's _keras_build_fn (self.n_features_in_, self.target_type_...)
        self.X_shape_, self.X_dtype_ = X.shape, X.dtype
        self.y_dtype_, self.y_ndim_ = np.asarray(y).dtype, np.ndim(y)
        meta = getattr(encoder, "get_metadata", None)
        if meta is not None:
            self.__dict__.update(meta())

    def _check_Xy(self, X, y, reset):
        X, y = _validate_data(self, X, y, reset=reset, dtype="numeric", allow_nd=True,
                              multi_output=True, y_numeric=self._numeric_targets)
        if hasattr(y, "toarray"):  # sparse multilabel indicator
            y = y.toarray()
        return X, y

    _numeric_targets = False

    def _sample_weights(self, y, sw, check_classes):
        return sw

    def _check_known_targets(self, y, classes):
        pass

    # ------------------------------------------------------------------ building
    def _build(self, X, encoder):
        user_loss = self._resolved_loss()
        fn = self._model_fn()
        plain = sorted(k for k in self._routed if "__" not in k)
        if fn is None and plain:
            raise ValueError(f"{type(self).__name__} got parameters {plain} without a "
                             "destination prefix: they are passed to the model= function, "
                             "but no model= is given (use layers__<i>__<argument> or "
                             "optimizer__<argument>... for the built-in network)")
        if fn is not None:
            if self.layers is not None:
                raise ValueError("Pass either layers= (hidden layer specs) or model= (a "
                                 "function or Model returning the network), not both")
            model = self._model_from_callable(X, encoder, fn, plain)
            if not model.built:
                model.build((None,) + X.shape[1:])
            if not model.compiled:
                self._compile(model, self._encoder_loss(encoder, user_loss, model))
        else:
            if not hasattr(encoder, "output_spec"):
                raise ValueError(f"A custom target_encoder ({type(encoder).__name__}) needs "
                                 "model= (or _keras_build_fn) to build the network: the "
                                 "output layer cannot be inferred from it")
            specs = self._default_layers() if self.layers is None else self.layers
            if not isinstance(specs, (list, tuple)):
                raise TypeError(f"layers must be a list of layer instances, got "
                                f"{type(specs).__name__}")
            hidden = _routing.fresh_layers(specs, self._routed, "layers", set())
            units, activation, loss = encoder.output_spec(user_loss)
            dtype = "int32" if X.dtype.kind in "biu" else None
            model = Sequential([Input(shape=X.shape[1:], dtype=dtype), *hidden,
                                Dense(units, activation=activation)])
            self._compile(model, loss)
        out_shape = model.output_shape
        if isinstance(out_shape, list):
            raise ValueError(f"{type(self).__name__} needs a model with a single output, got "
                             f"{len(out_shape)} outputs")
        if hasattr(encoder, "configure"):
            encoder.configure(out_shape[-1], self._compiled_loss(model))
        return model

    @staticmethod
    def _encoder_loss(encoder, user_loss, model=None):
        if hasattr(encoder, "output_spec"):
            return encoder.output_spec(user_loss)[2]
        if user_loss is None:
            raise ValueError("With a custom target_encoder, give loss= or compile the model "
                             "in the model function")
        return user_loss

    def _model_fn(self):
        """What builds the network: ``model`` (a callable or a Model instance), the
        legacy ``build_fn`` (with a warning), or a subclass's ``_keras_build_fn``."""
        build_fn = getattr(self, "build_fn", None)
        model = getattr(self, "model", None)
        own = getattr(type(self), "_keras_build_fn", None)
        if build_fn is not None:
            if model is not None:
                raise ValueError("Pass either model= or the legacy build_fn=, not both")
            warnings.warn("build_fn= is the legacy name of model= (as in scikeras); use model=",
                          FutureWarning, stacklevel=4)
            model = build_fn
        if own is not None:
            if model is not None:
                raise ValueError(f"{type(self).__name__} defines _keras_build_fn, so model= "
                                 "(or build_fn=) cannot be given as well")
            return self._keras_build_fn
        return model

    def _model_from_callable(self, X, encoder, fn, plain=()):
        if isinstance(fn, Model):
            unused = sorted(self._routed_for("model")) + list(plain)
            if unused:
                raise ValueError(f"model= is a Model instance, so the model parameters "
                                 f"{unused} have nothing to go to; pass a function instead")
            return _copy_model(fn)
        kwargs = {k: self._routed[k] for k in plain}
        kwargs.update(self._routed_for("model"))  # model__x wins over x, as in scikeras
        if _routing.accepts(fn, "meta"):
            kwargs["meta"] = self._meta(X, encoder)
        if _routing.accepts(fn, "compile_kwargs"):
            kwargs["compile_kwargs"] = self._compile_kwargs(encoder)
        if _routing.accepts(fn, "params"):
            kwargs["params"] = self.get_params()
        model = _call_with_routed(fn, kwargs, type(self).__name__, plain)
        if not isinstance(model, Model):
            raise TypeError(f"model= must return a skdeep.nn Model or Sequential, got "
                            f"{type(model).__name__}")
        return model

    def _meta(self, X, encoder):
        meta = {"n_features_in_": X.shape[1], "X_shape_": X.shape, "X_dtype_": X.dtype}
        for key in ("target_type_", "n_outputs_"):
            if hasattr(encoder, key):
                meta[key] = getattr(encoder, key)
        if hasattr(encoder, "output_spec"):
            units, activation, _ = encoder.output_spec(self._resolved_loss())
            meta.update(output_units=units, output_activation=activation)
        if hasattr(encoder, "classes_"):
            meta.update(classes_=encoder.classes_, n_classes_=len(encoder.classes_))
        meta.update(getattr(encoder, "get_metadata", dict)())
        meta.update((k, v) for k, v in vars(self).items()
                    if k.endswith("_") and not k.startswith("_") and k not in meta
                    and k not in ("model_", "history_"))
        return meta

    def _compile_kwargs(self, encoder):
        metrics = [self.metrics] if isinstance(self.metrics, str) else self.metrics
        return {"optimizer": _routing.make_optimizer(self.optimizer, self.learning_rate,
                                                     self._routed_for("optimizer")),
                "loss": self._encoder_loss(encoder, self._resolved_loss()), "metrics": metrics}

    def _target_attributes(self, encoder):
        return {"n_outputs_": encoder.n_outputs_}
