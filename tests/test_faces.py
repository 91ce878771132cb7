"""The face stage: detection on a real photograph (both detectors), cropping, following a face
through frames, the cached batch stage on the generated corpus (crops on the known faces, JPEGs,
reruns free, keying), every bad-input case, resume after a kill, and the real RML clips."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from emobench.datasets.clip import Clip
from emobench.preprocess.faces import (DetectorSettings, crop_face, detect_face, face_crop,
                                       face_crops, face_stage, smooth_boxes, track_face)
from emobench.preprocess.tracking import check_detector, fill_gaps, search_near
from media_samples import truncated_copy, write_video, write_wav

ASTRONAUT_FACE = (224, 116)  # centre of Eileen Collins's face in skimage's astronaut, pixels


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    from skimage import data

    return data.astronaut()  # 512x512 uint8 RGB


def centre(box) -> np.ndarray:
    x, y, w, h = box
    return np.array([x + w / 2, y + h / 2])


def on_canvas(image: np.ndarray, x: int, y: int, size=(720, 1280), scale: float = 1.0):
    """``image`` scaled by ``scale`` and pasted at (x, y) onto a grey canvas."""
    canvas = np.full((*size, 3), 128, np.uint8)
    img = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    canvas[y:y + img.shape[0], x:x + img.shape[1]] = img[:size[0] - y, :size[1] - x]
    return canvas


@pytest.mark.parametrize("detector", ["haar", "mtcnn"])
def test_a_real_face_is_found_and_cropped(astronaut, detector):
    if detector == "mtcnn":
        pytest.importorskip("mtcnn", reason="the optional mtcnn package is not installed")
    box = detect_face(astronaut, detector)
    assert box is not None
    assert np.abs(centre(box) - ASTRONAUT_FACE).max() < 20 and 70 < max(box[2:]) < 130
    crop = face_crop(astronaut, 64, detector)
    assert crop.shape == (64, 64, 3) and crop.dtype == np.uint8
    # the crop is the face: found again, filling most of it
    again = detect_face(cv2.resize(crop, (256, 256)), detector)
    assert again is not None and max(again[2:]) > 256 * 0.6
    assert np.abs(centre(again) - 128).max() < 30


def test_boxes_are_in_the_frames_pixels_on_a_720p_frame(astronaut):
    frame = on_canvas(astronaut, 500, 10, scale=700 / 512)  # face ~130 px at about (806, 168)
    box = detect_face(frame)
    expected = np.array([500, 10]) + np.array(ASTRONAUT_FACE) * 700 / 512
    assert box is not None and np.abs(centre(box) - expected).max() < 25


def test_no_face_and_bad_images():
    rng = np.random.default_rng(0)
    assert detect_face(np.full((240, 320, 3), 90, np.uint8)) is None
    assert face_crop(rng.integers(0, 255, (240, 320, 3), dtype=np.uint8)) is None
    with pytest.raises(ValueError, match="uint8 RGB"):
        detect_face(np.zeros((240, 320), np.uint8))
    with pytest.raises(ValueError, match="unknown face detector 'dlib'; choose from haar, mtcnn"):
        detect_face(np.zeros((240, 320, 3), np.uint8), "dlib")


def test_missing_mtcnn_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "mtcnn", None)  # makes `import mtcnn` fail
    with pytest.raises(ValueError, match=r"pip install 'emobench\[mtcnn\]'"):
        check_detector("mtcnn")


def test_crop_face_resizes_and_pads_with_the_edge():
    img = np.arange(100 * 120 * 3, dtype=np.uint32).reshape(100, 120, 3).astype(np.uint8)
    inside = crop_face(img, (40, 30, 20, 20), size=20, margin=0.0)
    np.testing.assert_array_equal(inside, img[30:50, 40:60])
    corner = crop_face(img, (-10, -10, 30, 30), size=30, margin=0.0)
    assert corner.shape == (30, 30, 3)
    np.testing.assert_array_equal(corner[10:, 10:], img[:20, :20])
    np.testing.assert_array_equal(corner[:10, 10], np.repeat(img[:1, 0], 10, axis=0))
    with pytest.raises(ValueError, match="outside"):
        crop_face(img, (500, 500, 20, 20))


def test_a_face_is_followed_and_gaps_take_the_nearest_box(astronaut):
    frames = [on_canvas(astronaut, 300 + 12 * i, 10, scale=700 / 512) for i in range(6)]
    frames[2] = np.full_like(frames[0], 128)  # the face is gone in one frame
    boxes, found = track_face(frames)
    assert found.tolist() == [True, True, False, True, True, True]
    np.testing.assert_array_equal(boxes[2], boxes[1])  # a tie goes to the earlier frame
    xs = np.array([centre(b)[0] for b in boxes])[found]
    np.testing.assert_allclose(np.diff(xs), [12, 24, 12, 12], atol=8)
    # near the last face only: a last box far from the face finds nothing there
    assert search_near(frames[3], tuple(boxes[3]), DetectorSettings()) is not None
    assert search_near(frames[3], (1000, 500, 150, 150), DetectorSettings()) is None


def test_fill_gaps_and_smoothing():
    boxes = np.array([[0, 0, 0, 0], [10, 10, 20, 20], [0, 0, 0, 0], [0, 0, 0, 0], [50, 0, 20, 20]])
    found = np.array([False, True, False, False, True])
    filled = fill_gaps(boxes, found)
    assert filled[:, 0].tolist() == [10, 10, 10, 50, 50]
    assert (fill_gaps(boxes, np.zeros(5, bool)) == boxes).all()
    steady = smooth_boxes(np.array([[100, 100, 50, 50]] * 4))
    assert steady.tolist() == [[100, 100, 50, 50]] * 4
    jitter = np.array([[100 + 6 * (-1) ** i, 100, 50, 50] for i in range(9)])
    assert np.ptp(smooth_boxes(jitter, 3)[1:-1, 0]) < np.ptp(jitter[:, 0]) / 2
    breathing = np.array([[100, 100, s, s] for s in (50, 60, 70, 60, 64)])
    steadied = smooth_boxes(breathing, 1)
    assert (steadied[:, 2:] == 60).all()  # one side per clip: the median
    np.testing.assert_array_equal(centre(steadied.T), centre(breathing.T).round())


def true_face(clip: Clip, width: int, height: int) -> tuple[np.ndarray, float]:
    """Where the generated corpus drew the actor's face: centre (pixels) and height."""
    from emobench.datasets.synth import actor_profile

    look, _ = actor_profile(clip.fields["actor"], seed=0)
    return np.array(look.center) * (width, height), look.size * height


