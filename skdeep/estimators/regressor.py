"""NeuralRegressor: a Keras-style network as a scikit-learn regressor."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.base import RegressorMixin

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
from ._supervised import SupervisedNeuralEstimator
from ._targets import RegressorTargetEncoder


class NeuralRegressor(RegressorMixin, SupervisedNeuralEstimator):
    """Neural network regressor on the skdeep engine.

    The hidden layers are Keras-style layer specs; the output layer has one
    linear unit per target column and the default loss is the mean squared
    error. Targets are used as given (scale them, e.g. with
    ``TransformedTargetRegressor``, when their magnitude is large).

    Parameters
    ----------
    model : callable or Model, optional
        Instead of ``layers`` (and first, as in scikeras): a function
        returning a (compiled or not) :class:`skdeep.nn.Model`, or a Model
        instance (copied with its weights at each fit, so the object passed
        is never trained). The function's arguments are given as estimator
        parameters, with or without the ``model__`` prefix
        (``NeuralClassifier(model=get_clf, hidden_layer_sizes=(100,))``; the
        prefixed form wins); it also receives ``meta`` (data shapes,
        classes), ``compile_kwargs`` and ``params`` if it declares them. A
        subclass may define ``_keras_build_fn`` instead.
    layers : list of Layer, optional
        Hidden layers, e.g. ``[Dense(64, activation='relu')]``; specs that
        are never modified (fresh layers are built from their configs at
        each fit). ``layers__<i>__<argument>`` overrides one argument.
        Default: ``[Dense(100, activation='relu')]``.
    optimizer : str, Optimizer class or instance, default='adam'
    learning_rate : float, optional
        None keeps the optimizer's default.
    loss : str or Loss, optional
        Default ``'mse'``.
    metrics : list, optional
    epochs : int, default=100
        Passes over the training data per ``fit``. scikeras' default is 1:
        code ported from scikeras that relies on it trains 100 times longer
        here; pass ``epochs=1`` to match it.
    batch_size : int, default=32
    validation_split : float, default=0.0
    callbacks : list or dict of Callback, optional
    random_state : int, RandomState or None
        The same integer gives identical weights and predictions.
    verbose : int, default=0
    warm_start : bool, default=False
    n_jobs : int, optional
        Threads (Numba and BLAS) used while fitting and predicting.
    build_fn : callable, optional
        Legacy (scikeras / tf.keras wrapper) name of ``model``; warns.
    **kwargs
        Routed parameters: ``model__*``, ``layers__*``, ``optimizer__*``,
        ``loss__*``, ``callbacks__*``, ``fit__*``, ``predict__*``;
        un-prefixed names go to the ``model`` function. A subclass may also
        declare routed defaults in its own signature
        (``optimizer__learning_rate=0.001``).

    Attributes
    ----------
    model_ : skdeep.nn.Model
    history_ : dict of list
    n_outputs_ : int
        Number of target columns.
    n_iter_ : int
        Epochs trained so far.
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
    >>> from sklearn.datasets import make_regression
    >>> from skdeep import NeuralRegressor
    >>> X, y = make_regression(n_samples=50, n_features=3, random_state=0)
    >>> NeuralRegressor(epochs=2, random_state=0).fit(X, y).predict(X[:3]).shape
    (3,)
    """

    _numeric_targets = True

    def __init__(self, model: Callable[..., Any] | None = None, layers: LayerSpecs | None = None, optimizer: OptimizerSpec = "adam",
                 learning_rate: float | None = None, loss: LossSpec | None = None,
                 metrics: MetricsSpec | None = None, epochs: int = 100,
                 batch_size: int | None = 32, validation_split: float = 0.0,
                 callbacks: CallbacksSpec | None = None,
                 random_state: RandomState = None, verbose: Verbose = 0,
                 warm_start: bool = False, n_jobs: int | None = None,
                 build_fn: Callable[..., Any] | None = None, **kwargs: Any) -> None:
        self.model = model
        self.layers = layers
        self.build_fn = build_fn
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

    def partial_fit(self: EstimatorT, X: ArrayLike, y: ArrayLike,
                    sample_weight: ArrayLike | None = None) -> EstimatorT:
        """Train for one epoch on ``(X, y)``, building the network on the first call.

        Returns
        -------
        self
        """
        self._fit(X, y, sample_weight, {}, keep=True, one_epoch=True)
        self._incremental = True
        return self

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predicted values, shape ``(n_samples,)`` or ``(n_samples, n_outputs)``
        like the ``y`` of ``fit`` (float64, or float32 for float32 ``X``)."""
        raw, dtype, _ = self._predict_raw(X)
        if isinstance(self._encoder, RegressorTargetEncoder):
            return self._encoder.inverse_transform(raw, dtype)
        return self._encoder.inverse_transform(raw)

    @property
    def target_encoder(self):
        """An unfitted transformer for y (scikeras' hook).

        The default reshapes y to the network's ``(n_samples, n_outputs)``
        and back. A subclass may return another scikit-learn transformer
        (``fit``/``transform``/``inverse_transform``, optional
        ``get_metadata``); then the network comes from ``model=`` or
        ``_keras_build_fn``. ``fit`` stores the fitted one as
        ``target_encoder_``.
        """
        return RegressorTargetEncoder()

    def _make_encoder(self, y, classes=None):
        encoder = self.target_encoder
        if isinstance(encoder, RegressorTargetEncoder):
            return encoder.fit(y, owner=type(self).__name__)
        return encoder.fit(y)

    def _check_known_targets(self, y, classes):
        n = 1 if np.ndim(y) == 1 else np.shape(y)[1]
        if n != self.n_outputs_:
            raise ValueError(f"y has {n} target column(s) but the network was built for "
                             f"{self.n_outputs_}")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _more_tags(self):  # scikit-learn < 1.6
        return {"multioutput": True}
