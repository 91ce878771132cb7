"""LRCN (Donahue et al.): a 2D frame CNN applied to every frame (TimeDistributed), an LSTM over
the frame features, a softmax. The frame CNN is its own registered model, ``frame_cnn`` (input
one image), so it can be pretrained on AffectNet or CK+ images through the same interface and
loaded into LRCN with ``lrcn(cnn_weights=<folder of a saved frame_cnn>)``.

The thesis's LRCN used a ResNeXt50 pretrained on AffectNet and printed 2.1 M parameters; this
compact frame CNN (4 double-conv blocks) with a 256-unit LSTM has about that many at
16 x 112 x 112 (``emobench.models.parameter_table()`` gives the exact count).
"""
from __future__ import annotations

from pathlib import Path

from emobench.models.factory import (BN_MOMENTUM, KERAS_TRAINING, check_shape, model_kwargs,
                                     resolve_options, seed_keras)
from emobench.registry import register_model

BACKBONE = "frame_cnn_backbone"
#: Options that shape the frame CNN's weights: a pretrained one only loads into an equal one.
CNN_OPTIONS = {"filters": [32, 64, 128, 256], "features": 512}
#: Not the thesis's RMSprop at 0.001: with it a from-scratch LRCN stayed at chance (training
#: accuracy below 0.2 after 10 epochs) on 2 of the generated corpus's 3 folds, the gradient
#: through the LSTM into the frame CNN being too noisy at that step size; Adam at 0.0003 trains
#: every fold (0.50 / 0.71 / 0.50 where RMSprop scored 0.54 / 0.14 / 0.11).
LRCN_OPTIMIZER = {"optimizer": "adam", "learning_rate": 3e-4}


def frame_backbone(frame_shape, filters, features: int):
    """Rescale, double 3x3 conv blocks with batchnorm and max-pool, global average pooling and
    a dense layer: one image to a ``features``-long vector (a nested model named BACKBONE)."""
    import keras
    from keras import layers

    inputs = keras.Input(frame_shape, name="frame")
    x = layers.Rescaling(1.0 / 255, name="rescale")(inputs)
    for i, width in enumerate(filters, start=1):
        for j in (1, 2):
            x = layers.Conv2D(width, 3, padding="same", name=f"block{i}_conv{j}")(x)
            x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"block{i}_bn{j}")(x)
            x = layers.Activation("relu", name=f"block{i}_relu{j}")(x)
        x = layers.MaxPooling2D(2, padding="same", name=f"block{i}_pool")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = layers.Dense(features, activation="relu", name="features")(x)
    return keras.Model(inputs, outputs, name=BACKBONE)


@register_model(modality="video", input_kind="image")
def frame_cnn(num_classes=7, input_shape=(112, 112, 3), **options):
    """LRCN's frame CNN as an image classifier, to pretrain on face images for ``lrcn``.

    Input (n, S, S, 3) uint8 images (AffectNet, CK+ face crops).

    Options: ``filters`` ([32, 64, 128, 256]), ``features`` (512), ``dropout`` (0.5), Keras
    training options, ``labels``.
    """
    import keras
    from keras import layers

    from emobench.models.keras_base import KerasEmotionModel

    shape = check_shape("frame_cnn", input_shape, 3, channels=3)
    labels, opts = resolve_options("frame_cnn", options,
                                   {**KERAS_TRAINING, **CNN_OPTIONS, "dropout": 0.5})
    seed_keras(opts)
    inputs = keras.Input(shape, name="image")
    x = frame_backbone(shape, opts["filters"], opts["features"])(inputs)
    x = layers.Dropout(opts["dropout"], name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="probs")(x)
    net = keras.Model(inputs, outputs, name="frame_cnn")
    return KerasEmotionModel("frame_cnn", net,
                             **model_kwargs("frame_cnn", num_classes, shape, labels, opts))


@register_model(modality="video", input_kind="clip")
def lrcn(num_classes=7, input_shape=(16, 112, 112, 3), **options):
    """LRCN: the frame CNN on every frame (TimeDistributed), an LSTM, a softmax.

    Options: ``cnn_weights`` (folder of a saved ``frame_cnn`` to start from; its ``filters``
    and ``features`` become the defaults), ``train_cnn`` (True; False freezes the loaded CNN),
    ``filters``, ``features``, ``lstm`` (256), ``dropout`` (0.5), Keras training options
    (``batch_size`` 8, ``optimizer`` adam, ``learning_rate`` 0.0003), ``labels``.
    """
    import keras
    from keras import layers

    from emobench.models.keras_base import KerasEmotionModel

    shape = check_shape("lrcn", input_shape, 4, channels=3)
    defaults = {**KERAS_TRAINING, **CNN_OPTIONS, **LRCN_OPTIMIZER, "batch_size": 8, "lstm": 256,
                "dropout": 0.5, "cnn_weights": None, "train_cnn": True}
    source = None
    if options.get("cnn_weights") is not None:
        source = _load_frame_cnn(options["cnn_weights"])
        defaults.update({k: source.options[k] for k in CNN_OPTIONS})
    labels, opts = resolve_options("lrcn", options, defaults)
    seed_keras(opts)
    backbone = frame_backbone(shape[1:], opts["filters"], opts["features"])
    if source is not None:
        _copy_backbone(source, backbone, opts["cnn_weights"])
        backbone.trainable = bool(opts["train_cnn"])
    inputs = keras.Input(shape, name="clip")
    x = layers.TimeDistributed(backbone, name="frames")(inputs)
    x = layers.LSTM(opts["lstm"], name="lstm")(x)
    x = layers.Dropout(opts["dropout"], name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="probs")(x)
    net = keras.Model(inputs, outputs, name="lrcn")
    return KerasEmotionModel("lrcn", net, **model_kwargs("lrcn", num_classes, shape, labels, opts))


def _load_frame_cnn(path):
    from emobench.models.base import load_model

    model = load_model(Path(path))
    if model.name != "frame_cnn":
        raise ValueError(f"{path}: cnn_weights must be a saved frame_cnn; this is {model.name!r}")
    return model


def _copy_backbone(source, backbone, path) -> None:
    """Set ``backbone``'s weights from the saved frame_cnn's backbone (shapes must match)."""
    weights = source.keras_model.get_layer(BACKBONE).get_weights()
    expected = [tuple(w.shape) for w in backbone.get_weights()]
    if [tuple(w.shape) for w in weights] != expected:
        raise ValueError(f"{path}: its frame CNN's weight shapes differ from this lrcn's "
                         f"(filters/features must match the saved frame_cnn's options)")
    backbone.set_weights(weights)
