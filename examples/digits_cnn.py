"""Handwritten digits with a small convolutional network.

scikit-learn's 8x8 digits as (n, 8, 8, 1) images:

1. a Sequential CNN trained on augmented batches (small shifts and rotations
   from ImageDataGenerator.flow), scored on a held-out test set;
2. the same kind of network as a scikit-learn estimator,
   ``NeuralClassifier(layers=[Reshape((8, 8, 1)), Conv2D(...), ...])`` on the
   flat 64-pixel rows, in 3-fold cross-validation.

Run: ``python examples/digits_cnn.py`` (well under a minute on 2 cores).
"""
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import cross_val_score, train_test_split

from skdeep import NeuralClassifier
from skdeep.nn import Sequential, backend
from skdeep.nn.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D, Reshape
from skdeep.nn.preprocessing import ImageDataGenerator


def sequential_with_augmentation(X_train, X_test, y_train, y_test):
    backend.set_random_seed(0)
    model = Sequential([
        Conv2D(16, 3, padding="same", activation="relu", input_shape=(8, 8, 1)),
        MaxPooling2D(),
        Conv2D(32, 3, padding="same", activation="relu"),
        MaxPooling2D(),
        Flatten(),
        Dropout(0.2),
        Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    augment = ImageDataGenerator(rotation_range=10, width_shift_range=1,
                                 height_shift_range=1, zoom_range=0.05)
    model.fit(augment.flow(X_train, y_train, batch_size=32, seed=0), epochs=30, verbose=0)
    loss, accuracy = model.evaluate(X_test, y_test, verbose=0)
    model.summary()
    return accuracy


def estimator_in_cross_validation(X_flat, y):
    clf = NeuralClassifier(
        layers=[Reshape((8, 8, 1)), Conv2D(16, 3, padding="same", activation="relu"),
                MaxPooling2D(), Flatten(), Dense(64, activation="relu")],
        epochs=20, batch_size=32, random_state=0)
    return cross_val_score(clf, X_flat, y, cv=3)


def main():
    digits = load_digits()
    X_flat = (digits.data / 16.0).astype(np.float32)
    y = digits.target
    images = X_flat.reshape(-1, 8, 8, 1)
    X_train, X_test, y_train, y_test = train_test_split(images, y, test_size=0.25,
                                                        random_state=0, stratify=y)
    t0 = time.perf_counter()
    accuracy = sequential_with_augmentation(X_train, X_test, y_train, y_test)
    print(f"Sequential CNN with augmentation: test accuracy {accuracy:.3f} "
          f"({time.perf_counter() - t0:.1f} s)")
    t0 = time.perf_counter()
    scores = estimator_in_cross_validation(X_flat, y)
    print(f"NeuralClassifier CNN, 3-fold CV accuracy: {scores.mean():.3f} +- "
          f"{scores.std():.3f} ({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
