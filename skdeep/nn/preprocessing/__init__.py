"""Data preprocessing: image augmentation for ``fit`` (Keras' ImageDataGenerator),
and the Keras 2 import paths ``preprocessing.sequence`` / ``.text`` / ``.image``.

``text`` (the Tokenizer, a scikit-learn transformer) is imported on first
use, so that ``import skdeep.nn`` does not load scikit-learn.
"""
from . import image, sequence
from .image import ImageDataGenerator
from ..timeseries import timeseries_dataset_from_array
from .iterator import NumpyArrayIterator

__all__ = ["ImageDataGenerator", "NumpyArrayIterator", "image", "sequence", "text",
           "timeseries_dataset_from_array"]


def __getattr__(name):
    if name == "text":
        import importlib

        return importlib.import_module(f"{__name__}.text")
    raise AttributeError(f"module 'skdeep.nn.preprocessing' has no attribute {name!r}")
