"""LRCN's frame CNN pretrained on labelled face images (AffectNet's role in the thesis; CK+ or
any label-folder set here) before LRCN trains, cached per images/size/epochs/seed."""
from __future__ import annotations

import json

import numpy as np
import pytest

from emobench.datasets import load_dataset
from emobench.harness import ResultStore, run_suite
from emobench.harness.data import dataset_id
from emobench.harness.pretrain import PretrainSpec, load_images, pretrain_model


@pytest.fixture(scope="module")
def face_folder(synth_scan, tmp_path_factory):
    """Face crops of the session corpus saved as CK+-style label folders (one PNG per clip and
    sampled frame), named by subject like CK+ (``S001_...``)."""
    import cv2

    from emobench.preprocess.faces import face_crops

    root = tmp_path_factory.mktemp("faces")
    out = face_crops(synth_scan.clips, frames=2, size=32, cache_dir=root / "cache",
                     progress=False)
    by_id = {c.clip_id: c for c in synth_scan.clips}
    names = {"angry": "anger", "happy": "happy", "sad": "sadness", "fear": "fear",
             "surprise": "surprise", "disgust": "disgust", "neutral": "neutral"}
    for clip_id, crops in zip(out.ids, out.data):
        clip = by_id[clip_id]
        folder = root / "images" / names[clip.emotion]
        folder.mkdir(parents=True, exist_ok=True)
        for i, crop in enumerate(crops):
            cv2.imwrite(str(folder / f"S0{clip.speaker}_{clip.emotion}_{i}.png"), crop[..., ::-1])
    (root / "images" / "contempt").mkdir()
    cv2.imwrite(str(root / "images" / "contempt" / "S001_x_0.png"), crops[0])
    return root / "images"


def test_pretraining_is_cached_and_feeds_every_lrcn_cell(face_folder, synth_corpus, tmp_path):
    scan = load_dataset("images", face_folder)
    assert len(scan.clips) == 28 * 2 and len(scan.excluded) == 1  # contempt left out
    x, y, speakers, bad = load_images(scan.clips, 32, progress=False)
    assert x.shape == (56, 32, 32, 3) and x.dtype == np.uint8 and not bad
    assert sorted(set(speakers)) == ["S001", "S002", "S003", "S004"]
    spec = PretrainSpec("images", dataset_id(scan), str(face_folder), 32, 1, 0)
    path, metrics = pretrain_model(scan, spec, tmp_path / "pre", "frame_cnn", progress=False)
    assert (path / "meta.json").is_file() and metrics["n_val"] == 14  # one subject of four
    stamp = (path / "meta.json").stat().st_mtime_ns
    again, _ = pretrain_model(scan, spec, tmp_path / "pre", "frame_cnn", progress=False)
    assert again == path and (path / "meta.json").stat().st_mtime_ns == stamp  # reused

    summary = run_suite("video", dataset="synth", data_root=str(synth_corpus), folds=2,
                        epochs=1, frames=4, size=32, models=("lrcn", "c3d"),
                        pretrain_images=str(face_folder), pretrain_epochs=1,
                        run_dir=str(tmp_path / "run"), cache_dir=str(tmp_path / "cache"),
                        progress=False)
    assert not summary.failed, summary.failed
    with ResultStore(tmp_path / "run") as store:
        run = store.run()
        assert run["provenance"]["pretrain"]["images"] == 56
        cells = store.cells(run["run_id"])
        lrcn = [c for c in cells if c["model"] == "lrcn"]
        c3d = [c for c in cells if c["model"] == "c3d"]
        assert len(lrcn) == len(c3d) == 2
        assert all(c["cell"]["options"]["pretrain"]["dataset_id"] == spec.dataset_id
                   for c in lrcn)
        assert all("pretrain" not in c["cell"]["options"] for c in c3d)
    reports = list((tmp_path / "run" / "pretrained").glob("*/pretrain.json"))
    assert len(reports) == 1  # one pretraining, shared by both folds
    assert json.loads(reports[0].read_text())["n_images"] == 56


@pytest.mark.realdata
def test_ck_plus_faces_load_for_pretraining(real_data):
    scan = load_dataset("images", real_data / "ck48")
    assert not scan.rejected and {c.emotion for c in scan.clips} == {
        "angry", "disgust", "fear", "happy", "sad", "surprise"}  # CK+48 has no neutral
    assert all(r.reason.startswith("contempt") for r in scan.excluded)
    x, y, speakers, bad = load_images(scan.filter(emotion="happy").clips, 48, progress=False)
    assert x.shape[1:] == (48, 48, 3) and not bad
    assert (x[..., 0] == x[..., 1]).all()  # grey faces repeated over the 3 channels
