"""The few layers emobench's Keras models need beyond ``keras.layers``, written with ``keras.ops``
only (so they run on TensorFlow, JAX and PyTorch) and registered for the Keras format, so a saved
model reloads with ``safe_mode=True`` (no Lambda layers anywhere)."""
from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

#: ImageNet channel means (BGR) of the original Caffe ResNet50 that Keras's weights come from.
CAFFE_BGR_MEAN = (103.939, 116.779, 123.68)


@keras.saving.register_keras_serializable(package="emobench")
class Standardize(layers.Layer):
    """``(x - mean) / scale`` per feature, with statistics learned by :meth:`fit_statistics` from
    the training data (scikit-learn ``scale`` semantics: constant features keep scale 1).

    The statistics are non-trainable weights, so they are saved inside the model; ``count``
    (samples seen, 0 before fitting) says whether they have been learned.
    """

    def build(self, input_shape):
        dim = (int(input_shape[-1]),)
        self.mean = self.add_weight(shape=dim, initializer="zeros", trainable=False, name="mean")
        self.scale = self.add_weight(shape=dim, initializer="ones", trainable=False, name="scale")
        self.count = self.add_weight(shape=(), initializer="zeros", trainable=False, name="count")

    @property
    def is_fitted(self) -> bool:
        return float(ops.convert_to_numpy(self.count)) > 0

    def fit_statistics(self, x: np.ndarray) -> None:
        """Learn mean and scale from ``x`` (n, ..., features), in float64 like scikit-learn;
        leading axes are pooled (a spectrogram's frames: one mean per band)."""
        x = np.asarray(x, dtype=np.float64)
        x = x.reshape(-1, x.shape[-1])
        std = x.std(axis=0)
        std[std < 10 * np.finfo(np.float64).eps] = 1.0
        self.mean.assign(x.mean(axis=0).astype("float32"))
        self.scale.assign(std.astype("float32"))
        self.count.assign(float(len(x)))

    def call(self, x):
        return (ops.cast(x, self.compute_dtype) - self.mean) / self.scale


@keras.saving.register_keras_serializable(package="emobench")
class CaffePreprocess(layers.Layer):
    """RGB 0..255 to the input Keras's ImageNet ResNet50 weights expect: BGR, mean subtracted."""

    def call(self, x):
        x = ops.flip(ops.cast(x, self.compute_dtype), axis=-1)
        return x - ops.convert_to_tensor(CAFFE_BGR_MEAN, dtype=self.compute_dtype)


def stack_flow(x, input_shape: tuple):
    """(T-1, S, S, 2) flow fields to one (S, S, 2*(T-1)) image, two-stream style: channels are
    dx_0, dy_0, dx_1, dy_1, ... (built from Permute and Reshape, so it saves safely)."""
    steps, height, width, comps = input_shape
    x = layers.Permute((2, 3, 1, 4), name="flow_to_channels")(x)
    return layers.Reshape((height, width, steps * comps), name="stack_flow")(x)
