"""Arrays for the harness: each clip's features (through the preprocessing cache) and label,
keyed by clip id, so a cell takes its train/validation rows by the ids of its fold."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from emobench.datasets.clip import Clip, DatasetScan
from emobench.labels import label_index, label_set
from emobench.preprocess.logmel import LOGMEL, LOGMEL_PARAMS
from emobench.preprocess.opensmile_sets import FEATURE_SETS

#: Input kinds and the preprocessing that makes them.
VISUAL_FEATURES = ("faces", "flow")
#: Every audio feature: the openSMILE sets (one vector per clip) and the log-mel spectrogram.
AUDIO_FEATURES = (*FEATURE_SETS, LOGMEL)


@dataclass
class FeatureTable:
    """One feature of a set of clips: ``data[i]`` belongs to ``ids[i]``; ``skipped`` lists the
    clips the stage could not use, with the reason; ``params`` what made it (provenance)."""

    name: str
    ids: list[str]
    data: np.ndarray
    params: dict = field(default_factory=dict)
    skipped: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.row = {cid: i for i, cid in enumerate(self.ids)}

    def take(self, ids: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """The rows of ``ids`` that this table has (in the given order), and those ids."""
        kept = [cid for cid in ids if cid in self.row]
        return kept, self.data[[self.row[cid] for cid in kept]] if kept else self.data[:0]


def dataset_id(scan: DatasetScan) -> str:
    """A fingerprint of a dataset's clips (ids, labels, file sizes): a changed corpus gives a
    new id, so its cells are new cells."""
    h = hashlib.sha256()
    for clip in sorted(scan.clips, key=lambda c: c.clip_id):
        try:
            size = Path(clip.path).stat().st_size
        except OSError:
            size = -1
        h.update(f"{clip.clip_id}|{clip.emotion}|{clip.speaker}|{size}\n".encode())
    return h.hexdigest()[:12]


def labels_of(clips: Sequence[Clip], include_calm: bool = False) -> dict[str, int]:
    """Clip id -> class index in :func:`emobench.labels.label_set` order."""
    return {c.clip_id: label_index(c.emotion, include_calm) for c in clips}


def preprocess_params(name: str, *, frames: int, size: int, detector: str,
                      flow_method: str) -> dict:
    """The preprocessing parameters a feature depends on (part of a cell's identity)."""
    if name in FEATURE_SETS:
        return {"feature_set": name}
    if name == LOGMEL:
        return dict(LOGMEL_PARAMS)
    if name == "faces":
        return {"frames": frames, "size": size, "detector": detector}
    if name == "flow":
        return {"frames": frames, "size": size, "detector": detector, "method": flow_method}
    raise ValueError(f"unknown feature {name!r}; expected one of "
                     f"{', '.join([*AUDIO_FEATURES, *VISUAL_FEATURES])}")


def compute_features(clips: Sequence[Clip], name: str, *, frames: int = 8, size: int = 48,
                     detector: str = "haar", flow_method: str = "dis",
                     cache_dir: str | Path | None = None, jobs: int = 1,
                     progress: bool = True) -> FeatureTable:
    """Run (or read from the cache) the preprocessing stage that makes feature ``name``.

    Audio sets run on clips with an audio track, faces and flow on clips with video.
    """
    common = {"cache_dir": cache_dir, "jobs": jobs, "progress": progress}
    params = preprocess_params(name, frames=frames, size=size, detector=detector,
                               flow_method=flow_method)
    if name in FEATURE_SETS:
        from emobench.preprocess.audio import audio_features
        out = audio_features([c for c in clips if c.has_audio], name, **common)
    elif name == LOGMEL:
        from emobench.preprocess.logmel import logmel_features
        out = logmel_features([c for c in clips if c.has_audio], **common)
    elif name == "faces":
        from emobench.preprocess.faces import face_crops
        out = face_crops([c for c in clips if c.has_video], frames=frames, size=size,
                         detector=detector, **common)
    else:
        from emobench.preprocess.flow import optical_flow
        out = optical_flow([c for c in clips if c.has_video], method=flow_method, frames=frames,
                           size=size, detector=detector, **common)
    return FeatureTable(name, list(out.ids), out.data, {**params, **out.params},
                        list(out.skipped))


def num_classes(include_calm: bool = False) -> int:
    return len(label_set(include_calm))
