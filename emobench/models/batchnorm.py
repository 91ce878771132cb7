"""Batchnorm statistics recomputed after training ("precise BN", Wu & Johnson 2021,
*Rethinking "Batch" in BatchNorm*).

A BatchNormalization layer predicts with moving averages of the batch statistics it saw while
the weights were still changing. On emobench's small corpora (a few steps per epoch at RMSprop
1e-3) those averages lag the final weights: on the generated corpus C3D scored its own training
clips below its training-mode accuracy (dropout on), and whole validation folds fell to one
class. Recomputing the statistics of the final weights over the training inputs removes the lag
without touching the optimizer, its learning rate or the weights.
"""
from __future__ import annotations

import numpy as np


def batchnorm_layers(model) -> list:
    """Every trainable BatchNormalization layer of ``model`` (nested models included); a frozen
    one predicts with the statistics it was loaded with, so it is left out."""
    import keras

    return [layer for layer in model._flatten_layers(include_self=False, recursive=True)
            if isinstance(layer, keras.layers.BatchNormalization) and layer.trainable]


def recalibrate_batchnorm(model, x: np.ndarray, batch_size: int, seed: int | None = 0) -> int:
    """Set the moving mean and variance of ``model``'s trainable batchnorm layers to the mean
    of their batch statistics over ``x`` (the training inputs, in batches of ``batch_size``),
    leaving every other weight as it is. Returns the number of layers recalibrated.

    The batches are drawn in a seeded random order (``seed`` None: in order), as training
    drew them: a per-frame model's inputs are its clips' frames one clip after another, and a
    batch of one clip's near-identical frames has almost no variance, so in-order batches set
    a variance far below the one training normalised with (ResNet50 then scored at chance)."""
    layers = batchnorm_layers(model)
    if not layers or len(x) == 0:
        return 0
    order = (np.arange(len(x)) if seed is None
             else np.random.default_rng(seed).permutation(len(x)))
    momenta = [layer.momentum for layer in layers]
    seen = 0
    try:
        for start in range(0, len(x), batch_size):
            batch = x[np.sort(order[start:start + batch_size])]
            # moving = m * moving + (1 - m) * batch with m = seen / (seen + n): a running mean
            for layer in layers:
                layer.momentum = seen / (seen + len(batch))
            model(np.asarray(batch, dtype="float32"), training=True)
            seen += len(batch)
    finally:
        for layer, momentum in zip(layers, momenta):
            layer.momentum = momentum
    return len(layers)
