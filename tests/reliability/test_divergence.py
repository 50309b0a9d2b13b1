"""Diverging training: estimators refuse to return a NaN network, Model.fit
keeps Keras' behaviour (no error) but warns, TerminateOnNaN is Keras'."""
import warnings

import numpy as np
import pytest

from skdeep import Autoencoder, NeuralClassifier, NeuralRegressor
from skdeep.nn import Sequential
from skdeep.nn.callbacks import Callback, TerminateOnNaN
from skdeep.nn.layers import Dense

RNG = np.random.default_rng(0)
X = RNG.standard_normal((32, 3))
Y = RNG.integers(0, 2, 32)
HUGE = X * 1e30  # finite in float32, explodes the first step


@pytest.mark.parametrize("make", [
    lambda: (NeuralClassifier(layers=[Dense(4, activation="relu")], epochs=3, random_state=0), Y),
    lambda: (NeuralRegressor(layers=[Dense(4)], epochs=3, random_state=0), X[:, 0] * 1e30),
    lambda: (Autoencoder(encoder_layers=[], epochs=3, random_state=0), None),
], ids=["classifier", "regressor", "autoencoder"])
def test_estimators_raise_a_clear_error_on_divergence(make):
    est, y = make()
    with warnings.catch_warnings():
        # and no Model.fit warning on top of the error
        warnings.filterwarnings("error", message=".*diverged")
        with pytest.raises(ValueError, match=r"diverged.*learning rate.*unscaled.*\|X\| is [0-9.]+e\+30"):
            est.fit(HUGE, y)
    assert not hasattr(est, "model_")


def test_divergence_on_refit_keeps_the_previous_model():
    est = NeuralClassifier(layers=[], epochs=2, random_state=0).fit(X, Y)
    proba = est.predict_proba(X)
    with pytest.raises(ValueError, match="diverged"):
        est.fit(HUGE, Y)
    np.testing.assert_array_equal(est.predict_proba(X), proba)
    assert np.isfinite(proba).all()


def test_high_learning_rate_names_the_learning_rate():
    est = NeuralRegressor(layers=[Dense(8, activation="relu")], optimizer="sgd",
                          learning_rate=1e6, epochs=5, random_state=0)
    with pytest.raises(ValueError, match=r"learning rate \(1000000\.0 for SGD\)"):
        est.fit(X, X[:, 0] * 10)


class NaNWeights(Callback):
    """Leaves the loss finite but poisons a weight at the end of the epoch."""

    def on_epoch_end(self, epoch, logs=None):
        self.model.layers[0].kernel.value[0, 0] = np.nan


def test_non_finite_weights_alone_are_caught():
    est = NeuralRegressor(layers=[], epochs=2, random_state=0, callbacks=[NaNWeights()])
    with pytest.raises(ValueError, match="weights are not finite"):
        est.fit(X, X[:, 0])


def test_model_fit_keeps_keras_behaviour_but_warns():
    model = Sequential([Dense(1, input_shape=(3,))])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.warns(RuntimeWarning, match="diverged.*epoch 1"):
        history = model.fit(HUGE, X[:, 0] * 1e30, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2  # not stopped, as in Keras
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*diverged")
        model2 = Sequential([Dense(1, input_shape=(3,))])
        model2.compile(optimizer="sgd", loss="mse")
        model2.fit(X, X[:, 0], epochs=1, verbose=0)  # no warning when all is well


def test_terminate_on_nan_stops_at_the_first_bad_batch(capsys):
    model = Sequential([Dense(1, input_shape=(3,))])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.warns(RuntimeWarning, match="diverged"):
        history = model.fit(HUGE, X[:, 0] * 1e30, epochs=5, batch_size=4, verbose=0,
                            callbacks=[TerminateOnNaN()])
    assert len(history.history["loss"]) == 1
    assert "Invalid loss, terminating training" in capsys.readouterr().out
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch"):
        model.fit(HUGE, X[:, 0] * 1e30, epochs=1, verbose=0,
                  callbacks=[TerminateOnNaN(raise_error=True)])
    # Keras implements it in on_batch_end (called for training batches)
    assert "on_batch_end" in vars(TerminateOnNaN)
