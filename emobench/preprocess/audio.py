"""The audio stage: decode each clip's audio track (PyAV, mono, at the feature set's rate) and
summarise it with one openSMILE feature set, cached per clip."""
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


def audio_stage_params(feature_set: str) -> dict:
    """Everything that determines a clip's features (the cache key)."""
    opensmile = import_opensmile()
    if feature_set not in FEATURE_SETS:
        raise ValueError(f"unknown openSMILE feature set {feature_set!r}; choose from "
                         f"{', '.join(FEATURE_SETS)}")
    return {"feature_set": feature_set, "rate": SAMPLE_RATE, "mono": True,
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
        features = extract(signal, feature_set, SAMPLE_RATE)
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
