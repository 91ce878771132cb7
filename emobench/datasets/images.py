"""Still-image adapters for pretraining LRCN's CNN: AffectNet's CSV, and label-named folders
(CK+, FER-style, AffectNet-style) used in AffectNet's place when it is absent."""
from __future__ import annotations

import csv
import re
from pathlib import Path

from emobench.datasets.clip import Clip, DatasetScan, Rejected
from emobench.datasets.files import IMAGE_EXTS, check_media_file, is_sidecar
from emobench.labels import AFFECTNET_EXPRESSIONS, IMAGE_FOLDER_NAMES

CK_SUBJECT_RE = re.compile(r"^(S\d+)_")
AFFECTNET_PATH_COLUMNS = ("subDirectory_filePath", "image_path", "path", "pth")


def scan_image_folder(root: Path | str, *, verify: bool = True) -> DatasetScan:
    """Scan ``root/<label>/<image>``; contempt and unknown labels are excluded or rejected.

    The speaker is the CK+ subject (``S010`` of ``S010_004_00000017.png``) when the name has
    one, so splits of CK+ can still be subject-independent.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: dataset folder not found")
    scan = DatasetScan("images", root)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if is_sidecar(path):
            continue
        folder = path.parent.name.lower()
        if path.parent == root:
            scan.rejected.append(Rejected(path, "not inside a label folder"))
            continue
        if path.suffix.lower() not in IMAGE_EXTS:
            scan.rejected.append(Rejected(path, f"not an image file ({path.suffix or 'no ext'})"))
            continue
        if folder not in IMAGE_FOLDER_NAMES:
            scan.rejected.append(Rejected(path, f"unknown label folder {path.parent.name!r}"))
            continue
        emotion = IMAGE_FOLDER_NAMES[folder]
        if emotion is None:
            scan.excluded.append(Rejected(path, f"{folder} is not one of the 7 emotions"))
            continue
        bad = check_media_file(path) if verify else None
        if bad:
            scan.rejected.append(Rejected(path, bad))
            continue
        m = CK_SUBJECT_RE.match(path.name)
        scan.clips.append(Clip(
            path=path, emotion=emotion, speaker=m.group(1) if m else "unknown", dataset="images",
            modality="image", clip_id=path.relative_to(root).with_suffix("").as_posix(),
            fields={"folder": path.parent.name}))
    return scan


def _find_csv(root: Path) -> Path:
    for name in ("training.csv", "validation.csv"):
        if (root / name).is_file():
            return root / name
    found = sorted(root.glob("*.csv"))
    if not found:
        raise FileNotFoundError(f"{root}: no AffectNet CSV (training.csv) found")
    return found[0]


def scan_affectnet(root: Path | str, *, csv_path: Path | str | None = None,
                   image_dir: Path | str | None = None, verify: bool = True) -> DatasetScan:
    """Scan AffectNet from its CSV of image paths and ``expression`` codes.

    Image paths are resolved against ``image_dir`` (default: ``root/Manually_Annotated_Images``
    when it exists, else ``root``). Contempt and codes 8-10 are excluded; rows with a bad code
    or a missing image are rejected.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: dataset folder not found")
    csv_file = Path(csv_path) if csv_path else _find_csv(root)
    if image_dir is None:
        image_dir = root / "Manually_Annotated_Images"
        image_dir = image_dir if image_dir.is_dir() else root
    image_dir = Path(image_dir)
    scan = DatasetScan("affectnet", root)
    with open(csv_file, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields = reader.fieldnames or []
        col = next((c for c in AFFECTNET_PATH_COLUMNS if c in fields), None)
        if col is None or "expression" not in fields:
            raise ValueError(f"{csv_file}: needs an image-path column and 'expression'")
        for line, row in enumerate(reader, start=2):
            where = Path(f"{csv_file}:{line}")
            try:
                code = int(row["expression"])
            except (TypeError, ValueError):
                scan.rejected.append(Rejected(where, f"expression {row['expression']!r} is "
                                                     "not an integer"))
                continue
            if code not in AFFECTNET_EXPRESSIONS:
                scan.rejected.append(Rejected(where, f"expression code {code} is not 0-10"))
                continue
            path = image_dir / row[col]
            emotion = AFFECTNET_EXPRESSIONS[code]
            if emotion is None:
                scan.excluded.append(Rejected(path, f"expression {code} (contempt or no "
                                                    "emotion) is excluded"))
                continue
            bad = "listed in the CSV but missing" if not path.is_file() else (
                check_media_file(path) if verify else None)
            if bad:
                scan.rejected.append(Rejected(path, bad))
                continue
            scan.clips.append(Clip(
                path=path, emotion=emotion, speaker=Path(row[col]).parent.as_posix() or "unknown",
                dataset="affectnet", modality="image",
                clip_id=Path(row[col]).with_suffix("").as_posix(),
                fields={"expression": code}))
    return scan
