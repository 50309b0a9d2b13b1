"""Default layer names equal Keras 3's (``conv2d``, ``conv2d_1``, ``max_pooling2d``)."""
import inspect

from skdeep.nn import Input, Sequential, layers, naming
from skdeep.nn.layers import (
    BatchNormalization,
    Conv2D,
    Dense,
    DepthwiseConv2D,
    GlobalAveragePooling2D,
    MaxPool2D,
    MaxPooling2D,
    ReLU,
)
from skdeep.nn.layers.base import Layer, _snake

# keras.src.utils.naming.to_snake_case(cls.__name__) for keras==3.15.1's layer classes
KERAS_NAMES = {
    "Activation": "activation", "ActivityRegularization": "activity_regularization",
    "Add": "add", "AdditiveAttention": "additive_attention", "AlphaDropout": "alpha_dropout",
    "Attention": "attention", "Average": "average", "AveragePooling1D": "average_pooling1d",
    "AveragePooling2D": "average_pooling2d", "BatchNormalization": "batch_normalization",
    "Bidirectional": "bidirectional", "CategoryEncoding": "category_encoding",
    "CenterCrop": "center_crop", "Concatenate": "concatenate", "Conv1D": "conv1d",
    "Conv1DTranspose": "conv1d_transpose", "Conv2D": "conv2d",
    "Conv2DTranspose": "conv2d_transpose", "Conv3D": "conv3d", "Cropping1D": "cropping1d",
    "Cropping2D": "cropping2d", "Dense": "dense", "DepthwiseConv1D": "depthwise_conv1d",
    "DepthwiseConv2D": "depthwise_conv2d", "Discretization": "discretization", "Dot": "dot",
    "Dropout": "dropout", "ELU": "elu", "EinsumDense": "einsum_dense", "Embedding": "embedding",
    "Flatten": "flatten", "GRU": "gru", "GaussianDropout": "gaussian_dropout",
    "GaussianNoise": "gaussian_noise", "GlobalAveragePooling1D": "global_average_pooling1d",
    "GlobalAveragePooling2D": "global_average_pooling2d",
    "GlobalMaxPooling1D": "global_max_pooling1d", "GlobalMaxPooling2D": "global_max_pooling2d",
    "GroupNormalization": "group_normalization", "Identity": "identity",
    "InputLayer": "input_layer", "IntegerLookup": "integer_lookup", "LSTM": "lstm",
    "Lambda": "lambda", "Layer": "layer", "LayerNormalization": "layer_normalization",
    "LeakyReLU": "leaky_re_lu", "Masking": "masking", "MaxPooling1D": "max_pooling1d",
    "MaxPooling2D": "max_pooling2d", "Maximum": "maximum", "Minimum": "minimum",
    "MultiHeadAttention": "multi_head_attention", "Multiply": "multiply",
    "Normalization": "normalization", "PReLU": "p_re_lu", "Permute": "permute",
    "RandomContrast": "random_contrast", "RandomCrop": "random_crop",
    "RandomFlip": "random_flip", "RandomRotation": "random_rotation",
    "RandomTranslation": "random_translation", "RandomZoom": "random_zoom", "ReLU": "re_lu",
    "RepeatVector": "repeat_vector", "Rescaling": "rescaling", "Reshape": "reshape",
    "Resizing": "resizing", "SeparableConv1D": "separable_conv1d",
    "SeparableConv2D": "separable_conv2d", "SimpleRNN": "simple_rnn", "Softmax": "softmax",
    "SpatialDropout1D": "spatial_dropout1d", "SpatialDropout2D": "spatial_dropout2d",
    "StringLookup": "string_lookup", "Subtract": "subtract",
    "TextVectorization": "text_vectorization", "TimeDistributed": "time_distributed",
    "UnitNormalization": "unit_normalization", "UpSampling1D": "up_sampling1d",
    "UpSampling2D": "up_sampling2d", "ZeroPadding1D": "zero_padding1d",
    "ZeroPadding2D": "zero_padding2d",
}


def test_snake_case_matches_keras_for_every_exported_layer_class():
    checked = 0
    for export in layers.__all__:
        cls = getattr(layers, export)
        if inspect.isclass(cls) and issubclass(cls, Layer) and cls.__name__ in KERAS_NAMES:
            assert _snake(cls.__name__) == KERAS_NAMES[cls.__name__], cls.__name__
            checked += 1
    assert checked >= 40
    for name, expected in KERAS_NAMES.items():
        assert _snake(name) == expected


def test_default_names_count_like_keras(monkeypatch):
    # names are counted per process, as in Keras: start from empty counters
    monkeypatch.setattr(naming, "_NAME_COUNTERS", {})
    monkeypatch.setattr(naming, "_USED_NAMES", set())
    model = Sequential([Input((8, 8, 3)), Conv2D(4, 3), Conv2D(4, 3), BatchNormalization(),
                        ReLU(6.0), DepthwiseConv2D(3), MaxPooling2D(), GlobalAveragePooling2D(),
                        Dense(2)])
    assert [layer.name for layer in model.layers] == [
        "conv2d", "conv2d_1", "batch_normalization", "re_lu", "depthwise_conv2d",
        "max_pooling2d", "global_average_pooling2d", "dense"]
    assert model.get_layer("conv2d_1").kernel.shape == (3, 3, 4, 4)
    assert MaxPool2D().name == "max_pooling2d_1"  # an alias of the same class, as in Keras
