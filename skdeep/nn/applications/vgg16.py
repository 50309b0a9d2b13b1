"""``keras.applications.vgg16``: VGG16 (Simonyan & Zisserman, 2014), Keras' exact graph."""
from . import imagenet_utils

__all__ = ["VGG16", "decode_predictions", "preprocess_input"]

_FILES = ("vgg16_weights_tf_dim_ordering_tf_kernels.h5",
          "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5")
_BLOCKS = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))


def build_vgg(model_name, blocks, files, include_top, weights, input_tensor, input_shape,
              pooling, classes, classifier_activation, name):
    """The VGG graph shared by VGG16 and VGG19: ``blocks`` of ``(filters,
    convolutions)``, each ``block{b}_conv{c}`` then ``block{b}_pool``, and the
    ``flatten``/``fc1``/``fc2``/``predictions`` top."""
    from ..layers import (
        Conv2D,
        Dense,
        Flatten,
        GlobalAveragePooling2D,
        GlobalMaxPooling2D,
        Input,
        MaxPooling2D,
    )
    from ..model import Model

    input_shape = imagenet_utils.check_arguments(model_name, weights, include_top, classes,
                                                 input_shape, 224)
    inputs = Input(shape=input_shape) if input_tensor is None else input_tensor
    x = inputs
    for b, (filters, convs) in enumerate(blocks, start=1):
        for c in range(1, convs + 1):
            x = Conv2D(filters, (3, 3), activation="relu", padding="same",
                       name=f"block{b}_conv{c}")(x)
        x = MaxPooling2D((2, 2), strides=(2, 2), name=f"block{b}_pool")(x)
    if include_top:
        x = Flatten(name="flatten")(x)
        x = Dense(4096, activation="relu", name="fc1")(x)
        x = Dense(4096, activation="relu", name="fc2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = GlobalMaxPooling2D()(x)
    model = Model(inputs, x, name=name)
    return imagenet_utils.finish(model, weights, include_top, files, model_name)


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg16"):
    """The VGG16 image classifier (138,357,544 parameters with the top).

    Parameters are those of :func:`skdeep.nn.applications.ResNet50`; the top
    is ``Flatten``, two 4096-unit relu ``Dense`` layers (``fc1``, ``fc2``)
    and the ``predictions`` layer.

    Examples
    --------
    >>> from skdeep.nn.applications import VGG16
    >>> VGG16(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
    (None, 1, 1, 512)
    """
    return build_vgg("VGG16", _BLOCKS, _FILES, include_top, weights, input_tensor, input_shape,
                     pooling, classes, classifier_activation, name)


def preprocess_input(x, data_format=None):
    """Caffe-style preprocessing (RGB to BGR, ImageNet means subtracted)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


decode_predictions = imagenet_utils.decode_predictions
