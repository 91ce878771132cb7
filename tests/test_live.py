"""The live predictor on generated streams (hops and spans, a face that vanishes, a silent gap,
offline == live) and on a real RAVDESS clip."""
from __future__ import annotations

import json

import numpy as np
import pytest

from emobench.live import DEFAULT_ENTRIES, LivePredictor
from emobench.live.sources import file_events, run


@pytest.fixture(scope="module")
def models():
    from emobench.zoo.fetch import load_pretrained

    return load_pretrained(DEFAULT_ENTRIES["audio"]), load_pretrained(DEFAULT_ENTRIES["video"])


@pytest.fixture(scope="module")
def clips(synth_scan):
    """Frames (BGR) and 16 kHz audio of four 1 s generated clips of different speakers."""
    out = []
    for clip in [c for c in synth_scan.clips if c.path.suffix == ".mp4"][:4]:
        events = list(file_events(clip.path, bgr=True))
        frames = [e[1] for e in events if e[0] == "video"]
        audio = np.concatenate([e[1] for e in events if e[0] == "audio"])
        out.append((frames, audio))
    return out


def _stream(clips, black=(), silent=(), fps=30, rate=16000, chunk=777):
    """Events of the clips one after another (clip i from i s), audio in odd-sized chunks;
    clips in ``black`` have black frames, in ``silent`` zero audio."""
    events = []
    for i, (frames, audio) in enumerate(clips):
        for k, frame in enumerate(frames):
            events.append((i + k / fps, "video", np.zeros_like(frame) if i in black else frame))
        audio = np.zeros_like(audio[:rate]) if i in silent else audio[:rate]
        for s in range(0, len(audio), chunk):
            events.append((i + s / rate, "audio", audio[s:s + chunk]))
    events.sort(key=lambda e: e[0])
    return [("video", e[2], e[0]) if e[1] == "video" else ("audio", e[2], rate, e[0])
            for e in events]


def _results(live, events):
    return [r for r, _ in run(live, events)]


def test_a_result_every_hop_over_sliding_windows(models, clips, monkeypatch):
    import emobench.live.branches as branches

    starts = []
    real_follow = branches.follow_face

    def spy(frame, settings, last):
        starts.append(last)
        return real_follow(frame, settings, last)

    monkeypatch.setattr(branches, "follow_face", spy)
    live = LivePredictor(*models)  # hop 0.5 s, windows 2.5 s
    results = _results(live, _stream(clips))[:-1]  # the last is the flush
    ends = [r.end for r in results]
    assert ends == pytest.approx(np.arange(1, len(ends) + 1) * 0.5)
    assert ends[-1] >= 3.5
    assert [r.start for r in results] == pytest.approx([max(0.0, e - 2.5) for e in ends])
    for r in results:
        assert r.audio is not None and r.video is not None, r.notes
        np.testing.assert_allclose(r.fused, (r.audio + r.video) / 2, atol=1e-6)
        assert {"face", "video_model", "audio_features", "audio_model", "fusion",
                "total"} <= set(r.latency_ms)
        assert r.face_box is not None
    # each frame on the sampling grid (one every 2.5 s / its frames) is tracked once, not once
    # per window it falls in, and from the previous face after the first; a window's newest
    # grid point may pick another frame once the next frames have come (one more a hop)
    stride = 2.5 / live.video.frames
    assert len(starts) <= int(np.ceil(ends[-1] / stride)) + len(results)
    assert len(results) * live.video.frames > 2 * len(starts)
    assert starts[0] is None and all(s is not None for s in starts[1:])


def _inside(r, a, b):
    return r.start >= a - 1e-9 and r.end <= b + 1e-6


def _outside(r, a, b):
    return r.end <= a + 1e-6 or r.start >= b - 1e-9


def test_video_abstains_while_the_face_is_gone(models, clips):
    live = LivePredictor(*models, hop=0.25, audio_window=0.75, video_window=0.75)
    results = _results(live, _stream(clips, black={1}))
    gone = [r for r in results if _inside(r, 1.0, 2.0)]
    seen = [r for r in results if _outside(r, 1.0, 2.0)]
    assert len(gone) >= 2 and len(seen) >= 4
    for r in gone:
        assert r.video is None and r.audio is not None
        np.testing.assert_array_equal(r.fused, r.audio.astype(np.float32))
        assert "fused = audio alone" in r.notes and r.face_box is None
    assert all(r.video is not None for r in seen)


def test_audio_abstains_in_a_silent_gap(models, clips):
    live = LivePredictor(*models, hop=0.25, audio_window=0.75, video_window=0.75)
    results = _results(live, _stream(clips, silent={2}))
    quiet = [r for r in results if _inside(r, 2.0, 3.0)]
    assert len(quiet) >= 2
    for r in quiet:
        assert r.audio is None and r.video is not None
        assert "audio abstains: silence" in r.notes
        np.testing.assert_array_equal(r.fused, r.video.astype(np.float32))
    # the first hop holds 0.25 s of audio, most of it the clip's leading silence: too little voice
    first, *rest = [r for r in results if _outside(r, 2.0, 3.0)]
    assert first.audio is not None or any("s of voice in" in n for n in first.notes)
    assert all(r.audio is not None for r in rest)


