"""The audio stage: the thesis's three openSMILE sets (counts, names, finiteness), the cached
batch stage with its skips, train-only scaling, the orchestrator and the CLI command."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from emobench.datasets.clip import Clip
from emobench.preprocess import FEATURE_SETS, run_preprocess
from emobench.preprocess.audio import audio_features
from emobench.preprocess.media import load_audio
from emobench.preprocess.opensmile_sets import extract, feature_names, import_opensmile
from emobench.preprocess.scaling import fit_scaler, scale_split
from media_samples import truncated_copy, voice, write_video, write_wav

NAMES = {  # first and last feature of each set, as openSMILE names them
    "emobase": ("pcm_intensity_sma_max", "F0env_sma_de_iqr1-3"),
    "emobase2010": ("pcm_loudness_sma_maxPos", "F0final__Turn_duration"),
    "emo_large": ("pcm_LOGenergy_sma_range", "pcm_fftMag_spectralMinPos_sma_de_de_nnz"),
    "eGeMAPSv02": ("F0semitoneFrom27.5Hz_sma3nz_amean", "equivalentSoundLevel_dBp"),
    "ComParE_2016": ("audspec_lengthL1norm_sma_range", "mfcc_sma_de[14]_stddevFallingSlope"),
}


def test_the_thesis_sets_and_their_sizes():
    assert FEATURE_SETS == {"emobase": 988, "emobase2010": 1582, "emo_large": 6552,
                            "eGeMAPSv02": 88, "ComParE_2016": 6373}
    assert list(FEATURE_SETS)[:3] == ["emobase", "emobase2010", "emo_large"]  # thesis's first


@pytest.mark.parametrize("name", list(FEATURE_SETS))
def test_feature_set_count_names_and_finiteness(name):
    x = extract(voice(1.0, 16000), name)
    names = feature_names(name)
    assert x.shape == (FEATURE_SETS[name],) and x.dtype == np.float32
    assert len(names) == len(set(names)) == FEATURE_SETS[name]
    assert (names[0], names[-1]) == NAMES[name]
    assert np.isfinite(x).all() and np.abs(x).max() > 0


def test_emobase2010_describes_the_clip():
    x = dict(zip(feature_names("emobase2010"), extract(voice(2.0, 16000), "emobase2010")))
    assert abs(x["F0final__Turn_duration"] - 2.0) < 0.1
    assert x["F0final__Turn_numOnsets"] >= 1
    assert 100 < x["F0final_sma_amean"] < 200  # the voice glides around 140 Hz


def test_silence_around_the_utterance_is_trimmed_and_inside_it_kept():
    from emobench.preprocess.audio import TRIM_DB, audio_stage_params, speech_features, \
        trim_silence

    rate = 16000
    rng = np.random.default_rng(0)
    speech = voice(0.6, rate)
    quiet = lambda s: (1e-4 * rng.standard_normal(int(s * rate))).astype(np.float32)  # -80 dB
    clip = np.concatenate([quiet(1.0), speech, quiet(0.3), speech, quiet(1.2)])
    trimmed = trim_silence(clip, rate)
    assert 1.3 < trimmed.size / rate < 1.6  # both words and the pause between them
    assert np.abs(trimmed[:400]).max() > 1e-3 and np.abs(trimmed[-400:]).max() > 1e-3
    assert trim_silence(clip, rate, None) is clip
    assert trim_silence(np.zeros(rate, np.float32), rate).size == rate  # nothing loud: as is
    # a functional that measures the clip's length sees the utterance, not the recording
    names = feature_names("emobase2010")
    duration = names.index("F0final__Turn_duration")
    assert abs(speech_features(clip, "emobase2010")[duration] - trimmed.size / rate) < 0.1
    assert speech_features(clip, "emobase2010", trim_db=None)[duration] > 3.5
    assert audio_stage_params("emobase2010")["trim_db"] == TRIM_DB  # in every cache key


def test_emobase2010_is_not_the_packaged_is10_set():
    opensmile = import_opensmile()
    is10 = opensmile.Smile(opensmile.FeatureSet.IS10, opensmile.FeatureLevel.Functionals)
    signal = voice(1.0, 16000)
    theirs = is10.process_signal(signal, 16000).to_numpy().reshape(-1)
    ours = extract(signal, "emobase2010")
    assert list(is10.feature_names) != feature_names("emobase2010") or \
        not np.allclose(ours, theirs, rtol=1e-4)


def test_opensmile_works_after_tensorflow_in_one_process():
    """openSMILE's native library used to corrupt the heap when TensorFlow was loaded first."""
    import subprocess
    import sys

    code = ("import tensorflow\n"
            "import numpy as np\n"
            "from emobench.preprocess.opensmile_sets import FEATURE_SETS, extract\n"
            "x = (0.1 * np.random.default_rng(0).standard_normal(16000)).astype('float32')\n"
            "for name in FEATURE_SETS:\n"
            "    assert extract(x, name).shape == (FEATURE_SETS[name],)\n"
            "print('ok')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-1500:]


def test_too_short_audio_and_unknown_sets_are_errors():
    with pytest.raises(ValueError, match="too short"):
        extract(voice(0.05, 16000), "emobase2010")
    with pytest.raises(ValueError, match="unknown openSMILE feature set 'IS10'"):
        extract(voice(1.0, 16000), "IS10")


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> list[Clip]:
    d = tmp_path_factory.mktemp("audio")
    files = [write_wav(d / "voice.wav", 1.0), write_video(d / "av.mp4", 1.0),
             write_video(d / "silent.avi", 1.0, audio=False)]
    files.append(truncated_copy(files[1], d / "truncated.mp4", 0.5))
    files.append(d / "empty.wav")
    files[-1].write_bytes(b"")
    files.append(d / "notes.mp4")
    files[-1].write_text("not a video\n" * 50)
    files.append(write_wav(d / "blip.wav", 0.02))
    return [Clip(p, "happy", "01", "t", "av", p.stem) for p in files]


def test_audio_features_batch_skips_bad_clips_and_reruns_for_free(clips, tmp_path):
    out = audio_features(clips, "emobase", cache_dir=tmp_path, progress=False)
    assert out.stage == "audio:emobase" and out.params["feature_set"] == "emobase"
    assert out.ids == ["voice", "av"] and out.data.shape == (2, 988)
    assert out.data.dtype == np.float32 and np.isfinite(out.data).all()
    assert out.names == feature_names("emobase")
    reasons = {r.path.name: r.reason for r in out.skipped}
    assert reasons["silent.avi"] == "no audio stream"
    assert reasons["truncated.mp4"].startswith("unreadable or corrupt")
    assert reasons["empty.wav"] == "empty file (0 bytes)"
    assert reasons["notes.mp4"].startswith("unreadable or corrupt")
    assert reasons["blip.wav"].startswith("audio too short")
    # the same voice via AAC at 48 kHz and via 16 kHz PCM: nearly the same features
    assert np.corrcoef(out.data[0], out.data[1])[0, 1] > 0.95
    manifest = (tmp_path / "skipped.jsonl").read_text().splitlines()
    assert len(manifest) == 5 and json.loads(manifest[0])["stage"] == "audio:emobase"
    again = audio_features(clips, "emobase", cache_dir=tmp_path, progress=False)
    assert again.computed == 0 and again.ids == out.ids and len(again.skipped) == 5
    np.testing.assert_array_equal(again.data, out.data)
    assert len((tmp_path / "skipped.jsonl").read_text().splitlines()) == 5


def test_parallel_audio_features_equal_serial(clips, tmp_path):
    serial = audio_features(clips[:2], "emobase2010", cache_dir=tmp_path / "a", progress=False)
    parallel = audio_features(clips[:3], "emobase2010", cache_dir=tmp_path / "b", jobs=2,
                              progress=False)
    assert parallel.ids == serial.ids
    np.testing.assert_allclose(parallel.data, serial.data, rtol=1e-6)


def test_scaler_is_fitted_on_the_training_split_only():
    rng = np.random.default_rng(0)
    train = rng.normal(5.0, 2.0, (40, 3)).astype(np.float32)
    train[:, 2] = 7.0  # a constant feature must not turn into NaN
    val = rng.normal(9.0, 2.0, (10, 3)).astype(np.float32)
    scaler, train_s, val_s = scale_split(train, val)
    np.testing.assert_allclose(scaler.mean_, train.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(train_s[:, :2].mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(train_s[:, :2].std(axis=0), 1, atol=1e-4)
    assert val_s[:, :2].mean() > 1.0  # shifted validation data stays shifted
    assert np.isfinite(val_s).all() and val_s.dtype == np.float32
    with pytest.raises(ValueError, match="non-finite"):
        fit_scaler(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="n_clips, n_features"):
        fit_scaler(np.zeros(5))


def test_run_preprocess_audio_stages(clips, tmp_path):
    video_only = Clip(clips[2].path, "sad", "01", "t", "video", "video_only")
    outs = run_preprocess(clips[:2] + [video_only], ("audio",),
                          feature_sets=("emobase", "emo_large"), cache_dir=tmp_path,
                          progress=False)
    assert list(outs) == ["audio:emobase", "audio:emo_large"]
    assert outs["audio:emo_large"].data.shape == (2, 6552)
    assert not outs["audio:emobase"].skipped  # the video-only clip is not an audio input
    with pytest.raises(ValueError, match="unknown preprocessing stage"):
        run_preprocess(clips, ("audio", "lips"), cache_dir=tmp_path, progress=False)


@pytest.fixture(scope="module")
def synth_root(tmp_path_factory) -> Path:
    synth = pytest.importorskip("emobench.datasets.synth", reason="synth corpus not merged yet")
    return synth.generate_corpus(tmp_path_factory.mktemp("synth"), actors=2, emotions=(1, 3),
                           width=320, height=180, duration=1.0, progress=False)


def test_cli_preprocess_synth_twice(synth_root, tmp_path):
    from click.testing import CliRunner

    from emobench.cli import main

    args = ["preprocess", "--dataset", "synth", "--data-root", str(synth_root),
            "--stages", "audio", "--cache-dir", str(tmp_path), "--no-progress"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    row = next(line for line in first.output.splitlines() if line.startswith("audio:emobase"))
    assert row.split()[1:4] == ["4", "0", "4"] and "4x988" in row
    second = CliRunner().invoke(main, args)
    row = next(line for line in second.output.splitlines() if line.startswith("audio:emobase"))
    assert row.split()[3] == "0"  # nothing computed
    bad = CliRunner().invoke(main, args[:-3] + ["--feature-sets", "IS10"])
    assert bad.exit_code != 0 and "unknown openSMILE feature set" in bad.output


def test_run_preprocess_every_stage_on_the_synth_corpus(synth_root, tmp_path):
    pytest.importorskip("emobench.preprocess.faces", reason="faces stage not merged yet")
    pytest.importorskip("emobench.preprocess.flow", reason="flow stage not merged yet")
    from emobench.datasets import load_dataset

    scan = load_dataset("synth", synth_root)
    kwargs = {"frames": 4, "size": 32, "cache_dir": tmp_path, "progress": False}
    outs = run_preprocess(scan, **kwargs)
    assert list(outs) == ["audio:emobase", "faces", "flow"]
    ids = [c.clip_id for c in scan.clips]
    assert all(out.ids == ids and not out.skipped for out in outs.values())
    assert outs["audio:emobase"].data.shape == (4, 988)
    assert outs["faces"].data.shape == (4, 4, 32, 32, 3) and outs["faces"].data.dtype == np.uint8
    assert outs["flow"].data.shape == (4, 3, 32, 32, 2)
    again = run_preprocess(scan, **kwargs)
    assert all(out.computed == 0 for out in again.values())


@pytest.mark.realdata
def test_real_speech_features_are_finite(real_data, tmp_path):
    files = sorted((real_data / "ravdess-speech" / "Actor_01").glob("*.flac"))[:2]
    clips = [Clip(p, "neutral", "01", "ravdess", "audio", p.stem) for p in files]
    out = audio_features(clips, "emobase2010", cache_dir=tmp_path, progress=False)
    assert out.data.shape == (2, 1582) and np.isfinite(out.data).all()
    duration = out.data[:, out.names.index("F0final__Turn_duration")]
    seconds = np.array([load_audio(p, 16000).size / 16000 for p in files])
    # the sentence, without the second or so of silence before and after it in these files
    assert ((duration > 1.0) & (duration < seconds - 1.0)).all()
