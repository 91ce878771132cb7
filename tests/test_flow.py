"""The optical-flow stage: TV-L1 and DIS recover a known motion, the uint8 storage round-trips
within half a step, the stage reuses the face stage's crops (never detecting again), skips what
the face stage skips, keys on its method, and the CLI runs every stage twice on a generated
corpus (the second run computing nothing)."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from emobench.datasets.clip import Clip
from emobench.preprocess.faces import face_crops, face_stage
from emobench.preprocess.flow import compute_flow, dequantise, optical_flow, quantise
from media_samples import write_video


def texture(size: int = 96, seed: int = 0) -> np.ndarray:
    """Smooth random blobs (flow needs texture at several scales), uint8 grey."""
    rng = np.random.default_rng(seed)
    img = sum(cv2.resize(rng.random((k, k)), (size, size), interpolation=cv2.INTER_CUBIC)
              for k in (6, 12, 24))
    return cv2.normalize(img, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)


def shifted(img: np.ndarray, dx: float, dy: float) -> np.ndarray:
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(img, m, img.shape[::-1], borderMode=cv2.BORDER_REFLECT)


@pytest.mark.parametrize("method", ["dis", "tvl1"])
def test_flow_recovers_a_known_shift(method):
    base = texture()
    frames = np.stack([base, shifted(base, 2.0, -1.0), shifted(base, 2.0, -1.0)])
    flow = compute_flow(frames, method)
    assert flow.shape == (2, 96, 96, 2) and flow.dtype == np.float32
    inner = flow[:, 16:-16, 16:-16]
    np.testing.assert_allclose(np.median(inner[0], axis=(0, 1)), [2.0, -1.0], atol=0.25)
    assert np.abs(inner[1]).mean() < 0.1  # no motion between identical frames
    rgb = np.repeat(frames[..., None], 3, axis=-1)
    np.testing.assert_allclose(compute_flow(rgb, method), flow, atol=1e-4)


def test_flow_input_errors():
    with pytest.raises(ValueError, match=">= 2 uint8 frames"):
        compute_flow(np.zeros((1, 32, 32), np.uint8))
    with pytest.raises(ValueError, match=">= 2 uint8 frames"):
        compute_flow(np.zeros((3, 32, 32), np.float32))
    with pytest.raises(ValueError, match="unknown optical flow method 'farneback'; choose from "
                                         "dis, tvl1"):
        compute_flow(np.zeros((2, 32, 32), np.uint8), "farneback")


def test_uint8_storage_round_trips_within_half_a_step():
    rng = np.random.default_rng(0)
    flow = rng.normal(0, 3, (4, 20, 20, 2)).astype(np.float32)
    flow[2] = 0.5  # a pair with constant flow stores it exactly
    stored = quantise(flow)
    assert stored["q"].dtype == np.uint8 and stored["lo"].shape == (4, 2)
    back = dequantise(stored["q"], stored["lo"], stored["hi"], np.float32)
    step = (stored["hi"] - stored["lo"]) / 255
    assert (np.abs(back - flow) <= step[:, None, None, :] / 2 + 1e-5).all()
    np.testing.assert_array_equal(back[2], 0.5)
    assert dequantise(stored["q"], stored["lo"], stored["hi"]).dtype == np.float16


def test_flow_stage_reuses_the_face_crops(synth_scan, tmp_path, monkeypatch):
    clips = synth_scan.clips[:3]
    faces = face_crops(clips, frames=5, size=48, cache_dir=tmp_path, progress=False)
    import emobench.preprocess.faces as faces_module

    def no_detection(*args, **kwargs):
        raise AssertionError("the flow stage detected faces again")

    monkeypatch.setattr(faces_module, "video_faces", no_detection)
    out = optical_flow(clips, method="dis", frames=5, size=48, cache_dir=tmp_path,
                       progress=False)
    assert out.stage == "flow" and out.ids == faces.ids and not out.skipped
    assert out.data.shape == (3, 4, 48, 48, 2) and out.data.dtype == np.float16
    assert np.isfinite(out.data).all() and np.abs(out.data).max() > 0.05  # the face moves
    # the same as flow computed directly on the crops, up to the storage's precision
    direct = compute_flow(faces.data[0], "dis")
    assert np.abs(out.data[0].astype(np.float32) - direct).max() < 0.05 + np.ptp(direct) / 500
    again = optical_flow(clips, method="dis", frames=5, size=48, cache_dir=tmp_path,
                         progress=False)
    assert again.computed == 0
    np.testing.assert_array_equal(again.data, out.data)
    tvl1 = optical_flow(clips[:1], method="tvl1", frames=5, size=48, cache_dir=tmp_path,
                        progress=False)
    assert tvl1.computed == 1 and tvl1.data.shape == (1, 4, 48, 48, 2)
    # two good methods see the same motion
    assert np.corrcoef(tvl1.data[0].ravel(), out.data[0].ravel())[0, 1] > 0.5


def test_flow_first_fills_the_face_cache_and_skips_what_it_skips(synth_scan, tmp_path):
    no_face = write_video(tmp_path / "no_face.mp4", 1.0, size=(160, 120))
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    clips = [synth_scan.clips[5], Clip(no_face, "sad", "02", "t", "av", "no_face"),
             Clip(empty, "sad", "02", "t", "av", "empty")]
    out = optical_flow(clips, frames=4, size=32, cache_dir=tmp_path / "cache", jobs=2,
                       progress=False)
    assert out.ids == [clips[0].clip_id] and out.data.shape == (1, 3, 32, 32, 2)
    reasons = {r.path.name: r.reason for r in out.skipped}
    assert reasons == {"no_face.mp4": "no face found in any of the 4 sampled frames",
                       "empty.mp4": "empty file (0 bytes)"}
    faces = face_crops(clips, frames=4, size=32, cache_dir=tmp_path / "cache", progress=False)
    assert faces.computed == 0 and faces.ids == out.ids
    assert {r.reason for r in faces.skipped} == set(reasons.values())
    cache, _ = face_stage(4, 32, cache_dir=tmp_path / "cache")
    assert len(list(cache.path_for(clips[0]).with_suffix("").glob("*.jpg"))) == 4


def test_flow_parameter_errors(tmp_path):
    with pytest.raises(ValueError, match="frames >= 2"):
        optical_flow([], frames=1, cache_dir=tmp_path, progress=False)
    with pytest.raises(ValueError, match="unknown optical flow method"):
        optical_flow([], method="lk", cache_dir=tmp_path, progress=False)
    empty = optical_flow([], frames=3, size=16, cache_dir=tmp_path, progress=False)
    assert empty.data.shape == (0, 2, 16, 16, 2)


def test_cli_runs_every_stage_twice_with_progress_bars(tmp_path):
    from click.testing import CliRunner

    from emobench.cli import main
    from emobench.datasets.synth import generate_corpus

    root = generate_corpus(tmp_path / "synth", actors=[3], emotions=(1, 3), width=320,
                           height=180, duration=1.0, progress=False)
    args = ["preprocess", "--dataset", "synth", "--data-root", str(root), "--stages",
            "audio,faces,flow", "--frames", "4", "--size", "32", "--cache-dir",
            str(tmp_path / "cache")]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    for bar in ("audio:emobase", "faces", "flow:dis"):
        assert f"{bar}: 100%" in first.output
    rows = {line.split()[0]: line.split() for line in first.output.splitlines()
            if line.startswith(("faces ", "flow "))}
    assert rows["faces"][1:4] == ["2", "0", "2"] and "2x4x32x32x3" in rows["faces"]
    assert rows["flow"][1:4] == ["2", "0", "2"] and "2x3x32x32x2" in rows["flow"]
    second = CliRunner().invoke(main, args + ["--no-progress"])
    computed = [line.split()[3] for line in second.output.splitlines()
                if line.startswith(("audio:emobase ", "faces ", "flow "))]
    assert computed == ["0", "0", "0"]
    bad = CliRunner().invoke(main, args + ["--flow-method", "farneback"])
    assert bad.exit_code != 0
    assert bad.output.strip() == ("Error: unknown optical flow method 'farneback'; choose from "
                                  "dis, tvl1")
