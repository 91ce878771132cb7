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
