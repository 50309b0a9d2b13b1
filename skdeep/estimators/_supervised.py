"""Fitting shared by NeuralClassifier and NeuralRegressor: the network is
either hidden layer specs plus an output layer chosen by the target encoder,
or whatever a user's ``model=`` callable returns."""
import inspect
import warnings

from ..nn import Input, Model, Sequential, backend
from ..nn.layers import Dense
from . import _routing
from ._base import BaseNeuralEstimator, _validate_data


def _call_with_routed(fn, kwargs, owner):
    """Call the user's model function, naming any argument it does not take."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        params = None
    if params is not None and not any(p.kind == p.VAR_KEYWORD for p in params.values()):
        unknown = sorted(set(kwargs) - set(params))
        if unknown:
            name = getattr(fn, "__name__", repr(fn))
            raise ValueError(f"{owner}: routed parameters {['model__' + k for k in unknown]} "
                             f"do not match any argument of {name}{inspect.signature(fn)}")
    return fn(**kwargs)


class SupervisedNeuralEstimator(BaseNeuralEstimator):
    """Base of the classifier and the regressor (not for direct use)."""

    _routing_prefixes = BaseNeuralEstimator._routing_prefixes + ("model",)
    _layer_params = ("layers",)
    _parameter_constraints = {**BaseNeuralEstimator._parameter_constraints,
                              "layers": [list, tuple, None], "model": [callable, None],
                              "build_fn": [callable, None]}

    @staticmethod
    def _default_layers():
        # one hidden layer of 100 ReLU units, as scikit-learn's MLP estimators
        return [Dense(100, activation="relu")]

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, sample_weight=None, **fit_params):
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
        with self._transaction(keep):
            X, y = self._check_Xy(X, y, reset=not keep)
            encoder = self._encoder if keep else self._make_encoder(y, classes)
            if keep:
                self._check_known_targets(y, classes)
            sw = self._check_sample_weight(sample_weight, X.shape[0])
            sw = self._sample_weights(y, sw, check_classes=not one_epoch)
            epochs = 1 if one_epoch else self.epochs
            start = self.n_iter_ if keep else 0
            with backend.thread_limits(self.n_jobs), backend.seeded(self._seed_for(start)):
                if keep:
                    model, history, fitted = self.model_, self.history_, {}
                else:
                    model, history = self._build(X, encoder), {}
                    fitted = dict(self._target_attributes(encoder), _encoder=encoder,
                                  model_=model, _incremental=False)
                self._train(model, history, fitted, X, encoder.transform(y), sw, epochs,
                            fit_params, start, one_epoch)
        return self

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
        if fn is not None:
            if self.layers is not None:
                raise ValueError("Pass either layers= (hidden layer specs) or model= (a "
                                 "function returning a Model), not both")
            model = self._model_from_callable(X, encoder, fn)
            if not model.built:
                model.build((None,) + X.shape[1:])
            if not model.compiled:
                self._compile(model, encoder.output_spec(user_loss)[2])
        else:
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
        encoder.configure(out_shape[-1], self._compiled_loss(model))
        return model

    def _model_fn(self):
        """``model``, or the legacy scikeras / tf.keras ``build_fn`` with a warning."""
        build_fn = getattr(self, "build_fn", None)
        if build_fn is None:
            return self.model
        if self.model is not None:
            raise ValueError("Pass either model= or the legacy build_fn=, not both")
        warnings.warn("build_fn= is the legacy name of model= (as in scikeras); use model=",
                      FutureWarning, stacklevel=4)
        return build_fn

    def _model_from_callable(self, X, encoder, fn):
        kwargs = self._routed_for("model")
        if _routing.accepts(fn, "meta"):
            kwargs["meta"] = self._meta(X, encoder)
        if _routing.accepts(fn, "compile_kwargs"):
            kwargs["compile_kwargs"] = self._compile_kwargs(encoder)
        model = _call_with_routed(fn, kwargs, type(self).__name__)
        if not isinstance(model, Model):
            raise TypeError(f"model= must return a skdeep.nn Model or Sequential, got "
                            f"{type(model).__name__}")
        return model

    def _meta(self, X, encoder):
        units, activation, _ = encoder.output_spec(self._resolved_loss())
        meta = {"n_features_in_": X.shape[1], "X_shape_": X.shape, "X_dtype_": X.dtype,
                "target_type_": encoder.target_type_, "n_outputs_": encoder.n_outputs_,
                "output_units": units, "output_activation": activation}
        if hasattr(encoder, "classes_"):
            meta.update(classes_=encoder.classes_, n_classes_=len(encoder.classes_))
        return meta

    def _compile_kwargs(self, encoder):
        metrics = [self.metrics] if isinstance(self.metrics, str) else self.metrics
        return {"optimizer": _routing.make_optimizer(self.optimizer, self.learning_rate,
                                                     self._routed_for("optimizer")),
                "loss": encoder.output_spec(self._resolved_loss())[2], "metrics": metrics}

    def _target_attributes(self, encoder):
        return {"n_outputs_": encoder.n_outputs_}
