"""RAVDESS adapter: ``Actor_XX/MM-VV-EE-II-SS-RR-AA.ext`` files into Clip records.

Also reads the generated corpus, which has RAVDESS's exact layout and naming.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from emobench.datasets.clip import Clip, DatasetScan, Rejected
from emobench.datasets.files import AUDIO_EXTS, VIDEO_EXTS, check_media_file, is_sidecar
from emobench.labels import RAVDESS_EMOTIONS, ravdess_emotion

NAME_RE = re.compile(r"^(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)$")
ACTOR_DIR_RE = re.compile(r"^Actor_(\d\d)$")
MODALITY_CODES = {1: "av", 2: "video", 3: "audio"}
VOCAL_CHANNELS = {1: "speech", 2: "song"}


def parse_name(path: Path) -> dict | str:
    """The fields of a RAVDESS file name, or the reason it is not one."""
    m = NAME_RE.match(path.stem)
    if not m:
        return "name is not MM-VV-EE-II-SS-RR-AA (seven 2-digit fields)"
    mod, voc, emo, inten, stmt, rep, actor = (int(g) for g in m.groups())
    if mod not in MODALITY_CODES:
        return f"modality code {mod:02d} is not 01, 02 or 03"
    if voc not in VOCAL_CHANNELS:
        return f"vocal channel {voc:02d} is not 01 (speech) or 02 (song)"
    if emo not in RAVDESS_EMOTIONS:
        return f"emotion code {emo:02d} is not 01-08"
    if inten not in (1, 2) or stmt not in (1, 2) or rep not in (1, 2):
        return "intensity, statement and repetition must each be 01 or 02"
    if not 1 <= actor <= 24:
        return f"actor {actor:02d} is not 01-24"
    ext = path.suffix.lower()
    modality = MODALITY_CODES[mod]
    if modality == "audio" and ext not in AUDIO_EXTS:
        return f"modality 03 (audio-only) needs .wav or .flac, not {ext}"
    if modality != "audio" and ext not in VIDEO_EXTS:
        return f"modality {mod:02d} (video) needs a video file, not {ext}"
    return {"modality_code": mod, "vocal_channel": VOCAL_CHANNELS[voc], "emotion_code": emo,
            "intensity": inten, "statement": stmt, "repetition": rep, "actor": actor,
            "gender": "male" if actor % 2 else "female", "modality": modality}


def scan_ravdess(root: Path | str, *, modalities: Iterable[str] | None = None,
                 vocal_channels: Iterable[str] = ("speech",), include_calm: bool = False,
                 verify: bool = True, dataset: str = "ravdess") -> DatasetScan:
    """Scan a RAVDESS-layout folder.

    ``modalities`` None keeps the audio-visual clips when the folder has any (they carry both
    streams) and every clip otherwise; the audio-only duplicates then land in ``excluded``.
    ``verify`` checks each file's header, so empty or mislabelled files are rejected early.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: dataset folder not found")
    scan = DatasetScan(dataset, root)
    vocal_channels = tuple(vocal_channels)
    found: list[tuple[Path, dict]] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if is_sidecar(path):
            continue
        actor_dir = ACTOR_DIR_RE.match(path.parent.name)
        if not actor_dir:
            scan.rejected.append(Rejected(path, "not inside an Actor_XX folder"))
            continue
        fields = parse_name(path)
        if isinstance(fields, str):
            scan.rejected.append(Rejected(path, fields))
            continue
        if fields["actor"] != int(actor_dir.group(1)):
            scan.rejected.append(Rejected(
                path, f"actor {fields['actor']:02d} in the name but folder {path.parent.name}"))
            continue
        bad = check_media_file(path) if verify else None
        if bad:
            scan.rejected.append(Rejected(path, bad))
            continue
        found.append((path, fields))

    wanted = set(modalities) if modalities is not None else (
        {"av"} if any(f["modality"] == "av" for _, f in found) else {"av", "video", "audio"})
    for path, fields in found:
        emotion = ravdess_emotion(fields["emotion_code"], include_calm)
        if fields["modality"] not in wanted:
            scan.excluded.append(Rejected(path, f"modality {fields['modality']} not selected"))
        elif fields["vocal_channel"] not in vocal_channels:
            scan.excluded.append(Rejected(path, f"vocal channel {fields['vocal_channel']} "
                                                f"not selected"))
        elif emotion is None:
            scan.excluded.append(Rejected(path, "calm is not one of the 7 emotions"))
        else:
            scan.clips.append(Clip(
                path=path, emotion=emotion, speaker=f"{fields['actor']:02d}", dataset=dataset,
                modality=fields.pop("modality"), fields=fields,
                clip_id=path.relative_to(root).with_suffix("").as_posix()))
    return scan
