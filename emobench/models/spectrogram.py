"""Beyond the thesis: a small CRNN over a clip's log-mel spectrogram
(:mod:`emobench.preprocess.logmel`), with SpecAugment-style augmentation while training.

    log-mel (T, M) -> per-band standardisation -> SpecAugment (training only)
      -> 3 x [Conv2D 3x3, BN, ReLU, MaxPool 2x2] -> per-frame Dense -> BiGRU
      -> attention pooling over time -> dropout -> softmax

Built from ``keras.layers`` and ``keras.ops`` only, so it runs on TensorFlow, JAX and PyTorch.
"""
from __future__ import annotations

from emobench.models.factory import (BN_MOMENTUM, KERAS_TRAINING, check_shape, model_kwargs,
                                     resolve_options, seed_keras)
from emobench.registry import register_model

#: (frames, mels) of the log-mel stage's defaults: 3 s at a 20 ms hop, 64 mel bands.
DEFAULT_LOGMEL = (151, 64)


#: Options of audio_logmel_crnn beyond the Keras training options (Adam: the recurrent layer
#: trains poorly with RMSprop at the thesis's rate in 40 epochs on ~500 clips).
CRNN_DEFAULTS = {"filters": [16, 32, 64], "frame_dense": 96, "rnn": 48, "dropout": 0.3,
                 "spatial_dropout": 0.1, "cosine_decay": True, "time_masks": 2, "time_width": 20, "freq_masks": 2,
                 "freq_width": 8, "max_shift": 15, "gain": 0.2}


@register_model(modality="audio", input_kind="spectrogram")
def audio_logmel_crnn(num_classes=7, input_shape=DEFAULT_LOGMEL, **options):
    """Beyond the thesis: CRNN on a log-mel spectrogram (conv blocks, BiGRU, attention pooling)
    with SpecAugment while training.

    Input (frames, mels): the ``logmel`` feature (raw dB; the model standardises each band with
    its training statistics). Options: ``filters`` ([16, 32, 64]), ``frame_dense`` (96), ``rnn``
    (BiGRU units per direction, 48; 0 for none), ``dropout`` (0.3), ``spatial_dropout`` (0.1),
    the augmentation's ``time_masks`` (2), ``time_width`` (20), ``freq_masks`` (2),
    ``freq_width`` (8), ``max_shift`` (15 frames), ``gain`` (0.2), ``cosine_decay`` (True:
    the learning rate decays along a cosine over the fit), and the Keras training options
    (optimizer "adam", learning_rate, epochs, batch_size, seed), ``labels``.
    """
    import keras
    from keras import layers

    from emobench.models.layers import Standardize
    from emobench.models.spectrogram_net import AttentionPool, SpecAugment, SpectrogramModel

    steps, bands = check_shape("audio_logmel_crnn", input_shape, 2)
    labels, opts = resolve_options("audio_logmel_crnn", options, {
        **KERAS_TRAINING, "optimizer": "adam", "epochs": 40, **CRNN_DEFAULTS})
    seed_keras(opts)
    inputs = keras.Input((steps, bands), name="logmel")
    x = Standardize(name="standardize")(inputs)  # per mel band
    x = SpecAugment(opts["time_masks"], opts["time_width"], opts["freq_masks"],
                    opts["freq_width"], opts["max_shift"], opts["gain"], seed=opts["seed"],
                    name="specaugment")(x)
    x = layers.Reshape((steps, bands, 1), name="as_image")(x)
    for i, width in enumerate(opts["filters"]):
        x = layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"conv{i + 1}")(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"bn{i + 1}")(x)
        x = layers.Activation("relu", name=f"relu{i + 1}")(x)
        x = layers.MaxPooling2D(2, padding="same", name=f"pool{i + 1}")(x)
        if opts["spatial_dropout"]:
            x = layers.SpatialDropout2D(opts["spatial_dropout"], name=f"drop{i + 1}")(x)
    frames, freq, channels = x.shape[1], x.shape[2], x.shape[3]
    x = layers.Reshape((frames, freq * channels), name="frames")(x)  # keeps which band is where
    x = layers.Dense(opts["frame_dense"], activation="relu", name="frame_fc")(x)
    if opts["rnn"]:
        x = layers.Bidirectional(layers.GRU(opts["rnn"], return_sequences=True), name="bigru")(x)
    x = AttentionPool(name="attention_pool")(x)
    x = layers.Dropout(opts["dropout"], name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="probs")(x)
    net = keras.Model(inputs, outputs, name="audio_logmel_crnn")
    return SpectrogramModel("audio_logmel_crnn", net, **model_kwargs(
        "audio_logmel_crnn", num_classes, (steps, bands), labels, opts))
