"""The log-mel stage and the spectrogram CRNN (audio_logmel_crnn): shapes, the cached stage and
its bad-input skips, augmentation only while training, and a cell through the harness (with and
without speaker normalisation) that a rerun with the same seed reproduces."""
from __future__ import annotations

import numpy as np
import pytest

from emobench.datasets.clip import Clip
from emobench.preprocess.logmel import (LOGMEL_PARAMS, clip_logmel, fix_length, logmel,
                                        logmel_features, logmel_shape)
from media_samples import voice, write_wav


def test_fix_length_centre_crops_and_centre_pads():
    x = np.arange(10, dtype=np.float32)
    np.testing.assert_array_equal(fix_length(x, 4), [3, 4, 5, 6])
    padded = fix_length(x[:2], 6)
    np.testing.assert_array_equal(padded, [0, 0, 0, 1, 0, 0])


def test_logmel_shape_and_level():
    shape = logmel_shape()
    assert shape == (151, 64)
    for seconds in (1.0, 4.0):  # padded and cropped alike
        spec = logmel(voice(seconds, LOGMEL_PARAMS["rate"]))
        assert spec.shape == shape and spec.dtype == np.float32 and np.isfinite(spec).all()
    quiet = logmel(0.01 * voice(2.0, LOGMEL_PARAMS["rate"]))
    loud = logmel(voice(2.0, LOGMEL_PARAMS["rate"]))
    assert loud.mean() > quiet.mean() + 20  # dB: 40 dB louder signal, top_db-clipped padding


def test_stage_caches_and_skips_bad_clips(tmp_path):
    good = write_wav(tmp_path / "good.wav", 1.0, 22050)
    short = write_wav(tmp_path / "short.wav", 0.1)
    silent = tmp_path / "silent.wav"
    import soundfile
    soundfile.write(silent, np.zeros(16000, np.float32), 16000)
    clips = [Clip(p, "happy", "01", "t", "audio", p.stem) for p in (good, short, silent)]
    out = logmel_features(clips, cache_dir=tmp_path / "cache", progress=False)
    assert out.ids == ["good"] and out.data.shape == (1, *logmel_shape())
    reasons = {r.path.name: r.reason for r in out.skipped}
    assert "too short" in reasons["short.wav"] and "silent" in reasons["silent.wav"]
    assert out.params["mels"] == 64 and out.params["frontend"] == "keras.layers.MelSpectrogram"
    again = logmel_features(clips, cache_dir=tmp_path / "cache", progress=False)
    assert again.computed == 0
    np.testing.assert_array_equal(again.data, out.data)
    np.testing.assert_array_equal(out.data[0], clip_logmel(clips[0])["data"])


def test_specaugment_is_active_only_in_training():
    import keras

    from emobench.models.spectrogram_net import SpecAugment

    layer = SpecAugment(time_masks=2, time_width=5, freq_masks=2, freq_width=3, max_shift=3,
                        gain=0.2, seed=1)
    x = np.random.default_rng(0).normal(size=(4, 30, 12)).astype("float32")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x)), x)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x, training=False)), x)
    y = keras.ops.convert_to_numpy(layer(x, training=True))
    assert y.shape == x.shape and not np.allclose(y, x)
    assert (y == 0).any()  # a masked stripe


def test_crnn_shapes_size_and_augmentation_in_the_graph():
    from emobench import create_model

    model = create_model("audio_logmel_crnn", seed=0)
    assert model.input_shape == logmel_shape() and model.input_kind == "spectrogram"
    assert 50_000 < model.count_params() < 300_000
    x = np.random.default_rng(0).normal(-30, 10, (3, *logmel_shape())).astype("float32")
    p = model.predict_proba(x)
    assert p.shape == (3, 7)
    np.testing.assert_allclose(p, model.predict_proba(x), atol=1e-6)  # no augmentation
    names = [layer.name for layer in model.keras_model.layers]
    assert names.index("standardize") < names.index("specaugment") < names.index("conv1")
    with pytest.raises(ValueError, match="2 positive sizes"):
        create_model("audio_logmel_crnn", input_shape=(64,))


def test_cell_trains_scores_and_reproduces_through_the_harness(synth_corpus, tmp_path):
    from emobench.harness import run_suite
    from emobench.harness.store import ResultStore

    tiny = {"filters": [4, 8], "frame_dense": 8, "rnn": 4}  # the harness, not the net, is tested
    common = dict(dataset="synth", data_root=str(synth_corpus), folds=1, epochs=1,
                  models=("audio_logmel_crnn",), model_options={"audio_logmel_crnn": tiny},
                  batch_size=8, early_stopping=0,
                  cache_dir=str(tmp_path / "cache"), train_jobs=1, progress=False,
                  save_models=False)
    first = run_suite("audio", run_dir=str(tmp_path / "a"), speaker_norm="both", **common)
    assert first.planned == 2 and len(first.trained) == 2 and not first.failed
    with ResultStore(tmp_path / "a") as store:
        cells = store.cells()
        off = {c["cell"]["fold"]: c for c in cells if not c["cell"]["options"].get("speaker_norm")}
        for c in cells:
            assert c["cell"]["features"] == "logmel"
            assert dict(c["cell"]["preprocess"])["logmel"]["mels"] == 64
            assert c["metrics"]["n_val"] > 0 and 0 <= c["metrics"]["val_accuracy"] <= 1
        probs = {f: np.array(store.array(c["key"], "val_proba")) for f, c in off.items()}
    second = run_suite("audio", run_dir=str(tmp_path / "b"), speaker_norm="off", **common)
    assert len(second.trained) == 1
    with ResultStore(tmp_path / "b") as store:
        for c in store.cells():
            np.testing.assert_allclose(np.array(store.array(c["key"], "val_proba")),
                                       probs[c["cell"]["fold"]], atol=1e-5)


def test_fusion_takes_the_crnn_as_its_audio_branch():
    from emobench.harness.runner import RunConfig, plan_cells

    plan = plan_cells(RunConfig(suite="fusion", models=("c3d", "fusion_avg"),
                                fusion_audio_model="audio_logmel_crnn"), "ds", 2)
    fused = [p.cell for p in plan if p.cell.branches]
    assert len(fused) == 2 and {c.features for c in fused} == {"logmel+faces"}
    audio = {p.cell.key: p.cell for p in plan}[fused[0].branches[0]]
    assert (audio.model, audio.features) == ("audio_logmel_crnn", "logmel")
    assert dict(fused[0].options)["audio"] == "audio_logmel_crnn"
