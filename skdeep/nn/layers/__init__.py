"""Keras-style layers."""
from .base import Input, InputLayer, Layer, Weight
from .core import Activation, Dense, Dropout, Flatten, Reshape
from .merge import Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract
from .normalization import BatchNormalization

__all__ = ["Layer", "Weight", "Input", "InputLayer", "Dense", "Activation", "Dropout", "Flatten",
           "Reshape", "BatchNormalization", "Concatenate", "Add", "Subtract", "Multiply",
           "Average", "Maximum", "Minimum"]
