"""emobench run --suite images on a tiny generated FER2013-layout folder: each model trained
on Training only, scored on PublicTest and PrivateTest, stored like any cell; a rerun reuses."""
from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from emobench.harness.store import ResultStore

cv2 = pytest.importorskip("cv2")
LABELS = ("angry", "happy", "sad", "neutral", "fear", "surprise", "disgust")


@pytest.fixture
def fer(tmp_path, monkeypatch):
    monkeypatch.setenv("EMOBENCH_CACHE", str(tmp_path / "cache"))
    rng = np.random.default_rng(0)
    for split, n in (("train", 4), ("validation", 2), ("test", 1)):
        for label in LABELS:
            d = tmp_path / "fer" / split / label
            d.mkdir(parents=True)
            for i in range(n):
                cv2.imwrite(str(d / f"{i}.png"), rng.integers(0, 256, (48, 48), np.uint8))
    return tmp_path / "fer"


def test_images_suite_trains_on_training_and_scores_each_official_split(fer, tmp_path):
    from emobench.cli import main

    args = ["run", "--suite", "images", "--dataset", "fer2013", "--data-root", str(fer),
            "--models", "face_cnn", "--epochs", "1", "--batch-size", "8",
            "--run-dir", str(tmp_path / "runs"), "--no-progress"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "1 cells, 1 trained" in result.output and "Khaireddin" in result.output
    with ResultStore(tmp_path / "runs", readonly=True) as store:
        rows = store.cells(store.run()["run_id"])
    assert [r["model"] for r in rows] == ["face_cnn"]
    for r in rows:
        m, split = r["metrics"], r["split"]
        assert split["trained_on"] == "Training" and split["scored_on"] == ["PublicTest",
                                                                             "PrivateTest"]
        assert "Training held out" in split["selected_on"]
        assert m["n_train"] + split["n_holdout"] == 28 and m["n_publictest"] == 14
        assert m["n_privatetest"] == 7 and m["params"] > 0 and m["time_per_epoch"] > 0
        assert 0 <= m["val_accuracy"] <= 1 and "privatetest_uar" in m
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0 and "0 trained, 1 reused" in again.output
    report = CliRunner().invoke(main, ["report", "--run-dir", str(tmp_path / "runs")])
    assert report.exit_code == 0 and "FER2013 image suite" in report.output
    n_train = int(rows[0]["metrics"]["n_train"])
    assert f"| face_cnn | Training ({n_train} images) | PrivateTest |" in report.output
    # the report shows each split's confusion matrix: its rows hold every scored image
    for split, n in (("PublicTest", 14), ("PrivateTest", 7)):
        block = report.output.split(f"Confusion ({split},")[1].split("```")[1]
        counts = [[int(v) for v in line.split()] for line in block.strip().splitlines()]
        assert len(counts) == 7 and sum(map(sum, counts)) == n


def test_images_suite_rejects_another_dataset_or_model(fer, tmp_path):
    from emobench.harness.image_suite import run_image_suite

    with pytest.raises(ValueError, match="--dataset fer2013"):
        run_image_suite(dataset="ravdess", data_root=str(fer))
    with pytest.raises(ValueError, match="unknown model"):
        run_image_suite(data_root=str(fer), models=("c3d",), run_dir=str(tmp_path / "r"))
