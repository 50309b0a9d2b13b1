"""``keras.datasets`` loaders, offline.

skdeep never downloads. Each ``load_data`` reads Keras' cached copy
(``~/.keras/datasets``, see :func:`skdeep.nn.utils.get_file`) when the file
format can be read without running code (mnist, fashion_mnist,
boston_housing, california_housing) and otherwise raises a clear error;
the pickled formats (cifar10, cifar100, imdb, reuters) are never loaded.
"""
from . import (
               boston_housing,
               california_housing,
               cifar10,
               cifar100,
               fashion_mnist,
               imdb,
               mnist,
               reuters,
)

__all__ = ["boston_housing", "california_housing", "cifar10", "cifar100", "fashion_mnist",
           "imdb", "mnist", "reuters"]
