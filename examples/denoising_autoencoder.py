"""A denoising autoencoder on scikit-learn's 8x8 digits.

1. Train ``Autoencoder(noise=...)``: inputs get fresh Gaussian noise each
   epoch, the target is the clean digit.
2. Reconstruction error on noisy test digits, before (noisy vs clean) and
   after (reconstruction of the noisy digit vs clean).
3. The codes as features: ``Autoencoder`` + ``LogisticRegression`` in a
   Pipeline, against the same classifier on the raw pixels (4x as many
   features).
4. Anomaly detection: ``score_samples`` (negative reconstruction error)
   flags digits with a corrupted block of pixels.

Run: python examples/denoising_autoencoder.py
"""
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from skdeep import Autoencoder
from skdeep.nn.layers import Dense

NOISE = 0.25
rng = np.random.default_rng(0)

X, y = load_digits(return_X_y=True)
X = X / 16.0  # pixels in [0, 1]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0,
                                                    stratify=y)
X_test_noisy = np.clip(X_test + rng.normal(0, NOISE, X_test.shape), 0.0, 1.0)

# 1. a denoising autoencoder: 64 -> 128 -> 32 -> code 16 -> 32 -> 128 -> 64 (sigmoid);
# n_jobs=1 because networks this small train fastest on one thread
SETTINGS = dict(encoder_layers=[Dense(128, activation="relu"), Dense(32, activation="relu")],
                n_components=16, noise=NOISE, loss="binary_crossentropy", epochs=60,
                batch_size=64, learning_rate=3e-3, random_state=0, n_jobs=1)
autoencoder = Autoencoder(**SETTINGS)
start = time.perf_counter()
autoencoder.fit(X_train)
print(f"trained {autoencoder.n_iter_} epochs in {time.perf_counter() - start:.1f} s, "
      f"final loss {autoencoder.history_['loss'][-1]:.4f}")

# 2. reconstruction error against the clean digits
def mse(a, b):
    return float(np.mean((a - b) ** 2))


denoised = autoencoder.inverse_transform(autoencoder.transform(X_test_noisy))
print(f"mean squared error vs clean digits: noisy input {mse(X_test_noisy, X_test):.4f} -> "
      f"reconstruction {mse(denoised, X_test):.4f}")

# 3. the 16-value codes as features for a classifier
raw = LogisticRegression(max_iter=2000).fit(X_train, y_train)
codes = make_pipeline(Autoencoder(**SETTINGS), LogisticRegression(max_iter=2000))
codes.fit(X_train, y_train)
for name, X_eval in [("clean", X_test), ("noisy", X_test_noisy)]:
    print(f"logistic regression on {name} test digits: 64 raw pixels "
          f"{raw.score(X_eval, y_test):.3f}, 16 autoencoder codes "
          f"{codes.score(X_eval, y_test):.3f}")

# 4. score_samples flags digits with a corrupted 3x3 block
corrupted = X_test.copy()
bad = rng.choice(len(X_test), size=len(X_test) // 10, replace=False)
for i in bad:
    r, c = rng.integers(0, 6, size=2)
    block = corrupted[i].reshape(8, 8)
    block[r:r + 3, c:c + 3] = 1.0 - block[r:r + 3, c:c + 3]
is_bad = np.zeros(len(X_test), bool)
is_bad[bad] = True
scores = autoencoder.score_samples(corrupted)
threshold = np.percentile(autoencoder.score_samples(X_train), 5)
flagged = scores < threshold
print(f"corrupted digits: ROC AUC of -score_samples {roc_auc_score(is_bad, -scores):.3f}; "
      f"below the 5th percentile of training scores: {flagged[is_bad].mean():.0%} of corrupted, "
      f"{flagged[~is_bad].mean():.0%} of clean digits")
