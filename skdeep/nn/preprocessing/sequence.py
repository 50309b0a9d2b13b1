"""``keras.preprocessing.sequence`` (the Keras 2 import path of ``pad_sequences``)."""
from ...text.sequence import pad_sequences

__all__ = ["pad_sequences"]
