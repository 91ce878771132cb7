"""The log-mel stage: each clip's audio (PyAV, 16 kHz mono) centre-cropped or zero-padded to a
fixed length and turned into a log-mel spectrogram ``(frames, mels)`` with Keras's own
``MelSpectrogram`` layer, cached per clip like the openSMILE features.

Precomputed rather than inside the model: the spectrogram is the same every epoch (the
augmentation works on it, :class:`emobench.models.spectrogram.SpecAugment`), and per-speaker
normalisation of the mel bands needs the spectrograms outside the network.
"""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from emobench.datasets.clip import Clip
from emobench.preprocess.audio import load_speech
from emobench.preprocess.cache import StageCache, StageOutput, run_stage

#: The feature name of this stage (beside the openSMILE sets) and its fixed parameters.
LOGMEL = "logmel"
LOGMEL_PARAMS = {"rate": 16000, "seconds": 3.0, "fft_length": 1024, "window_length": 640,
                 "hop": 320, "mels": 64, "fmin": 50.0, "fmax": 8000.0, "top_db": 80.0}


def logmel_stage_params() -> dict:
    """Everything that determines a clip's spectrogram (the cache key and the cell's record)."""
    import keras

    return {**LOGMEL_PARAMS, "mono": True, "crop": "center", "pad": "zeros",
            "frontend": "keras.layers.MelSpectrogram", "keras": keras.__version__}


def logmel_shape(params: dict = LOGMEL_PARAMS) -> tuple[int, int]:
    """``(frames, mels)`` of one clip's spectrogram."""
    samples = int(round(params["seconds"] * params["rate"]))
    return samples // params["hop"] + 1, params["mels"]


def fix_length(signal: np.ndarray, samples: int) -> np.ndarray:
    """The centre ``samples`` of ``signal``, or ``signal`` centred in zeros when shorter."""
    if signal.size >= samples:
        start = (signal.size - samples) // 2
        return signal[start:start + samples]
    out = np.zeros(samples, np.float32)
    start = (samples - signal.size) // 2
    out[start:start + signal.size] = signal
    return out


@functools.lru_cache(maxsize=1)
def _frontend(params_json: str):
    import json

    import keras

    p = json.loads(params_json)
    return keras.layers.MelSpectrogram(
        fft_length=p["fft_length"], sequence_stride=p["hop"], sequence_length=p["window_length"],
        sampling_rate=p["rate"], num_mel_bins=p["mels"], min_freq=p["fmin"], max_freq=p["fmax"],
        top_db=p["top_db"])


def logmel(signal: np.ndarray, params: dict = LOGMEL_PARAMS) -> np.ndarray:
    """The ``(frames, mels)`` float32 log-mel spectrogram (dB) of a 16 kHz mono ``signal``."""
    import json

    import keras

    samples = int(round(params["seconds"] * params["rate"]))
    wave = fix_length(np.asarray(signal, np.float32), samples)[None]
    spec = keras.ops.convert_to_numpy(_frontend(json.dumps(params, sort_keys=True))(wave))
    return np.ascontiguousarray(spec[0].T, dtype=np.float32)  # Keras gives (mels, frames)


def clip_logmel(clip: Clip, params: dict = LOGMEL_PARAMS) -> dict[str, np.ndarray]:
    """``{"data": (frames, mels) float32, "seconds": ...}`` of one clip; raises ``MediaError``
    on audio too short or silent (the same limits as the openSMILE stage)."""
    rate = params["rate"]
    signal = load_speech(clip.path, rate)
    return {"data": logmel(signal, params), "seconds": np.float32(signal.size / rate)}


def logmel_features(clips: list[Clip], *, cache_dir: str | Path | None = None, jobs: int = 1,
                    progress: bool = True) -> StageOutput:
    """The log-mel spectrogram of every clip's audio, ``data`` of shape (n, frames, mels) in
    input order; clips without usable audio are in ``skipped`` with the reason."""
    from emobench.paths import cache_root

    root = Path(cache_dir) if cache_dir is not None else cache_root() / "features"
    cache = StageCache(root, f"audio:{LOGMEL}", logmel_stage_params())
    out = run_stage(clips, clip_logmel, cache, jobs=jobs, progress=progress,
                    desc=f"audio:{LOGMEL}")
    if out.data.size == 0:
        out.data = np.empty((0, *logmel_shape()), np.float32)
    return out
