"""What every factory does besides building its network: resolve options against its defaults
(rejecting unknown ones, so a typo is an error and not a silently ignored setting), check the
input shape it was given, and look up its registry entry."""
from __future__ import annotations

import json
import os
from typing import Any

from emobench.registry import get_model_info

#: Training defaults of the thesis for every Keras model: cross-entropy (fixed in ``fit``) and
#: RMSprop with learning rate 0.001. ``seed`` seeds Keras's global generators when set.
#: Batchnorm's moving-average momentum. Keras's 0.99 needs hundreds of steps before the
#: moving statistics used at inference match the batches seen in training; on RAVDESS-sized
#: data (tens of steps per epoch) the models then predicted one class for every clip.
BN_MOMENTUM = 0.9

KERAS_TRAINING = {"optimizer": "rmsprop", "learning_rate": 1e-3, "epochs": 30, "batch_size": 32,
                  "seed": None}


def resolve_options(name: str, given: dict[str, Any], defaults: dict[str, Any]):
    """``(labels, options)``: ``labels`` popped from ``given``, the rest merged over
    ``defaults``; an unknown or non-JSON option raises a one-line error."""
    given = dict(given)
    labels = given.pop("labels", None)
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise TypeError(f"{name}: unknown option(s) {', '.join(unknown)}; "
                        f"options are: labels, {', '.join(sorted(defaults))}")
    options = {**defaults, **given}
    try:  # tuples become lists and paths strings, as they are after a reload
        options = json.loads(json.dumps(options, default=_path_to_str))
    except TypeError as err:
        raise TypeError(f"{name}: options must be JSON-serialisable ({err})") from None
    return labels, options


def _path_to_str(value):
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"{type(value).__name__} {value!r} is not JSON-serialisable")


def check_shape(name: str, input_shape, ndim: int, channels: int | None = None,
                min_size: int = 1) -> tuple[int, ...]:
    """``input_shape`` as a tuple of ``ndim`` positive ints (last one ``channels`` when given,
    spatial sides at least ``min_size``), or a one-line ValueError."""
    shape = tuple(int(d) for d in input_shape)
    if len(shape) != ndim or min(shape) < 1:
        raise ValueError(f"{name}: input_shape must be {ndim} positive sizes per sample; "
                         f"got {tuple(input_shape)}")
    if channels is not None and shape[-1] != channels:
        raise ValueError(f"{name}: input_shape must end with {channels} channels; got {shape}")
    if ndim >= 3 and min(shape[-3:-1]) < min_size:
        raise ValueError(f"{name}: frames must be at least {min_size}x{min_size} pixels; "
                         f"got {shape}")
    return shape


def model_kwargs(name: str, num_classes: int, input_shape, labels, options) -> dict:
    """The keyword arguments of an :class:`EmotionModel` built by the factory ``name``."""
    info = get_model_info(name)
    return {"modality": info.modality, "input_kind": info.input_kind,
            "num_classes": int(num_classes), "input_shape": tuple(input_shape),
            "labels": labels, "options": options}


def seed_keras(options: dict) -> None:
    """Seed Keras's global generators (weights, dropout, shuffling) when ``options["seed"]`` is
    set; None leaves them as they are."""
    if options.get("seed") is not None:
        import keras

        keras.utils.set_random_seed(int(options["seed"]))


def set_bn_momentum(model, momentum: float = BN_MOMENTUM):
    """Set every BatchNormalization layer of ``model`` (nested ones too) to ``momentum``, for
    networks built elsewhere (keras.applications); returns the model."""
    import keras

    for layer in model._flatten_layers(include_self=False, recursive=True):
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = momentum
    return model


def zero_init_residuals(model):
    """Zero the scale (gamma) of the last batchnorm of every residual branch of a
    keras.applications ResNet (layers ``conv*_block*_3_bn``), so each block starts as the
    identity (Goyal et al. 2017, "zero-gamma"); returns the model and the count zeroed.

    An initialisation, not a change of architecture: from random weights ResNet50's summed
    branches give large logits at the first step (training loss above 3 where chance is
    1.95), and the few hundred steps of a small corpus went into undoing that."""
    import numpy as np

    count = 0
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if layer.name.endswith("_3_bn") and layer.name.startswith("conv"):
            gamma = layer.gamma
            gamma.assign(np.zeros(gamma.shape, dtype="float32"))
            count += 1
    return model, count


def fc_head(x, width: int, dropout: float, num_classes: int):
    """AlexNet's and C3D's classifier: flatten, fc6 and fc7 (ReLU, dropout), softmax."""
    from keras import layers

    x = layers.Flatten(name="flatten")(x)
    for fc in ("fc6", "fc7"):
        x = layers.Dense(width, activation="relu", name=fc)(x)
        x = layers.Dropout(dropout, name=f"{fc}_dropout")(x)
    return layers.Dense(num_classes, activation="softmax", name="probs")(x)
