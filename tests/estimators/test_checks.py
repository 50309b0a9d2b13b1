"""scikit-learn's estimator checks on the three estimators (tiny networks, few epochs)."""
import inspect

from sklearn.utils.estimator_checks import parametrize_with_checks

from skdeep import Autoencoder, NeuralClassifier, NeuralRegressor
from skdeep.nn.layers import Dense

ESTIMATORS = [
    NeuralClassifier(layers=[Dense(16, activation="relu")], epochs=20, learning_rate=0.01,
                     random_state=0),
    NeuralRegressor(layers=[Dense(16, activation="relu")], epochs=20, learning_rate=0.01,
                    random_state=0),
    Autoencoder(n_components=2, epochs=5, learning_rate=0.01, random_state=0),
]


def _expected_failures(estimator):
    return dict(estimator._xfail_checks)


# scikit-learn >= 1.6 takes the expected failures as an argument; older versions
# read the estimators' ``_xfail_checks`` tag (``_more_tags``) themselves.
if "expected_failed_checks" in inspect.signature(parametrize_with_checks).parameters:
    _checks = parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failures)
else:
    _checks = parametrize_with_checks(ESTIMATORS)


@_checks
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
