"""The audio stage: decode each clip's audio track (PyAV, mono, at the feature set's rate), trim
its leading and trailing silence, and summarise it with one openSMILE feature set, cached per
clip."""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from emobench.datasets.clip import Clip
from emobench.preprocess.cache import StageCache, StageOutput, run_stage
from emobench.preprocess.media import MediaError, load_audio
from emobench.preprocess.opensmile_sets import (FEATURE_SETS, SAMPLE_RATE, config_digest,
                                                extract, feature_names, import_opensmile)

#: Shorter clips carry too few frames for the functionals (openSMILE would pad them with NaN
#: or return near-constant values); quieter ones carry no voice.
MIN_SECONDS = 0.25
SILENCE = 1e-4
#: Leading and trailing frames more than this many dB below the clip's loudest 25 ms frame are
#: cut before the functionals are taken. RAVDESS clips are about 45 % silence (about 1 s before
#: and after the sentence), EmoDB's and live windows almost none, and a functional over a clip
#: (a mean loudness, a percentile) measures that share as much as the voice: trimmed, a
#: RAVDESS-trained model scores EmoDB 0.37-0.42 instead of 0.30-0.31 (emobase2010, speaker
#: norm, logreg and SVM), RAVDESS's own folds 0.684 / 0.635 instead of 0.665 / 0.643.
TRIM_DB = 40.0
_FRAME, _HOP = 0.025, 0.010


def trim_silence(signal: np.ndarray, rate: int, top_db: float | None = TRIM_DB) -> np.ndarray:
    """``signal`` without its leading and trailing frames quieter than ``top_db`` below its
    loudest frame (None or 0: unchanged); silence inside the utterance stays."""
    frame, hop = int(_FRAME * rate), int(_HOP * rate)
    if not top_db or signal.size <= frame:
        return signal
    n = 1 + (signal.size - frame) // hop
    frames = np.lib.stride_tricks.sliding_window_view(signal, frame)[::hop][:n]
    rms = np.sqrt(np.mean(np.square(frames, dtype=np.float64), axis=1))
    loud = np.flatnonzero(rms > rms.max() * 10.0 ** (-top_db / 20.0))
    if loud.size == 0:
        return signal
    return signal[loud[0] * hop: loud[-1] * hop + frame]


def speech_features(signal: np.ndarray, feature_set: str, rate: int = SAMPLE_RATE,
                    trim_db: float | None = TRIM_DB) -> np.ndarray:
    """openSMILE ``feature_set`` functionals of ``signal`` after :func:`trim_silence`: the one
    path the audio stage, the robustness stages, ``emobench predict`` and the live predictor
    share (the last two with the ``trim_db`` their model was trained with)."""
    voiced = trim_silence(signal, rate, trim_db)
    if voiced.size < MIN_SECONDS * rate <= signal.size:
        raise ValueError(f"only {voiced.size / rate:.2f} s of voice in {signal.size / rate:.2f} s "
                         f"(at least {MIN_SECONDS} s needed once the silence around it is cut)")
    return extract(voiced, feature_set, rate)


def audio_stage_params(feature_set: str) -> dict:
    """Everything that determines a clip's features (the cache key)."""
    opensmile = import_opensmile()
    if feature_set not in FEATURE_SETS:
        raise ValueError(f"unknown openSMILE feature set {feature_set!r}; choose from "
                         f"{', '.join(FEATURE_SETS)}")
    return {"feature_set": feature_set, "rate": SAMPLE_RATE, "mono": True, "trim_db": TRIM_DB,
            "config": config_digest(feature_set), "opensmile": opensmile.__version__}


def load_speech(path, rate: int = SAMPLE_RATE) -> np.ndarray:
    """The mono signal of ``path`` at ``rate``; raises ``MediaError`` when it is too short or
    silent to say anything (every audio stage's limits)."""
    signal = load_audio(path, rate)
    if signal.size < MIN_SECONDS * rate:
        raise MediaError(path, f"audio too short ({signal.size / rate:.2f} s; "
                               f"at least {MIN_SECONDS} s needed)")
    if not np.any(np.abs(signal) > SILENCE):
        raise MediaError(path, "silent audio (no sample above -80 dBFS)")
    return signal


def clip_audio_features(clip: Clip, feature_set: str = "emobase") -> dict[str, np.ndarray]:
    """The ``{"data": (F,) float32}`` features of one clip; raises ``MediaError`` on bad input."""
    signal = load_speech(clip.path, SAMPLE_RATE)
    try:
        features = speech_features(signal, feature_set, SAMPLE_RATE)
    except ValueError as err:
        raise MediaError(clip.path, str(err)) from None
    return {"data": features, "seconds": np.float32(signal.size / SAMPLE_RATE)}


def audio_features(clips: list[Clip], feature_set: str = "emobase", *,
                   cache_dir: str | Path | None = None, jobs: int = 1,
                   progress: bool = True) -> StageOutput:
    """openSMILE ``feature_set`` functionals of every clip's audio, ``data`` of shape (n, F)
    float32 in input order; clips without usable audio are in ``skipped`` with the reason.

    Unscaled: fit a scaler on the training split only (:mod:`emobench.preprocess.scaling`).
    """
    from emobench.paths import cache_root

    params = audio_stage_params(feature_set)
    root = Path(cache_dir) if cache_dir is not None else cache_root() / "features"
    stage = f"audio:{feature_set}"
    cache = StageCache(root, stage, params)
    out = run_stage(clips, functools.partial(clip_audio_features, feature_set=feature_set),
                    cache, jobs=jobs, progress=progress, desc=stage,
                    names=feature_names(feature_set))
    if out.data.size == 0:
        out.data = np.empty((0, FEATURE_SETS[feature_set]), np.float32)
    return out
