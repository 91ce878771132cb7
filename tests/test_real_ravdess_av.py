"""The real RAVDESS audio-visual clips of Actor 05 ($EMOBENCH_DATA/ravdess-av, 1280x720 H.264 +
AAC) through the RAVDESS adapter and the face, flow and audio (openSMILE on the AAC track)
stages; skipped without EMOBENCH_DATA."""
from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.realdata


def test_real_ravdess_av_clips_go_through_every_preprocessing_stage(real_data, tmp_path):
    from emobench.datasets import load_dataset
    from emobench.preprocess import run_preprocess
    from emobench.preprocess.faces import face_stage

    scan = load_dataset("ravdess", real_data / "ravdess-av")
    clips = scan.clips
    assert len(clips) == 7 and {c.speaker for c in clips} == {"05"}
    assert all(c.has_audio and c.has_video for c in clips)
    out = run_preprocess(clips, ("audio", "faces", "flow"), feature_sets=("emobase",),
                         frames=8, size=64, cache_dir=tmp_path, progress=False)
    for name in ("audio:emobase", "faces", "flow"):
        assert len(out[name].ids) == 7 and not out[name].skipped, (name, out[name].skipped)
    assert out["audio:emobase"].data.shape == (7, 988)
    assert np.isfinite(out["audio:emobase"].data).all()
    assert out["faces"].data.shape == (7, 8, 64, 64, 3)
    assert out["flow"].data.shape[:2] == (7, 7)
    cache, _ = face_stage(8, 64, cache_dir=tmp_path)
    for clip in clips:
        arrays = cache.load(clip)
        assert arrays["found"].all(), clip.clip_id  # a face in every sampled frame
        sides = arrays["boxes"][:, 2:].max(axis=1)
        assert 150 < sides.min() and sides.max() < 720  # one frontal face at 1280x720
