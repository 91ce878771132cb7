"""Corruptions change their input as specified (seeded, severity 0 the identity), and a tiny
robustness run on the generated corpus stores its rows, reports them, and computes nothing on
a rerun."""
from __future__ import annotations

import cv2
import harness_dummies  # noqa: F401 - registers dummy_audio
import numpy as np
import pytest
from media_samples import write_disc_faces

from emobench.robustness.corruptions import (AUDIO_CORRUPTIONS, SNR_DB, VIDEO_CORRUPTIONS,
                                             corrupt_audio, corrupt_video, power, rng_for)

RATE = 16000


@pytest.fixture(scope="module")
def frames():
    rng = np.random.default_rng(1)
    base = cv2.resize((rng.random((17, 30, 3)) * 255).astype(np.uint8), (240, 136))
    return np.stack([base, np.roll(base, 3, axis=1)])


@pytest.fixture(scope="module")
def speech():
    t = np.arange(RATE) / RATE
    return (0.3 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 3 * t))
            + 0.05 * np.sin(2 * np.pi * 1800 * t)).astype(np.float32)


@pytest.mark.parametrize("name", list(VIDEO_CORRUPTIONS))
def test_video_corruption_identity_seeded_and_growing(frames, name):
    face = (60, 30, 80, 80)
    assert corrupt_video(frames, name, 0, rng_for(0, "c", name, 0), face) is frames
    runs = [corrupt_video(frames, name, s, rng_for(0, "c", name, s), face) for s in (1, 5)]
    again = corrupt_video(frames, name, 5, rng_for(0, "c", name, 5), face)
    assert np.array_equal(runs[1], again)
    assert runs[1].shape == frames.shape and runs[1].dtype == np.uint8
    change = [np.abs(r.astype(float) - frames).mean() for r in runs]
    assert 0 < change[0] < change[1]


def test_jpeg_is_lossy_and_occlusion_stays_in_the_face(frames):
    out = corrupt_video(frames, "jpeg", 3, rng_for(0, "c", "jpeg", 3))
    assert not np.array_equal(out, frames)
    face = (60, 30, 80, 80)
    occ = corrupt_video(frames, "occlusion", 5, rng_for(0, "c", "occlusion", 5), face)
    changed = np.argwhere((occ != frames).any(axis=(0, 3)))
    assert changed[:, 1].min() >= 60 and changed[:, 1].max() < 140
    assert changed[:, 0].min() >= 30 and changed[:, 0].max() < 110
    # half the face's area blacked out
    assert abs(((occ[0] == 0).all(axis=2) & (frames[0] != 0).any(axis=2)).sum()
               - 0.5 * 80 * 80) < 0.05 * 80 * 80


@pytest.mark.parametrize("name", ["white_noise", "babble"])
@pytest.mark.parametrize("severity", [1, 2, 3, 4, 5])
def test_additive_noise_hits_its_snr(speech, name, severity):
    others = [np.roll(speech, 4000) * 2, np.random.default_rng(2).standard_normal(9000)]
    out = corrupt_audio(speech, name, severity, rng_for(0, "c", name, severity), RATE, others)
    snr = 10 * np.log10(power(speech) / power(out - speech))
    assert abs(snr - SNR_DB[severity - 1]) < 0.5


def test_audio_identity_seeded_telephone_band_and_clipping(speech):
    for name in AUDIO_CORRUPTIONS:
        assert np.array_equal(corrupt_audio(speech, name, 0, rng_for(0, "c", name, 0)), speech)
    a = corrupt_audio(speech, "white_noise", 3, rng_for(0, "c", "white_noise", 3))
    assert np.array_equal(a, corrupt_audio(speech, "white_noise", 3,
                                           rng_for(0, "c", "white_noise", 3)))
    assert not np.array_equal(a, corrupt_audio(speech, "white_noise", 3,
                                               rng_for(0, "d", "white_noise", 3)))
    phone = corrupt_audio(speech, "telephone", 5, rng_for(0, "c", "telephone", 5))
    spectrum = lambda x: np.abs(np.fft.rfft(x))  # noqa: E731
    bins = np.fft.rfftfreq(len(speech), 1 / RATE)
    at = lambda f: int(np.argmin(np.abs(bins - f)))  # noqa: E731
    assert spectrum(phone)[at(220)] < 0.1 * spectrum(speech)[at(220)]  # below 600 Hz: cut
    assert spectrum(phone)[at(1800)] > 0.8 * spectrum(speech)[at(1800)]  # in band: kept
    clipped = corrupt_audio(speech, "clipping", 4, rng_for(0, "c", "clipping", 4))
    assert np.isclose(np.abs(clipped).max(), 0.1 * np.abs(speech).max())


