"""Data preprocessing: image augmentation for ``fit`` (Keras' ImageDataGenerator),
and the Keras 2 import paths ``preprocessing.sequence`` / ``.text`` / ``.image``."""
from . import image, sequence, text
from .image import ImageDataGenerator
from .iterator import NumpyArrayIterator

__all__ = ["ImageDataGenerator", "NumpyArrayIterator", "image", "sequence", "text"]