def test_neither_modality_gives_no_signal(models, clips):
    live = LivePredictor(*models, hop=0.25, audio_window=0.75, video_window=0.75)
    results = _results(live, _stream(clips, black={1}, silent={1}))
    empty = [r for r in results if _inside(r, 1.0, 2.0)]
    assert empty and all(r.fused is None and r.top is None for r in empty)
    assert all(any(n.startswith("no signal") for n in r.notes) for r in empty)
    assert all(r.to_dict()["prediction"] == "no signal" for r in empty)


def test_a_speaker_normalised_audio_entry_normalises_over_the_running_window(models, clips,
                                                                             monkeypatch):
    import emobench.preprocess.audio as sets  # speech_features calls its extract
    from emobench.live.branches import SPEAKER_MIN_WINDOWS, SPEAKER_WINDOWS

    audio, video = models
    info = audio.zoo_info
    assert info["options"]["speaker_norm"]  # the default audio entry is trained that way
    live = LivePredictor(audio, None, hop=0.25, audio_window=0.75)
    raws, inputs = [], []
    real_predict = live.audio.model.predict_proba
    monkeypatch.setattr(live.audio.model, "predict_proba",
                        lambda x: inputs.append(x) or real_predict(x))
    real_extract = sets.extract
    monkeypatch.setattr(sets, "extract",
                        lambda *a, **k: raws.append(real_extract(*a, **k)) or raws[-1])
    results = _results(live, _stream(clips))
    voiced = [r for r in results if r.audio is not None]
    assert len(voiced) == len(raws) == len(inputs) > SPEAKER_MIN_WINDOWS + 2
    mean, std = np.array(info["train_mean"]), np.array(info["train_std"])
    for i, (r, x) in enumerate(zip(voiced, inputs)):
        seen = np.stack(raws[max(0, i + 1 - SPEAKER_WINDOWS):i + 1]).astype(np.float64)
        if i + 1 < SPEAKER_MIN_WINDOWS:  # too few windows of the speaker: training statistics
            assert any("training statistics" in n for n in r.notes), r.notes
            expected = (raws[i] - mean) / np.where(std > 0, std, 1)
        else:
            assert any("speaker-normalised over" in n for n in r.notes), r.notes
            expected = (raws[i] - seen.mean(0)) / np.where(seen.std(0) > 1e-8, seen.std(0), 1)
        np.testing.assert_allclose(x[0], expected, rtol=1e-4, atol=1e-4)
    assert any("voiced windows" in n for n in live.notes)


def _offline_equals_live(path, models):
    from emobench.zoo.predict import predict_file

    audio, video = models
    live = LivePredictor(audio, video, hop=1000.0, audio_window=1000.0, video_window=1000.0)
    results = _results(live, file_events(path))
    assert len(results) == 1  # the flush: one window over the whole clip
    (r,) = results
    np.testing.assert_allclose(r.audio, predict_file(path, audio).probabilities, atol=1e-6)
    np.testing.assert_allclose(r.video, predict_file(path, video).probabilities, atol=1e-6)


def test_offline_equals_live_on_a_whole_generated_clip(models, synth_scan):
    _offline_equals_live(next(c.path for c in synth_scan.clips if c.path.suffix == ".mp4"),
                         models)


@pytest.fixture(scope="module")
def frame_model():
    """A small frame model on 48 px grayscale faces, as FER2013's (features ``face_images``),
    fitted for a step on random faces: what matters here is that live and offline feed it the
    same crops."""
    from emobench.harness.image_to_video import FACE_PREP
    from emobench.registry import create_model

    m = create_model("face_cnn", num_classes=7, input_shape=(48, 48, 1), seed=0,
                     filters=[8, 16], epochs=1, batch_size=8)
    rng = np.random.default_rng(0)
    m.fit(rng.integers(0, 256, (14, 48, 48, 1)).astype("float32"), np.arange(14) % 7)
    m.zoo_info = {"name": "face_cnn-face_images.test", "features": "face_images",
                  "preprocess": {**FACE_PREP, "frames": 8, "skip_start_s": 0.0}}
    return m


