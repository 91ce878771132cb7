"""RML adapter: per-subject folders (``s1`` ... ``s8``, some with per-language subfolders) of
.avi clips whose names start with the emotion key (``an di fe ha sa su``)."""
from __future__ import annotations

import re
from pathlib import Path

from emobench.datasets.clip import Clip, DatasetScan, Rejected
from emobench.datasets.files import VIDEO_EXTS, check_media_file, is_sidecar
from emobench.labels import RML_KEYS

SUBJECT_RE = re.compile(r"^s(\d+)$", re.IGNORECASE)
NAME_RE = re.compile(r"^([a-z]{2})\d*", re.IGNORECASE)


def _speaker(path: Path, root: Path) -> str:
    for part in path.relative_to(root).parts[:-1]:
        if SUBJECT_RE.match(part):
            return part.lower()
    return root.name  # a flat sample of one subject


def scan_rml(root: Path | str, *, verify: bool = True) -> DatasetScan:
    """Scan an RML folder; the speaker is the ``sN`` folder (or the root's name when flat)."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: dataset folder not found")
    scan = DatasetScan("rml", root)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if is_sidecar(path):
            continue
        if path.suffix.lower() not in VIDEO_EXTS:
            scan.rejected.append(Rejected(path, f"not a video file ({path.suffix or 'no ext'})"))
            continue
        m = NAME_RE.match(path.stem)
        key = m.group(1).lower() if m else None
        if key not in RML_KEYS:
            scan.rejected.append(Rejected(
                path, f"name does not start with an emotion key ({' '.join(RML_KEYS)})"))
            continue
        bad = check_media_file(path) if verify else None
        if bad:
            scan.rejected.append(Rejected(path, bad))
            continue
        rel = path.relative_to(root)
        language = rel.parts[-2] if len(rel.parts) > 2 else None
        scan.clips.append(Clip(
            path=path, emotion=RML_KEYS[key], speaker=_speaker(path, root), dataset="rml",
            modality="av", clip_id=rel.with_suffix("").as_posix(),
            fields={"key": key, "language": language}))
    return scan
