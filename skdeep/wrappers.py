"""scikeras' import names: ``from skdeep.wrappers import KerasClassifier, KerasRegressor``.

They are :class:`~skdeep.NeuralClassifier` and :class:`~skdeep.NeuralRegressor`
themselves, which follow scikeras' conventions (``model=`` first, un-prefixed
arguments of the model function, ``model__``/``optimizer__``/``fit__``
routing, ``meta``/``compile_kwargs``, ``_keras_build_fn``, ``initialize``,
``target_encoder``/``feature_encoder``). The defaults are skdeep's:
``epochs=100`` (scikeras: 1), ``optimizer='adam'`` (scikeras: 'rmsprop'),
``verbose=0`` (scikeras: 1) and ``batch_size=32``.

Examples
--------
>>> from skdeep.wrappers import KerasClassifier
>>> from skdeep import NeuralClassifier
>>> KerasClassifier is NeuralClassifier
True
"""
from .estimators import NeuralClassifier as KerasClassifier, NeuralRegressor as KerasRegressor

__all__ = ["KerasClassifier", "KerasRegressor"]
