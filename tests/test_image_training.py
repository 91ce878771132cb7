"""FER2013 training on the official splits: Training trains, PublicTest/PrivateTest score."""
from __future__ import annotations

import json

import numpy as np
import pytest

from emobench.harness.images import train_face_model

cv2 = pytest.importorskip("cv2")


def test_trains_on_training_only_and_scores_each_split(tmp_path, monkeypatch):
    monkeypatch.setenv("EMOBENCH_CACHE", str(tmp_path / "cache"))
    rng = np.random.default_rng(0)
    counts = {"train": 21, "validation": 14, "test": 7}
    for split, n in counts.items():
        for label in ("angry", "happy", "sad", "neutral", "fear", "surprise", "disgust"):
            d = tmp_path / "fer" / split / label
            d.mkdir(parents=True)
            for i in range(n // 7):
                cv2.imwrite(str(d / f"{i}.png"), rng.integers(0, 256, (48, 48), np.uint8))
    rec = train_face_model(tmp_path / "fer", tmp_path / "out", epochs=1, batch_size=8,
                           filters=[4, 8], dense=8)
    assert rec["n_train"] == counts["train"] and rec["trained_on"] == "Training"
    assert set(rec["scores"]) == {"PublicTest", "PrivateTest"}
    assert rec["scores"]["PublicTest"]["n"] == 14 and rec["scores"]["PrivateTest"]["n"] == 7
    conf = np.array(rec["scores"]["PublicTest"]["confusion"])
    assert conf.shape == (7, 7) and conf.sum() == 14
    assert json.loads((tmp_path / "out" / "result.json").read_text())["epochs"] == 1
    assert (tmp_path / "out" / "best.keras").is_file()


def _tiny_fer(root, per_class=6, seed=0):
    rng = np.random.default_rng(seed)
    for split, n in {"train": per_class, "validation": 2}.items():
        for k, label in enumerate(("angry", "happy", "sad", "neutral", "fear", "surprise",
                                   "disgust")):
            d = root / split / label
            d.mkdir(parents=True)
            for i in range(n):  # a class-dependent bright bar, so there is something to learn
                img = rng.integers(0, 96, (48, 48), np.uint8)
                img[k * 6:k * 6 + 6] = 255
                cv2.imwrite(str(d / f"{i}.png"), img)
    return root


def test_stopped_run_resumes_to_the_unbroken_result(tmp_path, monkeypatch):
    """Stop after epoch 2 of 4, resume with the same call: weights, optimizer state and
    history match an unbroken 4-epoch run (augmentation and dropout seeds included)."""
    import keras

    monkeypatch.setenv("EMOBENCH_CACHE", str(tmp_path / "cache"))
    fer = _tiny_fer(tmp_path / "fer")
    kw = dict(epochs=4, batch_size=8, filters=[4, 8], dense=8, holdout=0.2, verbose=0)
    whole = train_face_model(fer, tmp_path / "whole", **kw)
    part = train_face_model(fer, tmp_path / "split", stop_after=2, **kw)
    assert part["epochs_done"] == 2 and not part["finished"]
    resumed = train_face_model(fer, tmp_path / "split", **kw)
    assert resumed["finished"] and resumed["epochs_done"] == 4
    assert resumed["history"]["loss"] == pytest.approx(whole["history"]["loss"], rel=1e-5)
    assert resumed["history"]["val_loss"] == pytest.approx(whole["history"]["val_loss"],
                                                           rel=1e-5)
    a, b = (np.load(tmp_path / d / "state.npz") for d in ("whole", "split"))
    assert sorted(a.files) == sorted(b.files)
    for k in a.files:
        if k != "progress":
            np.testing.assert_allclose(a[k], b[k], rtol=1e-5, atol=1e-6, err_msg=k)
    assert resumed["best_epoch"] == whole["best_epoch"]
    kept = keras.saving.load_model(tmp_path / "split" / "best.keras")
    assert kept.count_params() == resumed["params"]


def test_resume_refuses_other_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("EMOBENCH_CACHE", str(tmp_path / "cache"))
    fer = _tiny_fer(tmp_path / "fer", per_class=2)
    train_face_model(fer, tmp_path / "run", epochs=2, stop_after=1, batch_size=8,
                     filters=[4, 8], dense=8, verbose=0)
    with pytest.raises(ValueError, match="lr 0.002 -> 0.01"):
        train_face_model(fer, tmp_path / "run", epochs=2, lr=0.01, batch_size=8,
                         filters=[4, 8], dense=8, verbose=0)
