"""``keras.applications.mobilenet_v2``: MobileNetV2 (Sandler et al., 2018), Keras' exact graph."""
from . import imagenet_utils

__all__ = ["MobileNetV2", "decode_predictions", "preprocess_input"]

_ALPHAS = (0.35, 0.50, 0.75, 1.0, 1.3, 1.4)
_SIZES = (96, 128, 160, 192, 224)
# (filters, stride, expansion) of the 17 inverted residual blocks
_BLOCKS = ((16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6),
           (64, 2, 6), (64, 1, 6), (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6),
           (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6))


def _make_divisible(v, divisor, min_value=None):
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def _correct_pad(shape, kernel_size):
    """Zero padding that makes a stride-2 'valid' convolution centre as Keras does."""
    if shape[1] is None:
        adjust = (1, 1)
    else:
        adjust = (1 - shape[1] % 2, 1 - shape[2] % 2)
    k = kernel_size // 2
    return ((k - adjust[0], k), (k - adjust[1], k))


def _bn(name):
    from ..layers import BatchNormalization

    return BatchNormalization(axis=-1, epsilon=1e-3, momentum=0.999, name=name)


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    from ..layers import Add, Conv2D, DepthwiseConv2D, ReLU, ZeroPadding2D

    in_channels = inputs.shape[-1]
    pointwise_filters = _make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_"
    if block_id:
        x = Conv2D(expansion * in_channels, kernel_size=1, padding="same", use_bias=False,
                   activation=None, name=f"{prefix}expand")(x)
        x = _bn(f"{prefix}expand_BN")(x)
        x = ReLU(6.0, name=f"{prefix}expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = ZeroPadding2D(padding=_correct_pad(x.shape, 3), name=f"{prefix}pad")(x)
    x = DepthwiseConv2D(kernel_size=3, strides=stride, activation=None, use_bias=False,
                        padding="same" if stride == 1 else "valid",
                        name=f"{prefix}depthwise")(x)
    x = _bn(f"{prefix}depthwise_BN")(x)
    x = ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
    x = Conv2D(pointwise_filters, kernel_size=1, padding="same", use_bias=False,
               activation=None, name=f"{prefix}project")(x)
    x = _bn(f"{prefix}project_BN")(x)
    if in_channels == pointwise_filters and stride == 1:
        return Add(name=f"{prefix}add")([inputs, x])
    return x


def MobileNetV2(input_shape=None, alpha=1.0, include_top=True, weights="imagenet",
                input_tensor=None, pooling=None, classes=1000, classifier_activation="softmax",
                name=None):
    """The MobileNetV2 image classifier (3,538,984 parameters at alpha=1.0 with the top).

    Parameters
    ----------
    input_shape : tuple, optional
        ``(height, width, 3)``, at least 32x32; (224, 224, 3) by default.
    alpha : float, default 1.0
        Width multiplier: fewer (< 1) or more (> 1) filters in every layer.
        Pretrained weights exist for 0.35, 0.5, 0.75, 1.0, 1.3 and 1.4.
    include_top, weights, input_tensor, pooling, classes, classifier_activation
        As for :func:`skdeep.nn.applications.ResNet50`.
    name : str, optional
        Default ``'mobilenetv2_{alpha:0.2f}_{rows}'`` as in Keras.

    Examples
    --------
    >>> from skdeep.nn.applications import MobileNetV2
    >>> MobileNetV2(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
    (None, 1, 1, 1280)
    """
    from ..layers import (
        Conv2D,
        Dense,
        GlobalAveragePooling2D,
        GlobalMaxPooling2D,
        Input,
        ReLU,
    )
    from ..model import Model

    if input_shape is not None and len(input_shape) == 3 and input_shape[0] == input_shape[1] \
            and input_shape[0] in _SIZES:
        default_size = input_shape[0]
    else:
        default_size = 224
    input_shape = imagenet_utils.check_arguments("MobileNetV2", weights, include_top, classes,
                                                 input_shape, default_size)
    rows = input_shape[0]
    if weights == "imagenet":
        if alpha not in _ALPHAS:
            raise ValueError("If imagenet weights are being loaded, alpha must be one of "
                             f"{_ALPHAS}; received alpha={alpha}")
        if rows != input_shape[1] or rows not in _SIZES:
            rows = 224
    inputs = Input(shape=input_shape) if input_tensor is None else input_tensor
    x = Conv2D(_make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2), padding="same",
               use_bias=False, name="Conv1")(inputs)
    x = _bn("bn_Conv1")(x)
    x = ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, stride, expansion) in enumerate(_BLOCKS):
        x = _inverted_res_block(x, filters=filters, alpha=alpha, stride=stride,
                                expansion=expansion, block_id=block_id)
    last = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = Conv2D(last, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = _bn("Conv_1_bn")(x)
    x = ReLU(6.0, name="out_relu")(x)
    if include_top:
        x = GlobalAveragePooling2D()(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = GlobalMaxPooling2D()(x)
    model = Model(inputs, x, name=name or f"mobilenetv2_{alpha:0.2f}_{rows}")
    stem = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}"
    return imagenet_utils.finish(model, weights, include_top, (f"{stem}.h5", f"{stem}_no_top.h5"),
                                 "MobileNetV2")


def preprocess_input(x, data_format=None):
    """Scale pixels from [0, 255] to [-1, 1]."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_predictions
