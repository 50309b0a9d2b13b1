"""``keras.applications``: ResNet50, VGG16, VGG19 and MobileNetV2 with Keras' exact
architectures, layer names and weight layouts, so Keras' pretrained weight
files load into them (``weights='imagenet'`` or a path; nothing is
downloaded), and their ``preprocess_input`` / ``decode_predictions``.

Examples
--------
>>> from skdeep.nn.applications import resnet50
>>> callable(resnet50.preprocess_input)
True
"""
from . import imagenet_utils, mobilenet_v2, resnet50, vgg16, vgg19
from .mobilenet_v2 import MobileNetV2
from .resnet50 import ResNet50
from .vgg16 import VGG16
from .vgg19 import VGG19

resnet = resnet50  # keras.applications.resnet.ResNet50 is the same function

__all__ = [
           "VGG16",
           "VGG19",
           "MobileNetV2",
           "ResNet50",
           "imagenet_utils",
           "mobilenet_v2",
           "resnet",
           "resnet50",
           "vgg16",
           "vgg19",
]
