"""FER2013 initialisation of LRCN's frame CNN and of ResNet50 (issue 13, item 3b): only the
Training split ever pretrains, a seeded stratified --pretrain-limit subset, the spec (crop
preparation included) in each cell's identity, video crops made grayscale like the images."""
from __future__ import annotations

import json

import numpy as np
import pytest

from emobench.datasets.fer2013 import scan_fer2013
from emobench.harness.data import dataset_id
from emobench.harness.pretrain import (gray_crops, load_images, make_spec, pretrain_clips,
                                       pretrain_model)
from emobench.labels import EMOTIONS

cv2 = pytest.importorskip("cv2")
FOLDERS = {"angry": "angry", "disgust": "disgust", "fear": "fear", "happy": "happy",
           "neutral": "neutral", "sad": "sad", "surprise": "surprise"}


def _face(label: int, seed: int) -> np.ndarray:
    img = np.random.default_rng(seed).integers(0, 120, (48, 48), dtype=np.uint8)
    img[:12, :12] = 80 + 25 * label  # a learnable patch
    return img


@pytest.fixture(scope="module")
def fer_folder(tmp_path_factory):
    """A FER2013 folder release: train/ (4 per class), validation/ and test/ (1 per class),
    plus a corrupt file in each test split: reading it would show in ``unreadable``."""
    root = tmp_path_factory.mktemp("fer") / "fer2013"
    for split, n in (("train", 4), ("validation", 1), ("test", 1)):
        for k, name in enumerate(FOLDERS):
            d = root / split / name
            d.mkdir(parents=True)
            for i in range(n):
                cv2.imwrite(str(d / f"{split}{i}.jpg"), _face(k, 100 * k + i))
        if split != "train":
            (root / split / "happy" / "corrupt.jpg").write_bytes(b"not a jpeg")
    return root


def _spec(scan, **kw):
    return make_spec(scan, dataset_id(scan), size=32, epochs=1, seed=0, **kw)


def test_only_the_training_split_pretrains_and_the_limit_is_stratified(fer_folder):
    scan = scan_fer2013(fer_folder, verify=False)
    assert {c.fields["split"] for c in scan.clips} == {"Training", "PublicTest", "PrivateTest"}
    spec = _spec(scan)
    assert spec.split == "Training" and spec.grayscale
    clips = pretrain_clips(scan, spec)
    assert len(clips) == 28 and {c.fields["split"] for c in clips} == {"Training"}
    subset = pretrain_clips(scan, _spec(scan, limit=14))
    assert {c.fields["split"] for c in subset} == {"Training"}
    assert sorted(c.emotion for c in subset) == sorted(EMOTIONS * 2)  # 2 of each class
    again = pretrain_clips(scan, _spec(scan, limit=14))
    assert [c.clip_id for c in again] == [c.clip_id for c in subset]  # seeded
    other = pretrain_clips(scan, make_spec(scan, "x", size=32, epochs=1, seed=1, limit=14))
    assert [c.clip_id for c in other] != [c.clip_id for c in subset]


def test_csv_form_pretrains_on_training_rows_only(tmp_path):
    rows = ["emotion,pixels,Usage"]
    for i, usage in enumerate(["Training"] * 7 + ["PublicTest", "PrivateTest"]):
        rows.append(f"{i % 7},{' '.join(map(str, _face(i % 7, i).ravel()))},{usage}")
    (tmp_path / "fer2013.csv").write_text("\n".join(rows) + "\n")
    scan = scan_fer2013(tmp_path)
    clips = pretrain_clips(scan, _spec(scan))
    assert len(clips) == 7 and {c.fields["split"] for c in clips} == {"Training"}
    x, y, _, bad = load_images(clips, 32, grayscale=True, progress=False)
    assert x.shape == (7, 32, 32, 3) and not bad and (x[..., 0] == x[..., 2]).all()


def test_a_fer2013_set_without_training_never_falls_back_to_the_test_splits(fer_folder,
                                                                            tmp_path):
    import shutil

    shutil.copytree(fer_folder / "validation", tmp_path / "fer" / "validation")
    scan = scan_fer2013(tmp_path / "fer", verify=False)
    with pytest.raises(ValueError, match="without a Training split"):
        pretrain_clips(scan, _spec(scan))


