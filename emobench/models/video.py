"""Video models over face-crop clips (n, T, S, S, 3) uint8 RGB: ResNet50 (per frame), the compact
C3D of the thesis and the original C3D of Tran et al. (LRCN and its frame CNN: ``lrcn.py``).

Every model rescales its input itself, builds at any T >= 1 and S >= 32 (pooling is
``padding="same"``) and defaults to 16 frames of 112 x 112, the input C3D was designed for.
"""
from __future__ import annotations

from pathlib import Path

from emobench.models.factory import (BN_MOMENTUM, KERAS_TRAINING, check_shape, model_kwargs,
                                     fc_head, resolve_options, seed_keras,
                                     set_bn_momentum, zero_init_residuals)
from emobench.registry import register_model

DEFAULT_CLIP = (16, 112, 112, 3)
#: Not the thesis's RMSprop at 0.001 for ResNet50 from random weights: with it (and Keras's
#: default initialisation) the training loss stayed above 3.5 (chance 1.95) and every fold of
#: the generated corpus scored at chance (0.21 / 0.25 / 0.14). Adam at 0.0003 (LRCN's) with
#: zero-gamma residual blocks (``zero_init_residuals``) trains (see the README's departures).
RESNET_OPTIMIZER = {"optimizer": "adam", "learning_rate": 3e-4}


def resnet50_network(frame_shape, num_classes: int, *, weights=None, dropout=0.5,
                     name="resnet50", zero_gamma: bool = True):
    """keras.applications ResNet50 (no top, average pooled) + dropout + softmax on one image.

    ``weights``: None (random init) or the path of Keras's ImageNet "notop" weights file, which
    emobench never downloads; with it, frames are preprocessed as those weights expect.
    ``zero_gamma``: a random-init network starts with identity residual blocks.
    """
    import keras
    from keras import layers

    from emobench.models.layers import CaffePreprocess

    if weights is not None:
        if str(weights) == "imagenet" or not Path(weights).is_file():
            raise FileNotFoundError(
                f"{name}: weights {weights!r} is not a file; emobench never downloads at run "
                f"time: pass the path of resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5")
        if frame_shape[-1] != 3:
            raise ValueError(f"{name}: ImageNet weights need 3-channel input; got {frame_shape}")
    inputs = keras.Input(frame_shape, name="frame")
    x = (CaffePreprocess(name="caffe_preprocess")(inputs) if weights is not None
         else layers.Rescaling(1.0 / 255, name="rescale")(inputs))
    backbone = set_bn_momentum(keras.applications.ResNet50(
        include_top=False, pooling="avg", input_shape=frame_shape,
        weights=None if weights is None else str(weights)))
    if weights is None and zero_gamma:
        zero_init_residuals(backbone)
    x = backbone(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name=name)


@register_model(modality="video", input_kind="clip")
def resnet50(num_classes=7, input_shape=DEFAULT_CLIP, **options):
    """ResNet50 (keras.applications) trained on frames; a clip gets its frames' mean probability.

    ``fit`` takes clips and trains on their frames (each labelled with its clip's label; batch
    sizes and validation metrics count frames). ``.keras_model`` is the frame classifier.
    Options: ``weights`` (None: from scratch; or the path of ImageNet notop weights you have),
    ``cnn_weights`` (folder of a saved ``resnet50`` whose frame network to start from, e.g.
    one trained on FER2013 Training), ``dropout`` (0.5), ``train_frames`` (2: frames per clip
    and epoch, TSN-style segment sampling; None: every frame, at T/2 times the cost), Keras
    training options (``optimizer`` adam, ``learning_rate`` 0.0003), ``labels``.
    The thesis's 33 s per epoch against C3D's 176 s suggests it, too, trained ResNet50 on far
    fewer images than clips x frames.
    """
    from emobench.models.keras_base import FrameModel

    shape = check_shape("resnet50", input_shape, 4, channels=3, min_size=32)
    labels, opts = resolve_options("resnet50", options,
                                   {**KERAS_TRAINING, **RESNET_OPTIMIZER, "weights": None,
                                    "dropout": 0.5, "train_frames": 2, "cnn_weights": None})
    if opts["train_frames"] is not None and int(opts["train_frames"]) < 1:
        raise ValueError(f"resnet50: train_frames must be >= 1 or None; got "
                         f"{opts['train_frames']}")
    seed_keras(opts)
    net = resnet50_network(shape[1:], num_classes, weights=opts["weights"],
                           dropout=opts["dropout"])
    if opts["cnn_weights"] is not None:
        _copy_frame_network(opts["cnn_weights"], net)
    return FrameModel("resnet50", net, **model_kwargs("resnet50", num_classes, shape, labels, opts))


