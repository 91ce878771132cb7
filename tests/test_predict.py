"""``emobench predict``: one file through a shipped entry's own preprocessing and model, and a
one-line error for every file it cannot use."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from emobench.cli import main
from emobench.zoo import Manifest, PredictError, ZooError, load_pretrained, predict_file
from media_samples import write_video, write_wav


def _shipped(model: str, features: str) -> str:
    return next(e.name for e in Manifest.packaged() if (e.model, e.features) == (model, features))


@pytest.fixture(scope="module")
def audio_model():
    return load_pretrained(_shipped("audio_svm", "emobase"))


@pytest.fixture(scope="module")
def video_model():
    return load_pretrained(_shipped("c3d", "faces"))


def _clip(root: Path, suffix: str) -> Path:
    """Actor 2's happy clip (``01-01-03-...mp4`` audio-visual, ``03-01-03-...wav`` audio)."""
    return next(root.glob(f"Actor_02/0?-01-03-*{suffix}"))


def test_an_entry_from_before_silence_trimming_is_fed_untrimmed(audio_model, synth_corpus):
    from emobench.preprocess.media import load_audio
    from emobench.preprocess.opensmile_sets import extract
    from emobench.zoo.predict import model_input

    wav = _clip(synth_corpus, ".wav")
    info = dict(audio_model.zoo_info)
    old = {**info, "preprocess": {k: v for k, v in info["preprocess"].items() if k != "trim_db"}}
    untrimmed = extract(load_audio(wav, 16000), "emobase")
    np.testing.assert_array_equal(model_input(wav, old)[0][0], untrimmed)
    assert not np.array_equal(model_input(wav, info)[0][0], untrimmed)


def test_audio_entry_follows_its_training_preprocessing(audio_model, synth_corpus):
    from emobench.preprocess.audio import speech_features
    from emobench.preprocess.media import load_audio

    wav = _clip(synth_corpus, ".wav")
    pred = predict_file(wav, audio_model)
    trim_db = audio_model.zoo_info["preprocess"]["trim_db"]  # the stage's, at training
    assert trim_db
    expected = audio_model.predict_proba(
        speech_features(load_audio(wav, 16000), "emobase", 16000, trim_db)[None])[0]
    np.testing.assert_array_equal(pred.probabilities, expected)
    assert pred.labels == list(audio_model.labels) and len(pred.labels) == 7
    assert pred.probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    assert pred.top == pred.labels[int(np.argmax(expected))] and not pred.notes
    from_video = predict_file(_clip(synth_corpus, ".mp4"), audio_model)  # its sound track
    assert from_video.probabilities.shape == (7,)


def test_video_entry_follows_its_training_preprocessing(video_model, synth_corpus):
    from emobench.preprocess.faces import video_faces

    info = video_model.zoo_info["preprocess"]
    assert (info["frames"], info["size"]) == tuple(video_model.input_shape[:2])
    mp4 = _clip(synth_corpus, ".mp4")
    pred = predict_file(mp4, video_model)
    crops = video_faces(mp4, frames=info["frames"], size=info["size"])["data"]
    np.testing.assert_array_equal(pred.probabilities, video_model.predict_proba(crops[None])[0])


def test_predict_cli_prints_probabilities_and_json(synth_corpus):
    name = _shipped("audio_svm", "emobase")
    wav = _clip(synth_corpus, ".wav")
    text = CliRunner().invoke(main, ["predict", str(wav), "--model", name])
    assert text.exit_code == 0, text.output
    lines = text.output.strip().splitlines()
    assert lines[0].startswith(str(wav)) and lines[-1].startswith("prediction: ")
    assert len(lines) == 9  # header, 7 emotions, prediction
    out = CliRunner().invoke(main, ["predict", str(wav), "--model", name, "--json"])
    data = json.loads(out.output)
    assert data["model"] == name and sum(data["probabilities"].values()) == \
        pytest.approx(1.0, abs=1e-4)
    assert data["prediction"] == max(data["probabilities"], key=data["probabilities"].get)


def test_files_it_cannot_use_get_one_line_errors(video_model, audio_model, tmp_path):
    not_media = tmp_path / "notes.mp4"
    not_media.write_text("not a video")
    no_face = write_video(tmp_path / "blank.mp4", seconds=1.0, size=(160, 96))
    silent = write_video(tmp_path / "silent.mp4", seconds=1.0, audio=False)
    wav = write_wav(tmp_path / "voice.wav")
    cases = [(tmp_path / "missing.wav", audio_model, "no such file"),
             (not_media, audio_model, "unreadable or corrupt"),
             (silent, audio_model, "no audio stream"),
             (wav, video_model, "no video stream"),
             (no_face, video_model, "no face found")]
    for path, model, reason in cases:
        with pytest.raises(PredictError) as err:
            predict_file(path, model)
        message = str(err.value)
        assert "\n" not in message and str(path) in message and reason in message, message


def test_cli_errors_name_the_file_or_the_entry(tmp_path):
    result = CliRunner().invoke(main, ["predict", str(tmp_path / "x.wav"), "--model",
                                       _shipped("audio_svm", "emobase")])
    assert result.exit_code == 1 and "x.wav: no such file" in result.output
    wav = write_wav(tmp_path / "voice.wav")
    result = CliRunner().invoke(main, ["predict", str(wav), "--model", "nope.none_none"])
    assert result.exit_code == 1 and "no zoo entry 'nope.none_none'" in result.output
    with pytest.raises(ZooError, match="not a zoo model"):
        from emobench import create_model

        predict_file(wav, create_model("audio_svm", input_shape=(988,)))


@pytest.mark.realdata
def test_shipped_audio_entry_reproduces_its_card_on_real_held_out_actors(real_data):
    """The shipped audio_svm weights (trained on every actor) score on the RAVDESS clips,
    preprocessed as predict does, exactly what their card says."""
    from emobench.datasets import load_dataset
    from emobench.harness.data import labels_of
    from emobench.preprocess.audio import audio_features

    root = real_data / "ravdess-speech"
    if not root.is_dir():
        pytest.skip(f"{root} is absent")
    model = load_pretrained(_shipped("audio_svm", "emobase"))
    held_out = model.zoo_entry.metrics["train"]  # no speaker held out: the training score
    clips = load_dataset("ravdess", root).clips
    out = audio_features(clips, "emobase", progress=False)
    labels = labels_of(clips)
    y = np.array([labels[i] for i in out.ids])
    assert len(y) == held_out["clips"]
    assert (model.predict(out.data) == y).mean() == pytest.approx(held_out["accuracy"])
    one = next(c for c in clips if c.clip_id == out.ids[0])
    np.testing.assert_allclose(predict_file(one.path, model).probabilities,
                               model.predict_proba(out.data[:1])[0], rtol=0, atol=1e-6)
