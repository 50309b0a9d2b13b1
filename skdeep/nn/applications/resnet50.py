"""``keras.applications.resnet50``: ResNet50 (He et al., 2015), Keras' exact graph.

Layer names, order, shapes and weight layouts equal Keras 3's, so that Keras'
weight files (``resnet50_weights_tf_dim_ordering_tf_kernels.h5``) load by name.
"""
from . import imagenet_utils

__all__ = ["ResNet50", "decode_predictions", "preprocess_input"]

_FILES = ("resnet50_weights_tf_dim_ordering_tf_kernels.h5",
          "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5")


def _block(x, filters, stride=1, conv_shortcut=True, name=None):
    from ..layers import Activation, Add, BatchNormalization, Conv2D

    if conv_shortcut:
        shortcut = Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = BatchNormalization(axis=-1, epsilon=1.001e-5, name=f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    x = Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = BatchNormalization(axis=-1, epsilon=1.001e-5, name=f"{name}_1_bn")(x)
    x = Activation("relu", name=f"{name}_1_relu")(x)
    x = Conv2D(filters, 3, padding="same", name=f"{name}_2_conv")(x)
    x = BatchNormalization(axis=-1, epsilon=1.001e-5, name=f"{name}_2_bn")(x)
    x = Activation("relu", name=f"{name}_2_relu")(x)
    x = Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = BatchNormalization(axis=-1, epsilon=1.001e-5, name=f"{name}_3_bn")(x)
    x = Add(name=f"{name}_add")([shortcut, x])
    return Activation("relu", name=f"{name}_out")(x)


def _stack(x, filters, blocks, stride1=2, name=None):
    x = _block(x, filters, stride=stride1, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = _block(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def ResNet50(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax", name="resnet50"):
    """The ResNet50 image classifier (25,636,712 parameters with the top).

    Parameters
    ----------
    include_top : bool, default True
        Whether to include the global average pooling and the 1000-way Dense
        ``predictions`` layer.
    weights : None, 'imagenet' or str, default 'imagenet'
        None: random initialisation. ``'imagenet'``: Keras' pretrained file,
        looked for in :func:`imagenet_utils.cache_dir` (never downloaded).
        A path: a Keras weight file (``.h5`` / ``.weights.h5``) to load.
    input_tensor : symbolic tensor, optional
        An ``Input()`` to build the model on.
    input_shape : tuple, optional
        ``(height, width, 3)``; (224, 224, 3) by default and required with
        ``include_top=True`` and ImageNet weights; at least 32x32.
    pooling : {None, 'avg', 'max'}, optional
        Without the top: None gives the last block's 4-D output; 'avg' and
        'max' a global pooling of it.
    classes : int, default 1000
    classifier_activation : str or None, default 'softmax'
    name : str, default 'resnet50'

    Returns
    -------
    Model

    Examples
    --------
    >>> from skdeep.nn.applications import ResNet50
    >>> base = ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3), pooling="avg")
    >>> base.output_shape
    (None, 2048)
    """
    from ..layers import (
        Activation,
        BatchNormalization,
        Conv2D,
        Dense,
        GlobalAveragePooling2D,
        GlobalMaxPooling2D,
        Input,
        MaxPooling2D,
        ZeroPadding2D,
    )
    from ..model import Model

    input_shape = imagenet_utils.check_arguments("ResNet50", weights, include_top, classes,
                                                 input_shape, 224)
    inputs = Input(shape=input_shape) if input_tensor is None else input_tensor
    x = ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(inputs)
    x = Conv2D(64, 7, strides=2, name="conv1_conv")(x)
    x = BatchNormalization(axis=-1, epsilon=1.001e-5, name="conv1_bn")(x)
    x = Activation("relu", name="conv1_relu")(x)
    x = ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = _stack(x, 64, 3, stride1=1, name="conv2")
    x = _stack(x, 128, 4, name="conv3")
    x = _stack(x, 256, 6, name="conv4")
    x = _stack(x, 512, 3, name="conv5")
    if include_top:
        x = GlobalAveragePooling2D(name="avg_pool")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = GlobalMaxPooling2D(name="max_pool")(x)
    model = Model(inputs, x, name=name)
    return imagenet_utils.finish(model, weights, include_top, _FILES, "ResNet50")


def preprocess_input(x, data_format=None):
    """Caffe-style preprocessing (RGB to BGR, ImageNet means subtracted)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


decode_predictions = imagenet_utils.decode_predictions
