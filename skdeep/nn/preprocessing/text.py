"""``keras.preprocessing.text`` (Keras 2): the ``Tokenizer`` and its helpers.

Keras 3 removed this module; Keras 2 code imports it, so it stays here. The
Tokenizer is also a scikit-learn transformer (see :mod:`skdeep.text`).
"""
from ...text.tokenizer import Tokenizer, text_to_word_sequence, tokenizer_from_json

__all__ = ["Tokenizer", "text_to_word_sequence", "tokenizer_from_json"]
