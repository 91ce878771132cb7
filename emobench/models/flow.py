"""Optical-flow models: one clip's T-1 flow fields (n, T-1, S, S, 2) float (dx, dy in pixels) are
stacked into one image of 2*(T-1) channels, two-stream style (dx_0, dy_0, dx_1, dy_1, ...), and
classified by a 2D CNN: ResNet50 or an AlexNet-like network. The thesis reports that neither
trained on its flow data ("maybe due to sparsity"); they are here to measure that again.

Flow is divided by ``flow_scale`` (20 px: two-stream networks' clipping bound) so typical
displacements fall in [-1, 1]. Both train from random weights (ImageNet weights expect 3
channels, not 2*(T-1)).
"""
from __future__ import annotations

import warnings

from emobench.models.factory import (BN_MOMENTUM, KERAS_TRAINING, check_shape, model_kwargs,
                                     fc_head, resolve_options, seed_keras,
                                     set_bn_momentum, zero_init_residuals)
from emobench.models.video import RESNET_OPTIMIZER
from emobench.registry import register_model

DEFAULT_FLOW = (15, 112, 112, 2)


def _stacked_input(shape, flow_scale: float):
    import keras
    from keras import layers

    from emobench.models.layers import stack_flow

    inputs = keras.Input(shape, name="flow")
    x = stack_flow(inputs, shape)
    return inputs, layers.Rescaling(1.0 / flow_scale, name="flow_scale")(x)


@register_model(modality="flow", input_kind="flow")
def flow_resnet50(num_classes=7, input_shape=DEFAULT_FLOW, **options):
    """ResNet50 (keras.applications, random init) on the stacked optical flow of a clip.

    Options: ``flow_scale`` (20.0), ``dropout`` (0.5), Keras training options (``batch_size``
    16; ``optimizer`` adam, ``learning_rate`` 0.0003, zero-gamma residual blocks: the
    frame ResNet50's recipe, see ``emobench.models.video``), ``labels``.
    """
    import keras
    from keras import layers

    from emobench.models.keras_base import KerasEmotionModel

    shape = check_shape("flow_resnet50", input_shape, 4, channels=2, min_size=32)
    labels, opts = resolve_options("flow_resnet50", options, {
        **KERAS_TRAINING, **RESNET_OPTIMIZER, "batch_size": 16, "flow_scale": 20.0,
        "dropout": 0.5})
    seed_keras(opts)
    inputs, x = _stacked_input(shape, opts["flow_scale"])
    stacked = (shape[1], shape[2], shape[0] * shape[3])
    with warnings.catch_warnings():  # Keras warns that ResNet50 usually has 1 or 3 channels
        warnings.simplefilter("ignore", UserWarning)
        backbone = set_bn_momentum(keras.applications.ResNet50(
            include_top=False, weights=None, pooling="avg", input_shape=stacked))
    zero_init_residuals(backbone)
    x = backbone(x)
    x = layers.Dropout(opts["dropout"], name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="probs")(x)
    net = keras.Model(inputs, outputs, name="flow_resnet50")
    return KerasEmotionModel("flow_resnet50", net,
                             **model_kwargs("flow_resnet50", num_classes, shape, labels, opts))


#: AlexNet's convolutions: (filters, kernel, stride, max-pool after).
ALEXNET_CONVS = ((96, 11, 4, True), (256, 5, 1, True), (384, 3, 1, False), (384, 3, 1, False),
                 (256, 3, 1, True))


@register_model(modality="flow", input_kind="flow")
def flow_alexnet(num_classes=7, input_shape=DEFAULT_FLOW, **options):
    """AlexNet-like CNN on the stacked optical flow (5 conv, 3 max-pools, fc6/fc7).

    AlexNet's convolutions and pools, with batchnorm in place of local response normalisation.

    Options: ``fc`` (4096, AlexNet's), ``dropout`` (0.5), ``flow_scale`` (20.0), Keras
    training options (``batch_size`` 16), ``labels``.
    """
    import keras
    from keras import layers

    from emobench.models.keras_base import KerasEmotionModel

    shape = check_shape("flow_alexnet", input_shape, 4, channels=2)
    labels, opts = resolve_options("flow_alexnet", options, {
        **KERAS_TRAINING, "batch_size": 16, "fc": 4096, "dropout": 0.5, "flow_scale": 20.0})
    seed_keras(opts)
    inputs, x = _stacked_input(shape, opts["flow_scale"])
    for i, (width, kernel, stride, pool) in enumerate(ALEXNET_CONVS, start=1):
        x = layers.Conv2D(width, kernel, strides=stride, padding="same", name=f"conv{i}")(x)
        if i <= 2:
            x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"bn{i}")(x)
        x = layers.Activation("relu", name=f"relu{i}")(x)
        if pool:
            x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"pool{i}")(x)
    outputs = fc_head(x, opts["fc"], opts["dropout"], num_classes)
    net = keras.Model(inputs, outputs, name="flow_alexnet")
    return KerasEmotionModel("flow_alexnet", net,
                             **model_kwargs("flow_alexnet", num_classes, shape, labels, opts))