def test_a_frame_model_scores_the_mean_of_its_face_crops_live_as_offline(models, frame_model,
                                                                          clips, synth_scan):
    path = next(c.path for c in synth_scan.clips if c.path.suffix == ".mp4")
    _offline_equals_live(path, (models[0], frame_model))
    live = LivePredictor(models[0], frame_model, hop=0.25, audio_window=0.75,
                         video_window=0.75, video_frames=4)  # fewer crops a window than a clip
    results = _results(live, _stream(clips, black={1}))
    assert all(r.video is None for r in results if _inside(r, 1.0, 2.0))
    seen = [r for r in results if _outside(r, 1.0, 2.0)]
    assert seen and all(r.video is not None and r.video.shape == (7,) for r in seen)
    assert all(abs(float(r.video.sum()) - 1) < 1e-4 for r in seen)


def test_zoo_predictor_samples_fewer_crops_a_window_but_a_whole_clip_as_offline(synth_scan):
    from emobench.live.predictor import FRAME_MODEL_WINDOW_FRAMES
    from emobench.zoo.predict import predict_file

    live = LivePredictor.from_zoo(audio=None, hop=1000.0, video_window=1000.0)
    assert live.video.per_frame and live.video.window_frames == FRAME_MODEL_WINDOW_FRAMES
    assert live.video.frames > FRAME_MODEL_WINDOW_FRAMES  # the entry's 16 a clip
    path = next(c.path for c in synth_scan.clips if c.path.suffix == ".mp4")
    (r,) = _results(live, file_events(path))
    np.testing.assert_allclose(r.video, predict_file(path, live.video.model).probabilities,
                               atol=1e-6)


@pytest.fixture(scope="module")
def clip_model():
    """The zoo's C3D clip model (features ``faces``: 8 crops in, one clip's probabilities)."""
    from emobench.zoo.fetch import load_pretrained

    return load_pretrained("c3d-faces.synth_speaker-independent")


def test_a_clip_model_live_as_offline_and_over_sliding_windows(models, clip_model, clips,
                                                              synth_scan):
    path = next(c.path for c in synth_scan.clips if c.path.suffix == ".mp4")
    _offline_equals_live(path, (models[0], clip_model))
    results = _results(LivePredictor(models[0], clip_model), _stream(clips))
    assert len(results) >= 8 and all(r.video is not None for r in results)


def test_live_rejects_bad_input(models, clip_model):
    live = LivePredictor(*models)
    with pytest.raises(ValueError, match="uint8 BGR"):
        live.push_video(np.zeros((10, 10), np.uint8), 0.0)
    with pytest.raises(ValueError, match="needs an audio model"):
        LivePredictor(None, None)
    with pytest.raises(ValueError, match="a clip model takes 8 frames"):
        LivePredictor(models[0], clip_model, video_frames=4)


def test_cli_prints_one_json_line_per_hop_and_writes_the_video(synth_scan, tmp_path):
    from click.testing import CliRunner

    from emobench.cli import main

    path = next(c.path for c in synth_scan.clips if c.path.suffix == ".mp4")
    out = tmp_path / "annotated.mp4"
    res = CliRunner().invoke(main, ["live", str(path), "--fast", "--hop", "0.25",
                                    "--out", str(out)])
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in res.output.splitlines() if x.startswith("{")]
    assert [x["end"] for x in lines[:-1]] == pytest.approx([0.25, 0.5, 0.75])
    assert all(x["prediction"] in lines[0]["fused"] for x in lines)
    assert "decode" in lines[0]["latency_ms"]
    import cv2
    capture = cv2.VideoCapture(str(out))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 30
    res = CliRunner().invoke(main, ["live"])
    assert res.exit_code != 0 and "give a FILE or --camera N" in res.output


@pytest.mark.realdata
def test_live_on_a_real_ravdess_clip(models, real_data):
    clips = sorted((real_data / "ravdess-av" / "Actor_05").glob("01-01-*.mp4"))
    if not clips:
        pytest.skip("no ravdess-av/Actor_05 speech clips in EMOBENCH_DATA")
    path = clips[0]
    results = _results(LivePredictor(*models), file_events(path))
    ends = [r.end for r in results[:-1]]
    assert ends == pytest.approx(np.arange(1, len(ends) + 1) * 0.5) and len(ends) >= 5
    both = [r for r in results if r.audio is not None and r.video is not None]
    assert both, [r.notes for r in results]
    assert all(r.video is not None for r in results)  # a seated speaker facing the camera
    _offline_equals_live(path, models)


@pytest.mark.realdata
def test_live_frame_model_on_real_ravdess_and_rml_clips(models, frame_model, real_data):
    clips = sorted((real_data / "ravdess-av" / "Actor_05").glob("01-01-*.mp4"))[:1] + \
        sorted((real_data / "rml-sample").glob("*.avi"))[:1]
    if len(clips) < 2:
        pytest.skip("EMOBENCH_DATA lacks ravdess-av/Actor_05 or rml-sample clips")
    for path in clips:
        _offline_equals_live(path, (models[0], frame_model))
        results = _results(LivePredictor(models[0], frame_model), file_events(path))
        assert len(results) >= 6 and all(r.video is not None for r in results), path
