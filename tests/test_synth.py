"""The generated corpus: RAVDESS's layout and codecs, determinism, faces the Haar cascade finds,
speech-like voices, and emotions a classifier learns across actors."""
from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest

from emobench.datasets import load_dataset
from emobench.datasets.synth import generate_corpus
from emobench.labels import EMOTIONS
from emobench.preprocess.media import load_audio, sample_frames
from emobench.preprocess.opensmile_sets import extract, feature_names


def _wav_of(clip) -> Path:
    """The audio-only twin (03-...) of an AV clip (01-...)."""
    return clip.path.with_name("03" + clip.path.name[2:]).with_suffix(".wav")


def test_layout_names_and_scan(synth_corpus):
    scan = load_dataset("synth", synth_corpus)
    assert not scan.rejected
    assert scan.speakers() == ["01", "02", "03", "04"]
    assert sorted({c.emotion for c in scan.clips}) == sorted(EMOTIONS)
    assert len(scan.clips) == 4 * 7 and {c.modality for c in scan.clips} == {"av"}
    # the audio-only twins are there too, excluded only because the AV clips carry both streams
    assert len(scan.excluded) == 4 * 8 + 4 and all(_wav_of(c).is_file() for c in scan.clips)
    calm = [r for r in scan.excluded if "calm" in r.reason]
    assert len(calm) == 4  # one calm AV clip per actor
    audio = load_dataset("synth", synth_corpus, modalities=["audio"], include_calm=True)
    assert len(audio.clips) == 32 and {c.path.suffix for c in audio.clips} == {".wav"}
    doc = json.loads((synth_corpus / "corpus.json").read_text())
    assert doc["params"]["actors"] == [1, 2, 3, 4] and doc["files"] == 64


def test_default_clip_is_ravdess_like_h264_aac_720p(tmp_path):
    root = generate_corpus(tmp_path, actors=[7], emotions=["happy"], progress=False)
    mp4 = root / "Actor_07" / "01-01-03-02-01-01-07.mp4"
    wav = root / "Actor_07" / "03-01-03-02-01-01-07.wav"
    with av.open(str(mp4)) as box:
        video, audio = box.streams.video[0], box.streams.audio[0]
        assert video.codec_context.name == "h264" and (video.width, video.height) == (1280, 720)
        assert audio.codec_context.name == "aac" and audio.rate == 48000
        assert abs(float(video.average_rate) - 30) < 1e-6
        frames = sum(1 for _ in box.decode(video=0))
    assert frames == 60  # 2 s at 30 fps
    with av.open(str(wav)) as box:
        stream = box.streams.audio[0]
        assert stream.codec_context.name == "pcm_s16le" and stream.rate == 48000
        assert stream.channels == 1


def test_same_parameters_same_bytes_and_mismatch_refused(tmp_path):
    kwargs = dict(actors=[2], emotions=["sad"], width=160, height=96, duration=0.5,
                  progress=False)
    a = generate_corpus(tmp_path / "a", **kwargs)
    b = generate_corpus(tmp_path / "b", **kwargs)
    name = "Actor_02/03-01-04-02-01-01-02.wav"
    assert (a / name).read_bytes() == (b / name).read_bytes()
    other = generate_corpus(tmp_path / "c", **{**kwargs, "seed": 1})
    assert (other / name).read_bytes() != (a / name).read_bytes()
    with pytest.raises(ValueError, match="corpus made with seed=0, not 1"):
        generate_corpus(a, **{**kwargs, "seed": 1})
    mtime = (a / name).stat().st_mtime_ns
    generate_corpus(a, **kwargs)  # complete already: nothing rewritten
    assert (a / name).stat().st_mtime_ns == mtime


@pytest.mark.parametrize("bad, match", [
    (dict(actors=[25]), "actors"), (dict(emotions=["bored"]), "emotions"),
    (dict(width=321), "even sides"), (dict(fps=0), "fps"), (dict(intensities=(3,)), "intensities"),
])
def test_bad_parameters_are_one_line_errors(tmp_path, bad, match):
    with pytest.raises(ValueError, match=match):
        generate_corpus(tmp_path, **{"progress": False, **bad})