def _copy_frame_network(path, net) -> None:
    """Set ``net``'s backbone from the saved ``resnet50`` at ``path`` (its classifier layer
    too when the classes match, as a FER2013-trained one's do)."""
    from emobench.models.base import load_model

    source = load_model(Path(path))
    if source.name != "resnet50":
        raise ValueError(f"{path}: cnn_weights must be a saved resnet50; this is "
                         f"{source.name!r}")
    src = source.keras_model
    for layer in net.layers:
        if not layer.weights:
            continue
        want = [tuple(w.shape) for w in layer.get_weights()]
        got = src.get_layer(layer.name).get_weights()
        if [tuple(w.shape) for w in got] != want:
            if layer.name == "probs":
                continue  # other classes: the classifier starts fresh
            raise ValueError(f"{path}: layer {layer.name}'s weight shapes differ from this "
                             f"resnet50's (same frame size and channels needed)")
        layer.set_weights(got)


def _conv3d_block(x, filters: int, pool, name: str, batchnorm: bool):
    from keras import layers

    x = layers.Conv3D(filters, 3, padding="same", name=f"{name}_conv")(x)
    if batchnorm:
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_bn")(x)
    x = layers.Activation("relu", name=f"{name}_relu")(x)
    if pool is not None:
        x = layers.MaxPooling3D(pool, strides=pool, padding="same", name=f"{name}_pool")(x)
    return x


@register_model(modality="video", input_kind="clip")
def c3d(num_classes=7, input_shape=DEFAULT_CLIP, **options):
    """Compact C3D of the thesis's size (0.33 M parameters): 4 conv3d blocks, pooling, dense.

    Each block is a 3x3x3 conv + batchnorm + max-pool; then global average pooling and one
    dense layer.

    Options: ``filters`` ([16, 32, 64, 128]), ``dense`` (256), ``dropout`` (0.5), Keras
    training options (``batch_size`` 16), ``labels``.
    """
    import keras
    from keras import layers

    from emobench.models.keras_base import KerasEmotionModel

    shape = check_shape("c3d", input_shape, 4, channels=3)
    labels, opts = resolve_options("c3d", options, {
        **KERAS_TRAINING, "batch_size": 16, "filters": [16, 32, 64, 128], "dense": 256,
        "dropout": 0.5})
    seed_keras(opts)
    inputs = keras.Input(shape, name="clip")
    x = layers.Rescaling(1.0 / 255, name="rescale")(inputs)
    for i, width in enumerate(opts["filters"]):
        # The first pool keeps time, as in C3D, so early layers see motion at full rate.
        x = _conv3d_block(x, width, (1, 2, 2) if i == 0 else (2, 2, 2), f"block{i + 1}", True)
    x = layers.GlobalAveragePooling3D(name="gap")(x)
    x = layers.Dense(opts["dense"], activation="relu", name="fc")(x)
    x = layers.Dropout(opts["dropout"], name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="probs")(x)
    net = keras.Model(inputs, outputs, name="c3d")
    return KerasEmotionModel("c3d", net, **model_kwargs("c3d", num_classes, shape, labels, opts))


#: Tran et al.'s C3D: (filters, convs) per stage; every stage ends with a max-pool.
C3D_FULL_STAGES = ((64, 1), (128, 1), (256, 2), (512, 2), (512, 2))


@register_model(modality="video", input_kind="clip")
def c3d_full(num_classes=7, input_shape=DEFAULT_CLIP, **options):
    """The original C3D of Tran et al. (2015): 8 conv 3x3x3, 5 max-pools, fc6/fc7 of 4096.

    At 16 x 112 x 112 pool5 gives 1 x 4 x 4 x 512 as in the paper (its zero padding is the
    pools' ``padding="same"`` here). Options: ``fc`` (4096), ``dropout`` (0.5), Keras training
    options (``batch_size`` 16), ``labels``.
    """
    import keras
    from keras import layers

    from emobench.models.keras_base import KerasEmotionModel

    shape = check_shape("c3d_full", input_shape, 4, channels=3)
    labels, opts = resolve_options("c3d_full", options, {
        **KERAS_TRAINING, "batch_size": 16, "fc": 4096, "dropout": 0.5})
    seed_keras(opts)
    inputs = keras.Input(shape, name="clip")
    x = layers.Rescaling(1.0 / 255, name="rescale")(inputs)
    for stage, (width, convs) in enumerate(C3D_FULL_STAGES, start=1):
        for j in range(convs):
            last = j == convs - 1
            pool = ((1, 2, 2) if stage == 1 else (2, 2, 2)) if last else None
            suffix = "ab"[j] if convs > 1 else "a"
            x = _conv3d_block(x, width, pool, f"conv{stage}{suffix}", False)
    outputs = fc_head(x, opts["fc"], opts["dropout"], num_classes)
    net = keras.Model(inputs, outputs, name="c3d_full")
    return KerasEmotionModel("c3d_full", net,
                             **model_kwargs("c3d_full", num_classes, shape, labels, opts))