def test_face_crops_on_the_generated_corpus(synth_scan, tmp_path):
    clips = synth_scan.clips[::4]
    out = face_crops(clips, frames=6, size=48, cache_dir=tmp_path, progress=False)
    assert out.stage == "faces" and out.ids == [c.clip_id for c in clips] and not out.skipped
    assert out.data.shape == (len(clips), 6, 48, 48, 3) and out.data.dtype == np.uint8
    cache, _ = face_stage(6, 48, cache_dir=tmp_path)
    found = []
    for clip, crops in zip(clips, out.data):
        arrays = cache.load(clip)
        found.append(arrays["found"])
        where, face_h = true_face(clip, 480, 270)
        for box in arrays["boxes"]:  # found or reused from the nearest frame: on the face
            assert np.abs(centre(box) - where).max() < 0.25 * face_h
            assert 0.5 * face_h < max(box[2:]) < 1.5 * face_h  # Haar's box takes in the ears
        jpegs = sorted(cache.path_for(clip).with_suffix("").glob("*.jpg"))
        assert [p.name for p in jpegs] == [f"{i:02d}.jpg" for i in range(6)]
        decoded = np.stack([cv2.cvtColor(cv2.imread(str(p)), cv2.COLOR_BGR2RGB) for p in jpegs])
        assert np.abs(decoded.astype(int) - crops).mean() < 4
    assert np.mean(found) > 0.9  # full-frame Haar finds ~97% of them
    params = json.loads((cache.dir / "params.json").read_text())["params"]
    assert params["detector"]["detector"] == "haar" and params["frames"] == 6
    again = face_crops(clips, frames=6, size=48, cache_dir=tmp_path, progress=False)
    assert again.computed == 0
    np.testing.assert_array_equal(again.data, out.data)
    bigger = face_crops(clips[:2], frames=6, size=64, cache_dir=tmp_path, progress=False)
    assert bigger.computed == 2 and bigger.data.shape == (2, 6, 64, 64, 3)
    other = face_crops(clips[:1], frames=6, size=48, cache_dir=tmp_path, progress=False,
                       detector=DetectorSettings(min_neighbors=3))
    assert other.computed == 1


