"""skdeep: Keras-style neural networks as scikit-learn estimators."""
__version__ = "0.1.0"

from .estimators import Autoencoder, NeuralClassifier, NeuralRegressor  # noqa: E402

__all__ = ["NeuralClassifier", "NeuralRegressor", "Autoencoder"]
