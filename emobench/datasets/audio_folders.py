"""Generic adapter for audio corpora shipped as one folder per label (``root/<label>/*.wav``,
optionally ``root/<speaker>/<label>/*.wav``); label folders use the names of
:data:`emobench.labels.IMAGE_FOLDER_NAMES` (``angry``/``anger``, ``happy``/``happiness``, ...)."""
from __future__ import annotations

from pathlib import Path

from emobench.datasets.clip import Clip, DatasetScan, Rejected
from emobench.datasets.files import AUDIO_EXTS, check_media_file, is_sidecar
from emobench.labels import CALM, IMAGE_FOLDER_NAMES

LABELS = {**IMAGE_FOLDER_NAMES, "calm": None, "boredom": None, "bored": None, "other": None}


def scan_audio_folders(root: Path | str, *, verify: bool = True) -> DatasetScan:
    """Scan label folders of audio files. The speaker is the folder above the label folder
    when there is one, else the root's name (one speaker: speaker-independent splits then need
    the nested layout)."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: dataset folder not found")
    scan = DatasetScan("audio-folders", root)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if is_sidecar(path):
            continue
        rel = path.relative_to(root)
        if len(rel.parts) < 2:
            scan.rejected.append(Rejected(path, "not inside a label folder"))
            continue
        if path.suffix.lower() not in AUDIO_EXTS:
            scan.rejected.append(Rejected(path, f"not an audio file ({path.suffix or 'no ext'})"))
            continue
        folder = path.parent.name.lower()
        if folder not in LABELS:
            scan.rejected.append(Rejected(path, f"unknown label folder {path.parent.name!r}"))
            continue
        if LABELS[folder] is None:
            scan.excluded.append(Rejected(path, f"{folder} is not one of the 7 emotions"
                                          + (" (calm)" if folder == CALM else "")))
            continue
        bad = check_media_file(path) if verify else None
        if bad:
            scan.rejected.append(Rejected(path, bad))
            continue
        speaker = rel.parts[-3] if len(rel.parts) >= 3 else root.name
        scan.clips.append(Clip(path=path, emotion=LABELS[folder], speaker=speaker,
                               dataset="audio-folders", modality="audio",
                               clip_id=rel.with_suffix("").as_posix()))
    return scan