def test_unknown_corruption_and_severity_are_refused(frames):
    with pytest.raises(ValueError, match="unknown corruption"):
        corrupt_video(frames, "fog", 1, rng_for(0, "c", "fog", 1))
    with pytest.raises(ValueError, match="severity"):
        corrupt_video(frames, "jpeg", 6, rng_for(0, "c", "jpeg", 6))


def test_fusion_falls_back_to_the_present_branch():
    from emobench.models.fusion import fuse_with_missing
    from emobench.registry import create_model

    model = create_model("fusion_avg", num_classes=3).fit(np.zeros((2, 6)), np.array([0, 1]))
    audio, video = np.array([[0.7, 0.2, 0.1]]), np.array([[0.1, 0.1, 0.8]])
    x = np.concatenate([np.r_[audio, np.full((1, 3), np.nan), audio],
                        np.r_[np.full((1, 3), np.nan), video, video]], axis=1)
    out = fuse_with_missing(model, x)
    assert np.allclose(out[0], audio[0]) and np.allclose(out[1], video[0])
    assert np.allclose(out[2], (audio[0] + video[0]) / 2)


def test_corrupted_faces_run_before_detection_and_cache_by_severity(synth_scan, tmp_path):
    from emobench.robustness.stages import corrupted_table

    clips = synth_scan.clips[:2]
    opts = dict(frames=2, size=32, cache_dir=tmp_path)
    mild = corrupted_table(clips, "faces", "brightness", 1, **opts)
    dim = corrupted_table(clips, "faces", "brightness", 2, **opts)
    dark = corrupted_table(clips, "faces", "brightness", 5, **opts)
    assert mild.computed == dim.computed == dark.computed == 2
    assert mild.params["severity"] == 1 and dark.params["severity"] == 5
    # the crops come from darkened frames (factor 0.5 against 0.7): it ran before the crop
    assert len(mild.ids) == len(dim.ids) == 2
    assert 0.6 < dim.data.mean() / mild.data.mean() < 0.8
    # at a tenth of the light Haar loses these drawn faces: the clips are skipped, not kept
    assert dark.ids == [] and len(dark.skipped) == 2
    assert "no face found" in dark.skipped[0].reason
    assert corrupted_table(clips, "faces", "brightness", 5, **opts).computed == 0


def _cross_corpus(synth_corpus, root):
    """A label-folder audio corpus of 4 generated clips (happy, sad of actors 1 and 2)."""
    for emotion, code in (("happy", "03"), ("sad", "04")):
        (root / emotion).mkdir(parents=True)
        for actor in ("01", "02"):
            src = next((synth_corpus / f"Actor_{actor}").glob(f"03-01-{code}-*.wav"))
            (root / emotion / f"{actor}-{src.name}").symlink_to(src)
    return root


def test_tiny_robustness_run_stores_reports_and_reruns_for_free(synth_corpus, tmp_path,
                                                                monkeypatch):
    # no RML sample from $EMOBENCH_DATA: the counts below are of the validation and cross sets
    monkeypatch.delenv("EMOBENCH_DATA", raising=False)
    from emobench.harness import ResultStore, run_suite
    from emobench.report import render_report
    from emobench.robustness.suite import split_key, stored_rows

    common = dict(dataset="synth", data_root=str(synth_corpus), folds=2,
                  models=("audio_svm", "dummy_audio"), train_jobs=1, jobs=1,
                  corruptions=("white_noise", "clipping"), severities=(1, 5),
                  cross_root=str(_cross_corpus(synth_corpus, tmp_path / "cross")),
                  run_dir=str(tmp_path / "run"), cache_dir=str(tmp_path / "cache"),
                  progress=False)
    first = run_suite("robustness", **common)
    assert not first.failed and not first.failed_evaluations
    # 2 models x 2 folds x 2 corruptions x 2 severities, on the validation clips and on the
    # cross corpus each cell was scored on clean
    assert first.evaluated == 2 * 2 * 2 * 2 * 2
    with ResultStore(tmp_path / "run") as store:
        rows = stored_rows(store)
    assert len(rows) == first.evaluated and all(0 <= r["accuracy"] <= 1 for r in rows)
    assert all(r["computed"] == r["n"] for r in rows if r["key"] == rows[0]["key"])
    cross = [r for r in rows if split_key(r["key"])[1] == "cross"]
    assert len(cross) == first.evaluated // 2 and all(r["n"] == 4 for r in cross)
    files = sorted(p for p in (tmp_path / "cache").rglob("*") if p.is_file())
    second = run_suite("robustness", **common)
    assert second.trained == [] and second.evaluated == 0
    assert second.reused_evaluations == first.evaluated
    assert sorted(p for p in (tmp_path / "cache").rglob("*") if p.is_file()) == files
    report = render_report(tmp_path / "run")
    assert "## Robustness: audio" in report and "clipping s5" in report
    assert "mCE vs audio_svm" in report
    assert "## Robustness: audio on the cross corpus (EmoDB)" in report
    assert "accuracy versus severity" in render_report(tmp_path / "run", "html")


