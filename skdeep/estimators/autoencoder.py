"""Autoencoder: a (denoising) autoencoder as a scikit-learn transformer."""
from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_array, check_is_fitted

from .._typing import (
    ArrayLike,
    CallbacksSpec,
    EstimatorT,
    LayerSpecs,
    LossSpec,
    MetricsSpec,
    OptimizerSpec,
    RandomState,
    Verbose,
)
from ..nn import Input, Model, Sequential, activations, backend, losses, threads
from ..nn.layers import Activation, BatchNormalization, Dense, Dropout
from . import _routing
from ._base import BaseNeuralEstimator, _float_out, _validate_data

# layers whose output has the shape of their input, so a decoder can mirror them
_MIRRORABLE = (Dense, Dropout, BatchNormalization, Activation)


def _mirror(layers):
    """The decoder mirroring ``layers``: the same layers in reverse order."""
    for layer in layers:
        if not isinstance(layer, _MIRRORABLE):
            raise ValueError(f"Cannot mirror a {type(layer).__name__} layer into a decoder; pass "
                             "decoder_layers= explicitly")
    return list(reversed(layers))


class _NoisyBatches:
    """Training batches ``(x + noise, x[, sample_weight])``: fresh Gaussian noise
    and a new order every epoch (a Keras ``Sequence``)."""

    def __init__(self, X, sample_weight, batch_size, noise, shuffle, rng):
        self.X, self.sample_weight, self.noise = X, sample_weight, noise
        self.batch_size, self.shuffle, self.rng = batch_size, shuffle, rng
        self.on_epoch_end()

    def __len__(self):
        return math.ceil(self.X.shape[0] / self.batch_size)

    def __getitem__(self, i):
        idx = self._order[i * self.batch_size:(i + 1) * self.batch_size]
        x = self.X[idx]
        noisy = x + self.rng.normal(0.0, self.noise, size=x.shape).astype(x.dtype)
        if self.sample_weight is None:
            return noisy, x
        return noisy, x, self.sample_weight[idx]

    def on_epoch_end(self):
        n = self.X.shape[0]
        self._order = self.rng.permutation(n) if self.shuffle else np.arange(n)


class Autoencoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseNeuralEstimator):
    """Autoencoder: learns codes of ``n_components`` values that reconstruct X.

    The encoder is ``encoder_layers`` followed by a linear Dense code layer
    of ``n_components`` units; the decoder (by default the mirror of the
    encoder) is followed by a Dense output layer of one unit per feature.

    Parameters
    ----------
    encoder_layers : list of Layer, optional
        Default ``[Dense(64, activation='relu')]``. Specs, never modified;
        ``encoder_layers__<i>__<argument>`` overrides one argument.
    n_components : int, default=2
        Size of the code (``transform`` output).
    decoder_layers : list of Layer, optional
        Default: the encoder's layers in reverse order.
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to the inputs (fresh each
        epoch) while training: a denoising autoencoder.
    output_activation : str, optional
        Activation of the reconstruction; default ``'sigmoid'`` with a
        binary cross-entropy loss (data in [0, 1]), else linear.
    optimizer, learning_rate, metrics, epochs, batch_size, validation_split, \
callbacks, random_state, verbose, warm_start, n_jobs
        As for :class:`skdeep.NeuralClassifier`.
    loss : str or Loss, default='mse'
        Reconstruction loss.
    **kwargs
        Routed parameters: ``encoder_layers__*``, ``decoder_layers__*``,
        ``optimizer__*``, ``loss__*``, ``callbacks__*``, ``fit__*``,
        ``predict__*``.

    Attributes
    ----------
    model_ : skdeep.nn.Model
        The whole autoencoder (X → reconstruction).
    encoder_, decoder_ : skdeep.nn.Model
        X → codes and codes → reconstruction (sharing ``model_``'s layers).
    history_ : dict of list
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Notes
    -----
    ``fit`` and ``partial_fit`` are transactional: if they raise, the
    estimator keeps its previous fitted state exactly (attributes, weights
    and optimizer state), or stays unfitted. The one exception is a
    KeyboardInterrupt during training: as in Keras, the network is kept as
    trained so far, ``history_`` holds the epochs completed before the
    interrupt and ``n_iter_`` counts them; the KeyboardInterrupt still
    propagates.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeep import Autoencoder
    >>> X = np.random.default_rng(0).normal(size=(40, 5))
    >>> ae = Autoencoder(n_components=2, epochs=3, random_state=0).fit(X)
    >>> ae.transform(X).shape, ae.inverse_transform(ae.transform(X)).shape
    ((40, 2), (40, 5))
    """

    _layer_params = ("encoder_layers", "decoder_layers")
    _xfail_checks = {
        **BaseNeuralEstimator._xfail_checks,
        "check_methods_subset_invariance":
            "float32 BLAS: the product of a single row (gemv) can differ from the same row "
            "inside a batch (gemm) by 1-2 ulp, above the check's 1e-7 tolerance (the default "
            "64-unit encoder's code layer shows it)",
    }
    _parameter_constraints = {
        **BaseNeuralEstimator._parameter_constraints,
        "encoder_layers": [list, tuple, None], "decoder_layers": [list, tuple, None],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "noise": [Interval(Real, 0, None, closed="left")],
        "output_activation": [str, None],
        "loss": [str, type, losses.Loss, None],
    }

    def __init__(self, encoder_layers: LayerSpecs | None = None, n_components: int = 2,
                 decoder_layers: LayerSpecs | None = None, noise: float = 0.0,
                 output_activation: str | None = None, optimizer: OptimizerSpec = "adam",
                 learning_rate: float | None = None, loss: LossSpec = "mse",
                 metrics: MetricsSpec | None = None, epochs: int = 100,
                 batch_size: int | None = 32, validation_split: float = 0.0,
                 callbacks: CallbacksSpec | None = None, random_state: RandomState = None,
                 verbose: Verbose = 0, warm_start: bool = False, n_jobs: int | None = None,
                 **kwargs: Any) -> None:
        self.encoder_layers = encoder_layers
        self.n_components = n_components
        self.decoder_layers = decoder_layers
        self.noise = noise
        self.output_activation = output_activation
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.loss = loss
        self.metrics = metrics
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_split = validation_split
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.n_jobs = n_jobs
        self._set_routed(kwargs)

    # ------------------------------------------------------------------ fit
    def fit(self: EstimatorT, X: ArrayLike, y: Any = None, sample_weight: ArrayLike | None = None,
            **fit_params: Any) -> EstimatorT:
        """Train the autoencoder to reconstruct X (from noisy X when ``noise`` > 0).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : ignored
        sample_weight : array-like of shape (n_samples,), optional
        **fit_params
            Extra keyword arguments of :meth:`skdeep.nn.Model.fit`.

        Returns
        -------
        self
        """
        return self._fit(X, sample_weight, fit_params, keep=self.warm_start)

    def partial_fit(self: EstimatorT, X: ArrayLike, y: Any = None,
                    sample_weight: ArrayLike | None = None) -> EstimatorT:
        """Train for one epoch on X, building the network on the first call."""
        self._fit(X, sample_weight, {}, keep=True, one_epoch=True)
        self._incremental = True
        return self

    def _check_X(self, X, reset):
        return _validate_data(self, X, reset=reset, dtype=(np.float64, np.float32))

    def _fit(self, X, sample_weight, fit_params, keep, one_epoch=False):
        self._check_params()
        keep = keep and self._is_fitted()
        with self._transaction(keep):
            X = self._check_X(X, reset=not keep)
            sw = self._check_sample_weight(sample_weight, X.shape[0])
            start = self.n_iter_ if keep else 0
            with threads.thread_limits(self.n_jobs), backend.seeded(self._seed_for(start)):
                if keep:
                    model, history, fitted = self.model_, self.history_, {}
                else:
                    model, n_encoder_layers = self._build(X)
                    history = {}
                    fitted = dict(self._derived(model, n_encoder_layers), model_=model,
                                  _n_encoder_layers=n_encoder_layers,
                                  _n_features_out=self.n_components, _incremental=False)
                epochs = 1 if one_epoch else self.epochs
                if self.noise > 0:
                    self._train_noisy(model, history, fitted, X, sw, epochs, fit_params, start,
                                      one_epoch)
                else:
                    self._train(model, history, fitted, X, X, sw, epochs, fit_params, start,
                                one_epoch)
        return self

    def _train_noisy(self, model, history, fitted, X, sw, epochs, fit_params, start, one_epoch):
        # the noise is drawn per batch by a Sequence, so Keras' validation_split
        # (which needs arrays) is done here: the last samples, kept clean
        routed = self._routed_for("fit")
        split = fit_params.get("validation_split",
                               routed.get("validation_split", self.validation_split))
        fit_params = {k: v for k, v in fit_params.items() if k not in ("batch_size", "shuffle")}
        n_train = X.shape[0] - int(X.shape[0] * split)
        if split and not 0 < n_train < X.shape[0]:
            raise ValueError(f"validation_split={split} leaves no training or no validation "
                             f"samples out of {X.shape[0]}")
        fixed = dict(validation_split=0.0)
        if n_train < X.shape[0]:
            val_sw = None if sw is None else sw[n_train:]
            fixed["validation_data"] = (X[n_train:], X[n_train:], val_sw) if sw is not None \
                else (X[n_train:], X[n_train:])
        batch_size = fit_params.get("batch_size", routed.get("batch_size", self.batch_size))
        shuffle = fit_params.get("shuffle", routed.get("shuffle", True))
        batches = _NoisyBatches(X[:n_train], None if sw is None else sw[:n_train],
                                batch_size or 32, self.noise, shuffle, backend.get_rng())
        self._train(model, history, fitted, batches, None, None, epochs, fit_params, start,
                    one_epoch, **fixed)

    # ------------------------------------------------------------------ network
    def _build(self, X):
        n_features = X.shape[1]
        loss = self._resolved_loss()
        used = set()
        enc_specs = ([Dense(64, activation="relu")] if self.encoder_layers is None
                     else self.encoder_layers)
        encoder = _routing.fresh_layers(enc_specs, self._routed, "encoder_layers", used)
        code = Dense(self.n_components, name=None if "code" in used else "code")
        used.add(code.name)
        dec_specs = _mirror(encoder) if self.decoder_layers is None else self.decoder_layers
        decoder = _routing.fresh_layers(dec_specs, self._routed, "decoder_layers", used)
        activation = self.output_activation
        if activation is None:
            activation = "sigmoid" if isinstance(loss, losses.BinaryCrossentropy) else "linear"
        activations.get(activation)  # an unknown name fails here, not inside fit
        model = Sequential([Input(shape=(n_features,)), *encoder, code, *decoder,
                            Dense(n_features, activation=activation)])
        self._compile(model, loss)
        return model, len(encoder)

    def _derived_models(self):
        return ("encoder_", "decoder_")

    def _after_load(self):
        vars(self).update(self._derived(self.model_, self._n_encoder_layers))

    def _derived(self, model, k):
        """``encoder_`` and ``decoder_``: the halves of ``model`` (its first ``k``
        layers are the encoder's hidden layers), sharing its layers."""
        layers = model.layers
        codes = Input(shape=(self.n_components,))
        h = codes
        for layer in layers[k + 1:]:
            h = layer(h)
        return {"encoder_": Model(model.input, layers[k].output), "decoder_": Model(codes, h)}

    # ------------------------------------------------------------------ transform
    def transform(self, X: ArrayLike) -> np.ndarray:
        """Codes of X, shape ``(n_samples, n_components)``."""
        check_is_fitted(self)
        codes, dtype, _ = self._predict_raw(X, model=self.encoder_)
        return codes.astype(dtype, copy=False)

    def inverse_transform(self, X: ArrayLike) -> np.ndarray:
        """Reconstructions from codes X of shape ``(n_samples, n_components)``."""
        check_is_fitted(self)
        Z = check_array(X, dtype=(np.float64, np.float32))
        if Z.shape[1] != self.n_components:
            raise ValueError(f"inverse_transform expects codes with {self.n_components} "
                             f"columns (n_components), got {Z.shape[1]}")
        with threads.thread_limits(self.n_jobs):
            out = self.decoder_.predict(Z, batch_size=self._predict_batch_size(), verbose=0)
        return out.astype(_float_out(Z.dtype), copy=False)

    def score_samples(self, X: ArrayLike) -> np.ndarray:
        """Negative mean squared reconstruction error of each sample (higher is
        more normal: low scores flag anomalies)."""
        X_hat, _, X_valid = self._predict_raw(X)
        return -np.mean((X_valid.astype(np.float64) - X_hat) ** 2, axis=1)

    def score(self, X: ArrayLike, y: Any = None, sample_weight: ArrayLike | None = None) -> float:
        """Mean of :meth:`score_samples` (weighted by ``sample_weight``)."""
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        return float(np.average(self.score_samples(X), weights=weights))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    def _more_tags(self):  # scikit-learn < 1.6
        return {"preserves_dtype": [np.float64, np.float32]}
