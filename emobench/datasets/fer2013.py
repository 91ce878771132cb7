"""FER2013 in both forms users have: the folder release and the original ``fer2013.csv``.

    scan = scan_fer2013("data/fer2013")          # train/ test/ [validation/] or fer2013.csv
    x, y = load_split(scan, "PublicTest")        # uint8 (n, 48, 48, 1), label indices

The official splits are the protocol: every clip carries ``fields["split"]`` (Training,
PublicTest or PrivateTest) and :func:`training_clips` is the only way the harness gets
training data, so nothing from PublicTest or PrivateTest ever trains.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from emobench.datasets.clip import Clip, DatasetScan, Rejected
from emobench.datasets.files import IMAGE_EXTS, check_media_file, is_sidecar
from emobench.labels import (EMOTIONS, FER2013_CODES, FER2013_FOLDERS, FER2013_SPLITS,
                             IMAGE_FOLDER_NAMES)

SIDE = 48
PIXELS = SIDE * SIDE


def scan_fer2013(root: Path | str, *, verify: bool = True) -> DatasetScan:
    """Scan FER2013 at ``root``: ``fer2013.csv`` when present, else the split folders."""
    root = Path(root)
    if root.is_file() and root.suffix.lower() == ".csv":
        return _scan_csv(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: dataset folder not found")
    csv_files = sorted(root.glob("*.csv"))
    if csv_files:
        return _scan_csv(csv_files[0])
    splits = [d for d in sorted(root.iterdir()) if d.is_dir() and d.name.lower() in FER2013_FOLDERS]
    if not splits:
        raise FileNotFoundError(f"{root}: no fer2013.csv and no train/ test/ validation/ folders")
    scan = DatasetScan("fer2013", root)
    for folder in splits:
        _scan_split_folder(scan, root, folder, FER2013_FOLDERS[folder.name.lower()], verify)
    return scan


def _scan_split_folder(scan: DatasetScan, root: Path, folder: Path, split: str,
                       verify: bool) -> None:
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if is_sidecar(path):
            continue
        if path.parent == folder:
            scan.rejected.append(Rejected(path, "not inside a label folder"))
            continue
        if path.suffix.lower() not in IMAGE_EXTS:
            scan.rejected.append(Rejected(path, f"not an image file ({path.suffix or 'no ext'})"))
            continue
        label = path.parent.name.lower()
        emotion = IMAGE_FOLDER_NAMES.get(label)
        if emotion is None:
            scan.rejected.append(Rejected(path, f"unknown label folder {path.parent.name!r}"))
            continue
        bad = check_media_file(path) if verify else None
        if bad:
            scan.rejected.append(Rejected(path, bad))
            continue
        scan.clips.append(Clip(
            path=path, emotion=emotion, speaker="unknown", dataset="fer2013", modality="image",
            clip_id=path.relative_to(root).with_suffix("").as_posix(), fields={"split": split}))


def _parse_row(row: dict, line: int) -> tuple[str, str, np.ndarray] | str:
    """(emotion, split, pixels) of one CSV row, or the reason it is malformed."""
    try:
        code = int(row.get("emotion") or "")
    except ValueError:
        return f"emotion {row.get('emotion')!r} is not an integer"
    if code not in FER2013_CODES:
        return f"emotion code {code} is not 0-6"
    usage = (row.get("Usage") or "").strip()
    if usage not in FER2013_SPLITS:
        return f"Usage {usage!r} is not one of {', '.join(FER2013_SPLITS)}"
    values = (row.get("pixels") or "").split()
    if len(values) != PIXELS:
        return f"{len(values)} pixel values, expected {PIXELS}"
    try:
        pixels = np.array([int(v) for v in values], dtype=np.int32)
    except ValueError:
        return "pixels are not all integers"
    if pixels.min() < 0 or pixels.max() > 255:
        return "pixel values outside 0-255"
    return FER2013_CODES[code], usage, pixels.astype(np.uint8).reshape(SIDE, SIDE)


def _scan_csv(csv_file: Path) -> DatasetScan:
    scan = DatasetScan("fer2013", csv_file.parent)
    with open(csv_file, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = {"emotion", "pixels", "Usage"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{csv_file}: missing column(s) {', '.join(sorted(missing))}")
        for line, row in enumerate(reader, start=2):
            parsed = _parse_row(row, line)
            where = Path(f"{csv_file}:{line}")
            if isinstance(parsed, str):
                scan.rejected.append(Rejected(where, f"line {line}: {parsed}"))
                continue
            emotion, usage, pixels = parsed
            scan.clips.append(Clip(
                path=where, emotion=emotion, speaker="unknown", dataset="fer2013",
                modality="image", clip_id=f"{usage}/{line}",
                fields={"split": usage, "line": line, "pixels": pixels}))
    return scan


def splits_present(scan: DatasetScan) -> list[str]:
    """The official splits the scan has, in FER2013's order."""
    have = {c.fields.get("split") for c in scan.clips}
    return [s for s in FER2013_SPLITS if s in have]


def training_clips(scan: DatasetScan) -> list[Clip]:
    """Only the Training split: the one source of training data for FER2013 cells."""
    return [c for c in scan.clips if c.fields.get("split") == "Training"]


def read_face(clip: Clip, size: int = SIDE) -> np.ndarray:
    """One image as uint8 (size, size) grayscale; a file that does not decode raises
    ``ValueError`` naming the file and the reason."""
    import cv2

    img = clip.fields.get("pixels")
    if img is None:
        img = cv2.imread(str(clip.path), cv2.IMREAD_GRAYSCALE)
        if img is None:
            raise ValueError(f"{clip.path}: image does not decode (corrupt or truncated)")
    if img.shape != (size, size):
        img = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
    return img


def load_images(clips: list[Clip], size: int = SIDE, *, progress: bool = False,
                rejected: list[Rejected] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Arrays of ``clips``: uint8 (n, size, size, 1) and label indices into EMOTIONS.

    A file that does not decode is skipped and recorded in ``rejected`` (with its path and
    reason) when given, else it raises.
    """
    from emobench.progress import tqdm

    xs, ys = [], []
    for clip in tqdm(clips, desc="FER2013 images", disable=not progress, unit="img"):
        try:
            xs.append(read_face(clip, size))
        except ValueError as err:
            if rejected is None:
                raise
            rejected.append(Rejected(clip.path, str(err).split(": ", 1)[-1]))
            continue
        ys.append(EMOTIONS.index(clip.emotion))
    x = np.stack(xs)[..., None] if xs else np.zeros((0, size, size, 1), np.uint8)
    return x, np.array(ys, dtype=np.int64)


def load_split(scan: DatasetScan, split: str, size: int = SIDE, *, progress: bool = False,
               rejected: list[Rejected] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Images and labels of one official split."""
    if split not in FER2013_SPLITS:
        raise ValueError(f"unknown FER2013 split {split!r}; expected one of {FER2013_SPLITS}")
    clips = [c for c in scan.clips if c.fields.get("split") == split]
    return load_images(clips, size, progress=progress, rejected=rejected)
