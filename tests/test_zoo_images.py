"""Zoo entries of frame models trained on face images: export of a FER2013 checkpoint, its card,
and the shipped real-face entry on a still image and a real RAVDESS clip."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from emobench.zoo import Manifest, load_pretrained, predict_file
from emobench.zoo.export_images import export_image_model

cv2 = pytest.importorskip("cv2")
DATA = Path(os.environ.get("EMOBENCH_DATA", "/nonexistent"))
REAL = "face_cnn-faces.fer2013_official"


def _record(conf: list[list[int]]) -> dict:
    public = {"accuracy": 0.5, "uar": 0.4, "macro_f1": 0.3, "confusion": conf,
              "n": int(np.sum(conf))}
    return {"n_train": 21, "epochs": 2, "best_epoch": 1, "seed": 0, "train_wall_s": 3.0,
            "command": "python -m emobench.harness.images fer --out runs/x",
            "selected_on": "a stratified 10% of Training held out (seed 0)", "n_holdout": 3,
            "scores": {"PublicTest": public}}


def test_exported_checkpoint_predicts_like_the_network_and_its_card_says_the_protocol(
        tmp_path):
    from emobench.registry import create_model

    net = create_model("face_cnn", num_classes=7, input_shape=(48, 48, 1), seed=1,
                       filters=[4, 8], dense=8).keras_model
    net.save(tmp_path / "best.keras")
    conf = np.eye(7, dtype=int).tolist()
    conf[0][1] = 5  # 6 true angry-row images: majority 6 / 12
    cross = {"command": "python -m emobench.harness.image_to_video ...",
             "rml": {"accuracy": 0.5, "uar": 0.5, "n": 4, "classes": list("abcdef"),
                     "chance": 1 / 6}}
    ex = export_image_model(tmp_path / "best.keras", _record(conf), cross, name="t-faces.x_y",
                            out_dir=tmp_path / "out", filters=[4, 8], dense=8)
    entry = ex.entry
    assert entry.features == "face_images" and entry.held_out["split"] == "PublicTest"
    assert entry.metrics["majority"] == pytest.approx(6 / 12)
    assert entry.preprocess["grayscale"] and entry.preprocess["size"] == 48
    card = ex.card.read_text()
    assert "PublicTest had no say in the weights" in card and "| 0.500 | 0.400 | 0.300 |" in card
    assert "RML sample" in card and "RAVDESS audio-visual" not in card
    model = load_pretrained("t-faces.x_y", manifest=ex.manifest)
    img = np.random.default_rng(0).integers(0, 256, (48, 48), dtype=np.uint8)
    cv2.imwrite(str(tmp_path / "face.png"), img)
    pred = predict_file(tmp_path / "face.png", model)
    want = net.predict(img[None, ..., None].astype("float32"), verbose=0)[0]
    np.testing.assert_allclose(pred.probabilities, want / want.sum(), atol=1e-5)
    assert json.loads(ex.manifest.read_text())["entries"][0]["name"] == "t-faces.x_y"


def test_unloadable_checkpoint_is_a_one_line_error(tmp_path):
    from emobench.zoo import ZooError

    (tmp_path / "best.keras").write_bytes(b"not a zip")
    with pytest.raises(ZooError, match="best.keras: cannot load"):
        export_image_model(tmp_path / "best.keras", _record([[1]]), {}, name="t-faces.x_y",
                           out_dir=tmp_path)


def test_shipped_real_face_entry_reads_a_fer_style_image_whole():
    entry = Manifest.packaged().get(REAL)
    assert entry.features == "face_images" and entry.dataset["name"] == "fer2013"
    assert entry.held_out["accuracy"] > 0.5  # far above chance (1/7) on PublicTest
    model = load_pretrained(REAL)
    flat = np.full((48, 48), 128, np.uint8)
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"emobench-fer-{os.getpid()}.png"
    cv2.imwrite(str(path), flat)
    try:
        pred = predict_file(path, model)
    finally:
        path.unlink()
    assert any("whole image" in n for n in pred.notes)
    assert abs(float(pred.probabilities.sum()) - 1) < 1e-4


@pytest.mark.skipif(not (DATA / "fer2013" / "validation" / "happy").is_dir(),
                    reason="EMOBENCH_DATA/fer2013 absent")
def test_shipped_real_face_entry_sees_happy_on_real_happy_faces():
    model = load_pretrained(REAL)
    files = sorted((DATA / "fer2013" / "validation" / "happy").glob("*.jpg"))[:20]
    tops = [predict_file(f, model).top for f in files]
    assert tops.count("happy") >= 12, tops  # it scores happy PublicTest faces at ~0.85


@pytest.mark.skipif(not (DATA / "ravdess-av" / "Actor_05").is_dir(),
                    reason="EMOBENCH_DATA/ravdess-av absent")
def test_shipped_real_face_entry_predicts_a_real_ravdess_clip():
    clip = sorted((DATA / "ravdess-av" / "Actor_05").glob("*.mp4"))[0]
    pred = predict_file(clip, load_pretrained(REAL))
    assert not pred.notes and abs(float(pred.probabilities.sum()) - 1) < 1e-4
