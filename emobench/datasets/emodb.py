"""EmoDB (Berlin Database of Emotional Speech) adapter: ``SSTTTEV.wav`` = speaker (2 digits),
text (3 characters), emotion letter, version letter, in one folder (or ``wav/`` below it), at
any sample rate (decoding resamples). Boredom (L) is excluded: it is not one of the 7."""
from __future__ import annotations

import re
from pathlib import Path

from emobench.datasets.clip import Clip, DatasetScan, Rejected
from emobench.datasets.files import AUDIO_EXTS, check_media_file, is_sidecar
from emobench.labels import EMODB_LETTERS

NAME_RE = re.compile(r"^(\d{2})([a-z]\d{2})([A-Z])([a-z])$")


def scan_emodb(root: Path | str, *, verify: bool = True) -> DatasetScan:
    """Scan an EmoDB folder; the speaker is the name's first two digits."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: dataset folder not found")
    scan = DatasetScan("emodb", root)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if is_sidecar(path):
            continue
        if path.suffix.lower() not in AUDIO_EXTS:
            scan.rejected.append(Rejected(path, f"not an audio file ({path.suffix or 'no ext'})"))
            continue
        m = NAME_RE.match(path.stem)
        if not m or m.group(3) not in EMODB_LETTERS:
            scan.rejected.append(Rejected(
                path, "name is not EmoDB's SSTTTEV (speaker, text, emotion letter "
                      f"{''.join(EMODB_LETTERS)}, version)"))
            continue
        speaker, text, letter, version = m.groups()
        emotion = EMODB_LETTERS[letter]
        if emotion is None:
            scan.excluded.append(Rejected(path, "boredom (L) is not one of the 7 emotions"))
            continue
        bad = check_media_file(path) if verify else None
        if bad:
            scan.rejected.append(Rejected(path, bad))
            continue
        scan.clips.append(Clip(
            path=path, emotion=emotion, speaker=speaker, dataset="emodb", modality="audio",
            clip_id=path.relative_to(root).with_suffix("").as_posix(),
            fields={"text": text, "version": version, "letter": letter}))
    return scan
