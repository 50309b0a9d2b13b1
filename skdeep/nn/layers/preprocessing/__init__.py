"""Preprocessing layers (``keras.layers`` names): image, numeric, lookup,
text and random augmentation layers. Exported from ``skdeep.nn.layers``."""
from .augmentation import (
                           RandomContrast,
                           RandomCrop,
                           RandomFlip,
                           RandomRotation,
                           RandomTranslation,
                           RandomZoom,
)
from .image import CenterCrop, Rescaling, Resizing
from .lookup import IntegerLookup, StringLookup
from .numeric import CategoryEncoding, Discretization, Normalization
from .text_vectorization import TextVectorization

__all__ = [
                           "CategoryEncoding",
                           "CenterCrop",
                           "Discretization",
                           "IntegerLookup",
                           "Normalization",
                           "RandomContrast",
                           "RandomCrop",
                           "RandomFlip",
                           "RandomRotation",
                           "RandomTranslation",
                           "RandomZoom",
                           "Rescaling",
                           "Resizing",
                           "StringLookup",
                           "TextVectorization",
]
