"""Basic usage of SciKeras -- a port of the scikeras notebook.

Source: https://github.com/adriangb/scikeras/blob/master/docs/source/notebooks/Basic_Usage.md
(scikeras authors), MIT License. Only the imports and the data loading are
changed (marked ``# skdeep:``). scikeras trains 1 epoch by default and
skdeep 100: the estimators below that rely on the default pass
``epochs=1`` so that they train as long as in the notebook.
"""
# %% 1. Setup
import warnings

import numpy as np

import skdeep.nn as keras  # skdeep: was `import keras` (and TensorFlow's logger setup)
from skdeep.wrappers import KerasClassifier, KerasRegressor  # skdeep: was scikeras.wrappers

warnings.filterwarnings("ignore", message="Setting the random state for TF")

# %% 2.1 A toy binary classification task
from sklearn.datasets import make_classification

X, y = make_classification(1000, 20, n_informative=10, random_state=0)

X.shape, y.shape, y.mean()


# %% 2.2 Definition of the Keras classification Model
def get_clf(meta, hidden_layer_sizes, dropout):
    n_features_in_ = meta["n_features_in_"]
    n_classes_ = meta["n_classes_"]
    model = keras.models.Sequential()
    model.add(keras.layers.Input(shape=(n_features_in_,)))
    for hidden_layer_size in hidden_layer_sizes:
        model.add(keras.layers.Dense(hidden_layer_size, activation="relu"))
        model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    return model


# %% 2.3 Defining and training the neural net classifier
clf = KerasClassifier(
    model=get_clf,
    loss="binary_crossentropy",
    hidden_layer_sizes=(100,),
    dropout=0.5,
    epochs=1,  # skdeep: scikeras' default
)

clf.fit(X, y)

# %% 2.4 Making predictions, classification
y_pred = clf.predict(X[:5])
y_pred

y_proba = clf.predict_proba(X[:5])
y_proba

# %% 3.1 A toy regression task
from sklearn.datasets import make_regression

X_regr, y_regr = make_regression(1000, 20, n_informative=10, random_state=0)

X_regr.shape, y_regr.shape, y_regr.min(), y_regr.max()


# %% 3.2 Definition of the Keras regression Model
def get_reg(meta, hidden_layer_sizes, dropout):
    n_features_in_ = meta["n_features_in_"]
    model = keras.models.Sequential()
    model.add(keras.layers.Input(shape=(n_features_in_,)))
    for hidden_layer_size in hidden_layer_sizes:
        model.add(keras.layers.Dense(hidden_layer_size, activation="relu"))
        model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Dense(1))
    return model


# %% 3.3 Defining and training the neural net regressor
reg = KerasRegressor(
    model=get_reg,
    loss="mse",
    metrics=[keras.metrics.R2Score],
    hidden_layer_sizes=(100,),
    dropout=0.5,
    epochs=1,  # skdeep: scikeras' default
)

reg.fit(X_regr, y_regr)

# %% 3.4 Making predictions, regression
y_pred = reg.predict(X_regr[:5])
y_pred

# %% 4.1 Saving the whole model
import pickle

bytes_model = pickle.dumps(reg)
new_reg = pickle.loads(bytes_model)
new_reg.predict(X_regr[:5])  # model is still trained

# %% 4.2 Saving using Keras' saving methods
# Save to disk
pred_old = reg.predict(X_regr)
reg.model_.save("my_model.keras")  # saves just the Keras model  # skdeep: was /tmp/...

# Load the model back into memory
new_reg_model = keras.saving.load_model("my_model.keras")  # skdeep: was /tmp/...
# Now we need to instantiate a new SciKeras object
# since we only saved the Keras model
reg_new = KerasRegressor(new_reg_model)
# use initialize to avoid re-fitting
reg_new.initialize(X_regr, y_regr)
pred_new = reg_new.predict(X_regr)
np.testing.assert_allclose(pred_old, pred_new)

# %% 5. Usage with an sklearn Pipeline
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

pipe = Pipeline([
    ('scale', StandardScaler()),
    ('clf', clf),
])

y_proba = pipe.fit(X, y).predict(X)


# %% 6. Callbacks
class MaxValLoss(keras.callbacks.Callback):

    def __init__(self, monitor: str, threashold: float):
        self.monitor = monitor
        self.threashold = threashold

    def on_epoch_end(self, epoch, logs=None):
        if logs[self.monitor] > self.threashold:
            print("Threashold reached; stopping training")
            self.model.stop_training = True


from sklearn.datasets import make_moons

X, y = make_moons(n_samples=100, noise=0.2, random_state=0)

kwargs = dict(
    model=get_clf,
    loss="binary_crossentropy",
    dropout=0.5,
    hidden_layer_sizes=(100,),
    metrics=["binary_accuracy"],
    fit__validation_split=0.2,
    epochs=20,
    verbose=False,
    random_state=0
)

# First test without the callback
clf = KerasClassifier(**kwargs)
clf.fit(X, y)
print(f"Trained {len(clf.history_['loss'])} epochs")
print(f"Final accuracy: {clf.history_['val_binary_accuracy'][-1]}")  # get last value of last fit/partial_fit call

# Test with the callback

cb = MaxValLoss(monitor="val_binary_accuracy", threashold=0.75)

clf = KerasClassifier(
    **kwargs,
    callbacks=[cb]
)
clf.fit(X, y)
print(f"Trained {len(clf.history_['loss'])} epochs")
print(f"Final accuracy: {clf.history_['val_binary_accuracy'][-1]}")  # get last value of last fit/partial_fit call

# %% 7.2 Performing a grid search
from sklearn.model_selection import GridSearchCV

clf = KerasClassifier(
    model=get_clf,
    loss="binary_crossentropy",
    optimizer="adam",
    optimizer__learning_rate=0.1,
    model__hidden_layer_sizes=(100,),
    model__dropout=0.5,
    verbose=False,
    epochs=1,  # skdeep: scikeras' default
)

params = {
    'optimizer__learning_rate': [0.05, 0.1],
    'model__hidden_layer_sizes': [(100, ), (50, 50, )],
    'model__dropout': [0, 0.5],
}

gs = GridSearchCV(clf, params, scoring='accuracy', n_jobs=-1, verbose=True)

gs.fit(X, y)

print(gs.best_score_, gs.best_params_)
