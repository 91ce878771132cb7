"""Dataset adapters: each scans a folder in its dataset's own layout into Clip records.

    scan = load_dataset("ravdess", "data/ravdess")      # or "rml", "affectnet", "images"
    scan = load_dataset("synth")                         # the generated corpus, made once

A file that does not fit the layout lands in ``scan.rejected`` with a one-line reason.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Callable

from emobench.datasets.audio_folders import scan_audio_folders
from emobench.datasets.clip import Clip, DatasetScan, Rejected
from emobench.datasets.emodb import NAME_RE as EMODB_NAME_RE, scan_emodb
from emobench.datasets.fer2013 import scan_fer2013
from emobench.datasets.images import scan_affectnet, scan_image_folder
from emobench.datasets.ravdess import scan_ravdess
from emobench.datasets.rml import scan_rml
from emobench.datasets.files import AUDIO_EXTS
from emobench.labels import IMAGE_FOLDER_NAMES, RML_KEYS

__all__ = ["Clip", "DatasetScan", "Rejected", "DATASETS", "load_dataset", "describe",
           "detect_layout", "synth_root", "scan_ravdess", "scan_rml", "scan_affectnet",
           "scan_image_folder", "scan_emodb", "scan_fer2013", "scan_audio_folders"]


def _scan_synth(root: Path, **options: Any) -> DatasetScan:
    return scan_ravdess(root, dataset="synth", **options)


DATASETS: dict[str, Callable[..., DatasetScan]] = {
    "ravdess": scan_ravdess, "rml": scan_rml, "affectnet": scan_affectnet,
    "images": scan_image_folder, "synth": _scan_synth,
    "emodb": scan_emodb, "audio-folders": scan_audio_folders, "fer2013": scan_fer2013,
}
#: Options each adapter understands (``load_dataset`` drops the others, so one call site can
#: pass e.g. ``include_calm`` whatever the dataset).
_OPTIONS = {
    "ravdess": {"modalities", "vocal_channels", "include_calm", "verify"},
    "synth": {"modalities", "vocal_channels", "include_calm", "verify"},
    "rml": {"verify"}, "affectnet": {"csv_path", "image_dir", "verify"},
    "images": {"verify"}, "emodb": {"verify"}, "audio-folders": {"verify"},
    "fer2013": {"verify"},
}


def synth_root(**params: Any) -> Path:
    """The generated corpus for ``params`` (made on first use, cached under cache_root()); the
    cache key covers generate_corpus's defaults too, so changing one makes a new corpus."""
    import hashlib
    import inspect
    import json

    from emobench.datasets.synth import SYNTH_VERSION, generate_corpus
    from emobench.paths import cache_root
    from emobench.workers import default_jobs

    defaults = {k: v.default for k, v in inspect.signature(generate_corpus).parameters.items()
                if v.default is not inspect.Parameter.empty and k not in ("jobs", "progress")}
    resolved = {**defaults, **params, "synth_version": SYNTH_VERSION}
    key = hashlib.sha256(json.dumps(resolved, sort_keys=True, default=str).encode()).hexdigest()
    out = cache_root() / "synth" / key[:12]
    generate_corpus(out, jobs=default_jobs(), **params)
    return out


def detect_layout(root: Path) -> str:
    """Guess the dataset of a folder from its layout."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: dataset folder not found")
    if any(root.rglob("Actor_[0-9][0-9]")):
        return "synth" if (root / "corpus.json").is_file() else "ravdess"
    if any(p.suffix.lower() in AUDIO_EXTS and EMODB_NAME_RE.match(p.stem)
           for p in root.rglob("*.wav")):
        return "emodb"
    labels = [p for p in root.rglob("*") if p.is_dir() and p.name.lower() in IMAGE_FOLDER_NAMES]
    if any(f.suffix.lower() in AUDIO_EXTS for d in labels for f in d.iterdir()):
        return "audio-folders"
    if any(p.is_dir() and p.name.lower() in IMAGE_FOLDER_NAMES for p in root.iterdir()):
        return "images"
    if (root / "fer2013.csv").is_file() or any(
            (root / d).is_dir() for d in ("train", "test", "validation")):
        return "fer2013"
    if any(root.glob("*.csv")):
        return "affectnet"
    if any(p.suffix.lower() == ".avi" and p.name[:2].lower() in RML_KEYS for p in root.rglob("*")):
        return "rml"
    raise ValueError(f"{root}: cannot tell the dataset from its layout; pass --dataset")


def load_dataset(name: str = "synth", root: Path | str | None = None,
                 **options: Any) -> DatasetScan:
    """Scan dataset ``name`` at ``root``; ``synth`` without a root uses the default corpus.

    ``name="auto"`` guesses the dataset from the folder's layout.
    """
    if name == "auto":
        if root is None:
            raise ValueError("dataset 'auto' needs a folder")
        name = detect_layout(Path(root))
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; expected one of {', '.join(DATASETS)}")
    if root is None:
        if name != "synth":
            raise ValueError(f"dataset {name!r} needs its folder (--data-root)")
        root = synth_root()
    wanted = {k: v for k, v in options.items() if k in _OPTIONS[name]}
    return DATASETS[name](Path(root), **wanted)


def describe(scan: DatasetScan) -> str:
    """Counts per emotion and per speaker, then every rejected file, as plain text."""
    from tabulate import tabulate

    by_emotion = Counter(c.emotion for c in scan.clips)
    by_speaker = Counter(c.speaker for c in scan.clips)
    by_modality = Counter(c.modality for c in scan.clips)
    lines = [f"{scan.name} at {scan.root}: {len(scan.clips)} clips, "
             f"{len(by_speaker)} speakers, {len(scan.rejected)} rejected, "
             f"{len(scan.excluded)} excluded",
             "modalities: " + ", ".join(f"{m} {n}" for m, n in sorted(by_modality.items())), "",
             tabulate(sorted(by_emotion.items()), headers=["emotion", "clips"]), "",
             tabulate(sorted(by_speaker.items()), headers=["speaker", "clips"])]
    if scan.excluded:
        reasons = Counter(r.reason for r in scan.excluded)
        lines += ["", "excluded (valid files left out by choice):"]
        lines += [f"  {n:5d}  {reason}" for reason, n in sorted(reasons.items())]
    if scan.rejected:
        lines += ["", "rejected:"] + [f"  {r}" for r in scan.rejected]
    return "\n".join(lines)
