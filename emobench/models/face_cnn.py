"""``face_cnn``: a compact VGG-style CNN for 48-64 px grayscale faces (FER2013, CK+).

Double 3x3 conv blocks with batchnorm, max-pool and spatial dropout, global average pooling,
one dense layer with dropout. Augmentation suited to faces lives in the model as Keras
preprocessing layers (horizontal flip, small rotation, zoom, translation, contrast), which are
active only while training, so a saved model predicts on plain images.
"""
from __future__ import annotations

from emobench.models.factory import (BN_MOMENTUM, KERAS_TRAINING, check_shape, model_kwargs,
                                     resolve_options, seed_keras)
from emobench.registry import register_model

FACE_OPTIONS = {"filters": [32, 64, 128, 256], "dense": 256, "dropout": 0.4,
                "augment": True, "label_smoothing": 0.1}


def face_augmentation(seed=None):
    """Flip, +-10 degree rotation, +-10 % zoom and translation, +-20 % contrast."""
    import keras
    from keras import layers

    return keras.Sequential([
        layers.RandomFlip("horizontal", seed=seed),
        layers.RandomRotation(10 / 360, fill_mode="nearest", seed=seed),
        layers.RandomZoom(0.1, fill_mode="nearest", seed=seed),
        layers.RandomTranslation(0.1, 0.1, fill_mode="nearest", seed=seed),
        layers.RandomContrast(0.2, seed=seed),
    ], name="augment")


def face_net(input_shape, num_classes: int, filters, dense: int, dropout: float,
             augment: bool, seed=None):
    """The plain Keras model of ``face_cnn``: input uint8-range images, output softmax."""
    import keras
    from keras import layers

    inputs = keras.Input(input_shape, name="image")
    x = face_augmentation(seed)(inputs) if augment else inputs
    x = layers.Rescaling(1.0 / 255, name="rescale")(x)
    for i, width in enumerate(filters, start=1):
        for j in (1, 2) if i > 1 else (1,):
            x = layers.Conv2D(width, 3, padding="same", use_bias=False,
                              name=f"block{i}_conv{j}")(x)
            x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"block{i}_bn{j}")(x)
            x = layers.Activation("relu", name=f"block{i}_relu{j}")(x)
        x = layers.MaxPooling2D(2, padding="same", name=f"block{i}_pool")(x)
        x = layers.SpatialDropout2D(0.1, name=f"block{i}_drop")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dense(dense, activation="relu", name="features")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name="face_cnn")


@register_model(modality="video", input_kind="image")
def face_cnn(num_classes=7, input_shape=(48, 48, 1), **options):
    """Compact VGG-style CNN for 48-64 px faces with face augmentation (FER2013).

    Input (n, S, S, 1) uint8 grayscale faces (S 48-64). Options: ``filters``
    ([32, 64, 128, 256]), ``dense`` (256), ``dropout`` (0.4), ``augment`` (True),
    ``label_smoothing`` (0.1), Keras training options, ``labels``.
    """
    from emobench.models.keras_base import KerasEmotionModel

    shape = check_shape("face_cnn", input_shape, 3)
    labels, opts = resolve_options("face_cnn", options, {**KERAS_TRAINING, **FACE_OPTIONS})
    seed_keras(opts)
    net = face_net(shape, num_classes, opts["filters"], opts["dense"], opts["dropout"],
                   opts["augment"], opts.get("seed"))
    return KerasEmotionModel("face_cnn", net,
                             **model_kwargs("face_cnn", num_classes, shape, labels, opts))
