"""Time per corrupted evaluation (issue 16), per clip at RAVDESS's size (1280x720, 3.5 s):

    .venv/bin/python -m pytest benchmarks/bench_robustness.py --benchmark-only

- video: decode 8 frames, corrupt them, detect and follow the face, crop (what one corrupted
  clip costs the robustness suite before its model runs), per corruption at severity 3;
- audio: decode, corrupt, openSMILE emobase2010, per corruption at severity 3.

Nothing is cached here: each round computes the clip again.
"""
from __future__ import annotations

import pytest

from emobench.robustness.corruptions import AUDIO_CORRUPTIONS, VIDEO_CORRUPTIONS
from emobench.robustness.stages import (_corrupted_audio, _corrupted_faces, _decoded_audio,
                                        _sampled_frames, babble_sources)


def _fresh():
    """Forget the decoded clips the suite keeps, so every round decodes again."""
    _sampled_frames.cache_clear()
    _decoded_audio.cache_clear()


def _faces_or_lost(clip, **kwargs):
    """The corrupted clip's crops, or None when the corruption cost it its face (it still
    cost the decode, the corruption and the search)."""
    try:
        return _corrupted_faces(clip, **kwargs)
    except ValueError:
        return None


@pytest.mark.benchmark(group="robustness video")
@pytest.mark.parametrize("corruption", list(VIDEO_CORRUPTIONS))
def test_corrupted_face_clip(benchmark, corpus_720p, figure, corruption):
    clip = corpus_720p.clips[0]
    kwargs = dict(corruption=corruption, severity=3, seed=0, frames=8, size=48, detector="haar")
    out = benchmark.pedantic(_faces_or_lost, setup=lambda: (_fresh(), ((clip,), kwargs))[1],
                             rounds=3, warmup_rounds=1)
    found = "face lost in all 8" if out is None else f"faces in {int(out['found'].sum())}/8"
    figure("corrupted face clip (8 frames, 720p, s3)", corruption,
           f"{benchmark.stats.stats.mean:.3f} s, {found} frames")


@pytest.mark.benchmark(group="robustness audio")
@pytest.mark.parametrize("corruption", list(AUDIO_CORRUPTIONS))
def test_corrupted_audio_clip(benchmark, corpus_720p, figure, corruption):
    clips = corpus_720p.clips
    babble = {clips[0].clip_id: babble_sources(clips, clips[0])}
    kwargs = dict(feature_set="emobase2010", corruption=corruption, severity=3, seed=0,
                  babble=babble)
    benchmark.pedantic(_corrupted_audio, setup=lambda: (_fresh(), ((clips[0],), kwargs))[1],
                       rounds=3, warmup_rounds=1)
    figure("corrupted audio clip (emobase2010, s3)", corruption,
           f"{benchmark.stats.stats.mean:.3f} s")
