"""Next-word prediction: Tokenizer -> 3-word lines -> Embedding -> LSTM -> softmax.

The classic word-level language model walkthrough: fit a Keras-style
Tokenizer on a text, cut its token sequence into 3-word lines (two words of
context, the third to predict), train Embedding -> LSTM -> Dense(softmax),
decode predictions with ``index_word`` and generate a few words.
Run: python examples/next_word.py
"""
import time

import numpy as np

from skdeep.nn import Sequential
from skdeep.nn.layers import LSTM, Dense, Embedding
from skdeep.nn.utils import set_random_seed
from skdeep.text import Tokenizer, make_next_token_dataset

TEXT = """Jack and Jill went up the hill
To fetch a pail of water
Jack fell down and broke his crown
And Jill came tumbling after
Up Jack got and home did trot
As fast as he could caper
He went to bed to mend his head
With vinegar and brown paper
Jill came in and she did grin
To see his paper plaster
Mother vexed did whip her next
For causing Jack's disaster"""

set_random_seed(1)
tokenizer = Tokenizer()
tokenizer.fit_on_texts([TEXT])
ids = tokenizer.texts_to_sequences([TEXT])[0]
vocab_size = len(tokenizer.word_index) + 1  # id 0 is reserved for padding
X, y = make_next_token_dataset(ids, seq_len=3)
print(f"{len(ids)} words, vocabulary of {vocab_size - 1}, {len(X)} three-word lines")
for context, target in zip(X[:3], y[:3]):
    print("  ", tokenizer.sequences_to_texts([context])[0], "->", tokenizer.index_word[target])

model = Sequential([
    Embedding(vocab_size, 10, input_shape=(2,)),
    LSTM(50),
    Dense(vocab_size, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.summary()
start = time.perf_counter()
history = model.fit(X, y, epochs=300, batch_size=16, verbose=0)
print(f"trained 300 epochs in {time.perf_counter() - start:.1f} s: loss "
      f"{history.history['loss'][-1]:.3f}, training accuracy "
      f"{history.history['accuracy'][-1]:.2f}")


def next_word(words):
    """The most likely word after the last two of ``words``."""
    context = tokenizer.texts_to_sequences([" ".join(words[-2:])])
    probabilities = model.predict(np.array(context), verbose=0)[0]
    return tokenizer.index_word[int(np.argmax(probabilities))]


def generate(seed, n_words):
    words = seed.lower().split()
    for _ in range(n_words):
        words.append(next_word(words))
    return " ".join(words)


for seed in ("Jack and", "Jill came", "to fetch"):
    print(f"{seed!r:12} -> {generate(seed, 6)}")
accuracy = history.history["accuracy"][-1]
assert accuracy > 0.8, f"the model should fit the rhyme (training accuracy {accuracy:.2f})"
