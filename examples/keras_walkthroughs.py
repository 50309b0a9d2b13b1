"""The classic Keras course walkthroughs, on skdeep with only the imports changed.

1. Darts: 4 competitors from throw coordinates, Dense 128-64-32 + softmax.
2. Binary: breast cancer diagnosis with a sigmoid output.
3. Multi-label: irrigation sensors → which of 3 parcels to water (sigmoid units).
4. Functional: two inputs, two outputs (score difference and win) with loss_weights.
Training history is plotted to history.png when matplotlib is installed.
Run: python examples/keras_walkthroughs.py
"""
import numpy as np
from sklearn.datasets import load_breast_cancer, make_multilabel_classification
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skdeep.nn import Input, Model, Sequential
from skdeep.nn.callbacks import EarlyStopping
from skdeep.nn.layers import Concatenate, Dense
from skdeep.nn.utils import set_random_seed, to_categorical

set_random_seed(0)
rng = np.random.default_rng(0)


def darts():
    """Each competitor throws around their own aim point with their own spread."""
    aims = np.array([[0.0, 0.0], [0.5, -0.3], [-0.4, 0.4], [0.3, 0.5]])
    spread = np.array([0.15, 0.25, 0.2, 0.1])
    competitor = rng.integers(0, 4, 800)
    coords = aims[competitor] + rng.standard_normal((800, 2)) * spread[competitor, None]
    x_train, x_test, y_train, y_test = train_test_split(
        coords, to_categorical(competitor), test_size=0.25, random_state=0)
    model = Sequential()
    model.add(Dense(128, input_shape=(2,), activation="relu"))
    model.add(Dense(64, activation="relu"))
    model.add(Dense(32, activation="relu"))
    model.add(Dense(4, activation="softmax"))
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=60, verbose=0, validation_split=0.2)
    acc = model.evaluate(x_test, y_test, verbose=0)[1]
    print(f"darts: test accuracy {acc:.3f}")
    return history


def binary():
    x, y = load_breast_cancer(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=0)
    scaler = StandardScaler().fit(x_train)
    model = Sequential([Dense(16, activation="relu", input_shape=(30,)),
                        Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(scaler.transform(x_train), y_train, epochs=50, verbose=0,
              callbacks=[EarlyStopping(monitor="loss", patience=3)])
    acc = model.evaluate(scaler.transform(x_test), y_test, verbose=0)[1]
    print(f"binary (breast cancer): test accuracy {acc:.3f}")


def multilabel():
    x, y = make_multilabel_classification(n_samples=1000, n_features=20, n_classes=3,
                                          random_state=0)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=0)
    model = Sequential([Dense(64, activation="relu", input_shape=(20,)),
                        Dense(3, activation="sigmoid")])
    # Keras 3 resolves 'accuracy' from shapes (categorical for 3 outputs), so
    # name the per-label metric explicitly
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["binary_accuracy"])
    model.fit(x_train, y_train, epochs=40, validation_split=0.2, verbose=0)
    preds = np.round(model.predict(x_test, verbose=0))
    print(f"multi-label (3 parcels): test accuracy per label {model.evaluate(x_test, y_test, verbose=0)[1]:.3f}, "
          f"exact-match {np.mean((preds == y_test).all(axis=1)):.3f}")


def two_inputs_two_outputs():
    """Team ratings and home advantage → score difference and win probability."""
    n = 2000
    seeds = rng.integers(1, 17, (n, 2)).astype("float32")
    home = rng.integers(0, 2, (n, 1)).astype("float32")
    diff = (seeds[:, 1] - seeds[:, 0]) * 1.5 + 3 * home[:, 0] + rng.standard_normal(n) * 4
    won = (diff > 0).astype("float32")
    seeds_in = Input(shape=(2,), name="seeds")
    home_in = Input(shape=(1,), name="home")
    hidden = Dense(16, activation="relu")(Concatenate()([seeds_in, home_in]))
    score = Dense(1, name="score_diff")(hidden)
    win = Dense(1, activation="sigmoid", name="win")(hidden)
    model = Model(inputs=[seeds_in, home_in], outputs=[score, win])
    model.compile(optimizer="adam", loss=["mae", "binary_crossentropy"],
                  loss_weights=[1.0, 10.0], metrics={"win": ["accuracy"]})
    model.fit([seeds, home], [diff, won], epochs=30, batch_size=64, verbose=0,
              validation_split=0.1)
    logs = model.evaluate([seeds, home], [diff, won], verbose=0, return_dict=True)
    print(f"two-in/two-out: score MAE {logs['score_diff_loss']:.2f}, "
          f"win accuracy {logs['win_accuracy']:.3f}")


def plot(history):
    try:
        import matplotlib
    except ImportError:
        print("matplotlib not installed: skipping the learning-curve plot")
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(9, 3.5))
    for key in ("loss", "val_loss"):
        ax[0].plot(history.history[key], label=key)
    for key in ("accuracy", "val_accuracy"):
        ax[1].plot(history.history[key], label=key)
    for a, title in zip(ax, ("Loss", "Accuracy")):
        a.set_title(title)
        a.set_xlabel("epoch")
        a.legend()
    fig.tight_layout()
    fig.savefig("history.png")
    print("learning curves written to history.png")


if __name__ == "__main__":
    hist = darts()
    binary()
    multilabel()
    two_inputs_two_outputs()
    plot(hist)
