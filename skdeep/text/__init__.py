"""Text preprocessing: Keras' ``Tokenizer`` (a scikit-learn transformer) and
sequence utilities.

``Tokenizer``, ``text_to_word_sequence``, ``tokenizer_from_json`` and
``pad_sequences`` follow ``keras.preprocessing``; ``make_next_token_dataset``
builds (context, next token) pairs for word-level language models.

The names are imported on first use (PEP 562): ``pad_sequences`` alone,
which ``skdeep.nn.utils`` re-exports, does not load scikit-learn.
"""

__all__ = [
    "Tokenizer",
    "make_next_token_dataset",
    "pad_sequences",
    "text_to_word_sequence",
    "tokenizer_from_json",
]

_HOMES = {"Tokenizer": "tokenizer", "text_to_word_sequence": "tokenizer",
          "tokenizer_from_json": "tokenizer", "make_next_token_dataset": "sequence",
          "pad_sequences": "sequence"}


def __getattr__(name):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'skdeep.text' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
