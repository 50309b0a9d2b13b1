"""Text preprocessing: Keras' ``Tokenizer`` (a scikit-learn transformer) and
sequence utilities.

``Tokenizer``, ``text_to_word_sequence``, ``tokenizer_from_json`` and
``pad_sequences`` follow ``keras.preprocessing``; ``make_next_token_dataset``
builds (context, next token) pairs for word-level language models.
"""

from .sequence import make_next_token_dataset, pad_sequences
from .tokenizer import Tokenizer, text_to_word_sequence, tokenizer_from_json

__all__ = [
    "Tokenizer",
    "make_next_token_dataset",
    "pad_sequences",
    "text_to_word_sequence",
    "tokenizer_from_json",
]