def test_parallel_face_crops_equal_serial(synth_scan, tmp_path):
    clips = synth_scan.clips[1:4]
    serial = face_crops(clips, frames=4, size=32, cache_dir=tmp_path / "a", progress=False)
    parallel = face_crops(clips, frames=4, size=32, cache_dir=tmp_path / "b", jobs=2,
                          progress=False)
    assert parallel.ids == serial.ids
    np.testing.assert_array_equal(parallel.data, serial.data)


def write_faststart_cut(path: Path) -> Path:
    """An .mp4 whose index is at the front but whose second half of frames is cut off."""
    full = path.with_name("faststart.mp4")
    with av.open(str(full), "w", options={"movflags": "faststart"}) as out:
        vs = out.add_stream("libx264", rate=25)
        vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
        for i in range(50):
            img = np.random.default_rng(i).integers(0, 255, (48, 64, 3), dtype=np.uint8)
            out.mux(vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        out.mux(vs.encode(None))
    return truncated_copy(full, path, 0.5)


def write_frames(path: Path, frames: list[np.ndarray], fps: int = 10) -> Path:
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=fps)
        vs.height, vs.width = frames[0].shape[:2]
        vs.pix_fmt = "yuv420p"
        for img in frames:
            out.mux(vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        out.mux(vs.encode(None))
    return path


BAD = {  # file name: expected reason
    "truncated.mp4": "unreadable or corrupt",
    "cut_frames.mp4": "truncated: ",
    "voice.wav": "no video stream",
    "zero_frames.avi": "video stream has zero frames",
    "notes.mp4": "unreadable or corrupt",
    "empty.mp4": "empty file (0 bytes)",
    "missing.mp4": "no such file",
    "no_face.mp4": "no face found in any of the 4 sampled frames",
}


def test_bad_inputs_are_skipped_with_a_reason_and_the_rest_completes(synth_scan, tmp_path):
    d = tmp_path / "media"
    d.mkdir()
    truncated_copy(synth_scan.clips[0].path, d / "truncated.mp4", 0.5)
    write_faststart_cut(d / "cut_frames.mp4")
    write_wav(d / "voice.wav", 1.0)
    write_video(d / "zero_frames.avi", 1.0, frames=0)
    (d / "notes.mp4").write_text("a text file renamed to .mp4\n" * 20)
    (d / "empty.mp4").write_bytes(b"")
    write_video(d / "no_face.mp4", 1.0, size=(160, 120))
    good = synth_scan.clips[0]
    clips = [good] + [Clip(d / name, "happy", "01", "t", "av", name) for name in BAD]
    out = face_crops(clips, frames=4, size=32, cache_dir=tmp_path / "cache", progress=False)
    assert out.ids == [good.clip_id] and out.data.shape == (1, 4, 32, 32, 3)
    reasons = {r.path.name: r.reason for r in out.skipped}
    assert set(reasons) == set(BAD)
    for name, reason in BAD.items():
        assert reasons[name].startswith(reason) and "\n" not in reasons[name], name
    manifest = (tmp_path / "cache" / "skipped.jsonl").read_text().splitlines()
    assert len(manifest) == len(BAD) and json.loads(manifest[0])["stage"] == "faces"
    again = face_crops(clips, frames=4, size=32, cache_dir=tmp_path / "cache", progress=False)
    assert again.computed == 0 and len(again.skipped) == len(BAD)
    assert len((tmp_path / "cache" / "skipped.jsonl").read_text().splitlines()) == len(BAD)


def test_frames_without_a_face_reuse_the_nearest_box(astronaut, tmp_path):
    face = on_canvas(astronaut, 40, 0, size=(240, 320), scale=240 / 512)
    blank = np.full_like(face, 128)
    path = write_frames(tmp_path / "half.mp4", [face] * 4 + [blank] * 4)
    clip = Clip(path, "happy", "01", "t", "av", "half")
    out = face_crops([clip], frames=4, size=32, cache_dir=tmp_path, progress=False)
    arrays = face_stage(4, 32, cache_dir=tmp_path)[0].load(clip)
    assert out.ids == ["half"] and arrays["found"].tolist() == [True, True, False, False]
    assert (arrays["boxes"][2:] == arrays["boxes"][1]).all()


KILLED_RUN = """
import sys, time
from pathlib import Path
from emobench.datasets import load_dataset
import emobench.preprocess.faces as faces

real = faces.video_faces
def slow(*args, **kwargs):
    time.sleep(0.2)
    return real(*args, **kwargs)
faces.video_faces = slow
clips = load_dataset("synth", sys.argv[1]).clips[:10]
faces.face_crops(clips, frames=4, size=32, cache_dir=sys.argv[2], progress=False)
"""


def test_a_killed_run_resumes(synth_corpus, synth_scan, tmp_path):
    clips = synth_scan.clips[:10]
    cache, _ = face_stage(4, 32, cache_dir=tmp_path)
    proc = subprocess.Popen([sys.executable, "-c", KILLED_RUN, str(synth_corpus), str(tmp_path)])
    deadline = time.monotonic() + 90
    while len(list(cache.dir.rglob("*.npz"))) < 2 and time.monotonic() < deadline:
        assert proc.poll() is None, "the stage finished before it could be killed"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = {p: p.stat().st_mtime_ns for p in cache.dir.rglob("*.npz")}
    assert 2 <= len(done) < len(clips)
    out = face_crops(clips, frames=4, size=32, cache_dir=tmp_path, progress=False)
    assert out.computed == len(clips) - len(done) and out.ids == [c.clip_id for c in clips]
    assert all(p.stat().st_mtime_ns == t for p, t in done.items())
    assert all(len(list(cache.path_for(c).with_suffix("").glob("*.jpg"))) == 4 for c in clips)


def test_cli_rejects_an_unknown_detector(synth_corpus):
    from click.testing import CliRunner

    from emobench.cli import main

    result = CliRunner().invoke(main, ["preprocess", "--data-root", str(synth_corpus),
                                       "--stages", "audio,faces", "--detector", "dlib"])
    assert result.exit_code != 0
    assert result.output.strip() == ("Error: unknown face detector 'dlib'; choose from haar, "
                                     "mtcnn")


@pytest.mark.realdata
def test_every_sampled_frame_of_the_real_rml_clips_has_its_face(real_data, tmp_path):
    from emobench.datasets import load_dataset

    scan = load_dataset("rml", real_data / "rml-sample")
    assert len(scan.clips) == 11
    out = face_crops(scan.clips, frames=16, size=64, cache_dir=tmp_path, progress=False)
    assert len(out.ids) == 11 and not out.skipped
    cache, _ = face_stage(16, 64, cache_dir=tmp_path)
    for clip in scan.clips:
        arrays = cache.load(clip)
        assert arrays["found"].all(), clip.clip_id
        sides = arrays["boxes"][:, 2:].max(axis=1)
        assert 80 < sides.min() and sides.max() < 240  # a head-and-shoulders shot at 320x240
