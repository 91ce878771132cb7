"""The optical-flow stage: dense flow between consecutive face crops of each clip, by OpenCV's
TV-L1 (``cv2.optflow.DualTVL1OpticalFlow``, the thesis's) or DIS (much faster).

    out = optical_flow(scan.clips, method="dis", frames=16, size=112)
    out.data                     # (n, 15, 112, 112, 2) float16: (dx, dy) in crop pixels

The crops come from the face stage's cache (computed and cached there first when missing), so
flow never detects faces again. Each clip's flow is stored as uint8 per frame pair and component
(``q``), with that pair's bounds (``lo``, ``hi``), so the error is at most half a step,
``(hi - lo) / 510``; :func:`dequantise` turns it back into float.
"""
from __future__ import annotations

import functools
from pathlib import Path

import cv2
import numpy as np

from emobench.datasets.clip import Clip
from emobench.preprocess.cache import StageCache, StageOutput, run_stage
from emobench.preprocess.faces import MARGIN, SMOOTH, cached_crops, face_stage

#: Bumped when a change alters the stored flow, so cached flow is recomputed.
FLOW_VERSION = 1
#: Each method's settings, all recorded in the cache key. TV-L1's are OpenCV's defaults.
FLOW_METHODS: dict[str, dict] = {
    "dis": {"preset": "medium"},
    "tvl1": {"tau": 0.25, "lambda": 0.15, "theta": 0.3, "nscales": 5, "warps": 5,
             "epsilon": 0.01, "inner_iterations": 30, "outer_iterations": 10,
             "scale_step": 0.8, "gamma": 0.0, "median_filtering": 5},
}
_DIS_PRESETS = {"ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
                "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
                "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM}


def check_method(method: str) -> str:
    """``method`` if it is a flow method, else a one-line ``ValueError``."""
    if method not in FLOW_METHODS:
        raise ValueError(f"unknown optical flow method {method!r}; choose from "
                         f"{', '.join(FLOW_METHODS)}")
    return method


def flow_algorithm(method: str = "dis"):
    """A fresh OpenCV dense optical flow object for ``method``, with its recorded settings."""
    s = FLOW_METHODS[check_method(method)]
    if method == "dis":
        return cv2.DISOpticalFlow_create(_DIS_PRESETS[s["preset"]])
    return cv2.optflow.DualTVL1OpticalFlow_create(
        tau=s["tau"], lambda_=s["lambda"], theta=s["theta"], nscales=s["nscales"],
        warps=s["warps"], epsilon=s["epsilon"], innnerIterations=s["inner_iterations"],
        outerIterations=s["outer_iterations"], scaleStep=s["scale_step"], gamma=s["gamma"],
        medianFiltering=s["median_filtering"])


def compute_flow(frames: np.ndarray, method: str = "dis") -> np.ndarray:
    """Flow between consecutive frames (``(n, H, W, 3)`` uint8 RGB or ``(n, H, W)`` grey):
    ``(n - 1, H, W, 2)`` float32, ``(dx, dy)`` in pixels from frame i to frame i + 1."""
    frames = np.asarray(frames)
    if frames.dtype != np.uint8 or frames.ndim not in (3, 4) or len(frames) < 2:
        raise ValueError(f"need >= 2 uint8 frames (n, H, W[, 3]), got {frames.dtype} "
                         f"{frames.shape}")
    grey = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) if f.ndim == 3 else f for f in frames]
    algo = flow_algorithm(method)
    return np.stack([algo.calc(a, b, None) for a, b in zip(grey[:-1], grey[1:])])


def quantise(flow: np.ndarray) -> dict[str, np.ndarray]:
    """``flow`` (``(pairs, H, W, 2)``) as ``q`` uint8 plus per pair and component bounds ``lo``,
    ``hi`` (``(pairs, 2)`` float32)."""
    lo = flow.min(axis=(1, 2)).astype(np.float32)
    hi = flow.max(axis=(1, 2)).astype(np.float32)
    step = _step(lo, hi)
    q = np.rint((flow - lo[:, None, None, :]) / step[:, None, None, :])
    return {"q": np.clip(q, 0, 255).astype(np.uint8), "lo": lo, "hi": hi}


def dequantise(q: np.ndarray, lo: np.ndarray, hi: np.ndarray,
               dtype=np.float16) -> np.ndarray:
    """The flow that :func:`quantise` stored (``q`` with its bounds), as ``dtype``."""
    step = _step(lo, hi)
    return (q.astype(np.float32) * step[..., None, None, :] + lo[..., None, None, :]).astype(dtype)


def _step(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return np.where(hi > lo, (hi - lo) / 255.0, 1.0).astype(np.float32)


def _clip_flow(clip: Clip, *, faces: StageCache, make_crops, method: str) -> dict:
    crops = cached_crops(clip, faces, make_crops)["data"]
    return quantise(compute_flow(crops, method))


def _bounds(cache: StageCache, clip: Clip) -> tuple[np.ndarray, np.ndarray]:
    with np.load(cache.path_for(clip), allow_pickle=False) as npz:  # reads only these members
        return npz["lo"], npz["hi"]


def optical_flow(clips: list[Clip], *, method: str = "dis", frames: int = 16, size: int = 112,
                 detector="haar", margin: float = MARGIN, smooth: int = SMOOTH,
                 cache_dir: str | Path | None = None, jobs: int = 1,
                 progress: bool = True) -> StageOutput:
    """Optical flow between the consecutive face crops of every clip, ``data`` of shape
    ``(n, frames - 1, size, size, 2)`` float16 (dx, dy in crop pixels), in input order; clips
    the face stage skips are skipped here with the same reason.

    The face parameters (``frames``, ``size``, ``detector``, ``margin``, ``smooth``) pick the
    face stage's cache entries to reuse; they and ``method`` make this stage's cache key.
    """
    check_method(method)
    if frames < 2:
        raise ValueError(f"optical flow needs frames >= 2, got {frames}")
    faces, make_crops = face_stage(frames, size, detector, margin, smooth, cache_dir)
    params = {"method": method, "settings": FLOW_METHODS[method], "faces": faces.key,
              "storage": "uint8 per pair and component, bounds lo/hi", "version": FLOW_VERSION,
              "opencv": cv2.__version__}
    cache = StageCache(faces.root, "flow", params)
    fn = functools.partial(_clip_flow, faces=faces, make_crops=make_crops, method=method)
    out = run_stage(clips, fn, cache, jobs=jobs, progress=progress, desc=f"flow:{method}",
                    key="q")
    shape = (frames - 1, size, size, 2)
    data = np.empty((len(out.ids), *shape), np.float16)
    by_id = {c.clip_id: c for c in clips}
    for i, clip_id in enumerate(out.ids):
        lo, hi = _bounds(cache, by_id[clip_id])
        data[i] = dequantise(out.data[i], lo, hi)
    out.data = data
    return out
