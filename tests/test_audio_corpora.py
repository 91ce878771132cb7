"""Issue 14's audio side: speaker normalisation, the EmoDB and label-folder adapters, bad
audio skipped with its reason, and a harness run with --speaker-norm both and a cross corpus."""
from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from emobench.datasets import describe, detect_layout, load_dataset
from emobench.datasets.clip import Clip
from emobench.preprocess.speaker_norm import RunningSpeakerNorm, speaker_standardize
from media_samples import write_wav


def test_speaker_standardize_uses_each_speakers_own_clips():
    rng = np.random.default_rng(0)
    a, b = rng.normal(5, 2, (6, 4)), rng.normal(-3, 0.5, (4, 4))
    x = np.vstack([a, b]).astype(np.float32)
    out = speaker_standardize(x, ["a"] * 6 + ["b"] * 4)
    for rows in (slice(0, 6), slice(6, 10)):
        np.testing.assert_allclose(out[rows].mean(0), 0, atol=1e-5)
        np.testing.assert_allclose(out[rows].std(0), 1, atol=1e-4)
    np.testing.assert_allclose(out[6:], speaker_standardize(b, ["b"] * 4), atol=1e-6)
    with pytest.raises(ValueError, match="speaker 'c' has 1 clip"):
        speaker_standardize(x[:3], ["a", "a", "c"])


def test_speaker_standardize_scales_tiny_units_for_every_speaker_and_zeroes_constants():
    # openSMILE has real features around 1e-9 (emobase's intensity deltas): each speaker's
    # column must come out with unit spread whatever its units, or a model's own scaler blows
    # the unscaled speaker's residue up (EmoDB once all went to one class that way)
    rng = np.random.default_rng(1)
    tiny = np.concatenate([rng.normal(0, 3e-9, 8), rng.normal(0, 4e-8, 8)])
    constant = np.full(16, 0.1, np.float32)  # float32: its spread is rounding, not signal
    x = np.stack([tiny, constant, rng.normal(size=16)], axis=1).astype(np.float32)
    out = speaker_standardize(x, ["a"] * 8 + ["b"] * 8)
    for rows in (slice(0, 8), slice(8, 16)):
        np.testing.assert_allclose(out[rows, 0].std(), 1, atol=1e-4)
    assert np.all(out[:, 1] == 0)
    norm = RunningSpeakerNorm(window=8, min_clips=2).update(x[:8])
    np.testing.assert_allclose(norm.transform(x[:8]), out[:8], atol=1e-5)


def test_running_norm_falls_back_until_it_has_seen_enough():
    norm = RunningSpeakerNorm(window=4, min_clips=3, fallback=(np.full(2, 10.0), np.ones(2)))
    x = np.array([[11.0, 12.0]])
    np.testing.assert_allclose(norm.transform(x), [[1.0, 2.0]])
    assert not norm.normalized
    for v in ([0, 0], [2, 2], [4, 4], [100, 100], [102, 102]):
        norm.update(np.array(v, np.float32))
    assert len(norm) == 4  # the window keeps the last 4
    window = np.array([[2, 2], [4, 4], [100, 100], [102, 102]], np.float64)
    np.testing.assert_allclose(norm.transform(x), (x - window.mean(0)) / window.std(0),
                               rtol=1e-5)
    assert norm.normalized


def _emodb_folder(root):
    (root / "wav").mkdir(parents=True)
    for i, (name, rate) in enumerate([("03a01Wa", 16000), ("03a02Fb", 22050), ("08b01Ta", 48000),
                                      ("08a05Nc", 22050), ("03a04Lc", 16000)]):
        write_wav(root / "wav" / f"{name}.wav", 0.5, rate, seed=i)
    (root / "wav" / "hello.wav").write_bytes((root / "wav" / "03a01Wa.wav").read_bytes())
    (root / "wav" / "03a05Ab.wav").write_bytes(b"garbage" * 20)
    return root


def test_emodb_adapter_parses_names_excludes_boredom_and_rejects_bad_files(tmp_path):
    root = _emodb_folder(tmp_path / "emodb")
    assert detect_layout(root) == "emodb"
    scan = load_dataset("auto", root)
    got = {c.clip_id: (c.speaker, c.emotion) for c in scan.clips}
    assert got == {"wav/03a01Wa": ("03", "angry"), "wav/03a02Fb": ("03", "happy"),
                   "wav/08b01Ta": ("08", "sad"), "wav/08a05Nc": ("08", "neutral")}
    assert [r.path.name for r in scan.excluded] == ["03a04Lc.wav"]
    reasons = {r.path.name: r.reason for r in scan.rejected}
    assert "SSTTTEV" in reasons["hello.wav"] and "bad header" in reasons["03a05Ab.wav"]
    assert "boredom" in describe(scan)


