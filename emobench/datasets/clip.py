"""The Clip record every dataset adapter returns, and the scan result that carries it."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Modalities a clip may have: audio+video, video only, audio only, a still image.
MODALITIES = ("av", "video", "audio", "image")


@dataclass(frozen=True)
class Clip:
    """One labelled recording (or image) of one speaker.

    ``clip_id`` is unique within a dataset and stable across machines (the path relative to the
    dataset root, without extension); caches and results are keyed by it.
    """

    path: Path
    emotion: str
    speaker: str
    dataset: str
    modality: str
    clip_id: str
    fields: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def has_audio(self) -> bool:
        return self.modality in ("av", "audio")

    @property
    def has_video(self) -> bool:
        return self.modality in ("av", "video")


@dataclass(frozen=True)
class Rejected:
    """A file found under a dataset root that does not fit its layout."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class DatasetScan:
    """What an adapter found: usable clips, rejected files, and valid clips left out by choice."""

    name: str
    root: Path
    clips: list[Clip] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    excluded: list[Rejected] = field(default_factory=list)

    def speakers(self) -> list[str]:
        return sorted({c.speaker for c in self.clips})

    def filter(self, **wanted: Any) -> "DatasetScan":
        """A scan with only the clips whose attributes (or ``fields``) equal the given values."""
        def keep(c: Clip) -> bool:
            return all(getattr(c, k, c.fields.get(k)) == v for k, v in wanted.items())
        return DatasetScan(self.name, self.root, [c for c in self.clips if keep(c)],
                           list(self.rejected), list(self.excluded))
