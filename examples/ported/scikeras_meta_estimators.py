"""Meta Estimators in SciKeras -- a port of the scikeras notebook.

Source: https://github.com/adriangb/scikeras/blob/master/docs/source/notebooks/Meta_Estimators.md
(scikeras authors), MIT License. Only the imports are changed (marked
``# skdeep:``), and the classifier trains ``epochs=10``: scikeras' default
is 1 and skdeep's 100, and 10 keeps AdaBoost's 50 fits quick.
"""
# %% 1. Setup
import warnings

import numpy as np

import skdeep.nn as keras  # skdeep: was `import keras` (and TensorFlow's logger setup)
from skdeep.wrappers import KerasClassifier, KerasRegressor  # skdeep: was scikeras.wrappers

warnings.filterwarnings("ignore", message="Setting the random state for TF")

# %% 2. Defining the Keras Model
from typing import Any, Dict, Iterable


def get_clf_model(hidden_layer_sizes: Iterable[int], meta: Dict[str, Any], compile_kwargs: Dict[str, Any]):
    model = keras.Sequential()
    inp = keras.layers.Input(shape=(meta["n_features_in_"],))
    model.add(inp)
    for hidden_layer_size in hidden_layer_sizes:
        layer = keras.layers.Dense(hidden_layer_size, activation="relu")
        model.add(layer)
    if meta["target_type_"] == "binary":
        n_output_units = 1
        output_activation = "sigmoid"
        loss = "binary_crossentropy"
    elif meta["target_type_"] == "multiclass":
        n_output_units = meta["n_classes_"]
        output_activation = "softmax"
        loss = "sparse_categorical_crossentropy"
    else:
        raise NotImplementedError(f"Unsupported task type: {meta['target_type_']}")
    out = keras.layers.Dense(n_output_units, activation=output_activation)
    model.add(out)
    model.compile(loss=loss, optimizer=compile_kwargs["optimizer"])
    return model


clf = KerasClassifier(
    model=get_clf_model,
    hidden_layer_sizes=(100, ),
    optimizer="adam",
    optimizer__learning_rate=0.001,
    verbose=0,
    random_state=0,
    epochs=10,  # skdeep: scikeras trains 1 epoch by default, skdeep 100
)

# %% 2.1 Building a boosting ensemble
from sklearn.ensemble import AdaBoostClassifier

adaboost = AdaBoostClassifier(estimator=clf, random_state=0)

# %% 3. Testing with a toy dataset
from sklearn.datasets import make_moons

X, y = make_moons()

single_score = clf.fit(X, y).score(X, y)

adaboost_score = adaboost.fit(X, y).score(X, y)

print(f"Single score: {single_score:.2f}")
print(f"AdaBoost score: {adaboost_score:.2f}")

print(adaboost.estimators_[0].model_.get_weights()[0][0, :5])  # first sub-estimator
print(adaboost.estimators_[1].model_.get_weights()[0][0, :5])  # second sub-estimator

# %% 4. Bagging ensemble
from sklearn.ensemble import BaggingClassifier

bagging = BaggingClassifier(estimator=clf, random_state=0, n_jobs=-1)

bagging_score = bagging.fit(X, y).score(X, y)

print(f"Bagging score: {bagging_score:.2f}")
