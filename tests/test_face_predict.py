"""A frame model trained on face images, used on a still image and on a video: the zoo's
``face_images`` input, and the train-on-images/test-on-video clip scoring."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from emobench.harness.image_to_video import FACE_PREP, score_clips
from emobench.registry import create_model
from emobench.zoo.predict import predict_file

cv2 = pytest.importorskip("cv2")
DATA = Path(os.environ.get("EMOBENCH_DATA", "/nonexistent"))


@pytest.fixture(scope="module")
def model():
    m = create_model("face_cnn", num_classes=7, input_shape=(48, 48, 1), seed=0,
                     filters=[8, 16])
    m.zoo_info = {"name": "face_cnn-face_images.test", "features": "face_images",
                  "preprocess": dict(FACE_PREP)}
    return m


def test_fer_style_image_is_taken_whole_when_no_face_is_found(model, tmp_path):
    img = np.random.default_rng(0).integers(0, 256, (48, 48), dtype=np.uint8)
    path = tmp_path / "face.jpg"
    cv2.imwrite(str(path), img)
    pred = predict_file(path, model)
    assert len(pred.probabilities) == 7 and abs(float(np.sum(pred.probabilities)) - 1) < 1e-4
    assert any("whole image" in n for n in pred.notes)
    gray = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    assert FACE_PREP["contrast"] == "equalize"  # the recipe's contrast step is applied
    x = cv2.equalizeHist(gray)[None, ..., None].astype("float32")
    np.testing.assert_allclose(pred.probabilities, model.predict_proba(x)[0], atol=1e-5)


def test_unreadable_image_is_a_one_line_error(model, tmp_path):
    from emobench.zoo import ZooError

    bad = tmp_path / "face.jpg"
    bad.write_bytes(b"\xff\xd8\xff garbage")
    with pytest.raises(ZooError, match="face.jpg: image does not decode"):
        predict_file(bad, model)


@pytest.mark.skipif(not (DATA / "ravdess-av").is_dir(), reason="EMOBENCH_DATA/ravdess-av absent")
def test_real_ravdess_clip_is_the_mean_of_its_face_crops(model):
    from emobench.datasets import load_dataset

    clip = load_dataset("ravdess", DATA / "ravdess-av").clips[0]
    pred = predict_file(clip.path, model)
    assert abs(float(np.sum(pred.probabilities)) - 1) < 1e-4 and not pred.notes
    scored = score_clips(model.keras_model, [clip])
    assert scored["n"] == 1 and scored["prep"]["grayscale"] and scored["prep"]["size"] == 48