def test_restricted_predictions_and_fusion_inputs_mask_lost_clips():
    from emobench.robustness.suite import predictions

    proba = np.array([[0.5, 0.3, 0.2], [0.1, 0.2, 0.7]])
    assert predictions(proba, None).tolist() == [0, 2]
    assert predictions(proba, [1, 2]).tolist() == [1, 2]  # class 0 cannot occur: not picked


def test_severities_and_corruptions_reach_the_suite_from_the_cli(monkeypatch):
    from click.testing import CliRunner

    import emobench.harness
    from emobench.cli import main

    seen = {}
    monkeypatch.setattr(emobench.harness, "run_suite",
                        lambda suite, **kw: seen.update(kw, suite=suite) or (_ for _ in ()).throw(
                            ValueError("stop here")))
    out = CliRunner().invoke(main, ["run", "--suite", "robustness", "--corruptions",
                                    "white_noise,jpeg", "--severities", "1,3,5"])
    assert list(seen["corruptions"]) == ["white_noise", "jpeg"] and seen["severities"] == (1, 3, 5)
    assert "stop here" in out.output
    out = CliRunner().invoke(main, ["run", "--suite", "audio", "--corruptions", "jpeg"])
    assert out.exit_code != 0 and "belong to --suite robustness" in out.output


@pytest.fixture(scope="module")
def face_images(tmp_path_factory):
    """Label folders of drawn 48 px faces: a bright disc (happy) or a dark one (sad)."""
    return write_disc_faces(tmp_path_factory.mktemp("faces"), 6)


def test_frame_model_images_under_corruption_rerun_for_free(face_images, tmp_path):
    import keras

    from emobench.harness.store import ResultStore
    from emobench.labels import EMOTIONS
    from emobench.robustness.frame_models import (corrupt_images, frame_rows, image_subset,
                                                  run_frame_models)

    ids, x, y = image_subset(face_images, 8, seed=0)
    assert len(ids) == 8 and sorted(np.bincount(y)[np.bincount(y) > 0]) == [4, 4]  # stratified
    assert corrupt_images(ids, x, "contrast", 0, 0) is x
    low = corrupt_images(ids, x, "contrast", 5, 0)
    assert low.std(axis=(1, 2, 3)).mean() < 0.2 * x.std(axis=(1, 2, 3)).mean()
    # a model that reads the disc's brightness: happy when bright, sad when dark
    inp = keras.Input((48, 48, 1))
    mean = keras.layers.GlobalAveragePooling2D()(keras.layers.Rescaling(1 / 255)(inp))
    happy, sad = EMOTIONS.index("happy"), EMOTIONS.index("sad")
    dense = keras.layers.Dense(len(EMOTIONS), activation="softmax")
    net = keras.Model(inp, dense(mean))
    w = np.zeros((1, len(EMOTIONS)), np.float32)
    b = np.full(len(EMOTIONS), -50.0, np.float32)
    w[0, happy], b[happy], w[0, sad], b[sad] = 40.0, -20.0, -40.0, 20.0
    dense.set_weights([w, b])
    path = tmp_path / "net.keras"
    net.save(path)
    with ResultStore(tmp_path / "run") as store:
        first = run_frame_models(store, [str(path)], ["brightness"], (5,),
                                 images_root=str(face_images), image_limit=None, video_sets={})
        rows = {r["corruption"]: r for r in frame_rows(store)}
        again = run_frame_models(store, [str(path)], ["brightness"], (5,),
                                 images_root=str(face_images), image_limit=None, video_sets={})
    assert first == (2, 0, {}) and again == (0, 2, {})
    assert rows["clean"]["accuracy"] == 1.0 and rows["clean"]["n"] == 12
    # at an eighth of the light every disc reads as dark: only the sad half stays right
    assert rows["brightness"]["accuracy"] == 0.5


def test_babble_talkers_are_other_speakers_else_other_clips(synth_scan):
    from emobench.robustness.stages import babble_sources

    clips = synth_scan.clips
    speaker = {str(c.path): c.speaker for c in clips}
    picked = babble_sources(clips, clips[0])
    assert len(picked) == 3 and all(speaker[p] != clips[0].speaker for p in picked)
    alone = [c for c in clips if c.speaker == clips[0].speaker]  # a one-speaker set (RML's)
    picked = babble_sources(alone, alone[0])
    assert len(picked) == 3 and str(alone[0].path) not in picked
