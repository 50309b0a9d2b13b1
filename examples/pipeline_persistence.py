"""A scaler + NeuralClassifier Pipeline on a DataFrame: cross-validated, saved
with joblib, reloaded in a new Python process, identical predictions.

For comparison the same cross-validation runs scikit-learn's MLPClassifier
with the same hidden layers, epochs, batch size and learning rate.

Run: python examples/pipeline_persistence.py
"""
import os
import subprocess
import sys
import tempfile
import time
import warnings

import joblib
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeep import NeuralClassifier
from skdeep.nn.layers import Dense

HIDDEN, EPOCHS, BATCH, LR = (64, 32), 50, 32, 1e-3

data = load_breast_cancer(as_frame=True)
X, y = data.data, data.target.map(dict(enumerate(data.target_names)))  # 'malignant', 'benign'
print(f"data: DataFrame {X.shape}, labels {sorted(map(str, y.unique()))}")

pipe = make_pipeline(
    StandardScaler(),
    NeuralClassifier(layers=[Dense(units, activation="relu") for units in HIDDEN],
                     epochs=EPOCHS, batch_size=BATCH, learning_rate=LR, random_state=0))
pipe.set_output(transform="pandas")  # the scaler passes a DataFrame on: names are kept
mlp = make_pipeline(
    StandardScaler(),
    # alpha=0 and no early stop: the same objective and number of epochs as above
    MLPClassifier(hidden_layer_sizes=HIDDEN, max_iter=EPOCHS, batch_size=BATCH,
                  learning_rate_init=LR, alpha=0.0, n_iter_no_change=EPOCHS + 1,
                  random_state=0))

cv = StratifiedKFold(5, shuffle=True, random_state=0)
for name, model in [("skdeep NeuralClassifier", pipe), ("sklearn MLPClassifier", mlp)]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        scores = cross_val_score(model, X, y, cv=cv)
        elapsed = time.perf_counter() - start
    print(f"{name:24s} 5-fold accuracy {scores.mean():.4f} ± {scores.std():.4f} "
          f"in {elapsed:.2f} s")

pipe.fit(X, y)
expected = pipe.predict_proba(X)
clf = pipe[-1]
print(f"fitted: {clf.n_iter_} epochs, final loss {clf.history_['loss'][-1]:.4f}, "
      f"features {list(clf.feature_names_in_[:3])}...")

CHILD = """
import sys, joblib, numpy as np
from sklearn.datasets import load_breast_cancer
pipe = joblib.load(sys.argv[1])
X = load_breast_cancer(as_frame=True).data
np.save(sys.argv[2], pipe.predict_proba(X))
print([str(label) for label in pipe.predict(X.iloc[:5])])
"""

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "pipeline.joblib")
    joblib.dump(pipe, path)
    size = os.path.getsize(path)
    weights = sum(w.nbytes for w in clf.model_.get_weights())
    print(f"saved: {size / 1024:.1f} KiB on disk; network weights {weights / 1024:.1f} KiB")
    out = os.path.join(tmp, "proba.npy")
    child = subprocess.run([sys.executable, "-c", CHILD, path, out], capture_output=True,
                           text=True, check=True)
    print(f"new process predicts: {child.stdout.strip()}")
    same = np.array_equal(np.load(out), expected)
    print(f"reloaded predictions bit-identical: {same}")
    if not same:
        sys.exit(1)
