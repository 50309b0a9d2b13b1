"""Text classification from raw strings: Tokenizer -> Embedding -> Bidirectional(GRU).

A scikit-learn Pipeline turns raw review snippets into padded id matrices
(``skdeep.text.Tokenizer(maxlen=...)``, a transformer) and classifies them
with a ``NeuralClassifier`` whose hidden layers are an Embedding with
``mask_zero=True`` (the padding is skipped) and a bidirectional GRU. The
labels depend on word order ("not good" is negative, "good" positive), which
a bag-of-words linear model cannot represent; ``cross_val_score`` compares
the two.
Run: python examples/text_classification.py
"""
import time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline

from skdeep import NeuralClassifier
from skdeep.nn.layers import GRU, Bidirectional, Dense, Embedding
from skdeep.text import Tokenizer

SUBJECTS = ["the movie", "this film", "the plot", "the acting", "the ending", "the music",
            "the script", "the cast"]
POSITIVE = ["good", "great", "wonderful", "brilliant", "fun", "moving"]
NEGATIVE = ["bad", "awful", "boring", "dull", "terrible", "weak"]
LINKS = ["was", "is", "felt", "seemed"]
TAILS = ["", "overall", "to me", "honestly", "in the end"]


def make_reviews(n, seed=0):
    """Short reviews; 'not' flips the sentiment of the adjective that follows it."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for _ in range(n):
        positive_word = rng.random() < 0.5
        negated = rng.random() < 0.5
        adjective = rng.choice(POSITIVE if positive_word else NEGATIVE)
        words = [rng.choice(SUBJECTS), rng.choice(LINKS)] + (["not"] if negated else []) + \
            [adjective, rng.choice(TAILS)]
        texts.append(" ".join(w for w in words if w))
        labels.append("positive" if positive_word != negated else "negative")
    return texts, np.array(labels)


texts, labels = make_reviews(400)
for text, label in list(zip(texts, labels))[:4]:
    print(f"  {label:9} {text}")

rnn = make_pipeline(
    Tokenizer(num_words=64, maxlen=8),
    NeuralClassifier(layers=[Embedding(64, 16, mask_zero=True),
                             Bidirectional(GRU(16)),
                             Dense(16, activation="relu")],
                     epochs=15, batch_size=16, learning_rate=0.01, random_state=0),
)
bag_of_words = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))

cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
start = time.perf_counter()
rnn_scores = cross_val_score(rnn, texts, labels, cv=cv)
print(f"Tokenizer -> Embedding -> Bidirectional(GRU): accuracy {rnn_scores.mean():.3f} "
      f"+- {rnn_scores.std():.3f} (5-fold, {time.perf_counter() - start:.1f} s)")
bow_scores = cross_val_score(bag_of_words, texts, labels, cv=cv)
print(f"TF-IDF -> LogisticRegression:               accuracy {bow_scores.mean():.3f} "
      f"+- {bow_scores.std():.3f}")

rnn.fit(texts, labels)
for review in ["the movie was not boring", "the movie was boring", "the cast was not great",
               "the cast was great honestly"]:
    proba = rnn.predict_proba([review])[0]
    print(f"  {review!r:32} -> {rnn.predict([review])[0]:8} "
          f"(P(positive) = {proba[list(rnn.classes_).index('positive')]:.2f})")
assert rnn_scores.mean() > bow_scores.mean() + 0.2, "word order should matter here"
