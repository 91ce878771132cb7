"""The Keras pieces of audio_logmel_crnn (:mod:`emobench.models.spectrogram`): SpecAugment,
attention pooling and the model class whose fit decays the learning rate. Imported only when
such a model is built or loaded, so listing the registry stays free of Keras; its layers are
registered for the Keras format, so a saved model reloads with ``safe_mode=True``."""
from __future__ import annotations

import math

import keras
from keras import layers, ops

from emobench.models.keras_base import KerasEmotionModel, training_loss


@keras.saving.register_keras_serializable(package="emobench")
class SpecAugment(layers.Layer):
    """Augments a batch of (standardised) spectrograms ``(B, T, M)`` while training and passes
    them through unchanged otherwise: a random circular time shift of up to ``max_shift``
    frames, a random level offset in ``[-gain, gain]``, ``time_masks`` time stripes of up to
    ``time_width`` frames and ``freq_masks`` band stripes of up to ``freq_width`` bands set to
    0 (the band mean after standardisation); Park et al. 2019, without time warping."""

    def __init__(self, time_masks=2, time_width=20, freq_masks=2, freq_width=8, max_shift=15,
                 gain=0.2, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.time_masks, self.time_width = int(time_masks), int(time_width)
        self.freq_masks, self.freq_width = int(freq_masks), int(freq_width)
        self.max_shift, self.gain, self.seed = int(max_shift), float(gain), seed
        self.generator = keras.random.SeedGenerator(seed)

    def _stripes(self, batch, size: int, count: int, width: int):
        """(B, size) float mask: 0 inside ``count`` random stripes of up to ``width``."""
        keep = ops.ones((batch, size), self.compute_dtype)
        pos = ops.arange(size, dtype="float32")[None, :]
        for _ in range(count):
            w = keras.random.uniform((batch, 1), 0.0, float(min(width, size)) + 1.0,
                                     seed=self.generator)
            w = ops.floor(w)
            start = ops.floor(keras.random.uniform((batch, 1), seed=self.generator)
                              * (float(size) - w + 1.0))
            inside = ops.logical_and(pos >= start, pos < start + w)
            keep = keep * (1.0 - ops.cast(inside, self.compute_dtype))
        return keep

    def call(self, x, training=None):
        if not training:
            return x
        batch, steps, bands = ops.shape(x)[0], x.shape[1], x.shape[2]
        if self.max_shift:
            shift = keras.random.randint((batch, 1), -self.max_shift, self.max_shift + 1,
                                         seed=self.generator)
            idx = (ops.arange(steps, dtype="int32")[None, :] - shift) % steps
            x = ops.take_along_axis(x, ops.broadcast_to(idx[:, :, None], ops.shape(x)), axis=1)
        if self.gain:
            x = x + keras.random.uniform((batch, 1, 1), -self.gain, self.gain,
                                         seed=self.generator)
        if self.time_masks:
            x = x * self._stripes(batch, steps, self.time_masks, self.time_width)[:, :, None]
        if self.freq_masks:
            x = x * self._stripes(batch, bands, self.freq_masks, self.freq_width)[:, None, :]
        return x

    def get_config(self):
        return {**super().get_config(), "time_masks": self.time_masks,
                "time_width": self.time_width, "freq_masks": self.freq_masks,
                "freq_width": self.freq_width, "max_shift": self.max_shift, "gain": self.gain,
                "seed": self.seed}


@keras.saving.register_keras_serializable(package="emobench")
class AttentionPool(layers.Layer):
    """Weighted mean over time ``(B, T, D) -> (B, D)``, the weights a softmax of a learned
    score per frame (attention pooling as in Mirsamadi et al. 2017)."""

    def build(self, input_shape):
        self.score = layers.Dense(1, name="score")
        self.score.build(input_shape)

    def call(self, x):
        weights = ops.softmax(self.score(x), axis=1)
        return ops.sum(weights * x, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])


class SpectrogramModel(KerasEmotionModel):
    """A KerasEmotionModel whose first fit decays the learning rate along a cosine over all of
    its steps (to 5 %) when option ``cosine_decay`` is set: the harness scores the last epoch's
    weights, and with a constant rate and augmentation they swing by 10-20 points from epoch
    to epoch on ~500 clips. Its own saved kind, so loading imports the layers above."""

    kind = "keras_spectrogram"

    def fit(self, x, y, *, epochs=None, batch_size=None, **kwargs):
        batch = int(batch_size or self.options["batch_size"])
        self._decay_steps = math.ceil(len(x) / batch) * int(epochs or self.options["epochs"])
        return super().fit(x, y, epochs=epochs, batch_size=batch_size, **kwargs)

    def _compile_once(self) -> None:
        if self.keras_model.compiled or not self.options.get("cosine_decay"):
            return super()._compile_once()
        rate = keras.optimizers.schedules.CosineDecay(
            self.options["learning_rate"], max(1, self._decay_steps), alpha=0.05)
        opt = type(keras.optimizers.get(self.options["optimizer"]))(learning_rate=rate)
        self.keras_model.compile(optimizer=opt, loss=training_loss(self.options),
                                 metrics=["accuracy"])
