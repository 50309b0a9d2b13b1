"""NeuralClassifier: a Keras-style network as a scikit-learn classifier."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import type_of_target

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
from ..nn.data import check_class_weight
from ._supervised import SupervisedNeuralEstimator
from ._targets import ClassifierTargetEncoder, ravel_column


class NeuralClassifier(ClassifierMixin, SupervisedNeuralEstimator):
    """Neural network classifier on the skdeep engine.

    The hidden layers are Keras-style layer specs; the output layer and the
    loss follow from the target: one sigmoid unit and binary cross-entropy
    for two classes, softmax and categorical cross-entropy for more, sigmoid
    units and binary cross-entropy for a multilabel indicator matrix. Labels
    may be of any type (strings, integers, pandas categoricals).

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
        Hidden layers, e.g. ``[Dense(64, activation='relu'), Dropout(0.2)]``.
        They are specs: every fit builds fresh layers from their configs and
        never modifies them. ``layers__<i>__<argument>`` (e.g.
        ``layers__0__units``) overrides one argument, for searches. Default:
        ``[Dense(100, activation='relu')]``.
    optimizer : str, Optimizer class or instance, default='adam'
        ``optimizer__<name>`` sets its arguments.
    learning_rate : float, optional
        The optimizer's learning rate; None keeps the optimizer's default.
    loss : str or Loss, optional
        None chooses the loss from the target (see above).
    metrics : list, optional
        Metrics logged in ``history_``, e.g. ``['accuracy']``.
    epochs : int, default=100
        Passes over the training data per ``fit``. scikeras' default is 1:
        code ported from scikeras that relies on it trains 100 times longer
        here; pass ``epochs=1`` to match it.
    batch_size : int, default=32
        Samples per gradient step (and per prediction batch, unless
        ``predict__batch_size`` is set).
    validation_split : float, default=0.0
        Fraction of the training data (the last samples) held out to log
        validation loss and metrics.
    callbacks : list or dict of Callback, optional
        Instances are copied for each fit; classes are instantiated with
        their ``callbacks__<name>__<argument>`` parameters.
    class_weight : dict, 'balanced' or None
        Weights of the classes (keys are labels), multiplied into
        ``sample_weight``.
    random_state : int, RandomState or None
        Seeds weight initialisation, shuffling and dropout: the same integer
        gives identical weights and predictions.
    verbose : int, default=0
        0 silent, 1 progress bar, 2 one line per epoch.
    warm_start : bool, default=False
        Whether ``fit`` continues training the current network.
    n_jobs : int, optional
        Threads (Numba and BLAS) used while fitting and predicting; None
        keeps the process settings, -1 uses all cores.
    build_fn : callable, optional
        Legacy (scikeras / tf.keras wrapper) name of ``model``; warns.
    **kwargs
        Routed parameters: ``model__*``, ``layers__*``, ``optimizer__*``,
        ``loss__*``, ``callbacks__*``, ``fit__*`` (extra arguments of
        ``Model.fit``) and ``predict__*``; un-prefixed names go to the
        ``model`` function. A subclass may also declare routed defaults in
        its own signature (``optimizer__learning_rate=0.001``).

    Attributes
    ----------
    model_ : skdeep.nn.Model
        The trained network.
    history_ : dict of list
        Per-epoch ``loss`` and metrics, as Keras' ``History.history``.
    classes_ : ndarray
        Class labels (label indices for multilabel targets).
    n_outputs_ : int
        1, or the number of labels of a multilabel target.
    n_iter_ : int
        Epochs trained so far.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X was a DataFrame with string column names.

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
    >>> from sklearn.datasets import make_classification
    >>> from skdeep import NeuralClassifier
    >>> from skdeep.nn.layers import Dense
    >>> X, y = make_classification(n_samples=100, n_features=4, random_state=0)
    >>> clf = NeuralClassifier(layers=[Dense(8, activation="relu")], epochs=5,
    ...                        random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {**SupervisedNeuralEstimator._parameter_constraints,
                              "class_weight": [dict, StrOptions({"balanced"}), None]}

    def __init__(self, model: Callable[..., Any] | None = None, layers: LayerSpecs | None = None, optimizer: OptimizerSpec = "adam",
                 learning_rate: float | None = None, loss: LossSpec | None = None,
                 metrics: MetricsSpec | None = None, epochs: int = 100,
                 batch_size: int | None = 32, validation_split: float = 0.0,
                 callbacks: CallbacksSpec | None = None,
                 class_weight: Mapping[Any, float] | str | None = None,
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
        self.class_weight = class_weight
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.n_jobs = n_jobs
        self._set_routed(kwargs)

    def partial_fit(self: EstimatorT, X: ArrayLike, y: ArrayLike, classes: ArrayLike | None = None,
                    sample_weight: ArrayLike | None = None) -> EstimatorT:
        """Train for one epoch on ``(X, y)``, building the network on the first call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
        classes : array-like, optional
            Every label that will ever be seen; required on the first call
            (except for multilabel targets), as in scikit-learn.
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        self
        """
        if not self._is_fitted() and classes is None:
            if type_of_target(np.asarray(y)) != "multilabel-indicator":
                raise ValueError("classes must be passed on the first call to partial_fit, "
                                 "e.g. partial_fit(X, y, classes=np.unique(y_all))")
        self._fit(X, y, sample_weight, {}, keep=True, classes=classes, one_epoch=True)
        self._incremental = True
        return self

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities, shape ``(n_samples, n_classes)``.

        For multilabel targets: the probability of each label, shape
        ``(n_samples, n_labels)``.
        """
        raw, dtype, _ = self._predict_raw(X)
        if not isinstance(self._encoder, ClassifierTargetEncoder):
            return self._encoder.inverse_transform(raw, return_proba=True)
        return np.asarray(self._encoder.proba(raw), dtype=dtype)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predicted labels (the most probable class; labels with probability > 0.5
        for multilabel targets)."""
        if not isinstance(self.__dict__.get("_encoder"), ClassifierTargetEncoder) and \
                self._is_fitted():
            raw, _, _ = self._predict_raw(X)
            return self._encoder.inverse_transform(raw)
        proba = self.predict_proba(X)
        return self._encoder.labels(proba)

    @property
    def target_encoder(self):
        """An unfitted transformer for y (scikeras' hook).

        The default encodes labels of any type for the network's output
        (0/1 column, one-hot, class ids or label indicators) and decodes
        probabilities and labels. A subclass may return another scikit-learn
        transformer with ``fit``, ``transform`` and
        ``inverse_transform(y, return_proba=False)`` (and optionally
        ``get_metadata()``, whose entries become attributes, e.g.
        ``classes_``); the network then comes from ``model=`` or
        ``_keras_build_fn``. ``fit`` stores the fitted one as
        ``target_encoder_``.
        """
        return ClassifierTargetEncoder()

    # ------------------------------------------------------------------ targets
    def _check_Xy(self, X, y, reset):
        X, y = super()._check_Xy(X, y, reset)
        return X, ravel_column(np.asarray(y))

    def _make_encoder(self, y, classes):
        encoder = self.target_encoder
        if isinstance(encoder, ClassifierTargetEncoder):
            return encoder.fit(y, classes=classes, owner=type(self).__name__)
        return encoder.fit(y)

    def _target_attributes(self, encoder):
        return {k: getattr(encoder, k) for k in ("classes_", "n_outputs_")
                if hasattr(encoder, k)}

    def _check_known_targets(self, y, classes):
        if classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(f"classes={np.unique(classes).tolist()} differs from the classes "
                             f"of the first partial_fit call {self.classes_.tolist()}")
        if self._encoder.target_type_ == "multilabel-indicator":
            if y.ndim != 2 or y.shape[1] != len(self.classes_):
                raise ValueError(f"y must be a label indicator matrix with "
                                 f"{len(self.classes_)} columns, as in the first fit")
            return
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if unknown.size:
            raise ValueError(f"y contains labels {unknown.tolist()} unseen when the network "
                             f"was built (classes_={self.classes_.tolist()}); refit with "
                             "warm_start=False or pass every label in classes=")

    def _sample_weights(self, y, sw, check_classes):
        if self.class_weight is not None:
            if isinstance(self.class_weight, dict):  # keyed by label, as in scikit-learn
                check_class_weight(self.class_weight, integer_keys=False)
            cw = compute_sample_weight(self.class_weight, y)
            sw = cw if sw is None else sw * cw
        if sw is not None and check_classes and y.ndim == 1:
            weighted = np.unique(y[sw > 0])
            if len(weighted) < 2:
                raise ValueError(f"Only 1 class ({weighted.tolist()}) has non-zero "
                                 "sample_weight; a classifier needs at least 2 classes")
        return sw

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.classifier_tags.multi_label = True
        return tags

    def _more_tags(self):  # scikit-learn < 1.6
        return {"multioutput": True, "multilabel": True}
