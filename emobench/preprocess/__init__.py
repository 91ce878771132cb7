"""Preprocessing (issue 3): clips in, cached arrays out.

    out = audio_features(scan.clips, "emobase2010")          # (n, 1582) float32
    outs = run_preprocess(scan, stages=("audio", "faces", "flow"), jobs=2)

Every stage is keyed per clip file and per parameter set under ``cache_dir`` (default
``cache_root()/"features"``), so a second run does no work and a killed run resumes; bad clips are
skipped with a one-line reason (``StageOutput.skipped``, and ``<cache_dir>/skipped.jsonl``).
Heavy libraries (openSMILE, OpenCV) load only when a stage runs.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from emobench.preprocess.cache import StageCache, StageOutput, run_stage
from emobench.preprocess.opensmile_sets import FEATURE_SETS

#: Stage names ``run_preprocess`` understands, in the order it runs them.
STAGES = ("audio", "faces", "flow")

_LAZY = {
    "audio_features": "emobench.preprocess.audio",
    "face_crops": "emobench.preprocess.faces",
    "optical_flow": "emobench.preprocess.flow",
    "fit_scaler": "emobench.preprocess.scaling",
    "scale_split": "emobench.preprocess.scaling",
    "MediaError": "emobench.preprocess.media",
    "load_audio": "emobench.preprocess.media",
    "video_info": "emobench.preprocess.media",
    "read_frames": "emobench.preprocess.media",
    "sample_frames": "emobench.preprocess.media",
}

__all__ = ["FEATURE_SETS", "STAGES", "StageCache", "StageOutput", "run_stage", "run_preprocess",
           "describe_outputs",
           *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'emobench.preprocess' has no attribute {name!r}")


def run_preprocess(scan, stages=STAGES, *, feature_sets=("emobase",), frames: int = 16,
                   size: int = 112, detector: str = "haar", flow_method: str = "dis",
                   cache_dir: str | Path | None = None, jobs: int = 1,
                   progress: bool = True) -> dict[str, StageOutput]:
    """Run the requested stages over a ``DatasetScan`` (or a list of clips) and return their
    outputs keyed by stage name (``"audio:<set>"`` per feature set, ``"faces"``, ``"flow"``).

    Audio runs on clips with an audio track, faces and flow on clips with video; the rest of a
    stage's clips would only be skipped, so they are left out of it.
    """
    clips = list(getattr(scan, "clips", scan))
    stages = [stages] if isinstance(stages, str) else list(stages)
    unknown = sorted(set(stages) - set(STAGES))
    if unknown:
        raise ValueError(f"unknown preprocessing stage(s) {', '.join(unknown)}; "
                         f"choose from {', '.join(STAGES)}")
    if "faces" in stages or "flow" in stages:  # fail before any stage has run for minutes
        from emobench.preprocess.tracking import check_detector
        check_detector(detector)
    if "flow" in stages:
        from emobench.preprocess.flow import check_method
        check_method(flow_method)
    common = {"cache_dir": cache_dir, "jobs": jobs, "progress": progress}
    with_audio = [c for c in clips if c.has_audio]
    with_video = [c for c in clips if c.has_video]
    outputs: dict[str, StageOutput] = {}
    if "audio" in stages:
        from emobench.preprocess.audio import audio_features
        for feature_set in ([feature_sets] if isinstance(feature_sets, str) else feature_sets):
            out = audio_features(with_audio, feature_set, **common)
            outputs[out.stage] = out
    if "faces" in stages:
        from emobench.preprocess.faces import face_crops
        out = face_crops(with_video, frames=frames, size=size, detector=detector, **common)
        outputs[out.stage] = out
    if "flow" in stages:
        from emobench.preprocess.flow import optical_flow
        out = optical_flow(with_video, method=flow_method, frames=frames, size=size,
                           detector=detector, **common)
        outputs[out.stage] = out
    return outputs


def describe_outputs(outputs: dict[str, StageOutput], max_skipped: int = 10) -> str:
    """A table of what each stage produced (clips, skipped, computed now, seconds per computed
    clip, array shape), then the skipped clips with their reasons."""
    from tabulate import tabulate

    rows = [[name, len(out), len(out.skipped), out.computed,
             f"{out.seconds / out.computed:.3f}" if out.computed else "-",
             "x".join(map(str, out.data.shape)), str(out.data.dtype)]
            for name, out in outputs.items()]
    lines = [tabulate(rows, headers=["stage", "clips", "skipped", "computed", "s/clip",
                                     "shape", "dtype"])]
    for name, out in outputs.items():
        for rejected in out.skipped[:max_skipped]:
            lines.append(f"skipped [{name}] {rejected}")
        if len(out.skipped) > max_skipped:
            lines.append(f"skipped [{name}] ... and {len(out.skipped) - max_skipped} more")
    return "\n".join(lines)
