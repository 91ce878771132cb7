"""The face recipe: one contract for training images, video crops, live and the zoo."""
from __future__ import annotations

import numpy as np
import pytest

from emobench.preprocess.face_prep import (DEFAULT, LEGACY, FacePrep, aggregate, model_input,
                                           prepare_gray)

cv2 = pytest.importorskip("cv2")


def test_a_card_without_the_new_fields_reads_as_the_first_recipe():
    old = {"grayscale": True, "size": 48, "margin": 0.2, "frames": 16, "detector": "haar",
           "still_image": "a note, not a field"}
    prep = FacePrep.from_dict(old)
    assert prep == LEGACY and prep.contrast == "none" and prep.skip_start_s == 0.0
    assert FacePrep.from_dict(DEFAULT.as_dict()) == DEFAULT


@pytest.mark.parametrize("bad, word", [({"contrast": "gamma"}, "contrast"),
                                       ({"aggregate": "max"}, "aggregate"),
                                       ({"size": 2}, "size"), ({"margin": -0.9}, "margin")])
def test_a_bad_recipe_is_one_line_naming_the_field(bad, word):
    with pytest.raises(ValueError, match=f"face recipe: {word}"):
        FacePrep(**bad)


def test_training_images_and_video_crops_get_the_same_contrast_step():
    rng = np.random.default_rng(0)
    gray = rng.integers(60, 120, (3, 48, 48), np.uint8)  # a low-contrast face, as in a studio
    rgb = np.repeat(gray[..., None], 3, axis=-1)
    prep = DEFAULT.replace(contrast="equalize")
    trained = prepare_gray(gray, prep)
    seen = model_input(rgb, prep)
    np.testing.assert_array_equal(trained.astype("float32"), seen)
    assert trained.min() == 0 and trained.max() == 255  # stretched to the full range
    np.testing.assert_array_equal(prepare_gray(gray, LEGACY)[..., 0], gray)  # none: unchanged


def test_model_input_resizes_and_takes_grayscale_or_rgb():
    crops = np.random.default_rng(1).integers(0, 256, (2, 96, 96, 3), np.uint8)
    assert model_input(crops, DEFAULT).shape == (2, 48, 48, 1)
    assert model_input(crops, DEFAULT.replace(grayscale=False, size=64)).shape == (2, 64, 64, 3)
    assert model_input(crops[:0], DEFAULT).shape == (0, 48, 48, 1)


def test_aggregates_combine_frames():
    p = np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]])
    np.testing.assert_allclose(aggregate(p, "mean_prob"), p.mean(0))
    z = np.log(p).mean(0)
    np.testing.assert_allclose(aggregate(p, "mean_logit"), np.exp(z) / np.exp(z).sum())
    w = p.max(1)
    np.testing.assert_allclose(aggregate(p, "confidence"), (p * w[:, None]).sum(0) / w.sum())
    with pytest.raises(ValueError, match="frame probabilities"):
        aggregate(np.zeros((0, 2)))


def test_classification_scores_agree_with_sklearn_on_absent_and_unpredicted_classes():
    from sklearn.metrics import balanced_accuracy_score, f1_score

    from emobench.harness.metrics import classification_scores

    classes = ["neutral", "happy", "sad", "fear"]  # fear never occurs, sad never predicted
    truth = ["neutral", "happy", "happy", "sad", "sad"]
    pred = ["neutral", "happy", "neutral", "happy", "neutral"]
    s = classification_scores(truth, pred, classes)
    assert s["accuracy"] == pytest.approx(0.4)
    assert s["uar"] == pytest.approx(balanced_accuracy_score(truth, pred))
    assert s["macro_f1"] == pytest.approx(f1_score(truth, pred, labels=classes,
                                                   average="macro", zero_division=0))
    assert s["answers"]["neutral"] == pytest.approx(0.6) and s["answers"]["fear"] == 0
    assert np.array(s["confusion"]).sum() == 5