def test_haar_cascade_finds_the_face_in_nearly_every_frame(synth_scan):
    import cv2

    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    found = total = 0
    for clip in synth_scan.clips:
        for frame in sample_frames(clip.path, 6):
            grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
            found += len(cascade.detectMultiScale(grey, 1.05, 3, minSize=(30, 30))) > 0
            total += 1
    assert found / total >= 0.97, f"face found in {found} of {total} frames"


def test_voices_are_speech_like_and_follow_the_emotion(synth_scan):
    names = feature_names("emobase2010")
    feats = {}
    for clip in synth_scan.filter(speaker="01").clips:
        feats[clip.emotion] = dict(zip(names, extract(load_audio(_wav_of(clip), 16000),
                                                     "emobase2010")))
    neutral, angry, sad = feats["neutral"], feats["angry"], feats["sad"]
    assert 80 < neutral["F0final_sma_amean"] < 160  # actor 01 is male
    assert neutral["voicingFinalUnclipped_sma_amean"] > 0.5  # voiced
    assert neutral["F0final__Turn_numOnsets"] >= 2  # words separated by pauses
    assert angry["pcm_loudness_sma_amean"] > 1.5 * sad["pcm_loudness_sma_amean"]
    assert angry["F0final_sma_amean"] > sad["F0final_sma_amean"]


def test_audio_and_faces_are_learnable_across_actors(tmp_path):
    """Trained on 4 actors, scored on 2 held-out ones: both modalities beat chance (1/7) by far."""
    import cv2
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    root = generate_corpus(tmp_path, actors=6, width=320, height=180, duration=1.5,
                           intensities=(1, 2), progress=False)
    clips = load_dataset("synth", root).clips
    y = np.array([EMOTIONS.index(c.emotion) for c in clips])
    val = np.array([c.speaker in ("05", "06") for c in clips])
    voice = np.stack([extract(load_audio(_wav_of(c), 16000), "emobase") for c in clips])
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    faces = []
    for clip in clips:
        crops = []
        for frame in sample_frames(clip.path, 4)[2:]:  # the expression's apex
            grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
            boxes = cascade.detectMultiScale(grey, 1.05, 3, minSize=(30, 30))
            x, top, w, h = max(boxes, key=lambda b: b[2] * b[3])
            crops.append(cv2.resize(grey[top:top + h, x:x + w], (24, 24)).ravel() / 255.0)
        faces.append(np.mean(crops, axis=0))
    faces = np.array(faces)
    audio_acc = (make_pipeline(StandardScaler(), SVC()).fit(voice[~val], y[~val])
                 .predict(voice[val]) == y[val]).mean()
    face_acc = (make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
                .fit(faces[~val], y[~val]).predict(faces[val]) == y[val]).mean()
    assert audio_acc > 0.35 and face_acc > 0.35, (audio_acc, face_acc)


def test_cli_data_synth_and_info(tmp_path):
    from click.testing import CliRunner

    from emobench.cli import main

    out = tmp_path / "corpus"
    made = CliRunner().invoke(main, ["data", "synth", "--out", str(out), "--actors", "2",
                                     "--width", "160", "--height", "96", "--duration", "0.5",
                                     "--no-progress"])
    assert made.exit_code == 0, made.output
    assert "16 .mp4 + 16 .wav" in made.output
    (out / "Actor_01" / "01-01-03-02-01-01-09.mp4").write_bytes(b"x")  # wrong actor folder
    info = CliRunner().invoke(main, ["data", "info", str(out)])
    assert info.exit_code == 0, info.output
    assert "synth at" in info.output and "14 clips, 2 speakers, 1 rejected" in info.output
    assert "actor 09 in the name but folder Actor_01" in info.output
    bad = CliRunner().invoke(main, ["data", "synth", "--out", str(out), "--actors", "30"])
    assert bad.exit_code != 0 and "actors" in bad.output and "Traceback" not in bad.output
