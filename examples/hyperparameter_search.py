"""Hyperparameter search, the scikeras walkthrough on skdeep.

The course builds a Keras model in a function of the learning rate and the
activation, wraps it in scikeras' ``KerasClassifier`` and lets scikit-learn's
``RandomizedSearchCV`` pick activation, batch size, epochs and learning rate
on the breast cancer data (``KFold(3)``), then cross-validates the best
model. Here only the imports change: ``NeuralClassifier`` routes the
``model__*`` parameters to the build function, as scikeras does. The epoch
grid is shortened so that the script runs in seconds.

Run: python examples/hyperparameter_search.py
"""
import time

from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import KFold, RandomizedSearchCV, cross_val_score
from sklearn.preprocessing import StandardScaler

from skdeep import NeuralClassifier
from skdeep.nn import Sequential
from skdeep.nn.layers import Dense, Input
from skdeep.nn.optimizers import Adam

X, y = load_breast_cancer(return_X_y=True)
# the walkthrough scales once up front; in production put the scaler in a
# Pipeline so that each fold is scaled on its own training part
X = StandardScaler().fit_transform(X)


# Creates a model given an activation and learning rate
def create_model(learning_rate=0.01, activation="relu"):
    # Create an Adam optimizer with the given learning rate
    opt = Adam(learning_rate=learning_rate)

    # Create your binary classification model
    model = Sequential([
        Input(shape=(30,)),
        Dense(128, activation=activation),
        Dense(256, activation=activation),
        Dense(1, activation="sigmoid"),
    ])

    # Compile your model with your optimizer, loss, and metrics
    model.compile(optimizer=opt, loss="binary_crossentropy", metrics=["accuracy"])
    return model


# Create a NeuralClassifier (scikeras: KerasClassifier). n_jobs=1: networks this
# small train fastest on one thread (BLAS threads only add synchronisation)
model_for_search = NeuralClassifier(model=create_model, verbose=0, random_state=0, n_jobs=1)

# Define the parameters to try out
params = {
    "model__activation": ["relu", "tanh"],
    "batch_size": [32, 128, 256],
    "epochs": [10, 20, 40],
    "model__learning_rate": [0.1, 0.01, 0.001],
}

# Create a randomized search object passing in the parameters to try
random_search = RandomizedSearchCV(model_for_search, param_distributions=params, cv=KFold(3),
                                   n_iter=5, random_state=42)

start = time.perf_counter()
random_search.fit(X, y)
print(f"search: {time.perf_counter() - start:.1f} s for 5 candidates x 3 folds + refit")
print(f"Best parameters: {random_search.best_params_}")
print(f"Best score: {random_search.best_score_:.4f}")

# Cross-validation of a new classifier with the best parameters found
best_model = NeuralClassifier(model=create_model, **random_search.best_params_, verbose=0,
                              random_state=0, n_jobs=1)
kfolds = cross_val_score(best_model, X, y, cv=3)
print("---- Cross-validation results (best model) ----")
print(f"Accuracy for each fold: {kfolds}")
print(f"Average accuracy: {kfolds.mean():.4f}")
print(f"With a standard deviation of: {kfolds.std():.4f}")
