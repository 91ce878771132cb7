"""FER2013 adapter: the folder release and fer2013.csv, generated here with bad rows and
files, and the real folders in $EMOBENCH_DATA/fer2013 when set."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from emobench.datasets import detect_layout, load_dataset
from emobench.datasets.fer2013 import (load_images, load_split, scan_fer2013, splits_present,
                                       training_clips)
from emobench.labels import EMOTIONS, FER2013_CODES

cv2 = pytest.importorskip("cv2")


def _face(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (48, 48), dtype=np.uint8)


@pytest.fixture
def folder_release(tmp_path: Path) -> Path:
    root = tmp_path / "fer2013"
    for split, n in (("train", 3), ("test", 2), ("validation", 1)):
        for label in ("angry", "happy", "neutral"):
            d = root / split / label
            d.mkdir(parents=True)
            for i in range(n):
                cv2.imwrite(str(d / f"im{i}.jpg"), _face(i))
    (root / "train" / "happy" / "header.jpg").write_bytes(b"not a jpeg at all")
    good = (root / "train" / "angry" / "im0.jpg").read_bytes()
    (root / "train" / "angry" / "truncated.jpg").write_bytes(good[:40])
    (root / "train" / "loose.jpg").write_bytes(good)
    return root


def _csv_row(code, pixels, usage) -> str:
    return f"{code},{' '.join(str(int(v)) for v in pixels)},{usage}"


@pytest.fixture
def csv_release(tmp_path: Path) -> Path:
    rows = ["emotion,pixels,Usage"]
    for i, (code, usage) in enumerate([(0, "Training"), (3, "Training"), (6, "PublicTest"),
                                       (4, "PrivateTest"), (5, "Training")]):
        rows.append(_csv_row(code, _face(i).ravel(), usage))
    rows.append(_csv_row(3, _face(9).ravel()[:2000], "Training"))      # line 7: short
    rows.append(_csv_row(7, _face(9).ravel(), "Training"))             # line 8: bad code
    rows.append(_csv_row(2, _face(9).ravel(), "Validation"))           # line 9: bad usage
    rows.append(_csv_row(2, np.full(2304, 300), "Training"))           # line 10: > 255
    path = tmp_path / "fer2013.csv"
    path.write_text("\n".join(rows) + "\n")
    return tmp_path


def test_folder_release_maps_folders_to_official_splits(folder_release):
    scan = scan_fer2013(folder_release)
    assert splits_present(scan) == ["Training", "PublicTest", "PrivateTest"]
    by_split = {s: sum(c.fields["split"] == s for c in scan.clips) for s in splits_present(scan)}
    assert by_split == {"Training": 10, "PublicTest": 3, "PrivateTest": 6}  # 9 + truncated
    reasons = {Path(r.path).name: r.reason for r in scan.rejected}
    assert "bad header" in reasons["header.jpg"]
    assert "label folder" in reasons["loose.jpg"]
    assert detect_layout(folder_release) == "fer2013"
    assert len(load_dataset("fer2013", folder_release).clips) == len(scan.clips)


def test_image_that_does_not_decode_is_rejected_with_its_path(folder_release):
    scan = scan_fer2013(folder_release)
    rejected = []
    x, y = load_images(training_clips(scan), rejected=rejected)
    assert x.shape == (9, 48, 48, 1) and x.dtype == np.uint8
    assert [Path(r.path).name for r in rejected] == ["truncated.jpg"]
    assert "does not decode" in rejected[0].reason
    with pytest.raises(ValueError, match="truncated.jpg"):
        load_images(training_clips(scan))


def test_csv_rows_use_the_code_map_and_bad_rows_name_their_line(csv_release):
    scan = scan_fer2013(csv_release)
    assert [c.emotion for c in scan.clips] == [FER2013_CODES[k] for k in (0, 3, 6, 4, 5)]
    assert [c.emotion for c in scan.clips][:3] == ["angry", "happy", "neutral"]
    lines = {r.reason.split(":")[0]: r.reason for r in scan.rejected}
    assert set(lines) == {"line 7", "line 8", "line 9", "line 10"}
    assert "2000 pixel values" in lines["line 7"] and "code 7" in lines["line 8"]
    assert "Validation" in lines["line 9"] and "0-255" in lines["line 10"]
    x, y = load_split(scan, "Training")
    assert x.shape == (3, 48, 48, 1)
    np.testing.assert_array_equal(x[1, ..., 0], _face(1))
    assert [EMOTIONS[i] for i in y] == ["angry", "happy", "surprise"]
    assert all(c.fields["split"] == "Training" for c in training_clips(scan))


def test_csv_missing_a_column_is_one_line_error(tmp_path):
    (tmp_path / "fer2013.csv").write_text("emotion,pixels\n0,1 2 3\n")
    with pytest.raises(ValueError, match="fer2013.csv: missing column.*Usage"):
        scan_fer2013(tmp_path)


@pytest.mark.skipif(not os.environ.get("EMOBENCH_DATA"), reason="EMOBENCH_DATA not set")
def test_real_fer2013_folders():
    root = Path(os.environ["EMOBENCH_DATA"]) / "fer2013"
    if not root.is_dir():
        pytest.skip(f"{root} absent")
    scan = scan_fer2013(root)
    assert splits_present(scan) == ["Training", "PublicTest"]
    assert len(training_clips(scan)) == 28709
    assert sum(c.fields["split"] == "PublicTest" for c in scan.clips) == 3589
    assert {c.emotion for c in scan.clips} == set(EMOTIONS)
    x, y = load_images(scan.clips[:50])
    assert x.shape == (50, 48, 48, 1) and x.std() > 10
