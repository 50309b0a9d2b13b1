"""Keras-style layers."""
from . import serialization as _serialization
from .base import Input, InputLayer, Layer, Weight
from . import _symbolic  # noqa: F401  (registers the hook that turns ops on Input tensors into graph nodes)
from .input_spec import InputSpec  # noqa: F401  (documented at skdeep.nn)
from .core import Activation, Dense, Dropout, Flatten, GaussianNoise, Reshape
from .merge import (Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract, add, average,
                    concatenate, maximum, minimum, multiply, subtract)
from .normalization import BatchNormalization
from .conv import Conv1D, Conv2D, Convolution1D, Convolution2D
from .pooling import (AveragePooling1D, AveragePooling2D, AvgPool1D, AvgPool2D,
                      GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAvgPool1D,
                      GlobalAvgPool2D, GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPooling1D,
                      GlobalMaxPooling2D, MaxPool1D, MaxPool2D, MaxPooling1D, MaxPooling2D)
from .embedding import Embedding, Masking
from .recurrent import GRU, LSTM, SimpleRNN
from .bidirectional import Bidirectional
from .activation_layers import ELU, LeakyReLU, PReLU, ReLU, Softmax
from .reshaping import Cropping1D, Cropping2D, ZeroPadding1D, ZeroPadding2D
from .conv_depthwise import (DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D, SeparableConv2D,
                             SeparableConvolution1D, SeparableConvolution2D)
from .reshaping import Permute, RepeatVector
from .normalization_more import GroupNormalization, LayerNormalization, UnitNormalization
from .conv_transpose import (Conv1DTranspose, Conv2DTranspose, Convolution1DTranspose,
                             Convolution2DTranspose)
from .upsampling import UpSampling1D, UpSampling2D
from .regularization import (ActivityRegularization, AlphaDropout, GaussianDropout,
                             SpatialDropout1D, SpatialDropout2D)
from .wrappers import Identity, TimeDistributed
from .einsum_dense import EinsumDense
from .attention import AdditiveAttention, Attention
from .multi_head_attention import MultiHeadAttention
from .lambda_layer import Lambda
from .preprocessing import (CategoryEncoding, CenterCrop, Discretization, IntegerLookup,
                            Normalization, RandomContrast, RandomCrop, RandomFlip, RandomRotation,
                            RandomTranslation, RandomZoom, Rescaling, Resizing, StringLookup,
                            TextVectorization)

__all__ = ["Layer", "Weight", "Input", "InputLayer", "Dense", "Activation", "Dropout",
           "GaussianNoise", "Flatten",
           "Reshape", "BatchNormalization", "Concatenate", "Add", "Subtract", "Multiply",
           "Average", "Maximum", "Minimum"]
__all__ += ["Conv1D", "Conv2D", "Convolution1D", "Convolution2D", "MaxPooling1D",
            "MaxPooling2D", "AveragePooling1D", "AveragePooling2D", "GlobalMaxPooling1D",
            "GlobalMaxPooling2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
            "MaxPool1D", "MaxPool2D", "AvgPool1D", "AvgPool2D", "GlobalMaxPool1D",
            "GlobalMaxPool2D", "GlobalAvgPool1D", "GlobalAvgPool2D"]
__all__ += ["Embedding", "Masking", "SimpleRNN", "LSTM", "GRU", "Bidirectional"]
__all__ += ["ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax", "ZeroPadding1D", "ZeroPadding2D",
            "Cropping1D", "Cropping2D", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D",
            "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D"]
__all__ += ["RepeatVector", "Permute", "LayerNormalization", "GroupNormalization",
            "UnitNormalization", "Conv1DTranspose", "Conv2DTranspose", "Convolution1DTranspose",
            "Convolution2DTranspose", "UpSampling1D", "UpSampling2D", "ActivityRegularization",
            "AlphaDropout", "GaussianDropout", "SpatialDropout1D", "SpatialDropout2D",
            "Identity", "TimeDistributed"]
__all__ += ["EinsumDense", "Attention", "AdditiveAttention", "MultiHeadAttention"]
__all__ += ["Lambda"]
__all__ += ["CategoryEncoding", "CenterCrop", "Discretization", "IntegerLookup", "Normalization",
            "Rescaling", "Resizing", "StringLookup", "TextVectorization", "RandomContrast",
            "RandomCrop", "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom"]
__all__ += ["add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate"]
__all__ += ["serialize", "deserialize"]

# built-in layers are found by name among this module's __all__, read when loading
_serialization.register_builtin_namespace(globals())


def serialize(layer):
    """``{"class_name", "config"}`` of a layer (``keras.layers.serialize``)."""
    return _serialization.serialize_layer(layer)


def deserialize(config, custom_objects=None):
    """A new layer from :func:`serialize`'s output (``keras.layers.deserialize``)."""
    return _serialization.deserialize_layer(config, custom_objects=custom_objects)
# InputSpec (keras.layers.InputSpec) is importable here but documented at
# skdeep.nn: __all__ lists the layer classes, which the saving registry reads

