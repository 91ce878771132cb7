"""Corrupted preprocessing through the ordinary preprocessing cache: the audio and face stages
with a corruption inserted where it happens in the world (on the decoded signal before
openSMILE; on the decoded frames before face detection, so a face the detector loses under
blur or darkness is a lost clip), cached under the stage's parameters plus
``corruption``, ``severity`` and ``seed``.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Sequence

import numpy as np

from emobench.datasets.clip import Clip
from emobench.harness.data import FeatureTable
from emobench.preprocess.cache import StageCache, run_stage
from emobench.robustness.corruptions import corrupt_audio, corrupt_video, rng_for

#: Other clips mixed into one clip's babble.
BABBLE_TALKERS = 3


def _root(cache_dir) -> Path:
    from emobench.paths import cache_root

    return Path(cache_dir) if cache_dir is not None else cache_root() / "features"


#: Bumped when the choice of babble talkers changes (part of babble's cache key).
BABBLE_VERSION = 2


def babble_sources(clips: Sequence[Clip], clip: Clip, k: int = BABBLE_TALKERS) -> tuple[str, ...]:
    """Paths of ``k`` clips of other speakers (the next ones in id order: stable); in a set of
    one speaker (the RML sample) other clips of that speaker, never the clip itself."""
    pool = sorted((c for c in clips if c.speaker != clip.speaker and c.has_audio),
                  key=lambda c: c.clip_id) or sorted(
        (c for c in clips if c.clip_id != clip.clip_id and c.has_audio), key=lambda c: c.clip_id)
    if not pool:
        return ()
    start = sum(1 for c in pool if c.clip_id < clip.clip_id)
    return tuple(str(pool[(start + i) % len(pool)].path) for i in range(min(k, len(pool))))


@functools.lru_cache(maxsize=2048)
def _decoded_audio(path: str, rate: int) -> np.ndarray:
    """A clip's decoded signal, kept: the suite visits each clip once per corruption and
    severity, and decoding (0.13 s for a RAVDESS clip) costs more than emobase itself."""
    from emobench.preprocess.media import load_audio

    x = load_audio(path, rate)
    x.flags.writeable = False
    return x


@functools.lru_cache(maxsize=24)
def _sampled_frames(path: str, frames: int) -> np.ndarray:
    """The frames the face stage samples from a clip, decoded once per process (a 720p clip's
    8 frames are 22 MB: only the last few clips are kept)."""
    from emobench.preprocess.media import sample_frames

    video = sample_frames(path, frames)
    video.flags.writeable = False
    return video


def _corrupted_audio(clip: Clip, *, feature_set: str, corruption: str, severity: int, seed: int,
                     babble: dict) -> dict[str, np.ndarray]:
    from emobench.preprocess.audio import speech_features
    from emobench.preprocess.media import MediaError
    from emobench.preprocess.opensmile_sets import SAMPLE_RATE

    x = _decoded_audio(str(clip.path), SAMPLE_RATE)
    others = [_decoded_audio(str(p), SAMPLE_RATE) for p in babble.get(clip.clip_id, ())] \
        if corruption == "babble" else ()
    x = corrupt_audio(x, corruption, severity, rng_for(seed, clip.clip_id, corruption, severity),
                      SAMPLE_RATE, others)
    try:
        return {"data": speech_features(x, feature_set, SAMPLE_RATE)}
    except ValueError as err:
        raise MediaError(clip.path, str(err)) from None


def _corrupted_faces(clip: Clip, *, corruption: str, severity: int, seed: int, frames: int,
                     size: int, detector, margin: float) -> dict[str, np.ndarray]:
    from emobench.preprocess.faces import crop_face, smooth_boxes
    from emobench.preprocess.tracking import detect_face, track_face

    video = _sampled_frames(str(clip.path), frames)  # only these frames are corrupted
    face = detect_face(video[len(video) // 2], detector) if corruption == "occlusion" else None
    if severity:  # severity 0 is the clean stage (any name: "clean" for the clean score)
        video = corrupt_video(video, corruption, severity,
                              rng_for(seed, clip.clip_id, corruption, severity), face)
    boxes, found = track_face(video, detector)
    if not found.any():
        raise ValueError(f"no face found in any of the {frames} sampled frames under "
                         f"{corruption} {severity}")
    crops = np.stack([crop_face(f, b, size, margin)
                      for f, b in zip(video, smooth_boxes(boxes))])
    return {"data": crops, "found": found}


def corrupted_table(clips: Sequence[Clip], feature: str, corruption: str, severity: int, *,
                    seed: int = 0, frames: int = 8, size: int = 48, detector: str = "haar",
                    margin: float | None = None, cache_dir=None, jobs: int = 1,
                    progress: bool = False) -> FeatureTable:
    """The ``feature`` table (an openSMILE set or ``faces``) of ``clips`` under ``corruption``
    at ``severity``; clips that lose their face or audio are in ``skipped``. Cached.
    ``margin``: the face crops' margin (default the face stage's, as the harness cells
    trained; a zoo frame model passes its card's)."""
    extra = {"corruption": corruption, "severity": int(severity), "seed": int(seed)}
    if feature == "faces":
        from emobench.preprocess.faces import MARGIN, face_stage

        margin = MARGIN if margin is None else float(margin)
        base, _ = face_stage(frames, size, detector, margin, cache_dir=cache_dir)
        cache = StageCache(_root(cache_dir), "faces", {**base.params, **extra})
        fn = functools.partial(_corrupted_faces, frames=frames, size=size,
                               detector=base.params["detector"]["detector"], margin=margin,
                               **extra)
        clips = [c for c in clips if c.has_video]
    else:
        from emobench.preprocess.audio import audio_stage_params

        clips = [c for c in clips if c.has_audio]
        talkers = ({"babble": {"talkers": BABBLE_TALKERS, "version": BABBLE_VERSION}}
                   if corruption == "babble" else {})
        cache = StageCache(_root(cache_dir), f"audio:{feature}",
                           {**audio_stage_params(feature), **extra, **talkers})
        babble = ({c.clip_id: babble_sources(clips, c) for c in clips}
                  if corruption == "babble" else {})
        fn = functools.partial(_corrupted_audio, feature_set=feature, babble=babble, **extra)
    out = run_stage(list(clips), fn, cache, jobs=jobs, progress=progress,
                    desc=f"{feature} {corruption} {severity}")
    table = FeatureTable(feature, list(out.ids), out.data, {**cache.params},
                         list(out.skipped))
    table.computed, table.seconds = out.computed, out.seconds
    return table
