"""``keras.applications.vgg19``: VGG19 (Simonyan & Zisserman, 2014), Keras' exact graph.

The graph is VGG16's (:func:`skdeep.nn.applications.vgg16.build_vgg`) with
four convolutions in each of the last three blocks.
"""
from . import imagenet_utils
from .vgg16 import build_vgg, preprocess_input

__all__ = ["VGG19", "decode_predictions", "preprocess_input"]

_FILES = ("vgg19_weights_tf_dim_ordering_tf_kernels.h5",
          "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5")
_BLOCKS = ((64, 2), (128, 2), (256, 4), (512, 4), (512, 4))


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg19"):
    """The VGG19 image classifier (143,667,240 parameters with the top).

    Parameters are those of :func:`skdeep.nn.applications.ResNet50`; the layers
    are named as Keras names them (``block5_conv4``, ``fc1``...), so Keras'
    weight files load into it. ``weights='imagenet'`` reads Keras' cached file
    and never downloads it.

    Examples
    --------
    >>> from skdeep.nn.applications import VGG19
    >>> model = VGG19(weights=None, include_top=False, input_shape=(32, 32, 3))
    >>> model.output_shape, len(model.layers)
    ((None, 1, 1, 512), 22)
    """
    return build_vgg("VGG19", _BLOCKS, _FILES, include_top, weights, input_tensor, input_shape,
                     pooling, classes, classifier_activation, name)


decode_predictions = imagenet_utils.decode_predictions
