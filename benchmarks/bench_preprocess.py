"""Preprocessing speed at RAVDESS's size (the generated corpus at 1280x720 H.264, 3.5 s clips):

    .venv/bin/python -m pytest benchmarks/bench_preprocess.py --benchmark-only

- decode: 16 evenly spaced frames of a clip (every frame is decoded), PyAV with its own
  threads and with one thread;
- face detection + crop on decoded 720p frames, per detector, OpenCV on one thread (per core),
  with recall against where the corpus drew the face, next to full-frame Haar on every frame;
- the whole face stage (decode, detect, crop, JPEGs, cache) per clip;
- optical flow per frame pair of face crops (DIS, TV-L1) at 112 and 224 px;
- openSMILE per clip (AAC decode included) for each feature set.

pytest-benchmark's table gives seconds per round; the derived figures (frames/s, ms per pair,
recall) are printed in a table after it.
"""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from emobench.datasets.synth import actor_profile
from emobench.preprocess.faces import crop_face, face_crops, smooth_boxes
from emobench.preprocess.media import sample_frames, video_info
from emobench.preprocess.tracking import DetectorSettings, track_face

FRAMES = 16


@pytest.fixture(scope="module", autouse=True)
def one_core():
    """OpenCV on one thread, so detection and flow figures are per core."""
    before = cv2.getNumThreads()
    cv2.setNumThreads(1)
    yield
    cv2.setNumThreads(before)


@pytest.fixture(scope="module")
def sampled(corpus_720p) -> list[np.ndarray]:
    """The 16 sampled RGB frames of every clip, decoded once."""
    return [sample_frames(c.path, FRAMES) for c in corpus_720p.clips]


def mean_seconds(benchmark) -> float:
    stats = getattr(benchmark, "stats", None)
    if stats is None:
        pytest.skip("benchmarking is disabled")
    return stats.stats.mean


def on_face(boxes: np.ndarray, found: np.ndarray, clip, width: int = 1280,
            height: int = 720) -> np.ndarray:
    """Frames whose face was found on the face the corpus drew: centre within a quarter of the
    face's height of its centre, side between half and 1.5 times its height."""
    look, _ = actor_profile(clip.fields["actor"], seed=0)
    where, face_h = np.array(look.center) * (width, height), look.size * height
    centres = boxes[:, :2] + boxes[:, 2:] / 2
    sides = boxes[:, 2:].max(axis=1)
    return (found & (np.abs(centres - where).max(axis=1) < 0.25 * face_h)
            & (sides > 0.5 * face_h) & (sides < 1.5 * face_h))


def recall(results, clips) -> float:
    hits = [on_face(boxes, found, clip) for (boxes, found), clip in zip(results, clips)]
    return float(np.mean(np.concatenate(hits)))


@pytest.mark.benchmark(group="decode")
def test_decode_720p(benchmark, corpus_720p, figure):
    path = corpus_720p.clips[0].path
    n = video_info(path)[0]
    benchmark.pedantic(sample_frames, args=(path, FRAMES), rounds=5, warmup_rounds=1)
    t = mean_seconds(benchmark)
    figure("decode 720p H.264, PyAV threads", f"{n} frames, {FRAMES} as RGB",
           f"{n / t:.0f} frames/s ({FRAMES / t:.0f} sampled/s)")


def _decode_one_thread(path, keep: set[int]) -> int:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_count = 1
        for i, frame in enumerate(container.decode(stream)):
            if i in keep:
                frame.to_ndarray(format="rgb24")
    return i + 1


@pytest.mark.benchmark(group="decode")
def test_decode_720p_one_thread(benchmark, corpus_720p, figure):
    from emobench.preprocess.media import evenly_spaced

    path = corpus_720p.clips[0].path
    n = video_info(path)[0]
    keep = set(evenly_spaced(n, FRAMES).tolist())
    benchmark.pedantic(_decode_one_thread, args=(path, keep), rounds=5, warmup_rounds=1)
    t = mean_seconds(benchmark)
    figure("decode 720p H.264, one thread", f"{n} frames, {FRAMES} as RGB",
           f"{n / t:.0f} frames/s ({FRAMES / t:.0f} sampled/s)")


def _tensorflow_on_one_thread() -> None:
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # TensorFlow already started in this process: its threads stay
        pass


def _detect_and_crop(videos, settings: DetectorSettings, size: int = 112):
    results = []
    for video in videos:
        boxes, found = track_face(video, settings)
        for frame, box in zip(video, smooth_boxes(boxes)):
            crop_face(frame, box, size)
        results.append((boxes, found))
    return results


