"""A zoo entry as the robustness suite's frame model: named instead of a .keras path, its crops
prepared as its card records (grayscale, size, margin, frames, detector), scored under a
corruption, and a rerun computes nothing."""
from __future__ import annotations

import numpy as np
import pytest
from media_samples import write_disc_faces

FER = "face_cnn-faces.fer2013_official"


@pytest.fixture(scope="module")
def fer_entry():
    from emobench.zoo.manifest import Manifest

    manifest = Manifest.packaged()
    return manifest, manifest.get(FER)


def test_zoo_entry_prep_comes_from_its_card(fer_entry):
    from emobench.robustness.frame_models import frame_model_id
    from emobench.zoo.manifest import Entry, Manifest, ZooError

    manifest, entry = fer_entry
    mid, prep = frame_model_id(FER)
    card = entry.preprocess
    assert mid == f"{FER}@{entry.sha256[:8]}"
    assert {k: prep[k] for k in ("grayscale", "size", "margin", "frames", "detector")} == {
        k: card[k] for k in ("grayscale", "size", "margin", "frames", "detector")}
    # a card from before contrast steps reads as the recipe its model was trained with
    assert card.get("contrast", "none") == prep["contrast"]
    # another card, other crops: the preparation follows the entry, not a built-in default
    other = Entry(**{**entry.to_dict(), "preprocess": {**card, "margin": 0.35, "frames": 4}})
    _, prep = frame_model_id(FER, Manifest([other], manifest.files_dir, "test"))
    assert prep["margin"] == 0.35 and prep["frames"] == 4
    audio = next(e for e in manifest if e.features != "face_images")
    with pytest.raises(ValueError, match="not a frame model"):
        frame_model_id(audio.name)
    with pytest.raises(ZooError, match="no zoo entry"):
        frame_model_id("face_cnn-faces.nowhere")


@pytest.fixture(scope="module")
def face_images(tmp_path_factory):
    return write_disc_faces(tmp_path_factory.mktemp("faces"), 4)


def test_zoo_frame_model_scores_images_and_rerun_is_free(face_images, tmp_path):
    from emobench.harness.images import predict_tta
    from emobench.harness.store import ResultStore
    from emobench.robustness.frame_models import (corrupt_images, frame_rows, image_subset,
                                                  load_frame_model, run_frame_models)

    kw = dict(images_root=str(face_images), image_limit=None, video_sets={})
    with ResultStore(tmp_path / "run") as store:
        first = run_frame_models(store, [FER], ["jpeg"], (3,), **kw)
        rows = {r["corruption"]: r for r in frame_rows(store)}
        again = run_frame_models(store, [FER], ["jpeg"], (3,), **kw)
    assert first == (2, 0, {}) and again == (0, 2, {})
    assert {r["model"] for r in rows.values()} == {f"{FER}@c0a63fe6"}
    assert rows["clean"]["n"] == 8 and rows["jpeg"]["severity"] == 3
    # the stored accuracy is the entry's own network on the corrupted images
    ids, x, y = image_subset(face_images, None, 0)
    p = predict_tta(load_frame_model(FER), corrupt_images(ids, x, "jpeg", 3, 0).astype("float32"))
    assert rows["jpeg"]["accuracy"] == pytest.approx(float(np.mean(p.argmax(1) == y)))


def test_face_crops_under_corruption_use_the_given_margin(synth_scan, tmp_path):
    from emobench.robustness.stages import corrupted_table

    clip = synth_scan.clips[:1]
    opts = dict(frames=2, size=32, cache_dir=tmp_path)
    tight = corrupted_table(clip, "faces", "brightness", 1, margin=0.0, **opts)
    wide = corrupted_table(clip, "faces", "brightness", 1, margin=0.6, **opts)
    default = corrupted_table(clip, "faces", "brightness", 1, **opts)
    assert tight.params["margin"] == 0.0 and wide.params["margin"] == 0.6
    assert default.params["margin"] == 0.2  # the face stage's, as the harness cells train
    assert tight.data[0].shape == wide.data[0].shape == (2, 32, 32, 3)
    assert not np.array_equal(tight.data[0], wide.data[0])


def test_unknown_frame_model_fails_before_anything_trains(tmp_path):
    from click.testing import CliRunner

    from emobench.cli import main

    out = CliRunner().invoke(main, ["run", "--suite", "robustness", "--models", "audio_svm",
                                    "--frame-model", "face_cnn-faces.nowhere",
                                    "--run-dir", str(tmp_path / "run")])
    assert out.exit_code != 0 and "no zoo entry 'face_cnn-faces.nowhere'" in out.output
    assert not (tmp_path / "run" / "results.sqlite").exists()
