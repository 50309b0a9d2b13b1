"""scikit-learn estimators on the skdeep engine."""
from .autoencoder import Autoencoder
from .classifier import NeuralClassifier
from .regressor import NeuralRegressor

__all__ = ["NeuralClassifier", "NeuralRegressor", "Autoencoder"]