@pytest.mark.benchmark(group="faces")
@pytest.mark.parametrize("detector", ["haar", "mtcnn"])
def test_face_detect_and_crop_720p(benchmark, sampled, corpus_720p, figure, detector):
    if detector == "mtcnn":
        pytest.importorskip("mtcnn", reason="the optional mtcnn package is not installed")
        _tensorflow_on_one_thread()
    settings = DetectorSettings(detector)
    rounds = 3 if detector == "haar" else 1
    results = benchmark.pedantic(_detect_and_crop, args=(sampled, settings), rounds=rounds,
                                 warmup_rounds=1)
    frames = sum(len(v) for v in sampled)
    figure("face detect+crop 112 px, 720p, one core", f"{detector}, followed",
           f"{frames / mean_seconds(benchmark):.0f} frames/s, recall "
           f"{recall(results, corpus_720p.clips):.3f} of {frames}")


def _full_frame_haar(videos):
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    results = []
    for video in videos:
        boxes, found = np.zeros((len(video), 4), np.int64), np.zeros(len(video), bool)
        for i, frame in enumerate(video):
            faces = cascade.detectMultiScale(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY))
            if len(faces):
                boxes[i], found[i] = faces[np.argmax(faces[:, 2] * faces[:, 3])], True
        results.append((boxes, found))
    return results


@pytest.mark.benchmark(group="faces")
def test_full_frame_haar_on_every_frame_720p(benchmark, sampled, corpus_720p, figure):
    results = benchmark.pedantic(_full_frame_haar, args=(sampled,), rounds=1)
    frames = sum(len(v) for v in sampled)
    figure("face detect, 720p, one core", "haar, full frame (baseline)",
           f"{frames / mean_seconds(benchmark):.1f} frames/s, recall "
           f"{recall(results, corpus_720p.clips):.3f} of {frames}")


@pytest.mark.benchmark(group="faces")
def test_face_stage_720p(benchmark, corpus_720p, tmp_path_factory, figure):
    clips = corpus_720p.clips[:4]
    video_frames = sum(video_info(c.path)[0] for c in clips)

    def run():
        return face_crops(clips, frames=FRAMES, size=112, progress=False,
                          cache_dir=tmp_path_factory.mktemp("faces"))

    out = benchmark.pedantic(run, rounds=3)
    assert out.computed == len(clips) and not out.skipped
    t = mean_seconds(benchmark) / len(clips)
    figure("face stage (decode..cache), 720p", "haar, 16 frames, 112 px",
           f"{t:.3f} s/clip: {FRAMES / t:.0f} sampled frames/s, "
           f"{video_frames / len(clips) / t:.0f} video frames/s")


@pytest.fixture(scope="module")
def crops(sampled) -> dict[int, np.ndarray]:
    """Face crops of the first clip at 112 and 224 px."""
    boxes, _ = track_face(sampled[0])
    steady = smooth_boxes(boxes)
    return {size: np.stack([crop_face(f, b, size) for f, b in zip(sampled[0], steady)])
            for size in (112, 224)}


@pytest.mark.benchmark(group="flow")
@pytest.mark.parametrize("size", [112, 224])
@pytest.mark.parametrize("method", ["dis", "tvl1"])
def test_flow_per_frame_pair(benchmark, crops, figure, method, size):
    from emobench.preprocess.flow import compute_flow

    rounds = {"dis": 10, "tvl1": 3 if size == 112 else 1}[method]
    flow = benchmark.pedantic(compute_flow, args=(crops[size], method), rounds=rounds,
                              warmup_rounds=1)
    pairs = len(flow)
    figure("optical flow per pair, one core", f"{method}, {size} px",
           f"{mean_seconds(benchmark) / pairs * 1000:.1f} ms/pair")


@pytest.mark.benchmark(group="opensmile")
@pytest.mark.parametrize("feature_set", ["emobase", "emobase2010", "emo_large"])
def test_opensmile_per_clip(benchmark, corpus_720p, figure, feature_set):
    from emobench.preprocess.audio import clip_audio_features

    clip = corpus_720p.clips[0]
    out = benchmark.pedantic(clip_audio_features, args=(clip, feature_set), rounds=3,
                             warmup_rounds=1)
    figure("openSMILE per clip (AAC decode incl.)", f"{feature_set}, "
           f"{float(out['seconds']):.1f} s clip", f"{mean_seconds(benchmark):.3f} s/clip")