def test_label_folder_audio_adapter(tmp_path):
    root = tmp_path / "corpus"
    for speaker in ("spk1", "spk2"):
        for label in ("anger", "happiness", "calm"):
            (root / speaker / label).mkdir(parents=True)
            write_wav(root / speaker / label / "a.wav", 0.3)
    (root / "spk1" / "grumpy").mkdir()
    write_wav(root / "spk1" / "grumpy" / "a.wav", 0.3)
    assert detect_layout(root) == "audio-folders"
    scan = load_dataset("audio-folders", root)
    assert sorted((c.speaker, c.emotion) for c in scan.clips) == [
        ("spk1", "angry"), ("spk1", "happy"), ("spk2", "angry"), ("spk2", "happy")]
    assert len(scan.excluded) == 2
    assert [r.reason for r in scan.rejected] == ["unknown label folder 'grumpy'"]


def test_bad_audio_is_skipped_with_its_reason_and_the_rest_goes_on(tmp_path):
    from emobench.preprocess.audio import audio_features

    good = write_wav(tmp_path / "good.wav", 1.0)
    short = write_wav(tmp_path / "short.wav", 0.1)
    silent = tmp_path / "silent.wav"
    with wave.open(str(silent), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes(bytes(32000))  # 1 s of zeros
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(good.read_bytes()[:60] + b"\xff" * 50)
    clips = [Clip(p, "happy", "s1", "t", "audio", p.stem) for p in (short, good, silent, corrupt)]
    out = audio_features(clips, "eGeMAPSv02", cache_dir=tmp_path / "cache", progress=False)
    assert "good" in out.ids and out.data.shape[1] == 88
    assert out.ids == ["good"]
    reasons = {Path(str(s).split(":")[0]).stem: str(s) for s in out.skipped}
    assert "too short (0.10 s" in reasons["short"], reasons
    assert "silent audio" in reasons["silent"]
    assert "corrupt" in reasons["corrupt"] and len(reasons) == 3
    assert all("\n" not in r for r in reasons.values())


def test_audio_run_with_speaker_norm_both_and_a_cross_corpus(synth_corpus, tmp_path):
    from emobench.harness import run_suite
    from emobench.harness.store import ResultStore

    cross = _emodb_folder(tmp_path / "emodb")
    summary = run_suite("audio", dataset="synth", data_root=str(synth_corpus), folds=2,
                        run_dir=str(tmp_path / "run"), cache_dir=str(tmp_path / "cache"),
                        feature_sets=("eGeMAPSv02",), models=("audio_logreg",),
                        speaker_norm="both", cross_root=str(cross), train_jobs=1,
                        progress=False)
    assert summary.planned == 4 and len(summary.trained) == 4 and not summary.failed
    with ResultStore(tmp_path / "run") as store:
        cells = store.cells()
        assert store.run()["provenance"]["cross"]["clips"] == 4
    norm = [dict(c["cell"]["options"]).get("speaker_norm") for c in cells]
    assert sorted(bool(n) for n in norm) == [False, False, True, True]
    assert all(c["metrics"]["n_cross"] == 4 and 0 <= c["metrics"]["cross_accuracy"] <= 1
               for c in cells)
    from emobench.report import render_report
    text = render_report(tmp_path / "run")
    assert "Speaker norm" in text and "| on " in text and "| off " in text


def test_real_emodb_sample(real_data):
    scan = load_dataset("emodb", real_data / "emodb")
    assert scan.speakers() == ["03", "08"] and len(scan.clips) == 92
    assert len(scan.excluded) == 15 and not scan.rejected


def _norm_model(tmp_path):
    from emobench.registry import create_model

    rng = np.random.default_rng(0)
    model = create_model("audio_logreg", num_classes=7, input_shape=(88,))
    model.fit(rng.normal(size=(70, 88)).astype(np.float32), np.arange(70) % 7)
    model.zoo_info = {"name": "t", "features": "eGeMAPSv02",
                      "preprocess": {"feature_set": "eGeMAPSv02"},
                      "options": {"speaker_norm": True},
                      "train_mean": np.zeros(88).tolist(), "train_std": np.ones(88).tolist()}
    return model


def test_predict_same_speaker_normalises_over_the_files_and_falls_back_for_one(tmp_path):
    from emobench.preprocess.opensmile_sets import extract
    from emobench.preprocess.media import load_audio
    from emobench.zoo.speaker_predict import predict_same_speaker

    model = _norm_model(tmp_path)
    wavs = [write_wav(tmp_path / f"{i}.wav", 0.6, seed=i) for i in range(3)]
    preds, skipped = predict_same_speaker([*wavs, tmp_path / "missing.wav"], model)
    assert [p.file for p in preds] == wavs and len(skipped) == 1 and "missing.wav" in skipped[0]
    assert "speaker-normalised over the 3 files given" in preds[0].notes
    x = np.stack([extract(load_audio(w, 16000), "eGeMAPSv02") for w in wavs])
    expected = model.predict_proba(speaker_standardize(x, ["s"] * 3))
    np.testing.assert_allclose(np.stack([p.probabilities for p in preds]), expected, atol=1e-5)
    one, _ = predict_same_speaker(wavs[:1], model)
    assert any("training statistics" in n for n in one[0].notes)
    np.testing.assert_allclose(one[0].probabilities, model.predict_proba(x[:1])[0], atol=1e-5)
