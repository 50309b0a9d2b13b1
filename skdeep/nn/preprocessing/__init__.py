"""Data preprocessing: image augmentation for ``fit`` (Keras' ImageDataGenerator)."""
from .image import ImageDataGenerator
from .iterator import NumpyArrayIterator

__all__ = ["ImageDataGenerator", "NumpyArrayIterator"]