def test_the_spec_and_the_crop_preparation_are_the_cells_identity(fer_folder):
    scan = scan_fer2013(fer_folder, verify=False)
    spec = _spec(scan, limit=14)
    ident = spec.identity("resnet50")
    assert ident["split"] == "Training" and ident["limit"] == 14
    assert ident["prep"] == {"grayscale": True, "margin": 0.2, "size": 32}
    assert spec.key("resnet50") != spec.key("frame_cnn") != _spec(scan, limit=7).key()


def test_gray_crops_match_opencv_and_fill_rgb():
    rgb = np.random.default_rng(0).integers(0, 256, (2, 3, 8, 8, 3), dtype=np.uint8)
    out = gray_crops(rgb)
    ref = cv2.cvtColor(rgb.reshape(-1, 8, 3), cv2.COLOR_RGB2GRAY).reshape(2, 3, 8, 8)
    assert out.shape == rgb.shape and (out[..., 0] == out[..., 1]).all()
    assert np.abs(out[..., 0].astype(int) - ref).max() <= 1


def test_resnet50_starts_from_its_fer2013_pretrained_frame_network(fer_folder, tmp_path):
    from emobench.registry import create_model

    scan = scan_fer2013(fer_folder, verify=False)
    spec = _spec(scan, limit=14)
    path, metrics = pretrain_model(scan, spec, tmp_path, "resnet50", progress=False)
    doc = json.loads((path.parent / "pretrain.json").read_text())
    assert doc["splits_used"] == ["Training"] and doc["n_images"] == 14
    assert not doc["unreadable"] and doc["spec"]["model"] == "resnet50"
    from emobench.models.base import load_model

    model = create_model("resnet50", input_shape=(2, 32, 32, 3), cnn_weights=str(path))
    loaded = model.keras_model.get_layer("resnet50").get_weights()
    saved = load_model(path).keras_model.get_layer("resnet50").get_weights()
    assert len(loaded) == len(saved) and all(np.array_equal(a, b)
                                             for a, b in zip(loaded, saved))
    gamma = model.keras_model.get_layer("resnet50").get_layer("conv2_block1_3_bn").gamma
    assert np.abs(np.asarray(gamma)).max() > 0  # trained, not the fresh zero-gamma start


def test_a_run_pretrains_on_fer2013_training_and_feeds_grayscale_crops(fer_folder,
                                                                       synth_corpus, tmp_path,
                                                                       monkeypatch):
    from emobench.harness import ResultStore, run_suite

    monkeypatch.delenv("EMOBENCH_DATA", raising=False)
    summary = run_suite("video", dataset="synth", data_root=str(synth_corpus), folds=2,
                        epochs=1, frames=2, size=32, models=("lrcn",),
                        pretrain_images=str(fer_folder), pretrain_epochs=1,
                        pretrain_limit=14, cross_root=str(synth_corpus), run_dir=str(tmp_path / "run"),
                        cache_dir=str(tmp_path / "cache"), progress=False, jobs=1,
                        train_jobs=1)
    assert not summary.failed, summary.failed
    with ResultStore(tmp_path / "run") as store:
        run = store.run()
        pre = run["provenance"]["pretrain"]
        assert pre["split"] == "Training" and pre["limit"] == 14
        cells = store.cells(run["run_id"])
        assert len(cells) == 2 and {c["model"] for c in cells} == {"lrcn"}
        for c in cells:
            ident = c["cell"]["options"]["pretrain"]
            assert ident["model"] == "frame_cnn" and ident["split"] == "Training"
            assert ident["prep"]["grayscale"] and c["provenance"]["preprocess"]["grayscale"]
            assert c["metrics"]["n_cross"] == 28  # a video cross corpus scores face cells
    reports = list((tmp_path / "run" / "pretrained").glob("*/pretrain.json"))
    assert len(reports) == 1
    doc = json.loads(reports[0].read_text())
    assert doc["splits_used"] == ["Training"] and doc["n_images"] == 14
    assert not doc["unreadable"]  # the corrupt PublicTest/PrivateTest files were never read
