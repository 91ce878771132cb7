"""Issue 14 item 6: final audio entries trained on every speaker (protocol all-speakers), their
scores (same recipe's CV, with and without speaker context; a cross corpus) and the fallback of
a speaker-normalised entry when one file comes without speaker context."""
import numpy as np
import pytest
from click.testing import CliRunner

from emobench.zoo import load_pretrained
from emobench.zoo.manifest import Manifest
from media_samples import write_wav


def _final_entries():
    return [e for e in Manifest.packaged() if e.protocol.get("name") == "all-speakers"]


def test_no_context_input_uses_the_training_statistics_only_for_normalised_entries():
    from emobench.zoo.speaker_predict import no_context_input

    x = np.array([[2.0, 5.0]], np.float32)
    info = {"options": {"speaker_norm": True}, "train_mean": [1.0, 5.0], "train_std": [2.0, 0.0]}
    notes: list[str] = []
    np.testing.assert_allclose(no_context_input(x, info, notes), [[0.5, 0.0]])
    assert any("no speaker context" in n for n in notes)
    assert no_context_input(x, {"options": {}}, []) is x


def test_training_rows_add_copies_standardised_as_the_no_context_fallback():
    from emobench.preprocess.speaker_norm import speaker_standardize
    from emobench.zoo.export_audio import training_rows

    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 3)).astype(np.float32) + np.repeat([[0.0], [5.0]], 4, axis=0)
    y, spk = np.arange(8) % 3, np.array(["a"] * 4 + ["b"] * 4)
    xs, ys = training_rows(x, y, spk, norm=False)
    assert xs is x and ys is y
    xs, ys = training_rows(x, y, spk, norm=True)
    np.testing.assert_allclose(xs, speaker_standardize(x, spk))
    np.testing.assert_array_equal(ys, y)
    xs, ys = training_rows(x, y, spk, norm=True, copies=True)
    assert xs.shape == (16, 3) and list(ys) == list(y) * 2
    np.testing.assert_allclose(xs[:8], speaker_standardize(x, spk), atol=1e-6)
    # the copies are what a file with no speaker context becomes: the corpus's mean and std
    np.testing.assert_allclose(xs[8:], (x - x.mean(0)) / x.std(0), atol=1e-5)
    with pytest.raises(ValueError, match="speaker-normalised"):
        training_rows(x, y, spk, norm=False, copies=True)


def test_export_trains_on_every_speaker_and_scores_the_recipe_both_ways(synth_corpus, tmp_path):
    from emobench.zoo.export_audio import export_audio
    from emobench.zoo.predict import predict_file

    ex = export_audio("audio_logreg", "eGeMAPSv02", norm=True, copies=True,
                      data_root=str(synth_corpus), out_dir=tmp_path, folds=2, command="test")
    e = ex.entry
    assert e.protocol["no_context_copies"] and e.provenance["training"]["no_context_copies"]
    assert e.protocol["name"] == "all-speakers" and not e.protocol["val_speakers"]
    assert e.protocol["train_speakers"] == e.dataset["speakers"] and e.metrics["train"]["clips"]
    for way in ("cv", "cv_no_context"):
        assert e.metrics[way]["scored"] == 2 and 0 <= e.metrics[way]["accuracy"][0] <= 1
    card = ex.card.read_text()
    assert "ALL speakers" in card and "no speaker context" in card
    assert "also trained on every clip standardised that way" in card
    model = load_pretrained(e.name, manifest=ex.manifest)
    info = model.zoo_info
    assert info["options"]["speaker_norm"] and len(info["train_std"]) == 88
    wav = next(synth_corpus.rglob("*.mp4"))
    pred = predict_file(wav, model)
    assert any("training statistics" in n for n in pred.notes)
    from emobench.zoo.predict import model_input
    raw, _ = model_input(wav, info)
    mean, std = np.array(info["train_mean"]), np.array(info["train_std"])
    expected = model.predict_proba(((raw - mean) / np.where(std > 0, std, 1)).astype(np.float32))
    np.testing.assert_allclose(pred.probabilities, expected[0], atol=1e-6)


@pytest.mark.parametrize("entry", _final_entries(), ids=lambda e: e.name)
def test_shipped_final_entries_predict_one_file_and_one_speaker(entry, tmp_path):
    from emobench.cli import main

    wavs = [str(write_wav(tmp_path / f"{i}.wav", 0.8, seed=i)) for i in range(3)]
    assert entry.metrics["cross"]["classes"] == 6
    # linear models stay small; an SVM keeps its support vectors (the wheel's largest files)
    assert entry.size < (1_000_000 if entry.model == "audio_logreg" else 8_000_000)
    one = CliRunner().invoke(main, ["predict", wavs[0], "--model", entry.name])
    assert one.exit_code == 0, one.output
    same = CliRunner().invoke(main, ["predict", *wavs, "--model", entry.name, "--same-speaker"])
    expected = ("speaker-normalised over the 3 files" if entry.protocol["speaker_norm"]
                else "trained without speaker normalisation")
    assert same.exit_code == 0 and expected in same.output, same.output


def test_synth_trained_entries_are_listed_as_pipeline_demos():
    entries = list(Manifest.packaged())
    assert any(e.demo for e in entries)
    for e in entries:
        assert e.demo == (e.dataset["name"] == "synth"), e.name
