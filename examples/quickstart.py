"""Quickstart: a Keras-style Sequential network on scikit-learn's digits.

Train, evaluate, save, reload and check the reloaded model predicts the same.
Run: python examples/quickstart.py
"""
import os
import tempfile
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skdeep.nn import Sequential, load_model
from skdeep.nn.callbacks import EarlyStopping
from skdeep.nn.layers import Dense, Dropout
from skdeep.nn.utils import set_random_seed, to_categorical

set_random_seed(42)
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0,
                                                    stratify=y)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

model = Sequential([
    Dense(128, activation="relu", input_shape=(64,)),
    Dropout(0.2),
    Dense(64, activation="relu"),
    Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.summary()

start = time.perf_counter()
history = model.fit(X_train, to_categorical(y_train, 10), epochs=30, batch_size=32,
                    validation_split=0.1, verbose=2,
                    callbacks=[EarlyStopping(monitor="val_loss", patience=5,
                                             restore_best_weights=True)])
print(f"trained {len(history.history['loss'])} epochs in {time.perf_counter() - start:.2f} s")

loss, accuracy = model.evaluate(X_test, to_categorical(y_test, 10), verbose=0)
print(f"test loss {loss:.4f}, test accuracy {accuracy:.4f}")

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "digits.keras")
    model.save(path)
    print(f"saved model: {os.path.getsize(path):,} bytes")
    reloaded = load_model(path)

before = model.predict(X_test, verbose=0)
after = reloaded.predict(X_test, verbose=0)
assert np.array_equal(before, after), "reloaded model predicts differently"
print("reloaded model gives identical predictions:", np.array_equal(before, after))
assert accuracy > 0.9, f"unexpectedly low accuracy {accuracy:.3f}"
